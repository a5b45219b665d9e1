// A large folder copied for the first time is listed, planned and copied in
// windows of UIDs (MigrationOptions::window_messages), so the run holds one
// window's metadata, not the folder's: asserted on the wire (each window is
// one metadata FETCH of its UID range, the empty target is never listed),
// and on what a user checks: the target equals the source, the report counts
// every window, an interrupted run resumes without a duplicate, and a folder
// whose target already holds mail is matched whole, as before.
#include "sync/adapters/imap_source.hpp"
#include "tests/support/coroutine_test.hpp"
#include "tests/support/protocol_trace.hpp"
#include "tests/sync/migration_fixture.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace mailferry::test {
namespace {

constexpr std::int64_t day = 1'700'000'000;
constexpr std::size_t window = 100;

std::vector<Mail> mails(int first, int count) {
    std::vector<Mail> out;
    for (int i = first; i < first + count; ++i) {
        out.push_back({make_body(i),
                       i % 3 == 0 ? std::vector<std::string>{"\\Seen"} : std::vector<std::string>{},
                       day + i});
    }
    return out;
}

// The metadata listings sent (UID FETCH ... INTERNALDATE ...): their UID sets.
std::vector<std::string> listed_sets(const std::vector<std::string>& commands) {
    std::vector<std::string> sets;
    for (const std::string& c : commands) {
        if (c.find("INTERNALDATE") == std::string::npos) {
            continue;
        }
        const auto at = c.find("UID FETCH ");
        if (at != std::string::npos) {
            const auto from = at + std::string("UID FETCH ").size();
            sets.push_back(c.substr(from, c.find(' ', from) - from));
        }
    }
    return sets;
}

std::size_t count_opening(const std::vector<std::string>& commands) {
    return static_cast<std::size_t>(
        std::count_if(commands.begin(), commands.end(), [](const std::string& c) {
            return c.find(" SELECT ") != std::string::npos ||
                   c.find(" EXAMINE ") != std::string::npos;
        }));
}

struct LargeAccount {
    Account source, target;
    StateFile state;
    std::vector<std::uint32_t> inbox_uids;

    // `source_hidden`: capabilities the source does not offer; `target_faults`
    // what goes wrong on the target.
    explicit LargeAccount(std::set<std::string> source_hidden = {},
                          testserver::FaultPlan target_faults = {})
        : source({}, std::move(source_hidden)), target(target_faults) {
        inbox_uids = source.add("INBOX", mails(0, 250));  // three windows: 100, 100, 50
        source.create("Lists");
        source.add("Lists", mails(1000, 40));  // one window: listed whole
    }
    sync::MigrationResult run(sync::MigrationOptions options = {},
                              std::optional<std::uint64_t> cancel_after = std::nullopt) {
        options.window_messages = window;
        return migrate(source.imap(), target.imap(), state.store(), options, cancel_after);
    }
};

TEST(MigrationWindows, LargeFolderIsListedAndCopiedOneWindowAtATime) {
    LargeAccount a;
    sync::MigrationOptions options;
    options.connections = 2;
    ProtocolTrace trace;
    const auto run = a.run(options);
    ASSERT_EQ(run.outcome, sync::Outcome::ok) << run.message;
    EXPECT_EQ(a.target.read(), a.source.read());

    const auto& uids = a.inbox_uids;
    const std::vector<std::string> expected{
        "1:" + std::to_string(uids[99]),
        std::to_string(uids[100]) + ":" + std::to_string(uids[199]),
        "1:*",  // Lists, whole
        std::to_string(uids[200]) + ":*"};
    auto sets = listed_sets(trace.commands_to(a.source.imap_port()));
    EXPECT_EQ(sets.size(), 4U) << ::testing::PrintToString(sets);
    for (const std::string& set : expected) {
        EXPECT_EQ(std::count(sets.begin(), sets.end(), set), 1)
            << set << " in " << ::testing::PrintToString(sets);
    }
    EXPECT_TRUE(listed_sets(trace.commands_to(a.target.imap_port())).empty())
        << "an empty target has nothing to list, in no window";

    const sync::ReportTotals totals = run.report->totals();
    EXPECT_EQ(totals.messages.source, 290U);
    EXPECT_EQ(totals.messages.to_copy, 290U);
    EXPECT_EQ(totals.messages.copied, 290U);
    const std::map<std::string, std::size_t> copied{{"INBOX", 250}, {"Lists", 40}};
    for (const sync::FolderReport& f : run.report->folders()) {
        const auto want = copied.find(f.source);
        EXPECT_EQ(f.messages.copied, want == copied.end() ? 0U : want->second) << f.source;
        EXPECT_EQ(f.messages.source, f.messages.copied) << f.source;
    }

    // Recorded as the first window found the folder: a re-run opens nothing.
    ProtocolTrace again;
    const auto second = a.run(options);
    ASSERT_EQ(second.outcome, sync::Outcome::ok) << second.message;
    EXPECT_EQ(second.report->totals().messages.copied, 0U);
    EXPECT_EQ(second.report->totals().messages.already_there, 290U);
    EXPECT_EQ(count_opening(again.commands_to(a.source.imap_port())), 0U);
    EXPECT_EQ(count_opening(again.commands_to(a.target.imap_port())), 0U);
}

// --sync-deletions has nothing to mirror in a first copy: the folder is
// copied in windows as without it, and a re-run opens nothing.
TEST(MigrationWindows, FirstCopyMirroringDeletionsIsMadeInWindowsToo) {
    LargeAccount a;
    sync::MigrationOptions options;
    options.plan.sync_deletions = true;
    ProtocolTrace trace;
    const auto run = a.run(options);
    ASSERT_EQ(run.outcome, sync::Outcome::ok) << run.message;
    EXPECT_EQ(a.target.read(), a.source.read());
    EXPECT_EQ(run.report->totals().messages.copied, 290U);
    const auto& uids = a.inbox_uids;
    std::vector<std::string> sets = listed_sets(trace.commands_to(a.source.imap_port()));
    std::vector<std::string> expected{"1:" + std::to_string(uids[99]), "1:*",
                                      std::to_string(uids[100]) + ":" + std::to_string(uids[199]),
                                      std::to_string(uids[200]) + ":*"};
    std::sort(sets.begin(), sets.end());
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(sets, expected) << "INBOX in three windows, Lists whole";
    EXPECT_TRUE(listed_sets(trace.commands_to(a.target.imap_port())).empty())
        << "an empty target has nothing to list, in no window";

    ProtocolTrace again;
    const auto second = a.run(options);
    ASSERT_EQ(second.outcome, sync::Outcome::ok) << second.message;
    EXPECT_EQ(second.report->totals().messages.already_there, 290U);
    EXPECT_EQ(count_opening(again.commands_to(a.source.imap_port())), 0U);
}

// An APPEND of the last window refused, so that window is planned again
// from its listing, the state's rows of its UIDs and the target messages
// the state does not know (none here: the target is not listed, only its
// UIDs asked for). The copies of the earlier windows, which that listing
// leaves out, are not taken for messages gone from the source, even with
// --sync-deletions.
TEST(MigrationWindows, WindowPlannedAgainDeletesNoCopyOfAnotherWindow) {
    sync::MigrationOptions options;
    options.plan.sync_deletions = true;
    LargeAccount clean;
    ASSERT_EQ(clean.run(options).outcome, sync::Outcome::ok);
    testserver::FaultPlan refuse_last;
    refuse_last.no_append = clean.target.counts().appends;

    LargeAccount a({}, refuse_last);
    ProtocolTrace trace;
    const auto run = a.run(options);
    ASSERT_EQ(run.outcome, sync::Outcome::ok) << run.message;
    EXPECT_TRUE(listed_sets(trace.commands_to(a.target.imap_port())).empty())
        << "the re-plan read the target's metadata: "
        << ::testing::PrintToString(listed_sets(trace.commands_to(a.target.imap_port())));
    EXPECT_GT(a.target.counts().appends, clean.target.counts().appends)
        << "the refused APPEND was sent again";
    EXPECT_EQ(run.report->totals().deletions, 0U);
    EXPECT_EQ(a.target.read(), a.source.read()) << "nothing deleted, nothing twice";
}

TEST(MigrationWindows, DryRunCountsEveryWindow) {
    LargeAccount a;
    sync::MigrationOptions options;
    options.dry_run = true;
    const auto run = a.run(options);
    ASSERT_EQ(run.outcome, sync::Outcome::ok) << run.message;
    EXPECT_EQ(run.report->totals().messages.source, 290U);
    EXPECT_EQ(run.report->totals().messages.to_copy, 290U);
    EXPECT_EQ(total(a.target.read()), 0U);
    EXPECT_FALSE(run.run.has_value()) << "a dry run writes no state";
}

// Stopped in the second window, then run again (a dry run first): the state
// knows the first window's copies, and the run resumes in windows too. Each
// window is one
// metadata FETCH of its UIDs on the source; the target, whose every message
// the state knows by its UID, is asked only for its UIDs (one UID SEARCH)
// and lists no message; only the rest is sent.
TEST(MigrationWindows, InterruptedInAWindowResumesInWindowsWithoutDuplicates) {
    LargeAccount a;
    const auto first = a.run({}, 150);
    ASSERT_EQ(first.outcome, sync::Outcome::interrupted) << first.message;
    const std::size_t copied = total(a.target.read());
    EXPECT_GE(copied, 150U);
    EXPECT_LT(copied, 290U);

    // A dry run of the resume counts every window as the resume will.
    sync::MigrationOptions dry;
    dry.dry_run = true;
    const auto preview = a.run(dry);
    ASSERT_EQ(preview.outcome, sync::Outcome::ok) << preview.message;
    EXPECT_EQ(preview.report->totals().messages.to_copy, 290U - copied);
    EXPECT_EQ(preview.report->totals().messages.already_there, copied);

    ProtocolTrace trace;
    const auto second = a.run();
    ASSERT_EQ(second.outcome, sync::Outcome::ok) << second.message;
    EXPECT_EQ(second.report->totals().messages.copied, 290U - copied);
    EXPECT_EQ(second.report->totals().messages.already_there, copied);
    EXPECT_EQ(a.target.read(), a.source.read()) << "nothing missing, nothing twice";

    const auto& uids = a.inbox_uids;
    const std::vector<std::string> inbox_windows{
        "1:" + std::to_string(uids[99]),
        std::to_string(uids[100]) + ":" + std::to_string(uids[199]),
        std::to_string(uids[200]) + ":*"};
    auto sets = listed_sets(trace.commands_to(a.source.imap_port()));
    for (const std::string& set : inbox_windows) {
        EXPECT_EQ(std::count(sets.begin(), sets.end(), set), 1)
            << set << " in " << ::testing::PrintToString(sets);
    }
    EXPECT_LE(sets.size(), 4U) << "INBOX's windows and at most Lists whole: "
                               << ::testing::PrintToString(sets);
    const auto to_target = trace.commands_to(a.target.imap_port());
    EXPECT_TRUE(listed_sets(to_target).empty())
        << "the target lists no message: " << ::testing::PrintToString(listed_sets(to_target));
}

// A copy interrupted after the target stored an APPEND but before its OK
// arrived leaves the message's row pending. Resumed in windows, the target's
// one message the state does not know is read (one UID FETCH of that UID)
// and the pending row's window finds its copy there: confirmed, not sent
// again.
TEST(MigrationWindows, ResumedInWindowsAnInterruptedAppendIsFoundOnTheTarget) {
    LargeAccount a;
    const auto first = a.run({}, 150);
    ASSERT_EQ(first.outcome, sync::Outcome::interrupted) << first.message;
    const std::size_t copied = total(a.target.read());
    // The copy of the 120th INBOX message arrived, its OK did not.
    const std::uint32_t lost_ok = a.inbox_uids[119];
    std::uint32_t target_uid = 0;
    {
        SQLite::Database db(a.state.path().string(), SQLite::OPEN_READWRITE);
        SQLite::Statement find(db,
                               "SELECT target_uid FROM message WHERE source_uid = ? AND "
                               "status = 'copied'");
        find.bind(1, static_cast<std::int64_t>(lost_ok));
        ASSERT_TRUE(find.executeStep()) << "the 120th message was copied";
        target_uid = static_cast<std::uint32_t>(find.getColumn(0).getInt64());
        SQLite::Statement pend(db,
                               "UPDATE message SET status = 'pending', target_uid = NULL "
                               "WHERE source_uid = ? AND status = 'copied'");
        pend.bind(1, static_cast<std::int64_t>(lost_ok));
        ASSERT_EQ(pend.exec(), 1);
    }

    ProtocolTrace trace;
    const auto second = a.run();
    ASSERT_EQ(second.outcome, sync::Outcome::ok) << second.message;
    EXPECT_EQ(second.report->totals().messages.copied, 290U - copied);
    EXPECT_EQ(a.target.read(), a.source.read()) << "nothing missing, nothing twice";
    EXPECT_EQ(listed_sets(trace.commands_to(a.target.imap_port())),
              std::vector<std::string>{std::to_string(target_uid)})
        << "only the message the state does not know is read";
}

// More messages on the target than a window that the state does not know
// (put there by hand since): the folder is resumed as before windows, its
// first window listed, then the folder whole; what the state knows is
// still not sent again, and the mail put there stays.
TEST(MigrationWindows, ResumeIntoATargetWithMuchUnknownMailListsTheFolderWhole) {
    LargeAccount a;
    const auto first = a.run({}, 150);
    ASSERT_EQ(first.outcome, sync::Outcome::interrupted) << first.message;
    const std::size_t copied = total(a.target.read());
    const auto extra = mails(5000, window + 1);
    a.target.add("INBOX", extra);

    ProtocolTrace trace;
    const auto second = a.run();
    ASSERT_EQ(second.outcome, sync::Outcome::ok) << second.message;
    EXPECT_EQ(second.report->totals().messages.copied, 290U - copied);
    EXPECT_EQ(listed_sets(trace.commands_to(a.source.imap_port())),
              (std::vector<std::string>{"1:" + std::to_string(a.inbox_uids[99]), "1:*"}));
    auto want = a.source.read();
    want["INBOX"].insert(want["INBOX"].end(), extra.begin(), extra.end());
    auto have = a.target.read();
    const auto by_body = [](const Mail& x, const Mail& y) { return x.body < y.body; };
    std::sort(want["INBOX"].begin(), want["INBOX"].end(), by_body);
    std::sort(have["INBOX"].begin(), have["INBOX"].end(), by_body);
    EXPECT_EQ(have, want) << "nothing missing, nothing twice";
}

// A target folder that holds mail already may hold copies of the source's:
// the source folder is listed whole and matched by content, as ever. Where
// LIST-STATUS shows INBOX is large, the target is asked first and each
// folder is listed once; without it INBOX's size shows only once it is open:
// its first window is listed, then the target is found to hold mail, and
// INBOX is listed again, whole.
TEST(MigrationWindows, FolderWhoseTargetHoldsMailIsMatchedWhole) {
    for (const bool list_status : {true, false}) {
        SCOPED_TRACE(list_status ? "with LIST-STATUS" : "without LIST-STATUS");
        LargeAccount a(list_status ? std::set<std::string>{}
                                   : std::set<std::string>{"LIST-STATUS"});
        a.target.add("INBOX", mails(0, 30));  // 30 of the source's, copied by hand
        ProtocolTrace trace;
        const auto run = a.run();
        ASSERT_EQ(run.outcome, sync::Outcome::ok) << run.message;
        EXPECT_EQ(run.report->totals().messages.already_there, 30U);
        EXPECT_EQ(run.report->totals().messages.copied, 260U);
        EXPECT_EQ(a.target.read(), a.source.read());
        std::vector<std::string> expected{"1:*", "1:*"};
        if (!list_status) {
            expected.insert(expected.begin(), "1:" + std::to_string(a.inbox_uids[99]));
        }
        EXPECT_EQ(listed_sets(trace.commands_to(a.source.imap_port())), expected);
    }
}

// The last window is listed "n:*". When its messages were expunged since
// the windows were placed, the server answers with the folder's last
// message, which belongs to an earlier window (RFC 3501 §6.4.8): listed in
// this window too it would be copied twice.
TEST(MigrationWindows, LastWindowEmptiedMeanwhileListsNothing) {
    Account source;
    const std::vector<std::uint32_t> uids = source.add("INBOX", mails(0, 10));
    auto body = [&]() -> boost::asio::awaitable<void> {
        auto client = co_await imap::Client::connect(
            fixture_client_options(source.server().port(testserver::Protocol::imap)));
        CO_REQUIRE(client, client.error().message);
        sync::ImapSource from(std::move(*client));
        const sync::MailboxFolder inbox{"INBOX", "", true};
        const sync::ListingScope last_window{{uids.back() + 5, 0}, 0};
        auto listing = co_await from.open_folder(inbox, false, true, nullptr, last_window);
        CO_REQUIRE(listing, listing.error().message);
        EXPECT_TRUE(listing->messages.empty()) << listing->messages.size() << " listed";
        co_await from.logout();
    };
    run_coroutine(body);
}

}  // namespace
}  // namespace mailferry::test
