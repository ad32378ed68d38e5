#pragma once
#include <string>

namespace greet {
// The greeting for `who`, built with the C++ standard library.
std::string greeting(const std::string& who);
}
