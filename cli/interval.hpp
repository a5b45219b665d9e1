#pragma once
// The `interval` of a job (SPEC.md, "The config file"): how long the
// scheduler waits between two runs of it.

#include <chrono>
#include <string_view>

namespace mailferry::cli {

// A duration: one or more NUMBER UNIT groups with units d, h, m, s, each at
// most once and largest first ("90s", "15m", "2h", "1d", "1h30m"); at least
// 1 s, at most 365 days. Throws std::invalid_argument quoting the text.
std::chrono::seconds parse_interval(std::string_view text);

}  // namespace mailferry::cli
