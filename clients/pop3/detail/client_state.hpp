#pragma once
// Internals of pop3::Client shared by client.cpp (connection, login) and
// client_transaction.cpp (TRANSACTION-state commands): the connection, the
// response parser and the read/write core every command goes through.

#include "clients/net/line_reader.hpp"
#include "clients/net/stream.hpp"
#include "clients/pop3/client.hpp"
#include "clients/pop3/response_parser.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailferry::pop3 {

struct Client::State {
    using Duration = std::chrono::steady_clock::duration;

    ClientOptions options;
    std::string server;  // "host:port"
    std::optional<net::Stream> stream;
    std::optional<net::LineReader> reader;
    ResponseParser parser;
    // Unparsed input: a view into the reader's buffer, valid until the next read.
    std::string_view pending;
    std::string greeting;
    std::string timestamp;
    Capabilities caps;
    bool verified = false;
    bool broken = false;
    // The largest message count STAT reported: listings name no message
    // beyond it.
    std::optional<std::uint32_t> stat_count;

    bool usable() const noexcept { return !broken && stream && stream->is_open(); }

    // Makes options.tls_context if it is not there yet (pop3s, STLS); the
    // error names the TLS set-up.
    std::optional<ClientError> ready_tls_context();
    // The error for a call on a connection that is gone.
    ClientError not_connected(std::string step) const;
    // Drops the connection and returns `e` (for errors after which the
    // protocol state is unknown).
    ClientError fail(ClientError e);

    // Writes `data` (one or more CRLF-terminated commands). `shown` is what
    // the trace log prints (credentials redacted).
    boost::asio::awaitable<std::optional<ClientError>> send(std::string data, std::string shown,
                                                            std::string step);
    // Logs one line the server sent, at trace level.
    void trace_received(const StatusLine& status) const;
    // The next parser event other than need_more, reading as needed; every
    // read waits at most `timeout`. Parser errors fail the connection.
    boost::asio::awaitable<Result<FeedResult>> next_event(std::string step, Duration timeout,
                                                          net::Step net_step = net::Step::read);
    // The next status line (a continuation is a protocol_error).
    boost::asio::awaitable<Result<StatusLine>> read_status(std::string step, Duration timeout,
                                                           net::Step net_step = net::Step::read);
    // Reads a multi-line body into `sink` after its +OK; returns the octets.
    boost::asio::awaitable<Result<std::uint64_t>> read_body(std::string step, RetrSink& sink,
                                                            std::uint32_t number);
    // Sends `line` + CRLF and reads its status line; `multiline` announces a
    // body after +OK (the caller reads it). The trace log shows
    // redact_command(line).
    boost::asio::awaitable<Result<StatusLine>> command(std::string line, std::string step,
                                                       bool multiline = false);
    // CAPA (RFC 2449 §5); a -ERR leaves the RFC 1939 basics.
    boost::asio::awaitable<std::optional<ClientError>> load_capabilities();
};

// `line` as the trace log may show it: "PASS ***", "APOP user ***",
// "AUTH PLAIN ***" (the initial response hidden).
std::string redact_command(std::string_view line);

// "+OK text" / "-ERR [CODE] text" as the server sent it (code upper-cased).
std::string format_status(const StatusLine& status);

// A RetrSink that collects a listing (CAPA, LIST, UIDL) up to a limit.
class CollectSink final : public RetrSink {
  public:
    explicit CollectSink(std::size_t limit) : limit_(limit) {}
    boost::asio::awaitable<boost::system::error_code> on_chunk(std::uint32_t number,
                                                               std::string_view chunk) override;
    const std::string& text() const noexcept { return text_; }
    bool overflowed() const noexcept { return overflowed_; }

  private:
    std::size_t limit_;
    std::string text_;
    bool overflowed_ = false;
};

}  // namespace mailferry::pop3
