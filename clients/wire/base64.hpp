#pragma once
// Base64 (RFC 4648 §4) as SASL (RFC 4422) and IMAP/POP3 AUTHENTICATE use it:
// no line breaks, '=' padding required.

#include <optional>
#include <string>
#include <string_view>

namespace mailferry::wire {

std::string base64_encode(std::string_view bytes);
// std::nullopt when `text` is not canonical padded base64 (wrong length,
// characters outside the alphabet, misplaced '=').
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace mailferry::wire
