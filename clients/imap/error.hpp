#pragma once
// Errors of the IMAP client wire code (response parser and typed views), as
// boost::system::error_code values in their own category.

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace mailferry::imap {

enum class error {
    // The server sent something that is not an IMAP4rev1 response (RFC 3501
    // §9); the parser stops, the connection must be dropped.
    invalid_input = 1,
    // A line outside literals is longer than ParseLimits::max_line_length.
    line_too_long,
    // Parenthesized lists nest deeper than ParseLimits::max_depth.
    nesting_too_deep,
    // A literal announces more than ParseLimits::max_literal_size bytes, or a
    // size that does not fit in 64 bits.
    literal_too_large,
    // One response's lines plus inline literals exceed
    // ParseLimits::max_response_size.
    response_too_large,
    // A typed view was asked for a response that does not have that shape
    // (e.g. a FETCH whose UID is not a number).
    malformed_response,
};

const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(error e) noexcept {
    return {static_cast<int>(e), error_category()};
}

}  // namespace mailferry::imap

template <>
struct boost::system::is_error_code_enum<mailferry::imap::error> : std::true_type {};
