// End-to-end runs of run_migration between two in-process test servers, with
// isync's checks (STYLE §9): the first run gives the expected target, a
// second run changes nothing, dry runs change nothing and plan what the real
// run then does, re-runs bring over new mail, flag changes and deletions.
#include "tests/sync/migration_fixture.hpp"

#include <gtest/gtest.h>

namespace mailferry::test {
namespace {

using testserver::FlagMode;

constexpr std::int64_t day = 1'700'000'000;

void seed(Account& source) {
    source.create("Archive/2023");
    source.create("Work/Projects");
    source.create("Entw&APw-rfe");  // "Entwürfe", modified UTF-7 (RFC 3501 §5.1.3)
    source.add("INBOX", {{make_body(1), {"\\Seen"}, day},
                         {make_body(2), {"\\Flagged", "$Label1"}, day + 60},
                         {make_body(3), {}, day + 120},
                         {make_body(4), {"\\Deleted", "\\Seen"}, day + 180},
                         {make_body(5, 70'000), {"\\Answered", "\\Seen"}, day + 240}});
    source.add("Archive/2023", {{make_body(10), {"\\Seen"}, day - 86400},
                                {make_body(11), {"\\Seen"}, day - 86000}});
    source.add("Work/Projects", {{make_body(20), {"\\Draft"}, day}});
    source.add("Entw&APw-rfe", {{make_body(30), {"\\Draft"}, day}});
    source.add("Sent", {{make_body(40), {"\\Seen"}, day}, {make_body(41), {"\\Seen"}, day}});
}

std::size_t messages_of(const sync::Report& r) {
    return r.totals().messages.source;
}

TEST(Migration, FirstRunCopiesEveryFolderExactlyAndASecondRunChangesNothing) {
    Account source, target;
    StateFile state;
    seed(source);

    const auto first = migrate(source.imap(), target.imap(), state.store());
    ASSERT_EQ(first.outcome, sync::Outcome::ok) << first.message;
    ASSERT_TRUE(first.report);
    EXPECT_EQ(first.report->totals().messages.copied, 10U);
    EXPECT_EQ(first.report->totals().messages.filtered, 1U);
    EXPECT_EQ(first.report->totals().folders_created,
              4U);  // Archive/2023, Work, Work/Projects, Entwürfe
    EXPECT_EQ(messages_of(*first.report), 11U);
    EXPECT_EQ(target.read(), source.read(true));

    const auto second = migrate(source.imap(), target.imap(), state.store());
    ASSERT_EQ(second.outcome, sync::Outcome::ok) << second.message;
    const sync::ReportTotals t = second.report->totals();
    EXPECT_EQ(t.messages.to_copy, 0U);
    EXPECT_EQ(t.messages.copied, 0U);
    EXPECT_EQ(t.flag_updates, 0U);
    EXPECT_EQ(t.deletions, 0U);
    EXPECT_EQ(t.folders_created, 0U);
    EXPECT_EQ(t.messages.already_there, 10U);
    EXPECT_EQ(target.read(), source.read(true));

    auto runs = state.store().runs(state.store().pairs()->front().id);
    ASSERT_TRUE(runs);
    ASSERT_EQ(runs->size(), 2U);
    EXPECT_EQ(runs->front().id, second.run);
    EXPECT_EQ(runs->front().outcome, "ok");
    EXPECT_TRUE(runs->front().finished);
    EXPECT_EQ(runs->back().id, first.run);
    EXPECT_EQ(runs->back().totals.messages_copied, 10U);
}

TEST(Migration, DryRunChangesNothingAndPlansWhatTheRealRunCopies) {
    Account source, target;
    StateFile state;
    seed(source);
    const Mailboxes before = target.read();

    sync::MigrationOptions dry;
    dry.dry_run = true;
    const auto planned = migrate(source.imap(), target.imap(), state.store(), dry);
    ASSERT_EQ(planned.outcome, sync::Outcome::ok) << planned.message;
    EXPECT_TRUE(planned.report->dry_run());
    EXPECT_EQ(planned.report->totals().messages.copied, 0U);
    EXPECT_EQ(target.read(), before);
    EXPECT_TRUE(state.store().pairs()->empty());  // not even a run row

    const auto real = migrate(source.imap(), target.imap(), state.store());
    ASSERT_EQ(real.outcome, sync::Outcome::ok) << real.message;
    EXPECT_EQ(real.report->totals().messages.copied, planned.report->totals().messages.to_copy);
    EXPECT_EQ(real.report->totals().bytes.copied, planned.report->totals().bytes.to_copy);
    EXPECT_EQ(real.report->totals().folders_created, planned.report->totals().folders_created);
}

TEST(Migration, ReRunBringsNewMailAndFlagChangesAndKeepsWhatTheSourceDeleted) {
    Account source, target;
    StateFile state;
    seed(source);
    ASSERT_EQ(migrate(source.imap(), target.imap(), state.store()).outcome, sync::Outcome::ok);
    const Mailboxes after_first = target.read();

    const auto inbox = source.uids("INBOX");
    source.add("INBOX", {{make_body(6), {}, day + 300}});
    source.set_flags("INBOX", {inbox[0]}, FlagMode::remove, {"\\Seen"});
    source.set_flags("INBOX", {inbox[2]}, FlagMode::add, {"\\Flagged", "$Label2"});
    source.expunge("INBOX", {inbox[1]});

    const auto second = migrate(source.imap(), target.imap(), state.store());
    ASSERT_EQ(second.outcome, sync::Outcome::ok) << second.message;
    EXPECT_EQ(second.report->totals().messages.copied, 1U);
    EXPECT_EQ(second.report->totals().flag_updates, 2U);
    EXPECT_EQ(second.report->totals().deletions, 0U);
    // The target is the source plus the message deleted there.
    Mailboxes expected = source.read(true);
    const auto& old_inbox = after_first.at("INBOX");
    auto kept = std::find_if(old_inbox.begin(), old_inbox.end(),
                             [](const Mail& m) { return m.body == make_body(2); });
    ASSERT_NE(kept, old_inbox.end());
    expected["INBOX"].push_back(*kept);
    std::sort(expected["INBOX"].begin(), expected["INBOX"].end());
    EXPECT_EQ(target.read(), expected);
}

TEST(Migration, SyncDeletionsRemovesFromTheTargetWhatTheSourceDeleted) {
    Account source, target;
    StateFile state;
    seed(source);
    ASSERT_EQ(migrate(source.imap(), target.imap(), state.store()).outcome, sync::Outcome::ok);
    const auto inbox = source.uids("INBOX");
    source.expunge("INBOX", {inbox[0], inbox[2]});
    source.expunge("Archive/2023", source.uids("Archive/2023"));

    sync::MigrationOptions o;
    o.plan.sync_deletions = true;
    // A whole folder emptied on purpose: more than --max-deletions allows by default.
    o.plan.max_deletions = sync::DeletionLimit::unlimited();
    const auto run = migrate(source.imap(), target.imap(), state.store(), o);
    ASSERT_EQ(run.outcome, sync::Outcome::ok) << run.message;
    EXPECT_EQ(run.report->totals().deletions, 4U);
    EXPECT_EQ(target.read(), source.read(true));
    // And once more: nothing left to do.
    const auto again = migrate(source.imap(), target.imap(), state.store(), o);
    EXPECT_EQ(again.report->totals().deletions, 0U);
    EXPECT_EQ(target.read(), source.read(true));
}

// SPEC: "\Deleted messages are skipped and counted as filtered", also one
// copied before it got the flag; it stays on the target, --sync-deletions
// included (it is still on the source).
TEST(Migration, MessageFlaggedDeletedAfterItsCopyIsFilteredAndStaysOnTheTarget) {
    Account source, target;
    StateFile state;
    seed(source);
    const auto first = migrate(source.imap(), target.imap(), state.store());
    ASSERT_EQ(first.outcome, sync::Outcome::ok) << first.message;
    ASSERT_EQ(first.report->totals().messages.filtered, 1U);
    const Mailboxes after_first = target.read();

    source.set_flags("INBOX", {source.uids("INBOX")[0]}, FlagMode::add, {"\\Deleted"});
    sync::MigrationOptions o;
    o.plan.sync_deletions = true;
    auto run = migrate(source.imap(), target.imap(), state.store(), o);
    ASSERT_EQ(run.outcome, sync::Outcome::ok) << run.message;
    const sync::FolderReport* inbox = run.report->folder("INBOX");
    ASSERT_NE(inbox, nullptr);
    EXPECT_EQ(inbox->messages.filtered, 2U);
    EXPECT_EQ(inbox->messages.already_there, 3U);
    EXPECT_EQ(inbox->messages.source, 5U);
    EXPECT_EQ(run.report->totals().messages.filtered, 2U);
    EXPECT_EQ(run.report->totals().messages.already_there, 9U);
    EXPECT_EQ(run.report->totals().messages.copied, 0U);
    EXPECT_EQ(run.report->totals().deletions, 0U);
    EXPECT_EQ(target.read(), after_first);
}

TEST(Migration, RecreatedSourceFolderIsRematchedWithoutDuplicates) {
    Account source, target;
    StateFile state;
    seed(source);
    ASSERT_EQ(migrate(source.imap(), target.imap(), state.store()).outcome, sync::Outcome::ok);

    // Same mail, new UIDVALIDITY (RFC 3501 §2.3.1.1), plus one new message.
    const Mailboxes before = source.read();
    source.remove("Archive/2023");
    source.create("Archive/2023");
    std::vector<Mail> again = before.at("Archive/2023");
    again.push_back({make_body(12), {}, day});
    source.add("Archive/2023", again);

    const auto run = migrate(source.imap(), target.imap(), state.store());
    ASSERT_EQ(run.outcome, sync::Outcome::ok) << run.message;
    EXPECT_EQ(run.report->totals().messages.copied, 1U);
    EXPECT_EQ(target.read(), source.read(true));
    const auto next = migrate(source.imap(), target.imap(), state.store());
    EXPECT_EQ(next.report->totals().messages.to_copy, 0U);
    EXPECT_EQ(target.read(), source.read(true));
}

TEST(Migration, FolderTheTargetRefusesToCreateFailsItsMessagesAndTheRestGoesOn) {
    Account source, target;
    StateFile state;
    seed(source);
    source.create("Empty");
    sync::MigrationOptions o;
    // An empty level: the test server refuses the name (RFC 3501 §5.1 leaves
    // names to the server), as real servers refuse names they cannot store.
    o.plan.map = {{"Archive/2023", "Old//2023"}, {"Empty", "Bad//Empty"}};
    const std::size_t folders_before = target.read().size();

    auto run = migrate(source.imap(), target.imap(), state.store(), o);
    ASSERT_EQ(run.outcome, sync::Outcome::partial) << run.message;
    const sync::FolderReport* archive = run.report->folder("Archive/2023");
    const sync::FolderReport* empty = run.report->folder("Empty");
    ASSERT_NE(archive, nullptr);
    EXPECT_EQ(archive->messages.failed, 2U);
    EXPECT_EQ(archive->messages.copied, 0U);
    // The report says what happened, not what was planned: the refused
    // folders were not created, the others were, and the count is theirs.
    EXPECT_FALSE(archive->created);
    ASSERT_NE(run.report->folder("Work/Projects"), nullptr);
    EXPECT_TRUE(run.report->folder("Work/Projects")->created);
    EXPECT_EQ(run.report->totals().folders_created, target.read().size() - folders_before);
    const std::string table = run.report->to_table();
    EXPECT_EQ(table.find("Old//2023 (new)"), std::string::npos) << table;
    EXPECT_EQ(table.find("Bad//Empty (new)"), std::string::npos) << table;
    EXPECT_NE(table.find("Work/Projects (new)"), std::string::npos) << table;
    EXPECT_NE(
        table.find(std::to_string(run.report->totals().folders_created) + " folder(s) created"),
        std::string::npos)
        << table;
    std::size_t archive_errors = 0, empty_errors = 0;
    for (const sync::ReportError& e : run.report->errors()) {
        EXPECT_NE(e.error.find("creating target folder"), std::string::npos) << e.error;
        if (e.folder == "Archive/2023") {
            ++archive_errors;
            EXPECT_FALSE(e.source_id.empty());
        }
        if (e.folder == "Empty") {
            ++empty_errors;
        }
    }
    EXPECT_EQ(archive_errors, 2U);
    EXPECT_EQ(empty_errors, 1U);
    ASSERT_NE(empty, nullptr);
    EXPECT_FALSE(empty->created);
    EXPECT_EQ(empty->messages.failed, 0U);
    EXPECT_EQ(run.report->totals().messages.failed, 2U);
    // Everything else arrived.
    Mailboxes expected = source.read(true);
    expected.erase("Archive/2023");
    expected.erase("Empty");
    Mailboxes got = target.read();
    got.erase("Old");
    got.erase("Bad");
    EXPECT_EQ(got, expected);
}

// RFC 7889 APPENDLIMIT and RFC 9208 QUOTA: what the target will refuse is
// known before anything moves. The dry run shows it; the run reports those
// messages failed with the reason and does not send them.
TEST(Migration, MessagesTheTargetsLimitsRefuseAreReportedWithoutBeingSent) {
    Account source;
    testserver::ServerLimits limits;
    limits.max_literal = 8192;  // advertised as APPENDLIMIT=8192
    limits.quota_kib = 40;
    Account target({}, {}, limits);
    StateFile state;
    source.add("INBOX", {{make_body(1, 2000), {}, day},
                         {make_body(2, 20'000), {}, day},
                         {make_body(3, 2000), {}, day}});
    std::vector<Mail> archive;
    for (int i = 10; i < 16; ++i) {
        archive.push_back({make_body(i, 7000), {}, day});
    }
    source.add("Archive", archive);
    const Mailboxes before = target.read();

    auto expect_refusals = [](const sync::MigrationResult& r) {
        ASSERT_EQ(r.report->errors().size(), 2U);
        const sync::ReportError& too_big = r.report->errors()[0];
        EXPECT_EQ(too_big.folder, "INBOX");
        EXPECT_EQ(too_big.source_id, "2");
        EXPECT_NE(too_big.error.find("APPENDLIMIT 8192"), std::string::npos) << too_big.error;
        const sync::ReportError& over_quota = r.report->errors()[1];
        EXPECT_EQ(over_quota.folder, "Archive");
        EXPECT_EQ(over_quota.source_id, "6");
        EXPECT_NE(over_quota.error.find("quota has"), std::string::npos) << over_quota.error;
        EXPECT_EQ(r.report->totals().messages.failed, 2U);
        EXPECT_EQ(r.report->totals().messages.to_copy, 7U);
    };
    sync::MigrationOptions dry;
    dry.dry_run = true;
    const auto planned = migrate(source.imap(), target.imap(), state.store(), dry);
    ASSERT_EQ(planned.outcome, sync::Outcome::ok) << planned.message;
    expect_refusals(planned);
    EXPECT_EQ(target.read(), before);

    const auto run = migrate(source.imap(), target.imap(), state.store());
    EXPECT_EQ(run.outcome, sync::Outcome::partial) << run.message;
    expect_refusals(run);
    EXPECT_EQ(run.report->totals().messages.copied, 7U);
    const Mailboxes got = target.read();
    EXPECT_EQ(got.at("INBOX").size(), 2U);
    EXPECT_EQ(got.at("Archive").size(), 5U);
}

// A changed --map sends a folder somewhere new: the next run copies it there
// (the old target folder keeps its copies), and the state follows the new
// mapping, so the run after that neither copies nor re-matches anything.
TEST(Migration, ChangedMapIsFollowedOnceAndThenRemembered) {
    Account source, target;
    StateFile state;
    seed(source);
    ASSERT_EQ(migrate(source.imap(), target.imap(), state.store()).outcome, sync::Outcome::ok);

    sync::MigrationOptions o;
    o.plan.map = {{"Archive/2023", "Old/2023"}};
    const auto moved = migrate(source.imap(), target.imap(), state.store(), o);
    ASSERT_EQ(moved.outcome, sync::Outcome::ok) << moved.message;
    EXPECT_EQ(moved.report->totals().messages.copied, 2U);
    const Mailboxes got = target.read();
    EXPECT_EQ(got.at("Old/2023"), source.read().at("Archive/2023"));
    EXPECT_EQ(got.at("Archive/2023"), source.read().at("Archive/2023"));

    auto rows_of_archive = [&] {
        const auto pair = state.store().pairs()->front().id;
        for (const auto& f : *state.store().folders(pair)) {
            if (f.source_name == "Archive/2023") {
                EXPECT_EQ(f.target_name, "Old/2023");
                std::vector<std::pair<std::int64_t, std::optional<std::uint32_t>>> rows;
                for (const auto& m : *state.store().messages(f.id)) {
                    rows.emplace_back(static_cast<std::int64_t>(m.id), m.target_uid);
                }
                return rows;
            }
        }
        ADD_FAILURE() << "no state for Archive/2023";
        return std::vector<std::pair<std::int64_t, std::optional<std::uint32_t>>>{};
    };
    const auto rows = rows_of_archive();
    ASSERT_EQ(rows.size(), 2U);
    const auto again = migrate(source.imap(), target.imap(), state.store(), o);
    ASSERT_EQ(again.outcome, sync::Outcome::ok) << again.message;
    EXPECT_EQ(again.report->totals().messages.to_copy, 0U);
    EXPECT_EQ(again.report->totals().messages.already_there, 10U);
    // A re-match would have replaced the rows.
    EXPECT_EQ(rows_of_archive(), rows);
}

TEST(Migration, TargetHoldingPartOfTheMailGetsOnlyTheRest) {
    Account source, target;
    StateFile state;
    seed(source);
    target.add("INBOX", {{make_body(1), {}, day}, {make_body(3), {}, day + 120}});

    const auto run = migrate(source.imap(), target.imap(), state.store());
    ASSERT_EQ(run.outcome, sync::Outcome::ok) << run.message;
    EXPECT_EQ(run.report->totals().messages.copied, 8U);
    EXPECT_EQ(run.report->totals().messages.already_there, 2U);
    // The source's flags won on the two that were there.
    EXPECT_EQ(target.read(), source.read(true));
}

Mailboxes big_source(Account& source, int count) {
    std::vector<Mail> mails;
    for (int i = 0; i < count; ++i) {
        mails.push_back(
            {make_body(1000 + i, 400 + static_cast<std::size_t>(i % 7) * 300),
             i % 3 == 0 ? std::vector<std::string>{"\\Seen"} : std::vector<std::string>{},
             day + i});
    }
    source.add("INBOX", mails);
    source.add("Archive", {{make_body(1), {}, day}});
    return source.read(true);
}

TEST(Migration, ThreeConnectionsGiveTheSameResultAsOne) {
    Account source, one, three;
    StateFile state_one, state_three;
    const Mailboxes expected = big_source(source, 450);

    const auto a = migrate(source.imap(), one.imap(), state_one.store());
    ASSERT_EQ(a.outcome, sync::Outcome::ok) << a.message;
    sync::MigrationOptions o;
    o.connections = 3;
    const auto b = migrate(source.imap(), three.imap(), state_three.store(), o);
    ASSERT_EQ(b.outcome, sync::Outcome::ok) << b.message;
    EXPECT_EQ(one.read(), expected);
    EXPECT_EQ(three.read(), expected);
    EXPECT_EQ(b.report->totals().messages.copied, 451U);
    const auto again = migrate(source.imap(), three.imap(), state_three.store(), o);
    EXPECT_EQ(again.report->totals().messages.to_copy, 0U);
}

TEST(Migration, CancelledRunStopsAfterItsBatchAndAReRunCompletes) {
    Account source, target;
    StateFile state;
    const Mailboxes expected = big_source(source, 300);

    const auto cancelled = migrate(source.imap(), target.imap(), state.store(), {}, 150);
    EXPECT_EQ(cancelled.outcome, sync::Outcome::interrupted) << cancelled.message;
    const std::size_t copied = cancelled.report->totals().messages.copied;
    EXPECT_GE(copied, 150U);
    EXPECT_LT(copied, 301U);
    EXPECT_EQ(total(target.read()), copied);  // everything copied is recorded, nothing more

    const auto resumed = migrate(source.imap(), target.imap(), state.store());
    ASSERT_EQ(resumed.outcome, sync::Outcome::ok) << resumed.message;
    EXPECT_EQ(resumed.report->totals().messages.copied, 301U - copied);
    EXPECT_EQ(target.read(), expected);
}

}  // namespace
}  // namespace mailferry::test
