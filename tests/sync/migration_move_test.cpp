// POP3 sources and --delete-source: POP3 into an IMAP folder (with the Date:
// field's time as INTERNALDATE), moving mail off the source only once the
// target holds it, read back, and the state says so; the safety cases: a
// later run with --sync-deletions never deletes what --delete-source moved,
// and --max-deletions stops a run from emptying a folder on either side.
#include "tests/support/protocol_trace.hpp"
#include "tests/sync/migration_fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <set>

namespace mailferry::test {
namespace {

constexpr std::int64_t day = 1'700'000'000;
// make_body(n)'s Date: Mon, 13 Nov 2023 10:00:SS +0100.
constexpr std::int64_t date_header = 1'699'866'000;

std::int64_t now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Moving every message of a folder is what these runs are for.
sync::MigrationOptions moving_everything() {
    sync::MigrationOptions o;
    o.plan.delete_source = true;
    o.plan.max_deletions = sync::DeletionLimit::unlimited();
    return o;
}

bool reports_error(const sync::MigrationResult& r, std::string_view text) {
    return std::any_of(
        r.report->errors().begin(), r.report->errors().end(),
        [&](const sync::ReportError& e) { return e.error.find(text) != std::string::npos; });
}

std::vector<std::string> bodies(const std::vector<Mail>& mails) {
    std::vector<std::string> out;
    for (const Mail& m : mails) {
        out.push_back(m.body);
    }
    std::sort(out.begin(), out.end());
    return out;
}

TEST(MigrationPop3, CopiesEveryMessageWithItsDateAndLeavesTheSourceAsItWas) {
    Account source, target;
    StateFile state;
    const std::string undated = "Subject: no date\r\nMessage-ID: <undated@x>\r\n\r\nHello\r\n";
    source.add("INBOX", {{make_body(1), {}, day},
                         {make_body(2, 90'000), {}, day},
                         {make_body(3), {}, day},
                         {undated, {}, day}});
    const std::int64_t before = now();

    sync::MigrationOptions o;
    o.plan.pop3_folder = "Imported/POP";
    const auto run = migrate(source.pop3(), target.imap(), state.store(), o);
    ASSERT_EQ(run.outcome, sync::Outcome::ok) << run.message;
    EXPECT_EQ(run.report->totals().messages.copied, 4U);
    const std::int64_t after = now();

    const Mailboxes got = target.read();
    ASSERT_EQ(got.count("Imported/POP"), 1U);
    const std::vector<Mail>& mails = got.at("Imported/POP");
    EXPECT_EQ(bodies(mails), bodies(source.read().at("INBOX")));
    for (const Mail& m : mails) {
        EXPECT_TRUE(m.flags.empty());
        if (m.body == undated) {
            EXPECT_GE(m.date, before);  // the time of the copy
            EXPECT_LE(m.date, after);
        } else {
            EXPECT_EQ(m.date / 60, date_header / 60);
        }
    }
    EXPECT_EQ(source.read().at("INBOX").size(), 4U);

    source.add("INBOX", {{make_body(4), {}, day}});
    const auto again = migrate(source.pop3(), target.imap(), state.store(), o);
    ASSERT_EQ(again.outcome, sync::Outcome::ok) << again.message;
    EXPECT_EQ(again.report->totals().messages.copied, 1U);
    EXPECT_EQ(target.read().at("Imported/POP").size(), 5U);
}

// The target already holds part of the mail (an earlier attempt with
// another tool that also dated messages by their Date: field): those are
// found by Message-ID, size and date from the header (TOP n 0), not copied
// again. A message sharing a Message-ID but not the size is another message.
TEST(MigrationPop3, FirstRunFindsMailAlreadyOnTheTarget) {
    Account source, target;
    StateFile state;
    for (int n = 1; n <= 5; ++n) {
        source.add("INBOX", {{make_body(n), {}, day}});
    }
    target.add("INBOX", {{make_body(1), {"\\Seen"}, date_header + 1},
                         {make_body(2), {}, date_header + 2},
                         {make_body(3), {}, date_header + 3},
                         {make_body(4, 2000), {}, date_header + 4}});

    const auto run = migrate(source.pop3(), target.imap(), state.store());
    ASSERT_EQ(run.outcome, sync::Outcome::ok) << run.message;
    EXPECT_EQ(run.report->totals().messages.already_there, 3U);
    EXPECT_EQ(run.report->totals().messages.copied, 2U);
    std::vector<std::string> expected = bodies(source.read().at("INBOX"));
    expected.push_back(make_body(4, 2000));
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(bodies(target.read().at("INBOX")), expected);

    const auto again = migrate(source.pop3(), target.imap(), state.store());
    ASSERT_EQ(again.outcome, sync::Outcome::ok) << again.message;
    EXPECT_EQ(again.report->totals().messages.to_copy, 0U);
    EXPECT_EQ(bodies(target.read().at("INBOX")), expected);
}

// RFC 1939 §7 makes UIDL optional. Without it the messages are keyed by a
// SHA-256 of their content; identical messages stay distinct copies.
TEST(MigrationPop3, WithoutUidlMessagesAreKeyedByTheirContent) {
    // The user learns why every run downloads every message.
    test_log().expect_warning("does not support UIDL");
    testserver::FaultPlan no_uidl;
    no_uidl.no_uidl = true;
    Account source(no_uidl), target;
    StateFile state;
    source.add("INBOX",
               {{make_body(1), {}, day}, {make_body(2), {}, day}, {make_body(1), {}, day}});

    const auto run = migrate(source.pop3(), target.imap(), state.store());
    ASSERT_EQ(run.outcome, sync::Outcome::ok) << run.message;
    EXPECT_EQ(run.report->totals().messages.copied, 3U);
    EXPECT_EQ(bodies(target.read().at("INBOX")), bodies(source.read().at("INBOX")));
    auto pair = state.store().pairs()->front().id;
    auto folder = state.store().folders(pair)->front().id;
    auto rows = state.store().messages(folder);
    ASSERT_TRUE(rows);
    ASSERT_EQ(rows->size(), 3U);
    std::set<std::string> keys;
    for (const auto& r : *rows) {
        EXPECT_EQ(r.source_key.rfind("sha256:", 0), 0U) << r.source_key;
        keys.insert(r.source_key);
    }
    EXPECT_EQ(keys.size(), 3U) << "the two identical messages need two keys";

    const auto again = migrate(source.pop3(), target.imap(), state.store());
    ASSERT_EQ(again.outcome, sync::Outcome::ok) << again.message;
    EXPECT_EQ(again.report->totals().messages.to_copy, 0U);

    source.add("INBOX", {{make_body(3), {}, day}, {make_body(2), {}, day}});
    const sync::MigrationOptions move = moving_everything();
    const auto moved = migrate(source.pop3(), target.imap(), state.store(), move);
    ASSERT_EQ(moved.outcome, sync::Outcome::ok) << moved.message;
    EXPECT_EQ(moved.report->totals().messages.copied, 2U);
    EXPECT_TRUE(source.read().at("INBOX").empty());
    EXPECT_EQ(target.read().at("INBOX").size(), 5U);
}

TEST(MigrationPop3, DeleteSourceMovesOnlyWhatTheTargetHolds) {
    Account source, target;
    StateFile state;
    source.add("INBOX",
               {{make_body(1), {}, day}, {make_body(2), {}, day}, {make_body(3), {}, day}});
    const std::vector<std::string> all = bodies(source.read().at("INBOX"));

    const auto run = migrate(source.pop3(), target.imap(), state.store(), moving_everything());
    ASSERT_EQ(run.outcome, sync::Outcome::ok) << run.message;
    EXPECT_TRUE(source.read().at("INBOX").empty());
    EXPECT_EQ(bodies(target.read().at("INBOX")), all);
    auto summary = state.store().summary();
    ASSERT_TRUE(summary);
    EXPECT_EQ(summary->front().messages.deleted_on_source, 3U);

    // New mail arrives; a later run without --delete-source copies it and
    // keeps what was moved.
    source.add("INBOX", {{make_body(4), {}, day}});
    const auto later = migrate(source.pop3(), target.imap(), state.store());
    ASSERT_EQ(later.outcome, sync::Outcome::ok) << later.message;
    EXPECT_EQ(target.read().at("INBOX").size(), 4U);
    EXPECT_EQ(source.read().at("INBOX").size(), 1U);
}

TEST(MigrationPop3, DeleteSourceInterruptedAtStepNLosesNothing) {
    test_log().allow_warning("reconnecting");
    for (std::uint64_t n = 1; n <= 15; ++n) {
        SCOPED_TRACE("drop-after-commands=" + std::to_string(n));
        Account target;
        testserver::FaultPlan f;
        f.drop_after_commands = n;
        Account source(f);
        StateFile state;
        source.add("INBOX",
                   {{make_body(1), {}, day}, {make_body(2), {}, day}, {make_body(3), {}, day}});
        const std::vector<std::string> all = bodies(source.read().at("INBOX"));
        const sync::MigrationOptions o = moving_everything();
        // The fault fires once, in whichever run reaches step N.
        auto r = migrate(source.pop3(), target.imap(), state.store(), o);
        for (int i = 0; i < 2 && r.outcome == sync::Outcome::ok; ++i) {
            r = migrate(source.pop3(), target.imap(), state.store(), o);
        }
        const auto last = migrate(source.pop3(), target.imap(), state.store(), o);
        ASSERT_EQ(last.outcome, sync::Outcome::ok) << last.message;
        EXPECT_TRUE(source.read().at("INBOX").empty());
        EXPECT_EQ(bodies(target.read().at("INBOX")), all);
    }
}

TEST(MigrationMove, ImapDeleteSourceThenSyncDeletionsKeepsTheMovedMail) {
    Account source, target;
    StateFile state;
    source.add("INBOX", {{make_body(1), {"\\Seen"}, day}, {make_body(2), {}, day + 1}});
    source.add("Sent", {{make_body(3), {"\\Seen"}, day}});
    const Mailboxes everything = source.read();

    const auto moved = migrate(source.imap(), target.imap(), state.store(), moving_everything());
    ASSERT_EQ(moved.outcome, sync::Outcome::ok) << moved.message;
    EXPECT_EQ(total(source.read()), 0U);
    EXPECT_EQ(target.read(), everything);

    source.add("INBOX", {{make_body(4), {}, day + 2}});
    sync::MigrationOptions mirror;
    mirror.plan.sync_deletions = true;
    const auto later = migrate(source.imap(), target.imap(), state.store(), mirror);
    ASSERT_EQ(later.outcome, sync::Outcome::ok) << later.message;
    EXPECT_EQ(later.report->totals().deletions, 0U);
    EXPECT_EQ(later.report->totals().messages.copied, 1U);
    EXPECT_EQ(total(target.read()), 4U);
}

TEST(MigrationMove, EachCopyIsReadBackBeforeItsSourceIsExpunged) {
    Account source, target;
    StateFile state;
    source.add("INBOX", {{make_body(1), {}, day}, {make_body(2), {}, day}});
    const Mailboxes everything = source.read();
    ProtocolTrace trace;
    const auto moved = migrate(source.imap(), target.imap(), state.store(), moving_everything());
    ASSERT_EQ(moved.outcome, sync::Outcome::ok) << moved.message;
    EXPECT_EQ(target.read(), everything);
    EXPECT_EQ(total(source.read()), 0U);
    // APPENDUID gave UIDs 1 and 2; they are fetched from the target after
    // the APPEND and before the source's expunge.
    const std::size_t appended = trace.position_of(target.imap_port(), "APPEND");
    const std::size_t read_back = trace.position_of(target.imap_port(), "UID FETCH 1:2 (");
    const std::size_t expunged = trace.position_of(source.imap_port(), "UID EXPUNGE");
    ASSERT_NE(read_back, std::string::npos);
    ASSERT_NE(expunged, std::string::npos);
    EXPECT_LT(appended, read_back);
    EXPECT_LT(read_back, expunged);
}

TEST(MigrationMove, WithoutAppendUidCopiesAreFoundByContentBeforeTheSourceGoes) {
    Account source;
    Account target({}, {"UIDPLUS"});
    StateFile state;
    source.add("INBOX", {{make_body(1), {}, day}, {make_body(2), {}, day + 1}});
    const Mailboxes everything = source.read();
    ProtocolTrace trace;
    const auto moved = migrate(source.imap(), target.imap(), state.store(), moving_everything());
    ASSERT_EQ(moved.outcome, sync::Outcome::ok) << moved.message;
    EXPECT_EQ(target.read(), everything);
    EXPECT_EQ(total(source.read()), 0U);
    const std::size_t appended = trace.position_of(target.imap_port(), "APPEND");
    const std::size_t listed = trace.position_of(target.imap_port(), "UID FETCH 1:* (");
    const std::size_t expunged = trace.position_of(source.imap_port(), "UID EXPUNGE");
    ASSERT_NE(listed, std::string::npos);
    EXPECT_LT(appended, listed) << "the target is listed again after the copies";
    EXPECT_LT(listed, expunged);
}

TEST(MigrationMove, ACopyGoneFromTheTargetKeepsItsSource) {
    Account source, target;
    StateFile state;
    source.add("INBOX", {{make_body(1), {}, day}, {make_body(2), {}, day + 1}});
    ASSERT_EQ(migrate(source.imap(), target.imap(), state.store()).outcome, sync::Outcome::ok);
    // Someone deletes one copy on the target; then the mail is moved.
    target.expunge("INBOX", {target.uids("INBOX").front()});
    const auto moved = migrate(source.imap(), target.imap(), state.store(), moving_everything());
    EXPECT_EQ(moved.outcome, sync::Outcome::partial) << moved.message;
    EXPECT_TRUE(reports_error(moved, "does not show its copy: kept on the source"));
    EXPECT_EQ(source.read().at("INBOX").size(), 1U) << "only the message still on the target goes";
    EXPECT_EQ(target.read().at("INBOX").size(), 1U);
}

TEST(MigrationMove, MovingAWholeFolderWaitsForMaxDeletions) {
    Account source, target;
    StateFile state;
    source.add("INBOX",
               {{make_body(1), {}, day}, {make_body(2), {}, day}, {make_body(3), {}, day}});
    const Mailboxes everything = source.read();
    sync::MigrationOptions o;
    o.plan.delete_source = true;  // the default limit: 10%, never a whole folder
    const auto held = migrate(source.imap(), target.imap(), state.store(), o);
    EXPECT_EQ(held.outcome, sync::Outcome::partial) << held.message;
    EXPECT_TRUE(reports_error(held, "held back 3 deletion(s) from the source folder \"INBOX\""));
    EXPECT_TRUE(reports_error(held, "--max-deletions 3 (or 100%)"));
    EXPECT_EQ(held.report->totals().deletions, 0U);
    EXPECT_EQ(target.read(), everything) << "the copies are made all the same";
    EXPECT_EQ(source.read(), everything);

    const auto moved = migrate(source.imap(), target.imap(), state.store(), moving_everything());
    ASSERT_EQ(moved.outcome, sync::Outcome::ok) << moved.message;
    EXPECT_EQ(moved.report->totals().deletions, 3U);
    EXPECT_EQ(total(source.read()), 0U);
    EXPECT_EQ(target.read(), everything);
}

TEST(MigrationMove, ASourceEmptiedBehindItsBackNeverWipesTheTarget) {
    Account source, target;
    StateFile state;
    std::vector<Mail> mails;
    for (int i = 1; i <= 20; ++i) {
        mails.push_back({make_body(i), {}, day + i});
    }
    source.add("INBOX", mails);
    const Mailboxes everything = source.read();
    ASSERT_EQ(migrate(source.imap(), target.imap(), state.store()).outcome, sync::Outcome::ok);

    // A server fault or a wrong account: the source folder is empty now.
    source.expunge("INBOX", source.uids("INBOX"));
    sync::MigrationOptions mirror;
    mirror.plan.sync_deletions = true;
    for (int run = 1; run <= 2; ++run) {
        const auto held = migrate(source.imap(), target.imap(), state.store(), mirror);
        EXPECT_EQ(held.outcome, sync::Outcome::partial) << held.message;
        EXPECT_TRUE(reports_error(held, "held back 20 deletion(s) from the target folder"));
        EXPECT_EQ(held.report->totals().deletions, 0U);
        EXPECT_EQ(target.read(), everything) << "run " << run;
    }
    // Meant after all: the user raises the limit.
    mirror.plan.max_deletions = sync::DeletionLimit::unlimited();
    const auto wiped = migrate(source.imap(), target.imap(), state.store(), mirror);
    ASSERT_EQ(wiped.outcome, sync::Outcome::ok) << wiped.message;
    EXPECT_EQ(wiped.report->totals().deletions, 20U);
    EXPECT_TRUE(target.read().at("INBOX").empty());
}

}  // namespace
}  // namespace mailferry::test
