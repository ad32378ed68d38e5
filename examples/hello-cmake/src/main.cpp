// hello-cmake [NAME]: prints the greeting of the project's own shared library.
#include <iostream>
#include <vector>

#include "greet.hpp"

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    std::cout << greet::greeting(args.empty() ? "nixbuild" : args.front()) << std::endl;
    return 0;
}
