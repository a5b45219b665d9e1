#pragma once
// A server line made safe to show inside an error message, as in
// "Server sent invalid input: <reason>: \"* 1 FETCH (...\"..." (STYLE §5):
// bounded, and with control bytes escaped so that a hostile line cannot
// forge log lines or terminal escapes.

#include <cstddef>
#include <string>
#include <string_view>

namespace mailferry::wire {

// How many bytes of a line quote_line() shows at most.
inline constexpr std::size_t quote_line_limit = 120;

// `line` between double quotes: at most quote_line_limit bytes of it, CR and
// LF written as \r and \n, other bytes below 0x20 and DEL as \xNN; bytes
// from 0x80 up are kept (UTF-8 stays readable). `full_size` is the length of
// the line `line` is a prefix of: when more of it exists than is shown,
// "..." follows the closing quote.
std::string quote_line(std::string_view line, std::size_t full_size);

}  // namespace mailferry::wire
