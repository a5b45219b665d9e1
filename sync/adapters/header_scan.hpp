#pragma once
// What a POP3 copy needs from a message's header block while the message
// streams past: its Message-ID and the time of its Date: field, which becomes
// the INTERNALDATE on the target (SPEC "What a migration does").
//
// HeaderScan is fed the message in chunks of any size and keeps only the
// header block (up to the first empty line), at most `limit` octets of it;
// the body is never kept (STYLE §3). Pure: no I/O.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailferry::sync {

class HeaderScan {
  public:
    explicit HeaderScan(std::size_t limit = 64 * 1024) : limit_(limit) {}

    void feed(std::string_view chunk);
    // The header block seen so far (complete once the empty line was fed).
    const std::string& header() const noexcept { return header_; }
    bool complete() const noexcept { return done_; }

    // Message-ID field value, unfolded and trimmed; "" when absent.
    std::string message_id() const;
    // The Date: field as seconds since the epoch; nullopt when absent or
    // unparsable.
    std::optional<std::int64_t> date() const;

  private:
    std::size_t limit_;
    std::string header_;
    bool done_ = false;
};

// RFC 5322 §3.3 date-time, with the obsolete forms of §4.3 (two-digit years,
// named zones such as "GMT" or "EST", no seconds, extra white space and
// comments after the zone): seconds since the epoch, UTC. nullopt when it
// does not parse.
std::optional<std::int64_t> parse_rfc5322_date(std::string_view text);

}  // namespace mailferry::sync
