#pragma once
// Header-block parsing shared by the MIME tree, ENVELOPE and BODYSTRUCTURE
// code. Pure functions over a caller-owned buffer; the views returned point
// into it.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "contrib/testserver/mime/message.hpp"

namespace mailferry::testserver::mime::detail {

struct HeaderBlock {
    std::vector<HeaderField> fields;
    std::size_t header_end = 0;  // just past the blank line, or `end` without one
    std::size_t body_begin = 0;  // == header_end
};

// Parses the header fields of the entity in message[begin, end): lines up to
// the first empty line (CRLF or bare LF), continuation lines folded into the
// previous field. Lines that are neither a field nor a continuation are
// skipped. Without an empty line the whole range is header and the body is
// empty.
HeaderBlock parse_header_block(std::string_view message, std::size_t begin, std::size_t end);

// The first field called `name` (case-insensitive, trailing blanks of the
// written name ignored), or nullptr.
const HeaderField* find_field(const std::vector<HeaderField>& fields, std::string_view name);

// The field name without the blanks obsolete syntax allows before the colon.
std::string_view trimmed_name(const HeaderField& field) noexcept;

// RFC 5322 §2.2.3 unfolding (CRLF and bare LF removed; a lone CR is no line
// break and stays), with the blanks after the colon dropped; trailing blanks
// are kept.
std::string unfold(std::string_view value);

// A Content-Type / Content-Disposition style value (RFC 2045 §5.1, RFC 2183):
// a main token, optionally "type/subtype", then `; attribute=value` pairs with
// quoted or token values. Comments are skipped. Attribute names are
// upper-cased; values keep their case.
struct ParameterizedValue {
    std::string primary;                   // "text" or the disposition type, as written
    std::optional<std::string> secondary;  // subtype after '/', if any
    std::vector<std::pair<std::string, std::string>> params;
};
ParameterizedValue parse_parameterized(std::string_view raw);

}  // namespace mailferry::testserver::mime::detail
