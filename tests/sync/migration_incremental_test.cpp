// Re-runs against a CONDSTORE source list incrementally (RFC 7162 §3.1.4):
// the source is asked for the UIDs it has and for what changed since the
// HIGHESTMODSEQ the state stored, not for every message's metadata. The
// target must end up exactly as after a full listing.
#include "tests/support/protocol_trace.hpp"
#include "tests/sync/migration_fixture.hpp"

#include <gtest/gtest.h>

namespace mailferry::test {
namespace {

using testserver::FlagMode;

constexpr std::int64_t day = 1'700'000'000;

std::size_t count_containing(const std::vector<std::string>& commands, std::string_view text) {
    return static_cast<std::size_t>(
        std::count_if(commands.begin(), commands.end(),
                      [&](const std::string& c) { return c.find(text) != std::string::npos; }));
}

std::uint64_t stored_modseq(state::StateStore& store, const std::string& folder) {
    auto pairs = store.pairs();
    EXPECT_TRUE(pairs && pairs->size() == 1);
    auto folders = store.folders(pairs->front().id);
    EXPECT_TRUE(folders);
    for (const auto& f : *folders) {
        if (f.source_name == folder) {
            return f.source_highestmodseq.value_or(0);
        }
    }
    return 0;
}

TEST(MigrationIncremental, ReRunListsOnlyChangesAndGivesTheSameTarget) {
    Account source, target;
    StateFile state;
    source.create("Projects");
    std::vector<Mail> inbox;
    for (int i = 1; i <= 40; ++i) {
        inbox.push_back(
            {make_body(i),
             i % 3 == 0 ? std::vector<std::string>{"\\Seen"} : std::vector<std::string>{},
             day + i});
    }
    source.add("INBOX", inbox);
    source.add("Projects", {{make_body(100), {"\\Seen"}, day}, {make_body(101), {}, day}});
    // Filtered by --max-size, so never in the state: it must still be listed.
    source.add("INBOX", {{make_body(200, 50'000), {}, day}});
    sync::MigrationOptions options;
    options.plan.max_size = 40'000;
    options.plan.sync_deletions = true;

    const auto first = migrate(source.imap(), target.imap(), state.store(), options);
    ASSERT_EQ(first.outcome, sync::Outcome::ok) << first.message;
    EXPECT_EQ(first.report->totals().messages.copied, 42U);
    const std::uint64_t mark = stored_modseq(state.store(), "INBOX");
    EXPECT_GT(mark, 0U) << "a fully synced folder stores its HIGHESTMODSEQ";
    EXPECT_GT(stored_modseq(state.store(), "Projects"), 0U);

    const auto uids = source.uids("INBOX");
    source.set_flags("INBOX", {uids[0], uids[4]}, FlagMode::add, {"\\Flagged", "$Work"});
    source.set_flags("INBOX", {uids[2]}, FlagMode::remove, {"\\Seen"});
    source.expunge("INBOX", {uids[7], uids[8]});
    source.add("INBOX", {{make_body(41), {"\\Answered"}, day + 41}});

    ProtocolTrace trace;
    const auto second = migrate(source.imap(), target.imap(), state.store(), options);
    ASSERT_EQ(second.outcome, sync::Outcome::ok) << second.message;
    const sync::ReportTotals t = second.report->totals();
    EXPECT_EQ(t.messages.copied, 1U);
    EXPECT_EQ(t.flag_updates, 3U);
    EXPECT_EQ(t.deletions, 2U);
    EXPECT_EQ(t.messages.filtered, 1U) << "the filtered message is still counted";
    EXPECT_EQ(t.messages.source, 42U);  // INBOX: 40 + 1 filtered - 2 expunged + 1 new; Projects: 2

    Mailboxes expected = source.read(true);
    std::erase_if(expected["INBOX"],
                  [](const Mail& m) { return m.body == make_body(200, 50'000); });
    EXPECT_EQ(target.read(), expected);

    // On the wire: the source was asked for changes since the stored mark
    // and for its UIDs and which are \Deleted (the test server has no
    // ESEARCH); no message's metadata but the changed ones', not even the
    // filtered message's: unchanged, it is filtered as before.
    // Projects did not change: its STATUS came with the LIST (LIST-STATUS,
    // RFC 5819), and it was not opened.
    const auto commands = trace.commands_to(source.imap_port());
    EXPECT_EQ(count_containing(commands, "(CHANGEDSINCE " + std::to_string(mark) + ")"), 1U);
    EXPECT_EQ(count_containing(commands, "CHANGEDSINCE"), 1U);
    EXPECT_EQ(count_containing(commands, "UID FETCH 1:* (UID FLAGS INTERNALDATE"), 1U)
        << "a CHANGEDSINCE fetch";
    EXPECT_EQ(count_containing(commands, "UID FETCH 1:* (UID FLAGS)"), 1U);
    EXPECT_EQ(count_containing(commands, "INTERNALDATE"), 1U);
    EXPECT_EQ(count_containing(commands, "EXAMINE \"Projects\""), 0U);
    EXPECT_EQ(count_containing(commands, "STATUS \"Projects\""), 0U);
    EXPECT_EQ(count_containing(commands,
                               "RETURN (SPECIAL-USE STATUS (MESSAGES UIDNEXT UIDVALIDITY "
                               "HIGHESTMODSEQ))"),
              1U);
    EXPECT_GT(stored_modseq(state.store(), "INBOX"), mark);

    // A third run finds nothing to do, still incrementally.
    const auto third = migrate(source.imap(), target.imap(), state.store(), options);
    ASSERT_EQ(third.outcome, sync::Outcome::ok) << third.message;
    EXPECT_EQ(third.report->totals().messages.copied, 0U);
    EXPECT_EQ(third.report->totals().flag_updates, 0U);
    EXPECT_EQ(third.report->totals().deletions, 0U);
    EXPECT_EQ(target.read(), expected);
}

TEST(MigrationIncremental, FolderWithAFailureKeepsItsMarkAndTheNextRunSeesItsChanges) {
    Account source;
    testserver::FaultPlan faults;
    faults.no_append = 2;  // the first run's APPEND passes, the second run's is refused
    Account target(faults);
    StateFile state;
    source.add("INBOX", {{make_body(1), {}, day}, {make_body(2), {}, day}});
    ASSERT_EQ(migrate(source.imap(), target.imap(), state.store()).outcome, sync::Outcome::ok);
    const std::uint64_t mark = stored_modseq(state.store(), "INBOX");
    ASSERT_GT(mark, 0U);

    const auto uids = source.uids("INBOX");
    source.add("INBOX", {{make_body(3), {}, day}});
    source.set_flags("INBOX", {uids[0]}, FlagMode::add, {"\\Seen"});
    sync::MigrationOptions no_retries;
    no_retries.retries = 0;
    const auto refused = migrate(source.imap(), target.imap(), state.store(), no_retries);
    ASSERT_EQ(refused.outcome, sync::Outcome::partial) << refused.message;
    EXPECT_EQ(refused.report->totals().messages.failed, 1U);
    EXPECT_EQ(stored_modseq(state.store(), "INBOX"), mark)
        << "a folder with a failure must not move its mark past changes not yet synced";

    source.set_flags("INBOX", {uids[1]}, FlagMode::add, {"\\Answered"});
    const auto retried = migrate(source.imap(), target.imap(), state.store(), no_retries);
    ASSERT_EQ(retried.outcome, sync::Outcome::ok) << retried.message;
    EXPECT_EQ(retried.report->totals().messages.copied, 1U);
    EXPECT_EQ(target.read(), source.read(true));
    EXPECT_GT(stored_modseq(state.store(), "INBOX"), mark);
}

// The account of the no-op tests: three folders, one message filtered.
struct SettledAccount {
    Account source, target;
    StateFile state;
    sync::MigrationOptions options;
    std::size_t listed = 0;  // messages on the source

    explicit SettledAccount(std::set<std::string> hidden = {}) : source({}, std::move(hidden)) {
        source.create("Projects");
        source.create("Lists");
        std::vector<Mail> inbox;
        for (int i = 1; i <= 30; ++i) {
            inbox.push_back({make_body(i),
                             i % 2 == 0 ? std::vector<std::string>{"\\Seen"}
                                        : std::vector<std::string>{"$Work"},
                             day + i});
        }
        source.add("INBOX", inbox);
        source.add("INBOX", {{make_body(99, 50'000), {}, day}});  // beyond max_size
        source.add("Projects", {{make_body(100), {"\\Flagged"}, day}});
        source.add("Lists", {{make_body(101), {}, day}, {make_body(102), {"\\Seen"}, day}});
        listed = 34;
        options.plan.max_size = 40'000;
        options.plan.sync_deletions = true;
    }

    sync::MigrationResult run() {
        return migrate(source.imap(), target.imap(), state.store(), options);
    }
    Mailboxes expected() {
        Mailboxes m = source.read(true);
        std::erase_if(m["INBOX"], [](const Mail& x) { return x.body == make_body(99, 50'000); });
        return m;
    }
};

std::size_t count_opening(const std::vector<std::string>& commands) {
    return count_containing(commands, " SELECT ") + count_containing(commands, " EXAMINE ");
}

// A STATUS command: `STATUS "name" (...)`; LIST's STATUS return option
// (`RETURN (... STATUS (...))`) is not one.
std::size_t count_status_commands(const std::vector<std::string>& commands) {
    return count_containing(commands, " STATUS \"");
}

TEST(MigrationIncremental, NoOpReRunSendsOneListPerSideAndOpensNothing) {
    SettledAccount a;
    const auto first = a.run();
    ASSERT_EQ(first.outcome, sync::Outcome::ok) << first.message;
    ASSERT_EQ(first.report->totals().messages.copied, a.listed - 1);

    ProtocolTrace trace;
    const auto second = a.run();
    ASSERT_EQ(second.outcome, sync::Outcome::ok) << second.message;
    const sync::ReportTotals t = second.report->totals();
    EXPECT_EQ(t.messages.source, a.listed);
    EXPECT_EQ(t.messages.already_there, a.listed - 1);
    EXPECT_EQ(t.messages.filtered, 1U) << "the settled run's filtered message is still counted";
    EXPECT_EQ(t.messages.to_copy + t.messages.copied + t.flag_updates + t.deletions, 0U);
    for (const std::uint16_t port : {a.source.imap_port(), a.target.imap_port()}) {
        SCOPED_TRACE(port == a.source.imap_port() ? "source" : "target");
        const auto commands = trace.commands_to(port);
        EXPECT_EQ(count_opening(commands), 0U) << ::testing::PrintToString(commands);
        EXPECT_EQ(count_containing(commands, "FETCH"), 0U);
        EXPECT_EQ(count_containing(commands, "SEARCH"), 0U);
        // Every folder's STATUS came with the one LIST (RFC 5819).
        EXPECT_EQ(count_status_commands(commands), 0U) << ::testing::PrintToString(commands);
        EXPECT_EQ(count_containing(commands, " LIST "), 1U);
        EXPECT_EQ(count_containing(commands, "STATUS (MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ)"),
                  1U);
        // Only what tells a change: nothing the server would have to count.
        EXPECT_EQ(count_containing(commands, "UNSEEN") + count_containing(commands, "SIZE"), 0U);
    }
    EXPECT_EQ(a.target.read(), a.expected());
}

// A server without LIST-STATUS is asked one STATUS per folder instead; the
// run is as cheap otherwise.
TEST(MigrationIncremental, WithoutListStatusANoOpReRunSendsOneStatusPerFolder) {
    SettledAccount a({"LIST-STATUS"});
    ASSERT_EQ(a.run().outcome, sync::Outcome::ok);

    ProtocolTrace trace;
    const auto second = a.run();
    ASSERT_EQ(second.outcome, sync::Outcome::ok) << second.message;
    EXPECT_EQ(second.report->totals().messages.copied, 0U);
    const auto source = trace.commands_to(a.source.imap_port());
    EXPECT_EQ(count_opening(source), 0U) << ::testing::PrintToString(source);
    EXPECT_EQ(count_status_commands(source), a.source.read().size());
    EXPECT_EQ(count_containing(source, "RETURN (SPECIAL-USE)"), 1U) << "LIST asks for no STATUS";
    // The target offers LIST-STATUS: its STATUS still comes with its LIST.
    const auto target = trace.commands_to(a.target.imap_port());
    EXPECT_EQ(count_opening(target), 0U);
    EXPECT_EQ(count_status_commands(target), 0U);
    EXPECT_EQ(a.target.read(), a.expected());
}

TEST(MigrationIncremental, OnlyTheFolderThatChangedIsOpened) {
    SettledAccount a;
    ASSERT_EQ(a.run().outcome, sync::Outcome::ok);
    a.source.add("Projects", {{make_body(103), {}, day}});
    const auto lists = a.source.uids("Lists");
    a.source.set_flags("Lists", {lists[0]}, FlagMode::add, {"\\Answered"});

    ProtocolTrace trace;
    const auto second = a.run();
    ASSERT_EQ(second.outcome, sync::Outcome::ok) << second.message;
    EXPECT_EQ(second.report->totals().messages.copied, 1U);
    EXPECT_EQ(second.report->totals().flag_updates, 1U);
    // Listed: the two that changed, each from its mark; every other folder
    // only asked for its STATUS.
    const auto source = trace.commands_to(a.source.imap_port());
    EXPECT_EQ(count_containing(source, "CHANGEDSINCE"), 2U);
    EXPECT_EQ(count_containing(source, "INTERNALDATE"), 2U)
        << "every message the state knows comes from the state: no other metadata fetch";
    EXPECT_EQ(count_opening(source), count_containing(source, "EXAMINE \"Projects\"") +
                                         count_containing(source, "EXAMINE \"Lists\""))
        << ::testing::PrintToString(source);
    // Opened once to list, and not again to read its new message: its copy
    // is made on the selection that listed it.
    EXPECT_EQ(count_containing(source, "EXAMINE \"Projects\""), 1U);
    EXPECT_EQ(count_containing(source, "EXAMINE \"Lists\""), 1U)
        << "flag updates alone need nothing more of the source";
    EXPECT_EQ(a.target.read(), a.expected());

    // Settled again: the next run opens nothing.
    ProtocolTrace again;
    ASSERT_EQ(a.run().outcome, sync::Outcome::ok);
    EXPECT_EQ(count_opening(again.commands_to(a.source.imap_port())), 0U);
    EXPECT_EQ(count_opening(again.commands_to(a.target.imap_port())), 0U);
}

// The daemon's common case: mail arrived, nothing else changed. The folder
// is opened and asked at once (one round trip) only what changed since its
// settled HIGHESTMODSEQ, which is the new mail; no UID list, no state rows but the new messages',
// and the target folder is opened, not listed (its copies are the state's).
TEST(MigrationIncremental, NewMailAloneIsListedWithoutTheRestOfTheFolder) {
    SettledAccount a;
    ASSERT_EQ(a.run().outcome, sync::Outcome::ok);
    a.source.add("INBOX", {{make_body(40), {"\\Seen"}, day + 40}, {make_body(41), {}, day + 41}});

    ProtocolTrace trace;
    const auto second = a.run();
    ASSERT_EQ(second.outcome, sync::Outcome::ok) << second.message;
    const sync::ReportTotals t = second.report->totals();
    EXPECT_EQ(t.messages.copied, 2U);
    EXPECT_EQ(t.messages.source, a.listed + 2);
    EXPECT_EQ(t.messages.already_there, a.listed - 1) << "the settled rest, counted as it was";
    EXPECT_EQ(t.messages.filtered, 1U);
    EXPECT_EQ(t.flag_updates + t.deletions, 0U);
    EXPECT_EQ(a.target.read(), a.expected());

    const auto source = trace.commands_to(a.source.imap_port());
    EXPECT_EQ(count_opening(source), 1U) << ::testing::PrintToString(source);
    EXPECT_EQ(count_containing(source, "EXAMINE \"INBOX\""), 1U);
    EXPECT_EQ(count_containing(source, "UID FETCH 1:* (UID)") + count_containing(source, "SEARCH"),
              0U)
        << "no list of the folder's UIDs";
    EXPECT_EQ(count_containing(source, "INTERNALDATE"), 1U) << ::testing::PrintToString(source);
    EXPECT_EQ(count_containing(source, "CHANGEDSINCE"), 1U);
    // Asked with EXAMINE, before its answer: one round trip.
    const std::size_t examine = trace.position_of(a.source.imap_port(), "EXAMINE");
    EXPECT_LT(trace.position_of(a.source.imap_port(), "CHANGEDSINCE", examine),
              trace.position_of(a.source.imap_port(), "", examine, "S: "));
    const auto target = trace.commands_to(a.target.imap_port());
    EXPECT_EQ(count_containing(target, "FETCH") + count_containing(target, "SEARCH"), 0U)
        << ::testing::PrintToString(target);
    EXPECT_EQ(count_containing(target, "APPEND"), 1U);
    EXPECT_EQ(count_containing(target, "SELECT \"INBOX\""), 1U)
        << "opened to learn whether it takes keywords, and appended to while still open";
    EXPECT_EQ(count_opening(target), 1U) << ::testing::PrintToString(target);

    // Settled again, with the new mail: the next run opens nothing.
    ProtocolTrace again;
    const auto third = a.run();
    ASSERT_EQ(third.outcome, sync::Outcome::ok) << third.message;
    EXPECT_EQ(third.report->totals().messages.already_there, a.listed + 1);
    EXPECT_EQ(count_opening(again.commands_to(a.source.imap_port())), 0U);
    EXPECT_EQ(count_opening(again.commands_to(a.target.imap_port())), 0U);
}

// Mail that arrived while the settling run listed the folder was copied by
// that run, but is newer than the STATUS it settled with: looked up in the
// state by its key, it is found there, not copied again.
TEST(MigrationIncremental, NewMailTheSettlingRunCopiedAlreadyIsNotCopiedAgain) {
    SettledAccount a;
    ASSERT_EQ(a.run().outcome, sync::Outcome::ok);
    auto pairs = a.state.store().pairs();
    ASSERT_TRUE(pairs && pairs->size() == 1);
    const auto inbox_record = [&]() {
        auto folders = a.state.store().folders(pairs->front().id);
        EXPECT_TRUE(folders);
        return *std::find_if(folders->begin(), folders->end(),
                             [](const state::FolderRecord& f) { return f.source_name == "INBOX"; });
    };
    const state::FolderRecord before = inbox_record();
    ASSERT_TRUE(before.settled);

    a.source.add("INBOX", {{make_body(40), {}, day + 40}, {make_body(41), {}, day + 41}});
    ASSERT_EQ(a.run().report->totals().messages.copied, 2U);
    // As if the run that copied them had settled with the STATUS from before.
    ASSERT_TRUE(a.state.store().settle_folder(before.id, *before.settled));

    const auto third = a.run();
    ASSERT_EQ(third.outcome, sync::Outcome::ok) << third.message;
    EXPECT_EQ(third.report->totals().messages.copied, 0U);
    EXPECT_EQ(third.report->totals().messages.already_there, a.listed + 1);
    EXPECT_EQ(a.target.read(), a.expected()) << "nothing twice";
}

// Mail arrived and something else changed (a flag, an expunge, a message
// flagged \Deleted): the folder is still listed by what changed. Besides
// the CHANGEDSINCE fetch, the source is asked for its UIDs and which are
// \Deleted (to count the rest, and find what is gone), the state for the
// rows of the changed messages and of those gone, the target for which of
// those rows' copies it still has; nobody for the unchanged messages'
// metadata. The counts are those of a whole listing.
TEST(MigrationIncremental, NewMailWithAnotherChangeIsListedByWhatChanged) {
    enum class Change { flag, expunge, deleted_flag };
    for (const Change change : {Change::flag, Change::expunge, Change::deleted_flag}) {
        SCOPED_TRACE(change == Change::flag      ? "and a flag change"
                     : change == Change::expunge ? "and an expunge"
                                                 : "and a message flagged \\Deleted");
        SettledAccount a;
        ASSERT_EQ(a.run().outcome, sync::Outcome::ok);
        const auto uids = a.source.uids("INBOX");
        if (change == Change::expunge) {
            a.source.expunge("INBOX", {uids[3]});
        } else {
            a.source.set_flags("INBOX", {uids[3]}, FlagMode::add,
                               {change == Change::flag ? "\\Flagged" : "\\Deleted"});
        }
        a.source.add("INBOX", {{make_body(40), {}, day + 40}, {make_body(41), {}, day + 41}});

        ProtocolTrace trace;
        const auto second = a.run();
        ASSERT_EQ(second.outcome, sync::Outcome::ok) << second.message;
        const sync::ReportTotals t = second.report->totals();
        EXPECT_EQ(t.messages.copied, 2U);
        EXPECT_EQ(t.flag_updates, change == Change::flag ? 1U : 0U);
        EXPECT_EQ(t.deletions, change == Change::expunge ? 1U : 0U);
        const std::size_t now = a.listed + 2 - (change == Change::expunge ? 1 : 0);
        const std::size_t filtered = change == Change::deleted_flag ? 2 : 1;
        EXPECT_EQ(t.messages.source, now);
        EXPECT_EQ(t.messages.filtered, filtered);
        EXPECT_EQ(t.messages.already_there, now - 2 - filtered);
        if (change == Change::deleted_flag) {
            // Its copy stays, its other flags as they were.
            Mailboxes expected = a.source.read();
            std::erase_if(expected["INBOX"],
                          [](const Mail& x) { return x.body == make_body(99, 50'000); });
            for (Mail& m : expected["INBOX"]) {
                std::erase(m.flags, "\\Deleted");
            }
            std::sort(expected["INBOX"].begin(), expected["INBOX"].end());
            EXPECT_EQ(a.target.read(), expected);
        } else {
            EXPECT_EQ(a.target.read(), a.expected());
        }

        const auto source = trace.commands_to(a.source.imap_port());
        EXPECT_EQ(count_opening(source), 1U) << ::testing::PrintToString(source);
        EXPECT_EQ(count_containing(source, "CHANGEDSINCE"), 1U);
        EXPECT_EQ(count_containing(source, "UID FETCH 1:* (UID FLAGS)"), 1U)
            << "the folder's UIDs and which are \\Deleted: " << ::testing::PrintToString(source);
        EXPECT_EQ(count_containing(source, "INTERNALDATE"), 1U)
            << "no metadata but the changed messages': " << ::testing::PrintToString(source);
        const auto target = trace.commands_to(a.target.imap_port());
        EXPECT_EQ(count_containing(target, "MESSAGE-ID"), 0U) << ::testing::PrintToString(target);
        EXPECT_EQ(count_containing(target, "UID FETCH 1:*"), 0U)
            << "only the changed messages' copies are asked for: "
            << ::testing::PrintToString(target);
        EXPECT_EQ(count_opening(target), 1U) << ::testing::PrintToString(target);

        // The same counts again on the next run, which opens nothing.
        ProtocolTrace again;
        const auto third = a.run();
        ASSERT_EQ(third.outcome, sync::Outcome::ok) << third.message;
        EXPECT_EQ(third.report->totals().messages.source, now);
        EXPECT_EQ(third.report->totals().messages.filtered, filtered);
        EXPECT_EQ(third.report->totals().messages.already_there, now - filtered);
        EXPECT_EQ(count_opening(again.commands_to(a.source.imap_port())), 0U);
    }
}

// A folder with new mail and flag changes: the new messages' bodies are
// fetched (and their intent recorded) while the target stores the flags, and
// the APPEND goes out as soon as the STOREs are answered, so the folder waits
// for one of the two and not for both in turn.
TEST(MigrationIncremental, NewMailIsFetchedWhileTheFlagsAreStored) {
    SettledAccount a;
    ASSERT_EQ(a.run().outcome, sync::Outcome::ok);
    const auto uids = a.source.uids("INBOX");
    a.source.set_flags("INBOX", {uids[2], uids[5]}, FlagMode::add, {"\\Flagged"});
    a.source.add("INBOX", {{make_body(50), {}, day + 50}, {make_body(51), {"\\Seen"}, day + 51}});

    ProtocolTrace trace;
    const auto second = a.run();
    ASSERT_EQ(second.outcome, sync::Outcome::ok) << second.message;
    EXPECT_EQ(second.report->totals().messages.copied, 2U);
    EXPECT_EQ(second.report->totals().flag_updates, 2U);
    EXPECT_EQ(a.target.read(), a.expected());

    const std::uint16_t source = a.source.imap_port();
    const std::uint16_t target = a.target.imap_port();
    const std::size_t store = trace.position_of(target, "UID STORE");
    ASSERT_NE(store, std::string::npos) << ::testing::PrintToString(trace.exchange_with(target));
    const std::size_t stored =
        trace.position_of(target, trace.tag_of(target, "UID STORE") + " OK", store, "S: ");
    const std::size_t fetch = trace.position_of(source, "BODY.PEEK[]");
    const std::size_t append = trace.position_of(target, "APPEND");
    ASSERT_NE(stored, std::string::npos) << ::testing::PrintToString(trace.exchange_with(target));
    ASSERT_NE(fetch, std::string::npos);
    ASSERT_NE(append, std::string::npos);
    EXPECT_LT(store, fetch) << "the bodies are fetched once the STOREs are out";
    EXPECT_LT(fetch, stored) << "the bodies' FETCH does not wait for the STOREs' answer";
    EXPECT_LT(stored, append) << "one operation at a time on the target";
}

// Without --sync-deletions a message expunged from the source keeps its copy
// and its row; listed by what changed, the folder's row of it is not even
// read, and the counts follow the source.
TEST(MigrationIncremental, ExpungeWithoutSyncDeletionsKeepsTheCopy) {
    SettledAccount a;
    a.options.plan.sync_deletions = false;
    ASSERT_EQ(a.run().outcome, sync::Outcome::ok);
    const Mailboxes before = a.target.read();
    const auto uids = a.source.uids("INBOX");
    a.source.expunge("INBOX", {uids[5]});
    a.source.set_flags("INBOX", {uids[6]}, FlagMode::add, {"\\Answered"});

    ProtocolTrace trace;
    const auto second = a.run();
    ASSERT_EQ(second.outcome, sync::Outcome::ok) << second.message;
    const sync::ReportTotals t = second.report->totals();
    EXPECT_EQ(t.messages.copied, 0U);
    EXPECT_EQ(t.deletions, 0U);
    EXPECT_EQ(t.flag_updates, 1U);
    EXPECT_EQ(t.messages.source, a.listed - 1);
    EXPECT_EQ(t.messages.already_there, a.listed - 2);
    const auto source = trace.commands_to(a.source.imap_port());
    EXPECT_EQ(count_containing(source, "INTERNALDATE"), 1U) << ::testing::PrintToString(source);
    const Mailboxes after = a.target.read();
    EXPECT_EQ(after.at("INBOX").size(), before.at("INBOX").size()) << "the copy stays";

    const auto third = a.run();
    ASSERT_EQ(third.outcome, sync::Outcome::ok) << third.message;
    EXPECT_EQ(third.report->totals().messages.source, a.listed - 1);
    EXPECT_EQ(third.report->totals().deletions + third.report->totals().messages.copied, 0U);
    EXPECT_EQ(a.target.read(), after);
}

// Extra connections are opened for large copies only: for a few new
// messages in three folders, logging in three more times on each side would
// cost more than it saves, whatever --connections allows.
TEST(MigrationIncremental, SmallChangesTakeOneConnectionPairWhateverTheLimit) {
    SettledAccount a;
    a.options.connections = 4;
    ASSERT_EQ(a.run().outcome, sync::Outcome::ok);
    for (const char* folder : {"INBOX", "Projects", "Lists"}) {
        a.source.add(folder,
                     {{make_body(200 + static_cast<int>(std::string(folder).size())), {}, day}});
    }
    ProtocolTrace trace;
    const auto second = a.run();
    ASSERT_EQ(second.outcome, sync::Outcome::ok) << second.message;
    EXPECT_EQ(second.report->totals().messages.copied, 3U);
    for (const std::uint16_t port : {a.source.imap_port(), a.target.imap_port()}) {
        const auto commands = trace.commands_to(port);
        EXPECT_EQ(
            count_containing(commands, " LOGIN ") + count_containing(commands, " AUTHENTICATE "),
            1U)
            << ::testing::PrintToString(commands);
    }
    EXPECT_EQ(a.target.read(), a.expected());
}

// A settled folder that changed is listed and its changes carried out on
// the same selections, one folder after the other: neither side opens it a
// second time. The report keeps the folders in the order of the first run's.
TEST(MigrationIncremental, EachChangedFolderIsOpenedOncePerSide) {
    SettledAccount a;
    a.options.connections = 4;
    const auto first = a.run();
    ASSERT_EQ(first.outcome, sync::Outcome::ok) << first.message;
    const std::vector<std::string> folders = {"INBOX", "Projects", "Lists"};
    for (const std::string& folder : folders) {
        a.source.add(folder, {{make_body(300 + static_cast<int>(folder.size())), {}, day}});
    }
    const auto inbox = a.source.uids("INBOX");
    a.source.set_flags("INBOX", {inbox[0]}, FlagMode::add, {"\\Answered"});

    ProtocolTrace trace;
    const auto second = a.run();
    ASSERT_EQ(second.outcome, sync::Outcome::ok) << second.message;
    EXPECT_EQ(second.report->totals().messages.copied, 3U);
    EXPECT_EQ(second.report->totals().flag_updates, 1U);
    EXPECT_EQ(second.report->totals().messages.source, a.listed + 3);
    const auto source = trace.commands_to(a.source.imap_port());
    const auto target = trace.commands_to(a.target.imap_port());
    for (const std::string& folder : folders) {
        SCOPED_TRACE(folder);
        EXPECT_EQ(count_containing(source, "EXAMINE \"" + folder + "\""), 1U)
            << ::testing::PrintToString(source);
        EXPECT_EQ(count_containing(target, "SELECT \"" + folder + "\""), 1U)
            << ::testing::PrintToString(target);
    }
    EXPECT_EQ(count_opening(source), folders.size());
    EXPECT_EQ(count_opening(target), folders.size());
    ASSERT_EQ(second.report->folders().size(), first.report->folders().size());
    for (std::size_t i = 0; i < first.report->folders().size(); ++i) {
        EXPECT_EQ(second.report->folders()[i].source, first.report->folders()[i].source);
    }
    EXPECT_EQ(a.target.read(), a.expected());
}

// New mail enough to be spread over two connection pairs is listed with
// the other folders and shared by the pairs, as on a first run.
TEST(MigrationIncremental, ManyNewMessagesInASettledFolderShareTheConnections) {
    SettledAccount a;
    a.options.connections = 4;
    ASSERT_EQ(a.run().outcome, sync::Outcome::ok);
    std::vector<Mail> arrived;
    for (int i = 0; i < 250; ++i) {
        arrived.push_back({make_body(1000 + i), {}, day + i});
    }
    a.source.add("INBOX", arrived);

    ProtocolTrace trace;
    const auto second = a.run();
    ASSERT_EQ(second.outcome, sync::Outcome::ok) << second.message;
    EXPECT_EQ(second.report->totals().messages.copied, arrived.size());
    for (const std::uint16_t port : {a.source.imap_port(), a.target.imap_port()}) {
        const auto commands = trace.commands_to(port);
        EXPECT_EQ(
            count_containing(commands, " LOGIN ") + count_containing(commands, " AUTHENTICATE "),
            2U)
            << "250 copies in one folder make two slices, and earn a pair more";
    }
    EXPECT_EQ(a.target.read(), a.expected());
}

// A target with a quota is asked for it once a run, not once per changed
// folder; what the run stored meanwhile counts against what it had left, so
// the second folder's new message, which no longer fits, is refused before
// it is sent.
TEST(MigrationIncremental, TheTargetsQuotaIsAskedOnceAndWhatTheRunStoredCounts) {
    Account source;
    testserver::ServerLimits limits;
    limits.quota_kib = 40;
    Account target({}, {}, limits);
    StateFile state;
    source.create("Projects");
    source.add("INBOX", {{make_body(1, 2000), {}, day}});
    source.add("Projects", {{make_body(2, 2000), {}, day}});
    ASSERT_EQ(migrate(source.imap(), target.imap(), state.store()).outcome, sync::Outcome::ok);
    source.add("INBOX", {{make_body(3, 20'000), {}, day + 3}});
    source.add("Projects", {{make_body(4, 20'000), {}, day + 4}});

    ProtocolTrace trace;
    const auto second = migrate(source.imap(), target.imap(), state.store());
    EXPECT_EQ(second.outcome, sync::Outcome::partial) << second.message;
    EXPECT_EQ(second.report->totals().messages.copied, 1U);
    ASSERT_EQ(second.report->errors().size(), 1U);
    EXPECT_NE(second.report->errors()[0].error.find("quota has"), std::string::npos)
        << second.report->errors()[0].error;
    const auto commands = trace.commands_to(target.imap_port());
    EXPECT_EQ(count_containing(commands, "GETQUOTAROOT"), 1U) << ::testing::PrintToString(commands);
    EXPECT_EQ(count_containing(commands, "APPEND"), 1U) << "the refused message is not sent";
}

// A folder settled under other options, or whose target was recreated, is
// not what the settlement vouches for: it is listed and synced again.
TEST(MigrationIncremental, OtherOptionsOrARecreatedTargetFolderAreListedAgain) {
    SettledAccount a;
    ASSERT_EQ(a.run().outcome, sync::Outcome::ok);
    a.options.plan.max_size.reset();
    const auto wider = a.run();
    ASSERT_EQ(wider.outcome, sync::Outcome::ok) << wider.message;
    EXPECT_EQ(wider.report->totals().messages.copied, 1U) << "the message no longer filtered";
    EXPECT_EQ(a.target.read(), a.source.read(true));

    a.target.remove("Lists");
    a.target.create("Lists");
    ProtocolTrace trace;
    const auto refilled = a.run();
    ASSERT_EQ(refilled.outcome, sync::Outcome::ok) << refilled.message;
    EXPECT_EQ(refilled.report->totals().messages.copied, 2U);
    EXPECT_GE(count_containing(trace.commands_to(a.source.imap_port()), "EXAMINE \"Lists\""), 1U);
    EXPECT_EQ(a.target.read(), a.source.read(true));
}

// Without CONDSTORE a STATUS cannot show a flag change: every folder is
// listed on every run, as before.
TEST(MigrationIncremental, WithoutCondstoreEveryFolderIsListed) {
    SettledAccount a({"CONDSTORE"});
    ASSERT_EQ(a.run().outcome, sync::Outcome::ok);
    const auto inbox = a.source.uids("INBOX");
    a.source.set_flags("INBOX", {inbox[0]}, FlagMode::add, {"\\Flagged"});
    ProtocolTrace trace;
    const auto second = a.run();
    ASSERT_EQ(second.outcome, sync::Outcome::ok) << second.message;
    EXPECT_EQ(second.report->totals().flag_updates, 1U);
    const auto commands = trace.commands_to(a.source.imap_port());
    EXPECT_EQ(count_containing(commands, " STATUS \""), 0U);
    for (const auto& [folder, mails] : a.source.read()) {
        EXPECT_GE(count_containing(commands, "EXAMINE \"" + folder + "\""), 1U) << folder;
    }
    EXPECT_EQ(a.target.read(), a.expected());
}

// A changed folder's target is listed from the UIDs the state holds
// (APPENDUID): one UID FETCH of the changed messages' copies, no message's
// metadata. Without UIDPLUS the state has no target UIDs, and the target is
// listed in full as before.
TEST(MigrationIncremental, TargetOfAChangedFolderIsListedByTheUidsTheStateHolds) {
    for (const bool uidplus : {true, false}) {
        SCOPED_TRACE(uidplus ? "target with UIDPLUS" : "target without UIDPLUS");
        Account source;
        Account target({}, uidplus ? std::set<std::string>{} : std::set<std::string>{"UIDPLUS"});
        StateFile state;
        std::vector<Mail> inbox;
        for (int i = 1; i <= 30; ++i) {
            inbox.push_back({make_body(i), {}, day + i});
        }
        source.add("INBOX", inbox);
        // Deleting from the target takes UID EXPUNGE (UIDPLUS).
        sync::MigrationOptions options;
        options.plan.sync_deletions = uidplus;
        ASSERT_EQ(migrate(source.imap(), target.imap(), state.store(), options).outcome,
                  sync::Outcome::ok);

        const auto uids = source.uids("INBOX");
        source.add("INBOX", {{make_body(31), {"\\Seen"}, day + 31}});
        source.set_flags("INBOX", {uids[3]}, FlagMode::add, {"\\Answered"});
        if (uidplus) {
            source.expunge("INBOX", {uids[5]});
        }
        ProtocolTrace trace;
        const auto second = migrate(source.imap(), target.imap(), state.store(), options);
        ASSERT_EQ(second.outcome, sync::Outcome::ok) << second.message;
        EXPECT_EQ(second.report->totals().messages.copied, 1U);
        EXPECT_EQ(second.report->totals().flag_updates, 1U);
        EXPECT_EQ(second.report->totals().deletions, uidplus ? 1U : 0U);
        EXPECT_EQ(target.read(), source.read(true));

        const auto commands = trace.commands_to(target.imap_port());
        EXPECT_EQ(count_containing(commands, "MESSAGE-ID"), uidplus ? 0U : 1U)
            << "the Message-ID listing of the target";
        // The state's two rows of what changed (a flag, an expunge): their
        // copies asked for by UID, not the folder's UIDs.
        EXPECT_EQ(count_containing(commands, " (UID)"), uidplus ? 1U : 0U)
            << ::testing::PrintToString(commands);
        EXPECT_EQ(count_containing(commands, "UID FETCH 1:* (UID)"), 0U);
        if (uidplus) {
            // The target folder is opened while the source is asked what
            // changed (before its first answer is read), not after, and not
            // again to be listed.
            const std::size_t asked = trace.position_of(source.imap_port(), "CHANGEDSINCE");
            EXPECT_LT(trace.position_of(target.imap_port(), "SELECT \"INBOX\""),
                      trace.position_of(source.imap_port(), "", asked, "S: "));
            EXPECT_EQ(count_containing(commands, "SELECT \"INBOX\""), 1U)
                << ::testing::PrintToString(commands);
        }
        // Without UIDPLUS the source is not asked what changed twice (once
        // for a partial listing the target cannot take, once whole).
        const auto to_source = trace.commands_to(source.imap_port());
        EXPECT_EQ(count_containing(to_source, "CHANGEDSINCE"), 1U)
            << ::testing::PrintToString(to_source);
        EXPECT_EQ(count_containing(to_source, "UID FETCH 1:* (UID FLAGS)"), uidplus ? 1U : 0U)
            << "the folder's UIDs, for a partial listing";
    }
}

// Both sides are logged into at once, so a run's start waits for the slower
// server, not for both in turn: the target is asked while the source has
// not answered its login (one after the other, a source that never answers
// would have kept the target from being contacted at all). The side that
// did log in is left politely when the other fails.
TEST(MigrationIncremental, SourceAndTargetAreLoggedIntoAtOnce) {
    testserver::FaultPlan stalled_login;
    stalled_login.at.push_back({"AUTHENTICATE", 1, testserver::FaultEffect::stall});
    Account source(stalled_login);
    source.add("INBOX", {{make_body(1), {}, 1'700'000'000}});
    Account target;
    StateFile state;
    sync::MigrationOptions options;
    options.connect_timeout = options.command_timeout = std::chrono::seconds(2);
    test_log().expect_warning("fault fired: at=AUTHENTICATE:1:stall");

    ProtocolTrace trace;
    const auto result = migrate(source.imap(), target.imap(), state.store(), options);
    EXPECT_EQ(result.outcome, sync::Outcome::connect_failed) << result.message;
    const auto to_source = trace.commands_to(source.imap_port());
    const auto to_target = trace.commands_to(target.imap_port());
    EXPECT_EQ(count_containing(to_source, "AUTHENTICATE"), 1U)
        << ::testing::PrintToString(to_source);
    EXPECT_EQ(count_containing(to_target, "AUTHENTICATE"), 1U)
        << ::testing::PrintToString(to_target);
    EXPECT_EQ(count_containing(to_target, "LOGOUT"), 1U) << ::testing::PrintToString(to_target);
    EXPECT_EQ(count_containing(to_target, "LIST"), 0U);
    EXPECT_EQ(total(target.read()), 0U);
}

}  // namespace
}  // namespace mailferry::test
