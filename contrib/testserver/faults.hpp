#pragma once
// Fault injection for tests: `mailferry testserver --faults SPEC` makes the
// servers misbehave at chosen points so clients can prove they survive.
//
// SPEC is a comma-separated list of KEY=VALUE:
//   drop-after-commands=N  the connection carrying the server's Nth command
//                          (counted over all connections, both protocols) is
//                          closed before that command is answered
//   drop-after-bytes=N     the connection during whose write the server's
//                          total output crosses N octets is closed mid-write
//                          (N octets in all were sent)
//   delay-ms=N             every response is delayed by N milliseconds
//   no-append=N            the Nth IMAP APPEND is answered NO [SERVERBUG]
//   bye-in-fetch=N         during the Nth IMAP FETCH (or UID FETCH) the
//                          server sends "* BYE" after the first message's
//                          response and closes
//   uid-last=1             IMAP FETCH responses list UID after every other
//                          item ("* 1 FETCH (BODY[] {n}... UID 7)"), which
//                          RFC 3501 §7.4.2 allows; 0 (the default) lists it
//                          where it was requested (first for UID FETCH)
//   no-uidl=1              POP3 UIDL is not offered (left out of CAPA and
//                          answered -ERR): RFC 1939 §7 makes it optional
// Counts start at 1 and are process-wide; each counted fault fires once.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace mailferry::testserver {

struct FaultPlan {
    std::optional<std::uint64_t> drop_after_commands;
    std::optional<std::uint64_t> drop_after_bytes;
    std::optional<std::uint64_t> no_append;
    std::optional<std::uint64_t> bye_in_fetch;
    std::chrono::milliseconds delay{0};
    bool uid_last = false;
    bool no_uidl = false;

    // Throws std::invalid_argument naming the bad key or value.
    static FaultPlan parse(std::string_view spec);
};

// The process-wide counters behind a FaultPlan. Used from the server's one
// io_context thread only.
class FaultInjector {
  public:
    explicit FaultInjector(FaultPlan plan = {}) : plan_(plan) {}

    // Counts a received command; true when this connection must be dropped now.
    bool on_command();
    // How many of `n` octets about to be written may go out; fewer than `n`
    // means: write that many, then drop the connection.
    std::uint64_t allow_write(std::uint64_t n);
    // Counts an APPEND; true when it must be answered NO.
    bool on_append();
    // Counts a FETCH; true when it must be cut off by BYE after one message.
    bool on_fetch();
    std::chrono::milliseconds delay() const noexcept { return plan_.delay; }
    // FETCH responses put UID last (not counted: applies to every FETCH).
    bool uid_last() const noexcept { return plan_.uid_last; }
    // POP3 UIDL is not offered (not counted: applies to every session).
    bool no_uidl() const noexcept { return plan_.no_uidl; }

    // The counts so far (the step a counted fault fires at is compared with
    // these): tests read them after a clean run to choose their fault steps.
    std::uint64_t commands() const noexcept { return commands_; }
    std::uint64_t bytes_written() const noexcept { return bytes_; }
    std::uint64_t appends() const noexcept { return appends_; }
    std::uint64_t fetches() const noexcept { return fetches_; }

  private:
    FaultPlan plan_;
    std::uint64_t commands_ = 0;
    std::uint64_t bytes_ = 0;
    std::uint64_t appends_ = 0;
    std::uint64_t fetches_ = 0;
};

}  // namespace mailferry::testserver
