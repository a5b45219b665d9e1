#pragma once
// Errors of the body streams (body_stream.hpp), as boost::system codes in
// category "mailferry.net.body_stream". A BodyPipe fails both of its sides
// with one of these when a side broke the stream's contract.

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace mailferry::net {

enum class body_stream_error {
    // The producer gave more or fewer bytes than the size it announced for
    // the message.
    body_size_mismatch = 1,
    // The other end of the stream failed (the producer gave up in the middle
    // of a message, or failed without saying why).
    stream_failed,
};

const boost::system::error_category& body_stream_error_category() noexcept;

inline boost::system::error_code make_error_code(body_stream_error e) noexcept {
    return {static_cast<int>(e), body_stream_error_category()};
}

}  // namespace mailferry::net

template <>
struct boost::system::is_error_code_enum<mailferry::net::body_stream_error> : std::true_type {};
