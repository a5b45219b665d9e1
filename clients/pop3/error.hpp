#pragma once
// Errors of the POP3 client wire code (response parser and reply helpers),
// as boost::system::error_code values in their own category.

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace mailferry::pop3 {

enum class error {
    // The server sent a line that is not a POP3 response (RFC 1939 §3,
    // RFC 5034 §4); the parser stops, the connection must be dropped.
    invalid_input = 1,
    // A status line is longer than ParseLimits::max_status_line.
    line_too_long,
};

const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(error e) noexcept {
    return {static_cast<int>(e), error_category()};
}

}  // namespace mailferry::pop3

template <>
struct boost::system::is_error_code_enum<mailferry::pop3::error> : std::true_type {};
