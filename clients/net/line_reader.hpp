#pragma once
// Buffered reading from a Stream with a deadline on every read (the idle
// timeout): the engines hand the bytes to a pure parser
// (imap::ResponseParser, pop3::ResponseParser) and never wait forever.
//
// Ownership: the reader refers to the Stream, which must outlive it. One
// read at a time; use from the Stream's executor only. Cancellation: a
// cancelled read returns error::cancelled; the Stream stays usable only if
// no bytes were lost, so an engine drops the connection after any error.

#include "clients/net/error.hpp"
#include "clients/net/stream.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::net {

class LineReader {
  public:
    // `server` ("host:port") names the peer in error messages. Each read asks
    // for at most `chunk_size` bytes.
    LineReader(Stream& stream, std::string server, std::size_t chunk_size = 64 * 1024);

    // Returns the next bytes: first those left over by read_line_with_deadline,
    // otherwise what arrives from the Stream within `idle_timeout`. The view
    // stays valid until the next call. Errors: timed_out (at `step`),
    // connection_closed, io_failed, cancelled.
    boost::asio::awaitable<boost::system::result<std::string_view, NetError>>
    read_some_with_deadline(std::chrono::steady_clock::duration idle_timeout,
                            Step step = Step::read);

    // Returns one line without its CRLF (or bare LF), reading as needed with
    // `idle_timeout` per read; bytes after the line stay buffered. A line
    // longer than `max_length` fails with io_failed. For greetings and
    // simple exchanges; protocol responses go through the parsers instead.
    boost::asio::awaitable<boost::system::result<std::string, NetError>> read_line_with_deadline(
        std::chrono::steady_clock::duration idle_timeout, Step step = Step::read,
        std::size_t max_length = 8192);

    // Writes all of `data` within `timeout`; std::nullopt on success.
    boost::asio::awaitable<std::optional<NetError>> write_with_deadline(
        std::string data, std::chrono::steady_clock::duration timeout, Step step = Step::write);

    const std::string& server() const noexcept { return server_; }

  private:
    Stream& stream_;
    std::string server_;
    std::vector<char> chunk_;
    std::string pending_;   // bytes read but not yet handed out
    std::string returned_;  // backs the view of the last read_some_with_deadline
};

}  // namespace mailferry::net
