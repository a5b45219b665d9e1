#pragma once
// Incremental parser for POP3 client command lines (RFC 1939 §3, RFC 2449 §4,
// RFC 5034 §4). Pure: it is fed bytes and never touches I/O. It resumes at
// any byte boundary, including between CR and LF.
//
// Grammar accepted: a keyword of 3 or 4 letters (case-insensitive, reported
// upper-cased), then arguments each preceded by exactly one space, ended by
// CRLF (a bare LF is tolerated). Two exceptions, both from the RFCs:
//  - PASS takes the rest of the line as its one argument, spaces included
//    (RFC 1939 §7 allows a server to treat spaces as part of the password),
//    and is exempt from the argument length limit;
//  - the initial response of AUTH (its second argument) is exempt from the
//    argument length limit (RFC 5034 §4: only the command limit applies).
//
// Every violation is reported as its own error after the whole offending
// line has been consumed, so the session answers one -ERR and goes on with
// the next line. An over-long line is discarded as it arrives: memory stays
// bounded by the limit.
//
// AUTH continuation lines (a base64 client response or "*") are not
// commands: the session calls expect_response() after sending "+ ", and the
// next line comes back as a `response` event instead.
//
// The caller owns the input buffer: feed() reports how many bytes it used;
// the rest must be fed again (with more data appended) next time. Used bytes
// are copied, so the buffer may be reused.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::testserver::pop3 {

struct CommandLimits {
    std::size_t max_line = 255;       // octets of a command line including CRLF (RFC 2449 §4)
    std::size_t max_argument = 40;    // octets of one argument (RFC 1939 §3)
    std::size_t max_response = 4096;  // octets of an AUTH response line including CRLF
};

// One command line. `keyword` is upper-cased; arguments are as sent.
struct Command {
    std::string keyword;
    std::vector<std::string> args;
};

enum class ParseError {
    none = 0,
    line_too_long,      // the command line exceeds max_line octets including CRLF
    response_too_long,  // the AUTH response line exceeds max_response octets
    empty_line,         // nothing before the line end
    bad_keyword,        // the keyword is not 3 or 4 letters
    empty_argument,     // two spaces in a row, or a space before the line end
    argument_too_long,  // an argument exceeds max_argument octets
    control_character,  // a control octet (0x00-0x1F, 0x7F) inside the line, a lone CR included
};

// English text for the -ERR response, e.g. "command line too long".
std::string_view describe(ParseError e) noexcept;

class CommandParser {
  public:
    enum class Event {
        need_more,  // all input used, feed more
        command,    // a command line is ready: command()
        response,   // an AUTH response line is ready: response()
        error,      // a line was rejected: error(); the parser is at the next line
    };

    struct Result {
        std::size_t consumed = 0;
        Event event = Event::need_more;
    };

    explicit CommandParser(CommandLimits limits = {});

    // Consumes bytes up to and including the end of one line (or all of
    // `input` when no line ends in it).
    Result feed(std::string_view input);

    // The line that produced the last event; valid until the next feed().
    const Command& command() const noexcept { return command_; }
    const std::string& response() const noexcept { return response_; }
    ParseError error() const noexcept { return error_; }

    // The next line is an AUTH client response (RFC 5034 §4): returned raw,
    // without its line end, as one `response` event; then back to commands.
    void expect_response() noexcept { expect_response_ = true; }
    bool expecting_response() const noexcept { return expect_response_; }

    // Forgets any partial line and the response mode (after STLS: RFC 2595
    // §4 forbids acting on plaintext sent before the handshake).
    void reset() noexcept;

  private:
    Event finish_line();
    ParseError parse_command(std::string_view line);

    CommandLimits limits_;
    std::string line_;       // the current line so far, without LF
    bool overflow_ = false;  // the current line passed its limit; discarding to LF
    bool expect_response_ = false;
    Command command_;
    std::string response_;
    ParseError error_ = ParseError::none;
};

}  // namespace mailferry::testserver::pop3
