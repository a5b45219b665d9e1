#pragma once
// The body of a POP3 multi-line response (RFC 1939 §3): every line that
// begins with "." gets one more "." in front, and the body ends with
// ".CRLF" on a line of its own. Pure and streaming: a message goes out in
// chunks, each stuffed as it passes, so no stuffed copy of a whole message
// is ever built.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mailferry::testserver::pop3 {

class DotStuffer {
  public:
    // Appends `chunk`, stuffed, to `out`. Chunks may split lines anywhere,
    // CRLF included.
    void feed(std::string_view chunk, std::string& out);
    // Appends the terminating ".CRLF", preceded by a CRLF when the body did
    // not end with a line end (RFC 1939 §3: the terminator is on its own line).
    void finish(std::string& out);

  private:
    bool line_start_ = true;
};

// RFC 1939 §7 TOP: how many leading octets of `message` hold its header,
// the blank line after it and then at most `body_lines` lines of the body.
// A message without a blank line is all header. Lines end at LF.
std::size_t top_length(std::string_view message, std::uint64_t body_lines) noexcept;

}  // namespace mailferry::testserver::pop3
