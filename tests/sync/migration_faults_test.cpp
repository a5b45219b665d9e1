// Interrupting a migration at step N (STYLE §9 (c)): the source or the target
// drops the connection before its Nth command, cuts a write after N octets,
// says BYE in the middle of a FETCH or refuses an APPEND; a re-run must then
// end with the target an uninterrupted run gives: nothing lost, nothing twice.
#include "tests/sync/migration_fixture.hpp"

#include <gtest/gtest.h>

namespace mailferry::test {
namespace {

constexpr std::int64_t day = 1'700'000'000;

// Enough mail for several batches and folders.
void seed(Account& source) {
    source.create("Projects");
    std::vector<Mail> inbox;
    for (int i = 0; i < 230; ++i) {
        inbox.push_back(
            {make_body(i, 300 + static_cast<std::size_t>(i % 5) * 200),
             i % 2 == 0 ? std::vector<std::string>{"\\Seen"} : std::vector<std::string>{},
             day + i});
    }
    source.add("INBOX", inbox);
    source.add("Projects", {{make_body(500), {"\\Flagged"}, day}, {make_body(501), {}, day}});
}

enum class Side { source, target };

// Runs once with `faults` on one side, then again without; checks the end.
void interrupted_then_resumed(Side side, testserver::FaultPlan faults, unsigned connections = 1) {
    Account source(side == Side::source ? faults : testserver::FaultPlan{});
    Account target(side == Side::target ? faults : testserver::FaultPlan{});
    StateFile state;
    seed(source);
    const Mailboxes expected = source.read(true);
    sync::MigrationOptions o;
    o.connections = connections;

    const auto first = migrate(source.imap(), target.imap(), state.store(), o);
    // Whatever happened, nothing is on the target twice.
    for (const auto& [name, mails] : target.read()) {
        EXPECT_TRUE(std::adjacent_find(mails.begin(), mails.end(),
                                       [](const Mail& a, const Mail& b) {
                                           return a.body == b.body;
                                       }) == mails.end())
            << name << " has a duplicate after the interrupted run (" << first.message << ")";
    }
    // The fault fires once; when the first run ended before step N, it hits
    // the next one instead. Either way one more run must finish the job.
    auto second = migrate(source.imap(), target.imap(), state.store(), o);
    if (first.outcome == sync::Outcome::ok) {
        second = migrate(source.imap(), target.imap(), state.store(), o);
    }
    ASSERT_EQ(second.outcome, sync::Outcome::ok) << second.message;
    EXPECT_EQ(target.read(), expected);
    const auto third = migrate(source.imap(), target.imap(), state.store(), o);
    EXPECT_EQ(third.report->totals().messages.to_copy, 0U);
}

TEST(MigrationInterrupted, SourceDropsBeforeCommandN) {
    for (std::uint64_t n = 1; n <= 16; ++n) {
        SCOPED_TRACE("drop-after-commands=" + std::to_string(n));
        testserver::FaultPlan f;
        f.drop_after_commands = n;
        interrupted_then_resumed(Side::source, f);
    }
}

TEST(MigrationInterrupted, TargetDropsBeforeCommandN) {
    for (std::uint64_t n = 1; n <= 22; ++n) {
        SCOPED_TRACE("drop-after-commands=" + std::to_string(n));
        testserver::FaultPlan f;
        f.drop_after_commands = n;
        interrupted_then_resumed(Side::target, f);
    }
}

TEST(MigrationInterrupted, SourceCutsItsOutputAfterNOctets) {
    for (std::uint64_t n : {100ULL, 2'000ULL, 20'000ULL, 60'000ULL, 120'000ULL}) {
        SCOPED_TRACE("drop-after-bytes=" + std::to_string(n));
        testserver::FaultPlan f;
        f.drop_after_bytes = n;
        interrupted_then_resumed(Side::source, f);
    }
}

TEST(MigrationInterrupted, TargetCutsItsOutputAfterNOctets) {
    for (std::uint64_t n : {100ULL, 1'000ULL, 3'000ULL, 6'000ULL}) {
        SCOPED_TRACE("drop-after-bytes=" + std::to_string(n));
        testserver::FaultPlan f;
        f.drop_after_bytes = n;
        interrupted_then_resumed(Side::target, f);
    }
}

TEST(MigrationInterrupted, ByeInTheMiddleOfAFetch) {
    for (std::uint64_t n = 1; n <= 6; ++n) {
        SCOPED_TRACE("bye-in-fetch=" + std::to_string(n));
        testserver::FaultPlan f;
        f.bye_in_fetch = n;
        interrupted_then_resumed(Side::source, f);
    }
}

TEST(MigrationInterrupted, RefusedAppendIsRetriedInTheSameRun) {
    Account source;
    testserver::FaultPlan f;
    f.no_append = 2;
    Account target(f);
    StateFile state;
    seed(source);
    const auto run = migrate(source.imap(), target.imap(), state.store());
    ASSERT_EQ(run.outcome, sync::Outcome::ok) << run.message;
    EXPECT_EQ(run.report->totals().messages.copied, 232U);
    EXPECT_EQ(target.read(), source.read(true));
}

// Commands 4 to 9 of either side fall into the listing (LIST, SELECT, the
// UID listings); 1 to 3 are the login and ENABLE/ID of connecting, where a
// failure means exit 3. A connection lost while listing is reconnected in
// the same run, which then completes.
TEST(MigrationInterrupted, ConnectionLostWhileListingIsReconnectedInTheSameRun) {
    for (Side side : {Side::source, Side::target}) {
        for (std::uint64_t n = 4; n <= 9; ++n) {
            SCOPED_TRACE((side == Side::source ? "source" : "target") +
                         std::string(" drop-after-commands=") + std::to_string(n));
            testserver::FaultPlan f;
            f.drop_after_commands = n;
            Account source(side == Side::source ? f : testserver::FaultPlan{});
            Account target(side == Side::target ? f : testserver::FaultPlan{});
            StateFile state;
            seed(source);
            const auto run = migrate(source.imap(), target.imap(), state.store());
            ASSERT_EQ(run.outcome, sync::Outcome::ok) << run.message;
            EXPECT_EQ(run.report->totals().messages.copied, 232U);
            EXPECT_EQ(target.read(), source.read(true));
        }
    }
}

TEST(MigrationInterrupted, ThreeConnectionsDroppedAtCommandNConverge) {
    for (std::uint64_t n : {5ULL, 9ULL, 14ULL, 20ULL}) {
        SCOPED_TRACE("drop-after-commands=" + std::to_string(n));
        testserver::FaultPlan f;
        f.drop_after_commands = n;
        interrupted_then_resumed(Side::target, f, 3);
    }
}

}  // namespace
}  // namespace mailferry::test
