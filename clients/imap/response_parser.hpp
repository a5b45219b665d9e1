#pragma once
// Incremental IMAP4rev1 response parser (RFC 3501 §7, §9), fed bytes as
// they arrive; it never touches a socket, timer or log.
//
// Usage: call feed() with the unconsumed input until it returns
// Event::need_more (which means every byte was consumed), handling each
// other event as it comes:
//
//   while (true) {
//       FeedResult r = parser.feed(in);
//       in.remove_prefix(r.consumed);
//       if (r.event == Event::need_more) break;   // read more from the socket
//       ...
//   }
//
// Events:
//   response       a complete response: parser.response().
//   literal_begin  a literal larger than ParseLimits::inline_literal_max
//                  starts; parser.literal() says its size and where it is
//                  (e.g. FETCH item BODY[]). Its bytes follow as
//   literal_chunk  FeedResult::chunk, a view into the fed input, then
//   literal_end    after which the rest of the response is parsed; the
//                  response event shows the literal as
//                  Value::Kind::streamed_literal.
//   error          the input is not IMAP or exceeds a limit; error() and
//                  error_message() say why, quoting the offending line.
//                  The parser stays failed; drop the connection.
//
// Lifetime: FeedResult::chunk, response() and literal() stay valid until the
// next call to feed(). Copy what you keep.
//
// The parser resumes at any byte boundary, including inside CRLF, a literal
// size `{123}` or a quoted string.
//
// Tolerated server quirks (each harmless to accept, seen in the wild):
//  - lines ending in a bare LF instead of CRLF;
//  - spaces before CRLF (Courier) and several spaces between values;
//  - keywords (OK, FETCH, NIL, ...) in any case;
//  - `* OK` / `tag OK` with no text, and no space after the status word;
//  - `%`, `*`, `\` and 8-bit bytes in atoms, and `]` outside response codes;
//  - a `[` in resp-text without a closing `]` is taken as text, not a code;
//  - unknown untagged responses, response codes and FETCH items are parsed
//    generically (Gmail's X-GM-LABELS, X-GM-MSGID, X-GM-THRID, ...).

#include "clients/imap/error.hpp"
#include "clients/imap/response.hpp"

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::imap {

struct ParseLimits {
    // Longest line outside literals, CRLF excluded (error::line_too_long).
    std::size_t max_line_length = 64 * 1024;
    // Deepest list nesting (error::nesting_too_deep). BODYSTRUCTURE of a
    // deeply nested MIME message is the deepest thing servers send.
    std::size_t max_depth = 64;
    // Literals up to this size are kept inline in the response; larger ones
    // are streamed as literal_chunk events.
    std::size_t inline_literal_max = 64 * 1024;
    // Largest literal accepted at all (error::literal_too_large).
    std::uint64_t max_literal_size = std::uint64_t{4} << 30;
    // Largest response kept in memory: its lines plus inline literals
    // (error::response_too_large).
    std::size_t max_response_size = 16 * 1024 * 1024;
};

// Where a streamed literal sits in its response.
struct LiteralInfo {
    std::uint64_t size = 0;
    // The response keyword upper-cased, e.g. "FETCH".
    std::string response;
    // `* n FETCH`: n.
    std::optional<std::uint64_t> message;
    // The atom just before the literal in its list, e.g. "BODY[]",
    // "BODY[1.2]<0>", "RFC822"; empty if there is none.
    std::string item;
    // FETCH only: the message's UID when a `UID n` pair (n a nonzero 32-bit
    // number) precedes the literal at the top level of the msg-att list, as
    // in `* 3 FETCH (UID 17 BODY[] {n}`. Absent when the server sends UID
    // later (RFC 3501 §7.4.2 sets no order) or not at all. A "UID 5" inside
    // a string, literal or nested list before it does not count.
    std::optional<std::uint32_t> uid;
};

enum class Event {
    need_more,
    response,
    literal_begin,
    literal_chunk,
    literal_end,
    error,
};

struct FeedResult {
    std::size_t consumed = 0;
    Event event = Event::need_more;
    // literal_chunk only: the literal's next bytes, a view into the input.
    std::string_view chunk;
};

class ResponseParser {
  public:
    explicit ResponseParser(ParseLimits limits = {});

    FeedResult feed(std::string_view in);

    const Response& response() const noexcept { return response_; }
    const LiteralInfo& literal() const noexcept { return literal_; }
    boost::system::error_code error() const noexcept { return error_; }
    // "Server sent invalid input: <reason>: \"<line, truncated>\"".
    const std::string& error_message() const noexcept { return error_message_; }

    const ParseLimits& limits() const noexcept { return limits_; }

  private:
    enum class State { line, inline_literal, streaming, literal_done, failed };

    FeedResult feed_line(std::string_view in);
    FeedResult end_of_line(std::size_t consumed);
    FeedResult fail(std::size_t consumed, imap::error e, std::string_view reason);
    bool literal_allowed() const;
    void locate_literal(std::size_t marker_start, std::uint64_t size);
    bool parse_response();
    bool parse_resp_text(std::string_view rest);
    void reset_response();

    ParseLimits limits_;
    State state_ = State::line;
    bool start_fresh_ = true;
    // The response so far, normalized: each line ends in CRLF, inline literal
    // bytes follow their `{n}` CRLF.
    std::string buffer_;
    std::size_t line_start_ = 0;
    // Offsets in buffer_ where a streamed literal's (absent) bytes would be.
    std::vector<std::size_t> streamed_;
    std::uint64_t literal_left_ = 0;
    Response response_;
    LiteralInfo literal_;
    boost::system::error_code error_;
    std::string error_message_;
    std::string parse_reason_;
    imap::error parse_error_ = imap::error::invalid_input;
};

}  // namespace mailferry::imap
