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
//   throttle=N/MS          a provider's rate limit, made independent of the
//                          client's speed so a test sees the same refusals
//                          on a loaded machine: a user's (all of its
//                          authenticated connections, both protocols) first
//                          N commands are carried out; then its commands
//                          are refused without being carried out (see
//                          throttle-action) for MS milliseconds counted from
//                          the first refused one; then N more, and so on.
//                          A user that sent nothing for MS milliseconds has
//                          its N back. LOGOUT and QUIT are never refused
//   throttle-bytes=N/MS    the same for octets: once a user's commands
//                          (APPEND literals included) reach N octets, the
//                          next ones are refused for MS milliseconds
//   throttle-action=ACTION what a refused command gets:
//                            no   (the default) IMAP "NO [THROTTLED] ...",
//                                 POP3 "-ERR [SYS/TEMP] ..."
//                            bye  IMAP "* BYE [UNAVAILABLE] Server busy, try
//                                 again later", POP3 "-ERR [SYS/TEMP] ...",
//                                 then the connection is closed
//   max-connections=N      a user may hold N authenticated IMAP connections
//                          at once; a login beyond them is refused with
//                          "NO [UNAVAILABLE] Too many simultaneous
//                          connections", as Gmail does (POP3's maildrop lock
//                          already allows one session per user)
// The server logs every throttled command and refused login (a warning).
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

// A rate limit: `limit` commands (or octets), then `refusal` of refusals.
struct RateLimit {
    std::uint64_t limit = 0;
    std::chrono::milliseconds refusal{0};
};

enum class ThrottleAction { no, bye };

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
    std::optional<RateLimit> throttle_commands;
    std::optional<RateLimit> throttle_bytes;
    ThrottleAction throttle_action = ThrottleAction::no;
    std::optional<std::uint64_t> max_connections;

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

    // Throttling (throttle=, throttle-bytes=): counts a command of `user`
    // carrying `octets` at `now` (the steady clock; tests pass their own
    // times); true when it must be refused instead of carried out.
    bool throttles(std::string_view user, std::uint64_t octets,
                   std::chrono::steady_clock::time_point now);
    ThrottleAction throttle_action() const noexcept { return plan_.throttle_action; }
    // max-connections=: takes one of `user`'s connection slots; false when
    // the user already holds them all (the login must be refused). Every
    // successful take is given back with release_connection().
    bool take_connection(std::string_view user);
    void release_connection(std::string_view user);

    // The counts so far (the step a counted fault fires at is compared with
    // these): tests read them after a clean run to choose their fault steps.
    std::uint64_t commands() const noexcept { return commands_; }
    std::uint64_t bytes_written() const noexcept { return bytes_; }
    std::uint64_t appends() const noexcept { return appends_; }
    std::uint64_t fetches() const noexcept { return fetches_; }
    std::uint64_t throttled() const noexcept { return throttled_; }
    std::uint64_t logins_refused() const noexcept { return logins_refused_; }

  private:
    // One user's use of one rate limit: what it used since its last
    // refusal period or pause, when it last used any, and when its refusal
    // period began (if it is in one).
    struct Window {
        std::uint64_t used = 0;
        std::chrono::steady_clock::time_point last{};
        std::optional<std::chrono::steady_clock::time_point> refusing_since;
    };
    // Adds `amount` to `w` under `rate`; true when the command is refused:
    // the limit was already reached before it, and the refusal period it
    // began (or that was running) has not ended.
    static bool over(Window& w, const RateLimit& rate, std::uint64_t amount,
                     std::chrono::steady_clock::time_point now);
    struct UserLoad {
        Window commands;
        Window bytes;
        std::uint64_t connections = 0;
    };
    std::map<std::string, UserLoad, std::less<>> users_;
    std::uint64_t throttled_ = 0;
    std::uint64_t logins_refused_ = 0;

    FaultPlan plan_;
    std::uint64_t commands_ = 0;
    std::uint64_t bytes_ = 0;
    std::uint64_t appends_ = 0;
    std::uint64_t fetches_ = 0;
    std::map<std::string, std::uint64_t, std::less<>> verbs_;
    std::mt19937_64 random_;
};

}  // namespace mailferry::testserver
