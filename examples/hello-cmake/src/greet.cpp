#include "greet.hpp"

#include <sstream>

namespace greet {
std::string greeting(const std::string& who) {
    std::ostringstream out;
    out << "Hello, " << who << ", from a CMake library!";
    return out.str();
}
}  // namespace greet
