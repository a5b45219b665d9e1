// Interrupting a migration at step N (STYLE §9 (c)): the source (IMAP or
// POP3) or the target drops the connection before its Nth command, cuts a
// write after N octets, says BYE in the middle of a FETCH or refuses an
// APPEND; a re-run must then end with the target an uninterrupted run gives:
// nothing lost, nothing twice.
//
// The steps are not guessed: an uninterrupted run of the same migration is
// counted by the servers' fault injectors first, and the sweeps cover every
// command (or FETCH) it needed and octet counts spread over its output. Each
// case checks that its fault fired during the interrupted run, and that the
// run noticed (it ended early, or warned and reconnected).
#include "tests/sync/migration_fixture.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <map>
#include <mutex>
#include <set>

namespace mailferry::test {
namespace {

constexpr std::int64_t day = 1'700'000'000;

enum class Protocol { imap, pop3 };
enum class Side { source, target };
// What step N counts, as the test server's FaultPlan does.
enum class Step { command, octet, fetch };

struct Fault {
    Side side = Side::source;
    Step step = Step::command;
    std::uint64_t n = 0;
};

std::string describe(const Fault& f) {
    const char* what = f.step == Step::command ? " drop-after-commands="
                       : f.step == Step::octet ? " drop-after-bytes="
                                               : " bye-in-fetch=";
    return (f.side == Side::source ? "source" : "target") + std::string(what) + std::to_string(f.n);
}

testserver::FaultPlan plan_of(const Fault& f) {
    testserver::FaultPlan plan;
    switch (f.step) {
        case Step::command:
            plan.drop_after_commands = f.n;
            break;
        case Step::octet:
            plan.drop_after_bytes = f.n;
            break;
        case Step::fetch:
            plan.bye_in_fetch = f.n;
            break;
    }
    return plan;
}

std::uint64_t reached(const Account::Counts& c, Step step) {
    switch (step) {
        case Step::command:
            return c.commands;
        case Step::octet:
            return c.bytes;
        case Step::fetch:
            return c.fetches;
    }
    return 0;
}

// IMAP: enough mail for several batches and two folders. POP3 has INBOX
// only, and each message costs a TOP and a RETR (two steps), so fewer.
void seed(Account& source, Protocol protocol) {
    std::vector<Mail> inbox;
    const int count = protocol == Protocol::imap ? 230 : 12;
    for (int i = 0; i < count; ++i) {
        inbox.push_back(
            {make_body(i, 300 + static_cast<std::size_t>(i % 5) * 200),
             i % 2 == 0 ? std::vector<std::string>{"\\Seen"} : std::vector<std::string>{},
             day + i});
    }
    source.add("INBOX", inbox);
    if (protocol == Protocol::imap) {
        source.create("Projects");
        source.add("Projects", {{make_body(500), {"\\Flagged"}, day}, {make_body(501), {}, day}});
    }
}

sync::AccountAccess access(const Account& source, Protocol protocol) {
    return protocol == Protocol::imap ? source.imap() : source.pop3();
}

// The IMAP client's protocol trace ("127.0.0.1:PORT C: A0004 LIST ..."):
// the tagged commands each server was sent, in order. Warnings go on to the
// default logger, where the test's log expectations see them.
class CommandTrace final : public spdlog::sinks::base_sink<std::mutex> {
  public:
    std::vector<std::string> sent_to(std::uint16_t port) {
        const std::lock_guard lock(mutex_);
        return commands_[":" + std::to_string(port)];
    }

  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        const std::string_view text(msg.payload.data(), msg.payload.size());
        if (msg.level >= spdlog::level::warn) {
            spdlog::default_logger_raw()->log(msg.level, "{}", text);
            return;
        }
        const auto sent = text.find(" C: ");
        const auto colon = text.rfind(':', sent);
        if (sent == std::string_view::npos || colon == std::string_view::npos) {
            return;
        }
        // Continuation lines (a literal, a SASL response) carry no tag.
        const std::string_view line = text.substr(sent + 4);
        const auto space = line.find(' ');
        if (space == std::string_view::npos || space < 2 || line[0] != 'A' ||
            line.find_first_not_of("0123456789", 1) != space) {
            return;
        }
        commands_[std::string(text.substr(colon, sent - colon))].push_back(
            std::string(line.substr(space + 1)));
    }
    void flush_() override {}

  private:
    std::map<std::string, std::vector<std::string>> commands_;  // by ":PORT"
};

// An uninterrupted run of the migration the faults interrupt: the target it
// leaves is the one every interrupted run must reach in the end, and the
// servers' counts are the steps there are to interrupt.
struct CleanRun {
    Mailboxes target;
    std::uint64_t messages = 0;
    Account::Counts source_counts;
    Account::Counts target_counts;
    // IMAP sides with one connection: the command of each step, step 1 first.
    std::vector<std::string> source_commands;
    std::vector<std::string> target_commands;

    const Account::Counts& counts(Side side) const {
        return side == Side::source ? source_counts : target_counts;
    }
    const std::vector<std::string>& commands(Side side) const {
        return side == Side::source ? source_commands : target_commands;
    }
};

// Windows of this many messages (MigrationOptions::window_messages): the
// default lists the seeded INBOX whole, 100 in three windows.
const std::size_t whole = sync::MigrationOptions{}.window_messages;

CleanRun clean_run(Protocol protocol, unsigned connections = 1, std::size_t window = whole) {
    Account source, target;
    StateFile state;
    seed(source, protocol);
    auto trace = std::make_shared<CommandTrace>();
    sync::MigrationOptions o;
    o.connections = connections;
    o.window_messages = window;
    o.logger = std::make_shared<spdlog::logger>("command-trace", trace);
    o.logger->set_level(spdlog::level::trace);
    const auto run = migrate(access(source, protocol), target.imap(), state.store(), o);
    EXPECT_EQ(run.outcome, sync::Outcome::ok) << run.message;
    CleanRun clean;
    clean.target = target.read();
    clean.messages = total(clean.target);
    clean.source_counts = source.counts();
    clean.target_counts = target.counts();
    EXPECT_EQ(run.report->totals().messages.copied, clean.messages);
    if (protocol == Protocol::imap) {
        EXPECT_EQ(clean.target, source.read(true));
    } else {
        // POP3 carries neither flags nor INTERNALDATE: compare the bodies.
        const auto bodies = [](const std::vector<Mail>& mails) {
            std::vector<std::string> out;
            for (const Mail& m : mails) {
                out.push_back(m.body);
            }
            std::sort(out.begin(), out.end());
            return out;
        };
        EXPECT_EQ(bodies(clean.target.at("INBOX")), bodies(source.read().at("INBOX")));
    }
    if (connections == 1) {
        if (protocol == Protocol::imap) {
            clean.source_commands = trace->sent_to(source.imap_port());
            EXPECT_EQ(clean.source_commands.size(), clean.source_counts.commands);
        }
        clean.target_commands = trace->sent_to(target.imap_port());
        EXPECT_EQ(clean.target_commands.size(), clean.target_counts.commands);
    }
    return clean;
}

// The command step N of a clean run sent, when known.
std::string command_at(const CleanRun& clean, const Fault& fault) {
    const auto& commands = clean.commands(fault.side);
    if (fault.step != Step::command || fault.n == 0 || fault.n > commands.size()) {
        return {};
    }
    return commands[fault.n - 1];
}

// Steps (1-based) of the listing: from the first LIST on, the commands that
// only read folder lists and message metadata, until the first that copies
// (a whole-body FETCH, CREATE, APPEND) or opens a folder a second time (the
// copying begins by reopening one).
std::vector<std::uint64_t> listing_steps(const std::vector<std::string>& commands) {
    const auto starts = [](const std::string& c, std::string_view word) {
        return c.rfind(word, 0) == 0;
    };
    std::set<std::string> opened;
    std::vector<std::uint64_t> steps;
    for (std::size_t i = 0; i < commands.size(); ++i) {
        const std::string& c = commands[i];
        if (steps.empty() && !starts(c, "LIST ")) {
            continue;
        }
        const bool open = starts(c, "SELECT ") || starts(c, "EXAMINE ");
        const bool metadata = (starts(c, "UID FETCH ") || starts(c, "FETCH ")) &&
                              c.find("BODY.PEEK[]") == std::string::npos &&
                              c.find("BODY[]") == std::string::npos;
        if (open && !opened.insert(c.substr(c.find(' ') + 1)).second) {
            break;
        }
        if (!open && !metadata && !starts(c, "LIST ") && !starts(c, "STATUS ")) {
            break;
        }
        steps.push_back(i + 1);
    }
    return steps;
}

// No message is on the target twice, in any folder (`why`: how the run
// ended).
void expect_each_message_once(Account& target, const std::string& why) {
    for (const auto& [name, mails] : target.read()) {
        std::set<std::string> bodies;
        for (const Mail& m : mails) {
            EXPECT_TRUE(bodies.insert(m.body).second)
                << name << " has a duplicate after the interrupted run (" << why << ")";
        }
    }
}

// Runs once with `fault`, which must fire, then again without; the second
// run completes the job and a third has nothing left to do.
void interrupted_then_resumed(Protocol protocol, const Fault& fault, const CleanRun& clean,
                              unsigned connections = 1, std::size_t window = whole) {
    SCOPED_TRACE(describe(fault) + " " + command_at(clean, fault));
    const testserver::FaultPlan plan = plan_of(fault);
    Account source(fault.side == Side::source ? plan : testserver::FaultPlan{});
    Account target(fault.side == Side::target ? plan : testserver::FaultPlan{});
    Account& faulty = fault.side == Side::source ? source : target;
    StateFile state;
    seed(source, protocol);
    sync::MigrationOptions o;
    o.connections = connections;
    o.window_messages = window;

    const std::size_t warnings_before = test_log().count("");
    const auto first = migrate(access(source, protocol), target.imap(), state.store(), o);
    const bool warned = test_log().count("") > warnings_before;
    // The fault fired: the server reached step N during this run.
    ASSERT_GE(reached(faulty.counts(), fault.step), fault.n)
        << "the run ended before the fault's step (" << sync::to_string(first.outcome) << ": "
        << first.message << ")";
    // And the run felt it: it ended early or warned (and reconnected). Only
    // a connection dropped before its last command, LOGOUT, may go
    // unnoticed; with several connections which command that is varies.
    const bool logout = fault.step == Step::command &&
                        (connections > 1 || fault.n == clean.counts(fault.side).commands);
    if (!logout) {
        EXPECT_TRUE(first.outcome != sync::Outcome::ok || warned)
            << "the run went on as if nothing had happened";
    }
    // Whatever happened, nothing is on the target twice.
    expect_each_message_once(target, first.message);
    // The fault fired once; this run has none.
    const auto second = migrate(access(source, protocol), target.imap(), state.store(), o);
    ASSERT_EQ(second.outcome, sync::Outcome::ok) << second.message;
    EXPECT_EQ(target.read(), clean.target);
    const auto third = migrate(access(source, protocol), target.imap(), state.store(), o);
    ASSERT_EQ(third.outcome, sync::Outcome::ok) << third.message;
    EXPECT_EQ(third.report->totals().messages.to_copy, 0U);
    test_log().verify();
}

// Every command of one side of a clean run, in turn.
void sweep_commands(Protocol protocol, Side side, std::size_t window = whole) {
    const CleanRun clean = clean_run(protocol, 1, window);
    const std::uint64_t steps = clean.counts(side).commands;
    ASSERT_GT(steps, 0U);
    for (std::uint64_t n = 1; n <= steps; ++n) {
        interrupted_then_resumed(protocol, {side, Step::command, n}, clean, 1, window);
    }
}

// The first octet, and five points spread over one side's clean output.
void sweep_octets(Protocol protocol, Side side) {
    const CleanRun clean = clean_run(protocol);
    const std::uint64_t octets = clean.counts(side).bytes;
    ASSERT_GT(octets, 6U);
    interrupted_then_resumed(protocol, {side, Step::octet, 1}, clean);
    for (std::uint64_t k = 1; k <= 5; ++k) {
        interrupted_then_resumed(protocol, {side, Step::octet, octets * k / 6}, clean);
    }
}

TEST(MigrationInterrupted, SourceDropsBeforeCommandN) {
    test_log().allow_warning("reconnecting");
    sweep_commands(Protocol::imap, Side::source);
}

TEST(MigrationInterrupted, TargetDropsBeforeCommandN) {
    test_log().allow_warning("reconnecting");
    sweep_commands(Protocol::imap, Side::target);
}

// A first copy in windows: every command of each window, and of listing the
// next one ahead.
TEST(MigrationInterrupted, SourceDropsBeforeCommandNOfACopyInWindows) {
    test_log().allow_warning("reconnecting");
    sweep_commands(Protocol::imap, Side::source, 100);
}

TEST(MigrationInterrupted, TargetDropsBeforeCommandNOfACopyInWindows) {
    test_log().allow_warning("reconnecting");
    sweep_commands(Protocol::imap, Side::target, 100);
}

TEST(MigrationInterrupted, SourceCutsItsOutputAfterNOctets) {
    test_log().allow_warning("reconnecting");
    sweep_octets(Protocol::imap, Side::source);
}

TEST(MigrationInterrupted, TargetCutsItsOutputAfterNOctets) {
    test_log().allow_warning("reconnecting");
    sweep_octets(Protocol::imap, Side::target);
}

TEST(MigrationInterrupted, ByeInTheMiddleOfAFetch) {
    test_log().allow_warning("reconnecting");
    const CleanRun clean = clean_run(Protocol::imap);
    const std::uint64_t fetches = clean.source_counts.fetches;
    ASSERT_GT(fetches, 0U);
    for (std::uint64_t n = 1; n <= fetches; ++n) {
        interrupted_then_resumed(Protocol::imap, {Side::source, Step::fetch, n}, clean);
    }
}

TEST(MigrationInterrupted, Pop3SourceDropsBeforeCommandN) {
    test_log().allow_warning("reconnecting");
    sweep_commands(Protocol::pop3, Side::source);
}

TEST(MigrationInterrupted, Pop3SourceCutsItsOutputAfterNOctets) {
    test_log().allow_warning("reconnecting");
    sweep_octets(Protocol::pop3, Side::source);
}

TEST(MigrationInterrupted, TargetOfAPop3SourceDropsBeforeCommandN) {
    test_log().allow_warning("reconnecting");
    sweep_commands(Protocol::pop3, Side::target);
}

TEST(MigrationInterrupted, RefusedAppendIsRetriedInTheSameRun) {
    Account source;
    testserver::FaultPlan f;
    f.no_append = 2;
    Account target(f);
    StateFile state;
    seed(source, Protocol::imap);
    const auto run = migrate(source.imap(), target.imap(), state.store());
    ASSERT_EQ(run.outcome, sync::Outcome::ok) << run.message;
    EXPECT_GE(target.counts().appends, 2U) << "the second APPEND, refused, was never sent";
    EXPECT_EQ(run.report->totals().messages.copied, 232U);
    EXPECT_EQ(target.read(), source.read(true));
}

// Both sides' listing steps of a clean run (LIST, SELECT/EXAMINE, the UID
// listings); before them come the login, ENABLE and ID of connecting, where
// a failure means exit 3. A connection lost while listing is reconnected in
// the same run, which then completes.
TEST(MigrationInterrupted, ConnectionLostWhileListingIsReconnectedInTheSameRun) {
    test_log().allow_warning("reconnecting");
    const CleanRun clean = clean_run(Protocol::imap);
    for (Side side : {Side::source, Side::target}) {
        const std::vector<std::uint64_t> steps = listing_steps(clean.commands(side));
        ASSERT_GE(steps.size(), 3U) << "no listing found in the clean run's commands: "
                                    << testing::PrintToString(clean.commands(side));
        for (std::uint64_t n : steps) {
            const Fault fault{side, Step::command, n};
            SCOPED_TRACE(describe(fault) + " " + command_at(clean, fault));
            const testserver::FaultPlan plan = plan_of(fault);
            Account source(side == Side::source ? plan : testserver::FaultPlan{});
            Account target(side == Side::target ? plan : testserver::FaultPlan{});
            StateFile state;
            seed(source, Protocol::imap);
            const std::size_t reconnects_before = test_log().count("reconnecting");
            const auto run = migrate(source.imap(), target.imap(), state.store());
            ASSERT_EQ(run.outcome, sync::Outcome::ok) << run.message;
            EXPECT_EQ(test_log().count("reconnecting") - reconnects_before, 1U);
            EXPECT_EQ(run.report->totals().messages.copied, clean.messages);
            EXPECT_EQ(target.read(), clean.target);
            test_log().verify();
        }
    }
}

// A re-run of a settled account whose two folders changed a little: each
// is listed and carried out in a pass of its own, on one connection pair.
// Mail arrived in both, and a flag changed in INBOX.
void settle_then_change(Account& source, Account& target, StateFile& state) {
    std::vector<Mail> inbox;
    for (int i = 0; i < 12; ++i) {
        inbox.push_back({make_body(i), {}, day + i});
    }
    source.add("INBOX", inbox);
    source.create("Projects");
    source.add("Projects", {{make_body(500), {"\\Flagged"}, day}});
    sync::MigrationOptions o;
    o.connections = 1;
    const auto settled = migrate(source.imap(), target.imap(), state.store(), o);
    ASSERT_EQ(settled.outcome, sync::Outcome::ok) << settled.message;
    source.add("INBOX", {{make_body(900), {"\\Seen"}, day + 900}});
    source.add("Projects", {{make_body(901), {}, day + 901}});
    source.set_flags("INBOX", {source.uids("INBOX")[3]}, testserver::FlagMode::add, {"\\Answered"});
}

// Interrupted before each command either side is sent in such a re-run,
// then run again: the target ends as an uninterrupted re-run leaves it,
// with nothing on it twice, and a third run has nothing to copy.
TEST(MigrationInterrupted, ReRunOfChangedFoldersDroppedBeforeCommandNConverges) {
    test_log().allow_warning("reconnecting");
    sync::MigrationOptions o;
    o.connections = 1;
    for (const Side side : {Side::source, Side::target}) {
        Account clean_source, clean_target;
        StateFile clean_state;
        settle_then_change(clean_source, clean_target, clean_state);
        Account& clean_faulty = side == Side::source ? clean_source : clean_target;
        const std::uint64_t settled = clean_faulty.counts().commands;
        const auto rerun =
            migrate(clean_source.imap(), clean_target.imap(), clean_state.store(), o);
        ASSERT_EQ(rerun.outcome, sync::Outcome::ok) << rerun.message;
        ASSERT_EQ(rerun.report->totals().messages.copied, 2U);
        const Mailboxes expected = clean_target.read();
        ASSERT_EQ(expected, clean_source.read(true));
        const std::uint64_t steps = clean_faulty.counts().commands;
        ASSERT_GT(steps, settled + 5);
        for (std::uint64_t n = settled + 1; n <= steps; ++n) {
            const Fault fault{side, Step::command, n};
            SCOPED_TRACE(describe(fault));
            const testserver::FaultPlan plan = plan_of(fault);
            Account source(side == Side::source ? plan : testserver::FaultPlan{});
            Account target(side == Side::target ? plan : testserver::FaultPlan{});
            Account& faulty = side == Side::source ? source : target;
            StateFile state;
            settle_then_change(source, target, state);
            ASSERT_EQ(faulty.counts().commands, settled) << "the settling run is not the same";
            const auto first = migrate(source.imap(), target.imap(), state.store(), o);
            ASSERT_GE(faulty.counts().commands, n) << sync::to_string(first.outcome);
            expect_each_message_once(target, first.message);
            const auto second = migrate(source.imap(), target.imap(), state.store(), o);
            ASSERT_EQ(second.outcome, sync::Outcome::ok) << second.message;
            EXPECT_EQ(target.read(), expected);
            const auto third = migrate(source.imap(), target.imap(), state.store(), o);
            ASSERT_EQ(third.outcome, sync::Outcome::ok) << third.message;
            EXPECT_EQ(third.report->totals().messages.to_copy, 0U);
            EXPECT_EQ(third.report->totals().flag_updates, 0U);
            test_log().verify();
        }
    }
}

// An extra connection lost while connecting is given up, not retried.
TEST(MigrationInterrupted, ThreeConnectionsDroppedAtCommandNConverge) {
    test_log().allow_warning("reconnecting");
    test_log().allow_warning("going on with fewer");
    const CleanRun clean = clean_run(Protocol::imap, 3);
    const std::uint64_t steps = clean.target_counts.commands;
    ASSERT_GE(steps, 5U);
    for (std::uint64_t k = 1; k <= 4; ++k) {
        interrupted_then_resumed(Protocol::imap, {Side::target, Step::command, steps * k / 5},
                                 clean, 3);
    }
}

}  // namespace
}  // namespace mailferry::test
