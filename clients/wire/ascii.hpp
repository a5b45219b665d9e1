#pragma once
// ASCII case folding for protocol keywords, header names and flags: IMAP
// atoms, POP3 commands and RFC 5322 field names compare case-insensitively
// in US-ASCII only. Bytes outside A-Z/a-z (UTF-8 included) are never
// changed, whatever the C locale says, so these never call std::tolower.

#include <algorithm>
#include <string>
#include <string_view>

namespace mailferry::wire {

constexpr char ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr char ascii_upper(char c) noexcept {
    return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

// `s` with A-Z turned into a-z.
inline std::string to_ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        c = ascii_lower(c);
    }
    return out;
}

// `s` with a-z turned into A-Z.
inline std::string to_ascii_upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        c = ascii_upper(c);
    }
    return out;
}

constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return ascii_lower(x) == ascii_lower(y);
           });
}

constexpr bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// True when `needle` occurs in `haystack` ignoring ASCII case; an empty
// needle always does.
constexpr bool icontains(std::string_view haystack, std::string_view needle) noexcept {
    return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                       [](char x, char y) { return ascii_lower(x) == ascii_lower(y); }) !=
               haystack.end() ||
           needle.empty();
}

}  // namespace mailferry::wire
