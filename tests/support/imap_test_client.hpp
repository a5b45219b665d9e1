#pragma once
// A raw IMAP client for server tests: sends exact bytes, reads exact
// responses, with a bounded wait on every read (no sleeps). Runs its own
// io_context on the calling thread, so tests stay plain sequential code.
//
// Every wait is bounded by `timeout`; a read that times out returns what it
// has and marks timed_out(), so the test fails with the partial output
// instead of hanging.

#include "clients/net/stream.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::test {

class ImapTestClient {
  public:
    explicit ImapTestClient(std::uint16_t port,
                            std::chrono::milliseconds timeout = std::chrono::seconds(10));
    ~ImapTestClient();

    // Writes `data` exactly as given.
    void send(std::string_view data);
    // One response: a line without its CRLF, with any literals it announces
    // inlined ("* 1 FETCH (BODY[] {3}\r\nabc)"). nullopt on EOF or timeout.
    std::optional<std::string> response();
    // Reads exactly `n` raw octets (or fewer on EOF/timeout).
    std::string read_exact(std::size_t n);
    // Sends "tag text\r\n" and returns every response up to and including
    // the tagged one.
    std::vector<std::string> command(std::string_view tag, std::string_view text);
    // Reads responses until the one starting with "tag ".
    std::vector<std::string> until_tagged(std::string_view tag);
    // True when the server closes the connection within the timeout (any
    // data it sends first is returned through `rest`).
    bool closed_by_server(std::string* rest = nullptr);
    // True when nothing arrives within `wait` (used to check the server
    // stays silent, e.g. a LITERAL+ literal gets no continuation).
    bool silent_for(std::chrono::milliseconds wait);
    // Upgrades the connection with a TLS handshake (no verification).
    bool start_tls();
    bool timed_out() const noexcept { return timed_out_; }

  private:
    bool read_more(std::chrono::milliseconds wait);

    boost::asio::io_context io_;
    boost::asio::ssl::context tls_;
    std::optional<net::Stream> stream_;
    std::string buffer_;
    std::chrono::milliseconds timeout_;
    bool eof_ = false;
    bool timed_out_ = false;
};

// Joins lines with "\r\n" after each, for comparing whole exchanges.
std::string join_lines(const std::vector<std::string>& lines);

}  // namespace mailferry::test
