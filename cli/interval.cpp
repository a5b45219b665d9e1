#include "cli/interval.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <stdexcept>
#include <string>
#include <utility>

namespace mailferry::cli {

namespace {

// Messages are built without fmt: the config fuzz target compiles this file
// with the standard library alone.
[[noreturn]] void bad_interval(std::string_view text, std::string_view why) {
    throw std::invalid_argument("'" + std::string(text) +
                                "' is not a valid interval: " + std::string(why) +
                                "; write e.g. \"90s\", \"15m\", \"2h\", \"1d\" or \"1h30m\"");
}

}  // namespace

std::chrono::seconds parse_interval(std::string_view text) {
    constexpr std::int64_t max_seconds = std::int64_t{365} * 24 * 3600;
    constexpr std::array<std::pair<char, std::int64_t>, 4> units = {
        {{'d', 24 * 3600}, {'h', 3600}, {'m', 60}, {'s', 1}}};
    if (text.empty()) {
        bad_interval(text, "it is empty");
    }
    std::int64_t total = 0;
    std::size_t next_unit = 0;  // units go from the largest to the smallest
    std::size_t i = 0;
    while (i < text.size()) {
        std::int64_t number = 0;
        const std::size_t start = i;
        for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
            // Saturate: anything this large is rejected as too long below.
            number = std::min<std::int64_t>(number * 10 + (text[i] - '0'), max_seconds + 1);
        }
        if (i == start) {
            bad_interval(text, "expected a number");
        }
        if (i == text.size()) {
            bad_interval(text, "the number needs a unit: s, m, h or d");
        }
        const char unit = text[i++];
        const auto found = std::find_if(units.begin(), units.end(),
                                        [unit](const auto& u) { return u.first == unit; });
        if (found == units.end()) {
            bad_interval(text, std::string("unknown unit '") + unit + "'; use s, m, h or d");
        }
        const auto index = static_cast<std::size_t>(std::distance(units.begin(), found));
        if (index < next_unit) {
            bad_interval(text, "units must go from the largest to the smallest, each at most once");
        }
        next_unit = index + 1;
        total = std::min(total + number * found->second, max_seconds + 1);
    }
    if (total > max_seconds) {
        bad_interval(text, "longer than 365 days");
    }
    if (total < 1) {
        bad_interval(text, "must be at least 1 second");
    }
    return std::chrono::seconds(total);
}

}  // namespace mailferry::cli
