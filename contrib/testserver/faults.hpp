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
//   at=VERB:N:ACTION       the Nth command VERB (IMAP or POP3 keyword; IMAP
//                          "UID FETCH" counts as FETCH) meets ACTION:
//                            drop   the connection is closed
//                            bye    IMAP "* BYE [UNAVAILABLE]", POP3
//                                   "-ERR [SYS/TEMP]", then closed
//                            no     refused: IMAP "NO [UNAVAILABLE]", POP3
//                                   "-ERR [SYS/TEMP]"
//                            stall  nothing more is answered; the connection
//                                   is read and ignored until the client
//                                   hangs up
//                          instead of carrying the command out, or with a
//                          suffix after carrying it out (an APPEND is
//                          stored, a QUIT deletes):
//                            -after     before any of its answer is sent
//                            -mid       half-way through its answer (inside
//                                       a FETCH or RETR literal)
//                            -answered  once it is fully answered
//                          ("no" takes no suffix, "bye" not -mid).
//                          `at` may be given several times. When one fires
//                          the server logs "fault fired: at=VERB:N:ACTION"
//                          (a warning), so a test can time a SIGKILL of the
//                          client to that moment.
//   random=SEED:PERMILLE   besides, any command meets one of drop, bye, no,
//                          drop-after or drop-mid with a chance of PERMILLE
//                          in 1000, drawn from a generator seeded with SEED
//                          (the same SEED, the same faults for the same
//                          commands); logged like an `at` fault
// Counts start at 1 and are process-wide; each counted fault fires once.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::testserver {

// What an `at=` fault does to the connection...
enum class FaultEffect { drop, bye, no, stall };
// ...and when: instead of the command, or after carrying it out.
enum class FaultTiming { instead, after, mid, answered };

// One `at=VERB:N:ACTION` fault.
struct VerbFault {
    std::string verb;  // upper case
    std::uint64_t nth = 0;
    FaultEffect effect = FaultEffect::drop;
    FaultTiming timing = FaultTiming::instead;

    // "at=APPEND:3:drop-after", as the fired log line says it.
    std::string describe() const;
};

struct FaultPlan {
    std::optional<std::uint64_t> drop_after_commands;
    std::optional<std::uint64_t> drop_after_bytes;
    std::optional<std::uint64_t> no_append;
    std::optional<std::uint64_t> bye_in_fetch;
    std::chrono::milliseconds delay{0};
    bool uid_last = false;
    bool no_uidl = false;
    std::vector<VerbFault> at;
    std::optional<std::uint64_t> random_seed;
    std::uint32_t random_permille = 0;

    // Throws std::invalid_argument naming the bad key or value.
    static FaultPlan parse(std::string_view spec);
};

// The process-wide counters behind a FaultPlan. Used from the server's one
// io_context thread only.
class FaultInjector {
  public:
    explicit FaultInjector(FaultPlan plan = {})
        : plan_(plan), random_(plan.random_seed.value_or(0)) {}

    // Counts a received command; true when this connection must be dropped now.
    bool on_command();
    // How many of `n` octets about to be written may go out; fewer than `n`
    // means: write that many, then drop the connection.
    std::uint64_t allow_write(std::uint64_t n);
    // Counts an APPEND; true when it must be answered NO.
    bool on_append();
    // Counts a FETCH; true when it must be cut off by BYE after one message.
    bool on_fetch();
    // Counts a command by its verb; the `at` fault that fires on it, if any.
    std::optional<VerbFault> on_verb(std::string_view verb);
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
    std::map<std::string, std::uint64_t, std::less<>> verbs_;
    std::mt19937_64 random_;
};

}  // namespace mailferry::testserver
