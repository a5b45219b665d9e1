// StateBridge against a real state file: what a run records (intent before
// the APPEND, the confirmed copy after it, flags, deletions, high-water
// marks) and what the next run's planner is shown of it; what a dry run
// leaves behind (nothing); and how a UIDVALIDITY change or a new target
// folder drops the old mapping instead of trusting it.
#include "sync/state_bridge.hpp"

#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace mailferry::sync {
namespace {

using test::TempDir;

constexpr const char* source_id = "imap://alice@old.example.net:143";
constexpr const char* target_id = "imaps://alice@new.example.org:993";

std::vector<std::string> sorted(std::vector<std::string> flags) {
    std::sort(flags.begin(), flags.end());
    return flags;
}

FolderPlan inbox_plan(std::uint32_t source_uidvalidity = 7, std::string target = "INBOX") {
    FolderPlan plan;
    plan.source = "INBOX";
    plan.target = std::move(target);
    plan.source_uidvalidity = source_uidvalidity;
    return plan;
}

CopyItem item(std::uint32_t uid, std::vector<std::string> flags = {}) {
    CopyItem c;
    c.source_uid = uid;
    c.source_key = std::to_string(uid);
    c.size = 1000 + uid;
    c.internal_date = 1'700'000'000 + uid;
    c.message_id = "<" + std::to_string(uid) + "@old.example.net>";
    c.flags = flags;
    c.source_flags = std::move(flags);
    return c;
}

class StateBridgeTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto opened = state::StateStore::open(dir_ / "state.db");
        ASSERT_TRUE(opened) << opened.error().message;
        store_.emplace(std::move(*opened));
    }

    state::StateStore& store() { return *store_; }

    StateBridge bridge(bool create = true) {
        auto b = StateBridge::open(store(), source_id, target_id, create);
        EXPECT_TRUE(b) << b.error().message;
        return std::move(*b);
    }

    // The intent of each item, then the server's confirmation with target
    // UIDs from 100 on: what the executor does around one APPEND batch.
    void copy(StateBridge& b, state::FolderId folder, const std::vector<CopyItem>& items,
              std::uint32_t source_uidnext = 0) {
        std::vector<StateBridge::Intent> intents;
        for (const CopyItem& c : items) {
            intents.push_back({&c, c.size, c.internal_date, c.message_id});
        }
        auto rows = b.record_pending(folder, 7, intents);
        ASSERT_TRUE(rows) << rows.error().message;
        ASSERT_EQ(rows->size(), items.size());
        std::vector<StateBridge::Copied> copied;
        for (std::size_t i = 0; i < items.size(); ++i) {
            copied.push_back({(*rows)[i], 100 + items[i].source_uid, items[i].flags});
        }
        auto confirmed = b.confirm(folder, copied, 9, source_uidnext);
        ASSERT_TRUE(confirmed) << confirmed.error().message;
    }

    // The one folder of the view, by source name.
    FolderState view_of(StateBridge& b, const std::string& name = "INBOX") {
        auto view = b.view();
        EXPECT_TRUE(view) << view.error().message;
        for (FolderState& f : view->folders) {
            if (f.source_name == name) {
                return f;
            }
        }
        ADD_FAILURE() << name << " is not in the view";
        return {};
    }

    // The view after one message was copied and the folder finished at
    // UIDNEXT 31 with `modseq` (0: no CONDSTORE), 3 messages, 2 filtered.
    FolderState finished_at(std::uint64_t modseq) {
        StateBridge b = bridge();
        auto folder = b.begin_folder(inbox_plan(), 9);
        EXPECT_TRUE(folder);
        copy(b, *folder, {item(1)});
        FolderStatus status;
        status.uidnext = 31;
        status.highest_modseq = modseq;
        status.messages = 3;
        EXPECT_TRUE(b.finish_folder(*folder, status, 2, "key"));
        return view_of(b);
    }

    TempDir dir_;
    std::optional<state::StateStore> store_;
};

TEST_F(StateBridgeTest, DryRunOnAFreshStateSeesNothingAndWritesNothing) {
    StateBridge b = bridge(false);
    EXPECT_FALSE(b.pair());
    auto view = b.view();
    ASSERT_TRUE(view) << view.error().message;
    EXPECT_TRUE(view->folders.empty());
    auto pairs = store().pairs();
    ASSERT_TRUE(pairs);
    EXPECT_TRUE(pairs->empty()) << "a dry run created the account pair";
}

TEST_F(StateBridgeTest, ARealRunCreatesThePairADryRunThenFinds) {
    const auto created = bridge(true).pair();
    ASSERT_TRUE(created);
    EXPECT_EQ(bridge(false).pair(), created);
    EXPECT_EQ(bridge(true).pair(), created);
}

TEST_F(StateBridgeTest, PendingIntentIsShownToTheNextRunUntilConfirmed) {
    StateBridge b = bridge();
    auto folder = b.begin_folder(inbox_plan(), 9);
    ASSERT_TRUE(folder) << folder.error().message;
    const CopyItem c = item(5, {"\\Seen", "$Label"});
    const std::vector<StateBridge::Intent> intents{{&c, 1234, 1'700'000'123, "<5@old>"}};
    auto rows = b.record_pending(*folder, 7, intents);
    ASSERT_TRUE(rows) << rows.error().message;

    // Interrupted here: the next run must look for this message on the
    // target before sending it again, so it needs the fingerprint.
    const FolderState pending = view_of(b);
    ASSERT_EQ(pending.messages.size(), 1U);
    const MessageState& m = pending.messages.front();
    EXPECT_EQ(m.status, CopyStatus::pending);
    EXPECT_EQ(m.source_key, "5");
    EXPECT_EQ(m.source_uid, 5U);
    EXPECT_EQ(m.message_id, "<5@old>");
    EXPECT_EQ(m.size, 1234U);
    EXPECT_EQ(m.internal_date, 1'700'000'123);
    EXPECT_EQ(sorted(m.source_flags), sorted({"\\Seen", "$Label"}));
    EXPECT_FALSE(m.target_uid);
    EXPECT_EQ(pending.source_uidvalidity, 7U);
    EXPECT_EQ(pending.target_uidvalidity, 9U);

    auto confirmed = b.confirm(*folder, {{rows->front(), 42, {"\\Seen"}}}, 9, 6);
    ASSERT_TRUE(confirmed) << confirmed.error().message;
    const FolderState copied = view_of(b);
    ASSERT_EQ(copied.messages.size(), 1U);
    EXPECT_EQ(copied.messages.front().status, CopyStatus::copied);
    EXPECT_EQ(copied.messages.front().target_uid, std::optional<std::uint32_t>(42));
    EXPECT_EQ(copied.messages.front().target_flags, std::vector<std::string>{"\\Seen"});
    EXPECT_EQ(copied.source_uidnext, 6U) << "the high-water mark goes with the batch";
}

TEST_F(StateBridgeTest, ConfirmationWithoutAppendUidLeavesTheTargetUidUnknown) {
    StateBridge b = bridge();
    auto folder = b.begin_folder(inbox_plan(), 0);
    ASSERT_TRUE(folder);
    const CopyItem c = item(3);
    auto rows = b.record_pending(*folder, 7, {{&c, c.size, c.internal_date, c.message_id}});
    ASSERT_TRUE(rows);
    ASSERT_TRUE(b.confirm(*folder, {{rows->front(), std::nullopt, {}}}, std::nullopt, 0));
    const FolderState f = view_of(b);
    ASSERT_EQ(f.messages.size(), 1U);
    EXPECT_EQ(f.messages.front().status, CopyStatus::copied);
    EXPECT_FALSE(f.messages.front().target_uid);
    EXPECT_FALSE(f.target_uidvalidity);
}

TEST_F(StateBridgeTest, Pop3MessagesAreKeyedByUidlWithoutAUid) {
    StateBridge b = bridge();
    FolderPlan plan = inbox_plan(0);
    auto folder = b.begin_folder(plan, 9);
    ASSERT_TRUE(folder);
    CopyItem c;
    c.source_key = "UIDL-0001";
    c.size = 321;
    auto rows = b.record_pending(*folder, 0, {{&c, 321, 1'700'000'000, ""}});
    ASSERT_TRUE(rows) << rows.error().message;
    const FolderState f = view_of(b);
    ASSERT_EQ(f.messages.size(), 1U);
    EXPECT_EQ(f.messages.front().source_key, "UIDL-0001");
    EXPECT_EQ(f.messages.front().source_uid, 0U);
    EXPECT_FALSE(f.source_uidvalidity);
}

TEST_F(StateBridgeTest, PlannersConfirmationsAreRecordedAsCopied) {
    StateBridge b = bridge();
    FolderPlan plan = inbox_plan();
    TargetMatch found;
    found.source_uid = 8;
    found.source_key = "8";
    found.target_uid = 77;
    found.message_id = "<8@old.example.net>";
    found.size = 800;
    found.internal_date = 1'700'000'008;
    found.source_flags = {"\\Flagged"};
    found.target_flags = {"\\Flagged", "\\Seen"};
    plan.confirmations.push_back(found);
    auto folder = b.begin_folder(plan, 9);
    ASSERT_TRUE(folder);
    ASSERT_TRUE(b.record_confirmations(*folder, plan, 9));

    const FolderState f = view_of(b);
    ASSERT_EQ(f.messages.size(), 1U);
    const MessageState& m = f.messages.front();
    EXPECT_EQ(m.status, CopyStatus::copied);
    EXPECT_EQ(m.source_uid, 8U);
    EXPECT_EQ(m.target_uid, std::optional<std::uint32_t>(77));
    EXPECT_EQ(m.message_id, "<8@old.example.net>");
    EXPECT_EQ(m.size, 800U);
    EXPECT_EQ(m.source_flags, std::vector<std::string>{"\\Flagged"});
    EXPECT_EQ(sorted(m.target_flags), sorted({"\\Flagged", "\\Seen"}));
}

TEST_F(StateBridgeTest, FlagsAreRecordedOnlyForCopiedMessages) {
    StateBridge b = bridge();
    auto folder = b.begin_folder(inbox_plan(), 9);
    ASSERT_TRUE(folder);
    copy(b, *folder, {item(1, {"\\Seen"})});
    const CopyItem pending = item(2);
    ASSERT_TRUE(b.record_pending(*folder, 7, {{&pending, 10, 0, ""}}));

    ASSERT_TRUE(b.record_flags(*folder, {{"1", {"\\Answered", "\\Seen"}, {"\\Answered", "\\Seen"}},
                                         {"2", {"\\Seen"}, {"\\Seen"}},
                                         {"99", {"\\Seen"}, {"\\Seen"}}}));
    for (const MessageState& m : view_of(b).messages) {
        if (m.source_key == "1") {
            EXPECT_EQ(sorted(m.source_flags), sorted({"\\Answered", "\\Seen"}));
            EXPECT_EQ(sorted(m.target_flags), sorted({"\\Answered", "\\Seen"}));
        } else {
            EXPECT_TRUE(m.source_flags.empty()) << m.source_key << " is pending: not in step yet";
        }
    }
}

TEST_F(StateBridgeTest, ForgetDropsIntentsAndMarksCopiesGoneFromTheTarget) {
    StateBridge b = bridge();
    auto folder = b.begin_folder(inbox_plan(), 9);
    ASSERT_TRUE(folder);
    copy(b, *folder, {item(1), item(2)});
    const CopyItem lost = item(3);
    ASSERT_TRUE(b.record_pending(*folder, 7, {{&lost, lost.size, lost.internal_date, ""}}));

    ASSERT_TRUE(b.forget(*folder, {"1", "3", "unknown"}));
    const FolderState f = view_of(b);
    ASSERT_EQ(f.messages.size(), 1U);
    EXPECT_EQ(f.messages.front().source_key, "2");
    auto rows = store().messages(*folder);
    ASSERT_TRUE(rows);
    ASSERT_EQ(rows->size(), 2U) << "the pending intent is gone, the copy is remembered";
    for (const auto& r : *rows) {
        if (r.source_key == "1") {
            EXPECT_EQ(r.status, state::MessageStatus::deleted_on_target);
        }
    }
}

TEST_F(StateBridgeTest, MessagesMovedOffTheSourceStayInTheView) {
    StateBridge b = bridge();
    auto folder = b.begin_folder(inbox_plan(), 9);
    ASSERT_TRUE(folder);
    copy(b, *folder, {item(1), item(2)});
    ASSERT_TRUE(b.mark_deleted(*folder, {"1"}, state::MessageStatus::deleted_on_source));

    // The planner must still know these went to the target, so that a
    // later --sync-deletions never deletes the only copy left.
    const FolderState f = view_of(b);
    ASSERT_EQ(f.messages.size(), 2U);
    for (const MessageState& m : f.messages) {
        EXPECT_EQ(m.status,
                  m.source_key == "1" ? CopyStatus::deleted_on_source : CopyStatus::copied);
    }
}

TEST_F(StateBridgeTest, FinishedFolderKeepsItsHighWaterMarksAndIsSettled) {
    const FolderState f = finished_at(4567);
    EXPECT_EQ(f.source_uidnext, 31U);
    EXPECT_EQ(f.source_highest_modseq, 4567U);
    ASSERT_TRUE(f.settled);
    EXPECT_EQ(f.settled->source.uidnext, 31U);
    EXPECT_EQ(f.settled->source.highest_modseq, 4567U);
    EXPECT_EQ(f.settled->source.messages, 3U);
    EXPECT_EQ(f.settled->filtered, 2U);
    EXPECT_EQ(f.settled->plan_key, "key");
}

// A run reads a settled folder's rows only when it has to list it, and a
// run that writes to a settled folder first forgets the settlement, so a
// settled folder never hides a pending row.
TEST_F(StateBridgeTest, SettledFolderComesWithoutRowsUntilARunWritesToIt) {
    ASSERT_TRUE(finished_at(4567).settled);
    StateBridge b = bridge();
    auto light = b.view(std::nullopt, false);
    ASSERT_TRUE(light) << light.error().message;
    ASSERT_EQ(light->folders.size(), 1U);
    EXPECT_TRUE(light->folders.front().settled);
    EXPECT_TRUE(light->folders.front().messages.empty());
    EXPECT_EQ(view_of(b).messages.size(), 1U) << "asked for, the rows are there";

    auto folder = b.begin_folder(inbox_plan(), 9);
    ASSERT_TRUE(folder) << folder.error().message;
    const FolderState written = view_of(b);
    EXPECT_FALSE(written.settled);
    EXPECT_EQ(written.source_highest_modseq, 4567U) << "the high-water marks stay";
    auto after = b.view(std::nullopt, false);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->folders.front().messages.size(), 1U) << "not settled: rows included";
    EXPECT_FALSE(after->folders.front().rows_unread);

    // A folder not settled with more rows than asked for (a large first
    // copy interrupted) comes without them too, marked, still in the view.
    auto as_many = b.view(std::nullopt, false, 1);
    ASSERT_TRUE(as_many);
    EXPECT_EQ(as_many->folders.front().messages.size(), 1U) << "one row: not more than 1";
    EXPECT_FALSE(as_many->folders.front().rows_unread);
    const CopyItem c = item(6, {});
    const std::vector<StateBridge::Intent> intents{{&c, 100, 1'700'000'123, "<6@old>"}};
    ASSERT_TRUE(b.record_pending(*folder, 7, intents));
    auto more = b.view(std::nullopt, false, 1);
    ASSERT_TRUE(more);
    ASSERT_EQ(more->folders.size(), 1U);
    EXPECT_TRUE(more->folders.front().messages.empty());
    EXPECT_TRUE(more->folders.front().rows_unread);
    auto unlimited = b.view(std::nullopt, false, 0);
    ASSERT_TRUE(unlimited);
    EXPECT_EQ(unlimited->folders.front().messages.size(), 2U) << "0: no limit";
}

// Without CONDSTORE a STATUS cannot show flag changes: such a folder is
// never settled, so every run lists it.
TEST_F(StateBridgeTest, FolderWithoutModseqsIsNeverSettled) {
    const FolderState f = finished_at(0);
    EXPECT_EQ(f.source_uidnext, 31U);
    EXPECT_FALSE(f.settled);
}

TEST_F(StateBridgeTest, ChangedSourceUidvalidityDropsTheOldMapping) {
    {
        StateBridge b = bridge();
        auto folder = b.begin_folder(inbox_plan(7), 9);
        ASSERT_TRUE(folder);
        copy(b, *folder, {item(1), item(2)}, 3);
    }
    // The source folder was recreated: its UIDs name other messages now.
    StateBridge b = bridge();
    auto folder = b.begin_folder(inbox_plan(8), 9);
    ASSERT_TRUE(folder) << folder.error().message;
    auto view = b.view();
    ASSERT_TRUE(view);
    EXPECT_TRUE(view->folders.empty()) << "the folder must be matched by content again";
    auto record = store().folder(*folder);
    ASSERT_TRUE(record);
    EXPECT_EQ(record->source_uidvalidity, std::optional<std::uint32_t>(8));
}

TEST_F(StateBridgeTest, RecreatedTargetFolderDropsTheOldMapping) {
    StateBridge b = bridge();
    auto folder = b.begin_folder(inbox_plan(7), 9);
    ASSERT_TRUE(folder);
    copy(b, *folder, {item(1)});
    // The target folder was deleted and made again: the planner re-matches
    // it, and the stored target UIDs (of UIDVALIDITY 9) name nothing now.
    FolderPlan rematch = inbox_plan(7);
    rematch.rematch = true;
    ASSERT_TRUE(b.begin_folder(rematch, 10));
    auto view = b.view();
    ASSERT_TRUE(view);
    EXPECT_TRUE(view->folders.empty());
    auto record = store().folder(*folder);
    ASSERT_TRUE(record);
    EXPECT_EQ(record->target_uidvalidity, std::optional<std::uint32_t>(10));
}

TEST_F(StateBridgeTest, NewTargetFolderIsRememberedAndTheOldMappingDropped) {
    StateBridge b = bridge();
    auto folder = b.begin_folder(inbox_plan(7, "INBOX"), 9);
    ASSERT_TRUE(folder);
    copy(b, *folder, {item(1)});

    // --map INBOX=Archive/Old since the last run: the messages are looked
    // for in the new folder, and later runs go there without asking again.
    FolderPlan moved = inbox_plan(7, "Archive/Old");
    moved.created = true;
    auto again = b.begin_folder(moved, 12);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(*again, *folder);
    auto record = store().folder(*folder);
    ASSERT_TRUE(record);
    EXPECT_EQ(record->target_name, "Archive/Old");
    EXPECT_EQ(record->target_uidvalidity, std::optional<std::uint32_t>(12));
    EXPECT_TRUE(record->created_on_target);
    auto view = b.view();
    ASSERT_TRUE(view);
    EXPECT_TRUE(view->folders.empty());
}

TEST_F(StateBridgeTest, ViewOfOneFolderMatchesItsNameAsTheMappingDoes) {
    StateBridge b = bridge();
    FolderPlan work = inbox_plan();
    work.source = "Work";
    work.target = "Work";
    auto inbox = b.begin_folder(inbox_plan(), 9);
    auto other = b.begin_folder(work, 9);
    ASSERT_TRUE(inbox && other);
    copy(b, *inbox, {item(1)});
    copy(b, *other, {item(2)});

    auto only = b.view("inbox");
    ASSERT_TRUE(only);
    ASSERT_EQ(only->folders.size(), 1U);
    EXPECT_EQ(only->folders.front().source_name, "INBOX");
    EXPECT_EQ(b.view()->folders.size(), 2U);
}

TEST(StateBridgeFlags, JoinAndSplitRoundTrip) {
    const std::vector<std::string> flags{"\\Seen", "$Label", "\\Answered"};
    EXPECT_EQ(join_flags(flags), "\\Seen $Label \\Answered");
    EXPECT_EQ(split_flags(join_flags(flags)), flags);
    EXPECT_EQ(join_flags({}), "");
    EXPECT_TRUE(split_flags("").empty());
    EXPECT_EQ(split_flags("  \\Seen   $Label "), (std::vector<std::string>{"\\Seen", "$Label"}));
}

}  // namespace
}  // namespace mailferry::sync
