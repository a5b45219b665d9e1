#pragma once
// Case-insensitive comparison and number parsing shared by the IMAP argument parsers.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailferry::testserver::imap::detail {

inline char ascii_upper(char c) {
    return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

inline std::string upper(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), ascii_upper);
    return out;
}

inline bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return ascii_upper(x) == ascii_upper(y);
           });
}

// RFC 3501 §9 number: 1*DIGIT, at most `max`. nullopt for an empty string,
// non-digits or overflow.
inline std::optional<std::uint64_t> parse_decimal(std::string_view s, std::uint64_t max) {
    if (s.empty() || s.size() > 20) {
        return std::nullopt;
    }
    std::uint64_t n = 0;
    for (const char c : s) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        const auto d = static_cast<std::uint64_t>(c - '0');
        if (n > (max - d) / 10) {
            return std::nullopt;
        }
        n = n * 10 + d;
    }
    return n;
}

}  // namespace mailferry::testserver::imap::detail
