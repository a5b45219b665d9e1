#pragma once
// IMAP string encoding for FETCH response data (RFC 3501 §4.3, §9 "string").

#include <optional>
#include <string>
#include <string_view>

namespace mailferry::testserver::mime::detail {

// Appends `text` as a quoted string with '\' and '"' escaped, or as a literal
// "{n}\r\n<bytes>" when it holds CR, LF, NUL or 8-bit octets, which a quoted
// string cannot carry.
void append_string(std::string& out, std::string_view text);

// As append_string, or NIL when `text` is absent.
void append_nstring(std::string& out, const std::optional<std::string>& text);

}  // namespace mailferry::testserver::mime::detail
