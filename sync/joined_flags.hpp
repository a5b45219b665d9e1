#pragma once
// Flag lists as the state store keeps them: one string, the flags joined by
// one space ("\Seen $Label"), and back. The store normalises the string it
// is given (state/flag_string.hpp), so what comes back is sorted and without
// duplicates.

#include <string>
#include <vector>

namespace mailferry::sync {

std::string join_flags(const std::vector<std::string>& flags);
// Splits at spaces; runs of spaces and leading or trailing ones give no
// empty flag.
std::vector<std::string> split_flags(const std::string& flags);

}  // namespace mailferry::sync
