#pragma once
// Where a POP3 message body goes as it arrives (RETR, TOP): chunk by chunk,
// already dot-unstuffed (RFC 1939 §3), CRLFs as the server sent them. No
// message is ever held whole by the client engine (STYLE §3).

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <string_view>

namespace mailferry::pop3 {

class RetrSink {
  public:
    virtual ~RetrSink() = default;

    // The next bytes of message `number`. `chunk` is valid only until the
    // returned awaitable completes: copy what you keep. A non-zero error
    // aborts the transfer; the client then drops the connection (the rest
    // of the message is still on the wire), so nothing is deleted.
    virtual boost::asio::awaitable<boost::system::error_code> on_chunk(std::uint32_t number,
                                                                       std::string_view chunk) = 0;

    // Message `number` is complete (the terminating "." was read). The
    // default does nothing.
    virtual boost::asio::awaitable<boost::system::error_code> on_end(std::uint32_t /*number*/) {
        co_return boost::system::error_code{};
    }
};

}  // namespace mailferry::pop3
