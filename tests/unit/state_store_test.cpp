// The state store's API over the life of an account pair.
#include "state/state_store.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <boost/system/system_error.hpp>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

using namespace mailferry::state;
using mailferry::test::TempDir;

constexpr const char* source_id = "imaps://alice@old.example.net:993";
constexpr const char* target_id = "imaps://alice%40example.org@new.example.org:993";

std::string hash_of(int n) {
    std::string h = std::to_string(n);
    return std::string(64 - h.size(), 'a') + h;
}

PendingMessage imap_message(std::uint32_t uid, std::string flags = "") {
    PendingMessage m;
    m.source_uid = uid;
    m.source_uidvalidity = 1000;
    m.message_id = "<" + std::to_string(uid) + "@old.example.net>";
    m.size = 1000 + uid;
    m.internal_date = 1700000000 + uid;
    m.content_hash = hash_of(static_cast<int>(uid));
    m.flags = std::move(flags);
    return m;
}

class StateStoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto opened = StateStore::open(file_);
        ASSERT_TRUE(opened) << opened.error().message;
        store_.emplace(std::move(*opened));
        auto pair = store_->ensure_pair(source_id, target_id);
        ASSERT_TRUE(pair) << pair.error().message;
        pair_ = pair->id;
        auto folder = store_->ensure_folder(pair_, "Archive/2023", "Archive/2023");
        ASSERT_TRUE(folder) << folder.error().message;
        folder_ = folder->id;
        ASSERT_TRUE(store_->set_folder_uidvalidity(folder_, {1000, 2000}));
    }

    StateStore& store() { return *store_; }

    // Pending + confirmed in two batches, as the sync engine does.
    std::vector<MessageRowId> copy(std::vector<std::uint32_t> uids) {
        std::vector<PendingMessage> pending;
        for (const auto uid : uids) {
            pending.push_back(imap_message(uid, "\\Seen"));
        }
        auto ids = store().record_pending(folder_, pending);
        EXPECT_TRUE(ids) << ids.error().message;
        std::vector<Confirmation> confirmations;
        for (std::size_t i = 0; i < uids.size(); ++i) {
            confirmations.push_back({(*ids)[i], uids[i] + 500, 2000, "\\Seen"});
        }
        auto confirmed = store().confirm_copied(folder_, confirmations, {uids.back() + 1, {}});
        EXPECT_TRUE(confirmed) << confirmed.error().message;
        return *ids;
    }

    TempDir dir_;
    std::filesystem::path file_ = dir_ / "state" / "state.db";
    std::optional<StateStore> store_;
    PairId pair_{};
    FolderId folder_{};
};

TEST_F(StateStoreTest, PairKeepsItsIdAcrossCallsAndReopens) {
    auto again = store().ensure_pair(source_id, target_id);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->id, pair_);
    auto other = store().ensure_pair(target_id, source_id);
    ASSERT_TRUE(other);
    EXPECT_NE(other->id, pair_);

    store_.reset();
    auto reopened = StateStore::open(file_);
    ASSERT_TRUE(reopened);
    auto found = reopened->find_pair(source_id, target_id);
    ASSERT_TRUE(found);
    ASSERT_TRUE(found->has_value());
    EXPECT_EQ((*found)->id, pair_);
    auto missing = reopened->find_pair(source_id, "imap://nobody@h:143");
    ASSERT_TRUE(missing);
    EXPECT_FALSE(missing->has_value());
}

TEST_F(StateStoreTest, IdentityWithAPasswordIsRefusedAndNeverStored) {
    auto refused = store().ensure_pair("imap://bob:secret@mail.example.net:143", target_id);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, error::invalid_identity);
    EXPECT_EQ(refused.error().message,
              "account identity imap://bob:***@mail.example.net:143 contains a password; the state "
              "knows accounts without passwords, pass scheme://user@host:port");
    EXPECT_FALSE(store().ensure_pair(source_id, "imap://bob:secret@mail.example.net:143"));
    store_.reset();

    for (const char* suffix : {"", "-wal"}) {
        std::ifstream in(file_.string() + suffix, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
        EXPECT_EQ(bytes.find("secret"), std::string::npos) << suffix;
        EXPECT_EQ(bytes.find("bob"), std::string::npos) << suffix;
    }
}

TEST_F(StateStoreTest, FoldersOfAPairAreListedByName) {
    ASSERT_TRUE(store().ensure_folder(pair_, "INBOX", "INBOX"));
    ASSERT_TRUE(store().ensure_folder(pair_, "Sent Items", "Sent"));
    auto again = store().ensure_folder(pair_, "Sent Items", "Elsewhere");
    ASSERT_TRUE(again);
    EXPECT_EQ(again->target_name, "Sent");  // stored mapping kept, caller decides

    auto folders = store().folders(pair_);
    ASSERT_TRUE(folders);
    ASSERT_EQ(folders->size(), 3u);
    EXPECT_EQ((*folders)[0].source_name, "Archive/2023");
    EXPECT_EQ((*folders)[1].source_name, "INBOX");
    EXPECT_EQ((*folders)[2].target_name, "Sent");
    EXPECT_EQ((*folders)[0].source_uidvalidity, 1000u);
    EXPECT_EQ((*folders)[0].target_uidvalidity, 2000u);
    EXPECT_FALSE((*folders)[1].source_uidvalidity);

    ASSERT_TRUE(store().mark_folder_created(folder_));
    EXPECT_TRUE(store().folder(folder_)->created_on_target);
    EXPECT_EQ(store().ensure_folder(PairId{999}, "INBOX", "INBOX").error().code, error::not_found);
}

TEST_F(StateStoreTest, ChangedUidValidityIsRefusedUntilInvalidated) {
    EXPECT_TRUE(store().set_folder_uidvalidity(folder_, {1000, {}}));
    auto changed = store().set_folder_uidvalidity(folder_, {1001, {}});
    ASSERT_FALSE(changed);
    EXPECT_EQ(changed.error().code, error::uidvalidity_changed);
    EXPECT_EQ(changed.error().message,
              "state file " + file_.string() +
                  ": UIDVALIDITY of source folder Archive/2023 changed from 1000 to 1001; its "
                  "messages must be re-matched");
    EXPECT_EQ(store().folder(folder_)->source_uidvalidity, 1000u);
}

TEST_F(StateStoreTest, PendingMessagesBecomeCopiedWithTheHighWaterMark) {
    auto ids = store().record_pending(
        folder_, std::vector{imap_message(1, "\\Seen \\Flagged"), imap_message(2)});
    ASSERT_TRUE(ids) << ids.error().message;
    ASSERT_EQ(ids->size(), 2u);

    auto pending = store().pending_messages(folder_);
    ASSERT_TRUE(pending);
    ASSERT_EQ(pending->size(), 2u);
    const MessageRecord& first = pending->front();
    EXPECT_EQ(first.source_key, "1");
    EXPECT_EQ(first.source_uid, 1u);
    EXPECT_EQ(first.message_id, "<1@old.example.net>");
    EXPECT_EQ(first.size, 1001u);
    EXPECT_EQ(first.internal_date, 1700000001);
    EXPECT_EQ(first.content_hash, hash_of(1));
    EXPECT_EQ(first.source_flags, "\\Flagged \\Seen");
    EXPECT_FALSE(first.target_uid);
    EXPECT_EQ(first.status, MessageStatus::pending);
    EXPECT_FALSE(store().folder(folder_)->source_uidnext);

    std::vector<Confirmation> confirmations{{(*ids)[0], 501, 2000, "\\Seen \\Flagged"},
                                            {(*ids)[1], std::nullopt, 2000, ""}};
    ASSERT_TRUE(store().confirm_copied(folder_, confirmations, {3, 77}));

    EXPECT_TRUE(store().pending_messages(folder_)->empty());
    auto messages = store().messages(folder_);
    ASSERT_TRUE(messages);
    ASSERT_EQ(messages->size(), 2u);
    EXPECT_EQ((*messages)[0].status, MessageStatus::copied);
    EXPECT_EQ((*messages)[0].target_uid, 501u);
    EXPECT_EQ((*messages)[0].target_uidvalidity, 2000u);
    EXPECT_EQ((*messages)[0].target_flags, "\\Flagged \\Seen");
    EXPECT_EQ((*messages)[1].status, MessageStatus::copied);
    EXPECT_FALSE((*messages)[1].target_uid);  // no APPENDUID from this server
    auto folder = store().folder(folder_);
    EXPECT_EQ(folder->source_uidnext, 3u);
    EXPECT_EQ(folder->source_highestmodseq, 77u);
}

TEST_F(StateStoreTest, RetriedIntentKeepsItsRowButACopiedMessageIsNotTrackedTwice) {
    auto first = store().record_pending(folder_, imap_message(5));
    ASSERT_TRUE(first);
    auto retried = store().record_pending(folder_, imap_message(5, "\\Seen"));
    ASSERT_TRUE(retried);
    EXPECT_EQ(*retried, *first);
    EXPECT_EQ(store().pending_messages(folder_)->front().source_flags, "\\Seen");

    ASSERT_TRUE(store().confirm_copied(folder_, Confirmation{*first, 9, 2000, "\\Seen"}));
    auto again = store().record_pending(folder_, std::vector{imap_message(6), imap_message(5)});
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, error::already_tracked);
    EXPECT_EQ(again.error().message,
              "state file " + file_.string() +
                  ": folder Archive/2023 already tracks source message 5 as copied; nothing of "
                  "the batch was stored");
    EXPECT_EQ(store().messages(folder_)->size(), 1u);  // message 6 rolled back with the batch
}

TEST_F(StateStoreTest, BatchWithOneBadConfirmationStoresNothing) {
    auto ids = store().record_pending(folder_, std::vector{imap_message(1), imap_message(2)});
    ASSERT_TRUE(ids);
    ASSERT_TRUE(store().confirm_copied(folder_, Confirmation{(*ids)[1], 8, 2000, ""}));

    std::vector<Confirmation> batch{{(*ids)[0], 7, 2000, ""}, {(*ids)[1], 8, 2000, ""}};
    auto confirmed = store().confirm_copied(folder_, batch, {3, {}});
    ASSERT_FALSE(confirmed);
    EXPECT_EQ(confirmed.error().code, error::wrong_status);
    auto pending = store().pending_messages(folder_);
    ASSERT_EQ(pending->size(), 1u);
    EXPECT_EQ(pending->front().id, (*ids)[0]);
    EXPECT_FALSE(store().folder(folder_)->source_uidnext);  // mark not moved either

    EXPECT_EQ(
        store().confirm_copied(folder_, Confirmation{MessageRowId{4242}, 1, 1, ""}).error().code,
        error::not_found);
}

TEST_F(StateStoreTest, PendingMessageNotFoundOnTheTargetIsForgotten) {
    auto ids = store().record_pending(folder_, std::vector{imap_message(1), imap_message(2)});
    ASSERT_TRUE(ids);
    ASSERT_TRUE(store().forget_pending((*ids)[0]));
    auto pending = store().pending_messages(folder_);
    ASSERT_EQ(pending->size(), 1u);
    EXPECT_EQ(pending->front().source_key, "2");
    // Forgotten, it can be recorded again for the re-sent APPEND.
    EXPECT_TRUE(store().record_pending(folder_, imap_message(1)));
    ASSERT_TRUE(store().confirm_copied(folder_, Confirmation{(*ids)[1], 3, 2000, ""}));
    EXPECT_EQ(store().forget_pending((*ids)[1]).error().code, error::wrong_status);
}

TEST_F(StateStoreTest, FlagChangesAndDeletionsAreRecorded) {
    const auto ids = copy({1, 2, 3});
    std::vector<FlagSync> flags{{ids[0], "\\Seen \\Answered", "\\Answered \\Seen"},
                                {ids[1], "", ""}};
    ASSERT_TRUE(store().record_flags(flags));
    auto messages = store().messages(folder_);
    EXPECT_EQ((*messages)[0].source_flags, "\\Answered \\Seen");
    EXPECT_EQ((*messages)[0].target_flags, "\\Answered \\Seen");
    EXPECT_EQ((*messages)[1].source_flags, "");

    std::vector<MessageRowId> gone{ids[2]};
    ASSERT_TRUE(store().mark_deleted(gone, MessageStatus::deleted_on_source));
    ASSERT_TRUE(store().mark_deleted(gone, MessageStatus::deleted_on_target));
    EXPECT_EQ(store().messages(folder_)->back().status, MessageStatus::deleted_on_target);
    EXPECT_EQ(store().mark_deleted(gone, MessageStatus::copied).error().code,
              error::invalid_argument);
    std::vector<FlagSync> on_deleted{{ids[2], "\\Seen", "\\Seen"}};
    EXPECT_EQ(store().record_flags(on_deleted).error().code, error::wrong_status);
}

TEST_F(StateStoreTest, SourceUidValidityChangeMakesTheMappingStaleForRematching) {
    const auto ids = copy({1, 2, 3});
    std::vector<MessageRowId> gone{ids[2]};
    ASSERT_TRUE(store().mark_deleted(gone, MessageStatus::deleted_on_source));
    auto pending = store().record_pending(folder_, imap_message(4));
    ASSERT_TRUE(pending);

    auto stale = store().invalidate_folder_mapping(folder_, {1001, {}});
    ASSERT_TRUE(stale) << stale.error().message;
    EXPECT_EQ(*stale, 3u);  // two copied, one pending
    auto folder = store().folder(folder_);
    EXPECT_EQ(folder->source_uidvalidity, 1001u);
    EXPECT_EQ(folder->target_uidvalidity, 2000u);
    EXPECT_FALSE(folder->source_uidnext);
    auto messages = store().messages(folder_);
    ASSERT_EQ(messages->size(), 3u);  // the deleted row is gone
    for (const auto& m : *messages) {
        EXPECT_EQ(m.status, MessageStatus::stale);
    }
    EXPECT_EQ((*messages)[0].target_uid, 501u);  // target side still valid

    // New UIDs on the source: UID 1 is now another message, tracked afresh.
    ASSERT_TRUE(store().record_pending(folder_, imap_message(1)));
    std::vector<Rematch> matches{{ids[1], "", 20, 1001, 502, 2000, "\\Seen", "\\Seen"}};
    ASSERT_TRUE(store().rematch(matches));
    std::vector<Rematch> clash{{ids[0], "", 20, 1001, 501, 2000, "", ""}};
    EXPECT_EQ(store().rematch(clash).error().code, error::already_tracked);

    auto dropped = store().drop_stale(folder_);
    ASSERT_TRUE(dropped);
    EXPECT_EQ(*dropped, 2u);
    messages = store().messages(folder_);
    ASSERT_EQ(messages->size(), 2u);
    EXPECT_EQ((*messages)[0].source_key, "20");
    EXPECT_EQ((*messages)[0].status, MessageStatus::copied);
    EXPECT_EQ((*messages)[0].target_uid, 502u);
    EXPECT_EQ((*messages)[1].source_key, "1");
    EXPECT_EQ((*messages)[1].status, MessageStatus::pending);
}

TEST_F(StateStoreTest, TargetUidValidityChangeClearsTargetUids) {
    copy({1, 2});
    auto unchanged = store().invalidate_folder_mapping(folder_, {1000, 2000});
    ASSERT_TRUE(unchanged);
    EXPECT_EQ(*unchanged, 0u);
    EXPECT_EQ(store().messages(folder_)->front().status, MessageStatus::copied);

    auto stale = store().invalidate_folder_mapping(folder_, {{}, 3000});
    ASSERT_TRUE(stale);
    EXPECT_EQ(*stale, 2u);
    for (const auto& m : *store().messages(folder_)) {
        EXPECT_EQ(m.status, MessageStatus::stale);
        EXPECT_FALSE(m.target_uid);
        EXPECT_FALSE(m.target_uidvalidity);
        EXPECT_TRUE(m.source_uid);
    }
    EXPECT_EQ(store().folder(folder_)->target_uidvalidity, 3000u);
    EXPECT_EQ(store().folder(folder_)->source_uidnext, 3u);  // source side unchanged
}

// A changed --map: the folder's rows point into the old target folder, so
// they cannot stand for the new one, even when both folders happen to share
// a UIDVALIDITY value (nothing stops two folders from doing so).
TEST_F(StateStoreTest, RetargetedFolderForgetsTheOldTargetButKeepsSourceMarks) {
    copy({1, 2, 3});
    ASSERT_TRUE(store().mark_folder_created(folder_));
    ASSERT_TRUE(store().retarget_folder(folder_, "Archive/2023"));  // unchanged: no-op
    EXPECT_EQ(store().messages(folder_)->front().status, MessageStatus::copied);

    ASSERT_TRUE(store().retarget_folder(folder_, "Old/2023"));
    const auto f = store().folder(folder_);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->target_name, "Old/2023");
    EXPECT_FALSE(f->target_uidvalidity);
    EXPECT_FALSE(f->created_on_target);
    EXPECT_EQ(f->source_uidvalidity, 1000u);
    EXPECT_EQ(f->source_uidnext, 4u);
    for (const auto& m : *store().messages(folder_)) {
        EXPECT_EQ(m.status, MessageStatus::stale);
        EXPECT_FALSE(m.target_uid);
    }
    // The same UIDVALIDITY as before is now simply stored for the new folder.
    EXPECT_TRUE(store().set_folder_uidvalidity(folder_, {1000, 2000}));
    EXPECT_FALSE(store().retarget_folder(folder_, ""));
}

TEST_F(StateStoreTest, SettledFolderIsReadBackAndReplaced) {
    EXPECT_FALSE(store().folder(folder_)->settled);
    const FolderSettlement first{4, 120, 3, 1, "max_size=40000"};
    ASSERT_TRUE(store().settle_folder(folder_, first));
    EXPECT_EQ(store().folder(folder_)->settled, first);
    EXPECT_EQ(store().folder(folder_)->source_uidnext, 4u) << "the marks advance with it";
    EXPECT_EQ(store().folder(folder_)->source_highestmodseq, 120u);
    const FolderSettlement second{9, (std::uint64_t{1} << 63) - 1, 7, 0, ""};
    ASSERT_TRUE(store().settle_folder(folder_, second));
    EXPECT_EQ(store().folders(pair_)->front().settled, second);

    // Reopened, as the next run sees it.
    store_.reset();
    auto reopened = StateStore::open(file_);
    ASSERT_TRUE(reopened) << reopened.error().message;
    EXPECT_EQ(reopened->folder(folder_)->settled, second);
}

TEST_F(StateStoreTest, ImpossibleSettlementIsRefusedAndChangesNothing) {
    const FolderSettlement good{4, 120, 3, 1, "k"};
    ASSERT_TRUE(store().settle_folder(folder_, good));
    auto more_filtered = store().settle_folder(folder_, {4, 120, 3, 4, "k"});
    ASSERT_FALSE(more_filtered);
    EXPECT_EQ(more_filtered.error().code, error::invalid_argument);
    auto modseq = store().settle_folder(folder_, {4, std::uint64_t{1} << 63, 3, 1, "k"});
    ASSERT_FALSE(modseq);
    EXPECT_EQ(modseq.error().code, error::invalid_argument);
    EXPECT_EQ(store().folder(folder_)->settled, good);
    EXPECT_FALSE(store().settle_folder(FolderId{999}, good));
}

// What a settlement vouches for stops holding when the folder's UIDs or its
// target change: the next run must look at the folder again.
TEST_F(StateStoreTest, SettlementIsForgottenWhenTheMappingChanges) {
    const FolderSettlement settled{4, 120, 3, 0, "k"};
    ASSERT_TRUE(store().settle_folder(folder_, settled));
    ASSERT_TRUE(store().invalidate_folder_mapping(folder_, {1000, 2000}));  // unchanged
    EXPECT_EQ(store().folder(folder_)->settled, settled);
    ASSERT_TRUE(store().invalidate_folder_mapping(folder_, {{}, 3000}));
    EXPECT_FALSE(store().folder(folder_)->settled);

    ASSERT_TRUE(store().settle_folder(folder_, settled));
    ASSERT_TRUE(store().invalidate_folder_mapping(folder_, {1001, {}}));
    EXPECT_FALSE(store().folder(folder_)->settled);

    ASSERT_TRUE(store().settle_folder(folder_, settled));
    ASSERT_TRUE(store().retarget_folder(folder_, "Archive/2023"));  // unchanged: no-op
    EXPECT_EQ(store().folder(folder_)->settled, settled);
    ASSERT_TRUE(store().retarget_folder(folder_, "Old/2023"));
    EXPECT_FALSE(store().folder(folder_)->settled);
}

TEST_F(StateStoreTest, RunsAreListedLastFirstWithTotalsAndErrors) {
    auto first = store().begin_run(pair_, "migrate", false, 1700000000);
    ASSERT_TRUE(first);
    RunTotals totals;
    totals.messages_source = 120;
    totals.messages_to_copy = 120;
    totals.messages_copied = 118;
    totals.messages_failed = 2;
    totals.bytes_to_copy = 3456789;
    totals.bytes_copied = 3400000;
    totals.folders_created = 1;
    std::vector<RunError> errors{{"INBOX", "4711", "NO [OVERQUOTA] quota exceeded"},
                                 {"INBOX", "4712", "NO [OVERQUOTA] quota exceeded"}};
    ASSERT_TRUE(store().add_run_errors(*first, errors));
    ASSERT_TRUE(store().finish_run(*first, 1700000012, totals, "2 messages failed"));
    auto unrecorded = store().runs(pair_);
    ASSERT_TRUE(unrecorded);
    EXPECT_FALSE(unrecorded->front().exit_code);  // until the command records it
    ASSERT_TRUE(store().record_exit_code(*first, 1));
    auto second = store().begin_run(pair_, "sync", true, 1700000012);
    ASSERT_TRUE(second);

    auto runs = store().runs(pair_);
    ASSERT_TRUE(runs);
    ASSERT_EQ(runs->size(), 2u);
    EXPECT_EQ((*runs)[0].id, *second);
    EXPECT_TRUE((*runs)[0].dry_run);
    EXPECT_FALSE((*runs)[0].finished);
    EXPECT_FALSE((*runs)[0].exit_code);
    const RunRecord& done = (*runs)[1];
    EXPECT_EQ(done.command, "migrate");
    EXPECT_EQ(done.started, 1700000000);
    EXPECT_EQ(done.finished, 1700000012);
    EXPECT_EQ(done.totals, totals);
    EXPECT_EQ(done.exit_code, 1);
    EXPECT_EQ(done.outcome, "2 messages failed");
    EXPECT_EQ(store().runs(pair_, 1)->size(), 1u);
    EXPECT_EQ(*store().run_errors(*first), errors);
    EXPECT_TRUE(store().run_errors(*second)->empty());
    EXPECT_EQ(store().finish_run(RunId{99}, 0, {}, "").error().code, error::not_found);
    EXPECT_EQ(store().record_exit_code(RunId{99}, 0).error().code, error::not_found);
}

TEST_F(StateStoreTest, SummaryShowsEachPairWithItsLastRunAndCounts) {
    const auto ids = copy({1, 2, 3});
    ASSERT_TRUE(store().record_pending(folder_, imap_message(4)));
    ASSERT_TRUE(store().ensure_folder(pair_, "INBOX", "INBOX"));
    std::vector<MessageRowId> gone{ids[0]};
    ASSERT_TRUE(store().mark_deleted(gone, MessageStatus::deleted_on_source));
    auto run = store().begin_run(pair_, "migrate", false, 1700000000);
    RunTotals totals;
    totals.messages_copied = 3;
    ASSERT_TRUE(store().finish_run(*run, 1700000009, totals, "interrupted"));
    ASSERT_TRUE(store().record_exit_code(*run, 4));
    auto other = store().ensure_pair("pop3://shop@pop.example.net:110", target_id);
    ASSERT_TRUE(other);

    auto summary = store().summary();
    ASSERT_TRUE(summary) << summary.error().message;
    ASSERT_EQ(summary->size(), 2u);
    const PairSummary& s = (*summary)[0];
    EXPECT_EQ(s.pair.source, source_id);
    EXPECT_EQ(s.pair.target, target_id);
    ASSERT_TRUE(s.last_run);
    EXPECT_EQ(s.last_run->exit_code, 4);
    EXPECT_EQ(s.last_run->outcome, "interrupted");
    EXPECT_EQ(s.last_run->totals.messages_copied, 3u);
    EXPECT_EQ(s.folders, 2u);
    EXPECT_EQ(s.messages.copied, 2u);
    EXPECT_EQ(s.messages.pending, 1u);
    EXPECT_EQ(s.messages.deleted_on_source, 1u);
    EXPECT_EQ(s.messages.total(), 4u);
    EXPECT_EQ((*summary)[1].pair.source, "pop3://shop@pop.example.net:110");
    EXPECT_FALSE((*summary)[1].last_run);
    EXPECT_EQ((*summary)[1].folders, 0u);
    EXPECT_EQ((*summary)[1].messages.total(), 0u);
}

TEST_F(StateStoreTest, Pop3MessagesAreTrackedByUidlOrContentHash) {
    PendingMessage by_uidl;
    by_uidl.source_key = "whqtswO00WBw418f9t5JxYwZ";  // RFC 1939 §7 example UIDL
    by_uidl.size = 120;
    PendingMessage by_hash;
    by_hash.source_key = "sha256:" + hash_of(9);
    by_hash.content_hash = std::string(64, 'F');
    by_hash.size = 200;
    auto ids = store().record_pending(folder_, std::vector{by_uidl, by_hash});
    ASSERT_TRUE(ids);
    auto pending = store().pending_messages(folder_);
    EXPECT_EQ((*pending)[0].source_key, "whqtswO00WBw418f9t5JxYwZ");
    EXPECT_FALSE((*pending)[0].source_uid);
    EXPECT_EQ((*pending)[1].content_hash, std::string(64, 'f'));
}

TEST_F(StateStoreTest, MalformedMessagesAreRefused) {
    PendingMessage no_key;
    EXPECT_EQ(store().record_pending(folder_, no_key).error().code, error::invalid_argument);
    PendingMessage bad_hash = imap_message(1);
    bad_hash.content_hash = "abc";
    auto refused = store().record_pending(folder_, bad_hash);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, error::invalid_argument);
    EXPECT_EQ(refused.error().message, "content hash \"abc\" is not 64 hex digits of SHA-256");
    PendingMessage huge = imap_message(2);
    huge.size = ~std::uint64_t{0};
    EXPECT_EQ(store().record_pending(folder_, huge).error().code, error::invalid_argument);
    EXPECT_EQ(store().record_pending(FolderId{77}, imap_message(3)).error().code, error::not_found);
    EXPECT_TRUE(store().messages(folder_)->empty());
}

TEST_F(StateStoreTest, ValueOfAFailureThrowsSystemErrorWithItsMessage) {
    try {
        static_cast<void>(store().folder(FolderId{999}).value());
        FAIL() << "no exception";
    } catch (const boost::system::system_error& e) {
        EXPECT_EQ(e.code(), error::not_found);
        EXPECT_NE(std::string(e.what()).find("has no folder 999"), std::string::npos) << e.what();
    }
}

TEST_F(StateStoreTest, TenThousandMessagesInBatchesOfHundredReadBackInOneQuery) {
    constexpr std::uint32_t total = 10000;
    constexpr std::uint32_t batch = 100;
    for (std::uint32_t start = 1; start <= total; start += batch) {
        std::vector<PendingMessage> pending;
        for (std::uint32_t uid = start; uid < start + batch; ++uid) {
            pending.push_back(imap_message(uid, "\\Seen"));
        }
        auto ids = store().record_pending(folder_, pending);
        ASSERT_TRUE(ids) << ids.error().message;
        std::vector<Confirmation> confirmations;
        for (std::uint32_t i = 0; i < batch; ++i) {
            confirmations.push_back({(*ids)[i], start + i + 100000, 2000, "\\Seen"});
        }
        ASSERT_TRUE(store().confirm_copied(folder_, confirmations, {start + batch, {}}));
    }
    auto messages = store().messages(folder_);
    ASSERT_TRUE(messages);
    ASSERT_EQ(messages->size(), total);
    for (std::uint32_t i = 0; i < total; ++i) {
        const MessageRecord& m = (*messages)[i];
        ASSERT_EQ(m.source_uid, i + 1);
        ASSERT_EQ(m.target_uid, i + 1 + 100000);
        ASSERT_EQ(m.status, MessageStatus::copied);
    }
    EXPECT_EQ(store().folder(folder_)->source_uidnext, total + 1);
    EXPECT_EQ(store().summary()->front().messages.copied, total);
}

TEST_F(StateStoreTest, RowsAreReadByKeyInTheOrderAsked) {
    copy({1, 2, 3, 4});
    auto other = store().ensure_folder(pair_, "Sent", "Sent");
    ASSERT_TRUE(other) << other.error().message;
    ASSERT_TRUE(store().record_pending(other->id, std::vector<PendingMessage>{imap_message(3)}));

    const std::vector<std::string> keys{"4", "9", "2"};
    auto rows = store().messages(folder_, keys);
    ASSERT_TRUE(rows) << rows.error().message;
    ASSERT_EQ(rows->size(), 2u) << "key 9 is not tracked";
    EXPECT_EQ((*rows)[0].source_uid, 4u);
    EXPECT_EQ((*rows)[0].target_uid, 504u);
    EXPECT_EQ((*rows)[1].source_uid, 2u);
    EXPECT_EQ((*rows)[1].folder, folder_);

    auto in_other = store().messages(other->id, std::vector<std::string>{"3", "4"});
    ASSERT_TRUE(in_other) << in_other.error().message;
    ASSERT_EQ(in_other->size(), 1u) << "only the other folder's own rows";
    EXPECT_EQ(in_other->front().status, MessageStatus::pending);
    EXPECT_TRUE(store().messages(folder_, std::vector<std::string>{})->empty());
}

// A settled folder listed in part compares the source's UIDs with these:
// ascending, only the folder's own, only rows that still stand for a source
// message (not those whose copy went with it, nor stale ones).
TEST_F(StateStoreTest, LiveSourceUidsAreAscendingAndLeaveGoneRowsOut) {
    const auto ids = copy({7, 3, 5, 1});
    ASSERT_TRUE(
        store().mark_deleted(std::vector<MessageRowId>{ids[2]}, MessageStatus::deleted_on_target));
    ASSERT_TRUE(
        store().mark_deleted(std::vector<MessageRowId>{ids[0]}, MessageStatus::deleted_on_source));
    ASSERT_TRUE(store().record_pending(folder_, std::vector<PendingMessage>{imap_message(9)}));
    auto other = store().ensure_folder(pair_, "Sent", "Sent");
    ASSERT_TRUE(other) << other.error().message;
    ASSERT_TRUE(store().record_pending(other->id, std::vector<PendingMessage>{imap_message(2)}));

    auto uids = store().live_source_uids(folder_);
    ASSERT_TRUE(uids) << uids.error().message;
    EXPECT_EQ(*uids, (std::vector<std::uint32_t>{1, 3, 7, 9}));
    EXPECT_EQ(*store().live_source_uids(other->id), (std::vector<std::uint32_t>{2}));
}

// A resumed first copy reads one window of UIDs at a time: the rows in the
// range (both ends included; last 0 runs to the end), by UID, only the
// folder's own and only live ones; and the target UIDs of its copies.
TEST_F(StateStoreTest, RowsInAUidRangeAndTheCopiesTargetUids) {
    const auto ids = copy({7, 3, 5, 1, 12});
    ASSERT_TRUE(
        store().mark_deleted(std::vector<MessageRowId>{ids[2]}, MessageStatus::deleted_on_target));
    ASSERT_TRUE(store().record_pending(folder_, std::vector<PendingMessage>{imap_message(9)}));
    auto other = store().ensure_folder(pair_, "Sent", "Sent");
    ASSERT_TRUE(other) << other.error().message;
    ASSERT_TRUE(store().record_pending(other->id, std::vector<PendingMessage>{imap_message(4)}));

    const auto uids_of = [](const std::vector<MessageRecord>& rows) {
        std::vector<std::uint32_t> out;
        for (const MessageRecord& r : rows) {
            out.push_back(r.source_uid.value_or(0));
        }
        return out;
    };
    auto window = store().messages_in_uid_range(folder_, 3, 9);
    ASSERT_TRUE(window) << window.error().message;
    EXPECT_EQ(uids_of(*window), (std::vector<std::uint32_t>{3, 7, 9})) << "5 is gone";
    EXPECT_EQ(window->back().status, MessageStatus::pending);
    EXPECT_EQ(uids_of(*store().messages_in_uid_range(folder_, 8, 0)),
              (std::vector<std::uint32_t>{9, 12}));
    EXPECT_EQ(uids_of(*store().messages_in_uid_range(folder_, 1, 1)),
              (std::vector<std::uint32_t>{1}));
    EXPECT_TRUE(store().messages_in_uid_range(folder_, 13, 0)->empty());

    auto live = store().live_message_count(folder_);
    ASSERT_TRUE(live) << live.error().message;
    EXPECT_EQ(*live, 5U) << "1, 3, 7, 12 copied and 9 pending";
    EXPECT_EQ(*store().live_message_count(other->id), 1U);

    auto copies = store().copied_target_uids(folder_);
    ASSERT_TRUE(copies) << copies.error().message;
    EXPECT_EQ(*copies, (std::vector<std::uint32_t>{501, 503, 507, 512}))
        << "ascending; neither the pending row nor the one deleted on the target";
}

int synchronous_of(Database& db) {
    return db.sql().execAndGet("PRAGMA synchronous").getInt();
}

// Run bookkeeping commits without waiting for fsync; everything else, and
// the connection once the bookkeeping is done, stays synchronous=FULL (2).
TEST(RelaxedDurability, LastsAsLongAsTheGuardAndNoLonger) {
    const TempDir dir;
    auto db = Database::open(dir.path() / "state.db");
    ASSERT_TRUE(db) << db.error().message;
    EXPECT_EQ(synchronous_of(**db), 2);
    {
        const RelaxedDurability bookkeeping(**db);
        EXPECT_EQ(synchronous_of(**db), 1);  // NORMAL
    }
    EXPECT_EQ(synchronous_of(**db), 2);
}

}  // namespace
