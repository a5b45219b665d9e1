#pragma once
// Incremental POP3 response parser (RFC 1939 §3, RFC 2449 extended response
// codes, RFC 5034 SASL continuations), fed bytes as they arrive; it never
// touches a socket, timer or log.
//
// Usage: before sending a command whose +OK is followed by a multi-line
// body (RETR, TOP, LIST and UIDL without argument, CAPA), call
// expect_multiline(). Then call feed() with the unconsumed input until it
// returns Event::need_more (every byte consumed), handling each event:
//   status        `+OK ...` or `-ERR ...`: status(). After a +OK that was
//                 expected to be multi-line, the body follows as
//   body_chunk    FeedResult::chunk: body bytes with dot-stuffing removed
//                 (RFC 1939 §3: a line starting ".." becomes "."), CRLFs
//                 kept; then
//   body_end      the terminating ".CRLF" was read.
//   continuation  `+ base64` during AUTH: continuation() (without "+ ").
//   error         not POP3 or over a limit: error(), error_message(). The
//                 parser stays failed; drop the connection.
// A -ERR clears the multi-line expectation (no body follows it).
//
// Lifetime: FeedResult::chunk (a view into the input, or into static
// storage for a restored dot), status() and continuation() stay valid until
// the next feed(). The parser resumes at any byte boundary, including inside
// CRLF and between a line-leading dot and what follows it.
//
// Tolerated quirks: bare LF line ends; "+ok"/"-err" in lower case; a status
// word followed by nothing; a body line starting with a single dot that is
// not the terminator is passed through unchanged.

#include "clients/pop3/error.hpp"

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mailferry::pop3 {

struct ParseLimits {
    // Longest status or continuation line, CRLF excluded. RFC 2449 §4 allows
    // 512 octets with CRLF; servers exceed that (long CAPA-like greetings,
    // SASL challenges), so the default is more generous.
    std::size_t max_status_line = 4096;
};

// A `+OK` or `-ERR` line.
struct StatusLine {
    bool ok = false;
    // RFC 2449 §8 extended code, upper-cased without brackets: "IN-USE",
    // "LOGIN-DELAY", "SYS/TEMP", "SYS/PERM", "AUTH".
    std::optional<std::string> code;
    // The text after the status word (and code), trailing spaces removed.
    std::string text;
};

enum class Event {
    need_more,
    status,
    continuation,
    body_chunk,
    body_end,
    error,
};

struct FeedResult {
    std::size_t consumed = 0;
    Event event = Event::need_more;
    std::string_view chunk;  // body_chunk only
};

class ResponseParser {
  public:
    explicit ResponseParser(ParseLimits limits = {});

    // The next +OK starts a multi-line body.
    void expect_multiline() noexcept { multiline_ = true; }

    FeedResult feed(std::string_view in);

    const StatusLine& status() const noexcept { return status_; }
    const std::string& continuation() const noexcept { return continuation_; }
    boost::system::error_code error() const noexcept { return error_; }
    // "Server sent invalid input: <reason>: \"<line, truncated>\"".
    const std::string& error_message() const noexcept { return error_message_; }

  private:
    enum class State { line, body_line_start, body_mid, body_dot, body_dot_cr, failed };

    FeedResult end_of_line(std::size_t consumed);
    FeedResult fail(std::size_t consumed, pop3::error e, std::string_view reason);
    FeedResult feed_body(std::string_view rest, std::size_t used);

    ParseLimits limits_;
    State state_ = State::line;
    bool multiline_ = false;
    std::string line_;
    StatusLine status_;
    std::string continuation_;
    boost::system::error_code error_;
    std::string error_message_;
};

}  // namespace mailferry::pop3
