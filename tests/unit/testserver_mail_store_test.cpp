// The test servers' mail store: users, mailboxes, messages and their
// persistence, on real files in a temporary directory.
#include "contrib/testserver/store/mail_store.hpp"
#include "tests/support/temp_dir.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace mailferry::testserver {
namespace {

using mailferry::test::TempDir;
using ::testing::ElementsAre;

std::unique_ptr<MailStore> open_store(const TempDir& dir, StoreOptions options = {}) {
    return MailStore::open((dir / "data").string(), options);
}

std::string sample(int n) {
    const std::string id = std::to_string(n);
    return "From: Alice <alice@example.org>\r\nTo: bob@example.org\r\nSubject: message " + id +
           "\r\nMessage-ID: <" + id + "@example.org>\r\nMIME-Version: 1.0\r\n\r\nBody " + id +
           "\r\n";
}

MailStore::NewMessage message(std::string body, std::vector<std::string> flags = {},
                              InternalDate date = {1767225600 + 3600, 60}) {
    return MailStore::NewMessage{std::move(body), std::move(flags), date};
}

std::vector<std::uint32_t> uids_of(const std::vector<MessageInfo>& messages) {
    std::vector<std::uint32_t> uids;
    for (const auto& m : messages) {
        uids.push_back(m.uid);
    }
    return uids;
}

std::vector<std::string> names_of(const std::vector<MailboxInfo>& boxes) {
    std::vector<std::string> names;
    for (const auto& b : boxes) {
        names.push_back(b.name);
    }
    return names;
}

std::vector<std::uint32_t> append_samples(MailStore& store, std::string_view box, int from,
                                          int count) {
    std::vector<MailStore::NewMessage> batch;
    for (int i = from; i < from + count; ++i) {
        batch.push_back(message(sample(i)));
    }
    auto appended = store.append("alice", box, std::move(batch));
    EXPECT_EQ(appended.error, StoreError::ok);
    return appended.uids;
}

TEST(MailStore, NewUserGetsDefaultFoldersWithSpecialUse) {
    TempDir dir;
    auto store = open_store(dir);
    ASSERT_EQ(store->add_user("alice", "secret"), StoreError::ok);
    const auto boxes = store->list_mailboxes("alice");
    EXPECT_THAT(names_of(boxes),
                ElementsAre("INBOX", "Archive", "Drafts", "Junk", "Sent", "Trash"));
    const std::vector<std::string> uses = {"",       "\\Archive", "\\Drafts",
                                           "\\Junk", "\\Sent",    "\\Trash"};
    for (std::size_t i = 0; i < boxes.size(); ++i) {
        EXPECT_EQ(boxes[i].special_use, uses[i]) << boxes[i].name;
        EXPECT_TRUE(boxes[i].subscribed) << boxes[i].name;
        EXPECT_EQ(boxes[i].uidnext, 1u);
        EXPECT_GT(boxes[i].uidvalidity, 0u);
        EXPECT_EQ(boxes[i].messages, 0u);
    }
    EXPECT_EQ(store->check_password("alice", "secret"), StoreError::ok);
    EXPECT_EQ(store->check_password("alice", "Secret"), StoreError::bad_password);
    EXPECT_EQ(store->check_password("mallory", "secret"), StoreError::no_such_user);
    EXPECT_EQ(store->password_of("alice"), "secret");
    EXPECT_FALSE(store->password_of("mallory").has_value());
    EXPECT_TRUE(store->list_mailboxes("mallory").empty());

    ASSERT_EQ(store->add_user("alice", "changed"), StoreError::ok);
    EXPECT_EQ(store->check_password("alice", "changed"), StoreError::ok);
    EXPECT_EQ(store->list_mailboxes("alice").size(), 6u);
}

TEST(MailStore, AppendListAndBodyRoundTripByteForByte) {
    TempDir dir;
    auto store = open_store(dir);
    ASSERT_EQ(store->add_user("alice", "pw"), StoreError::ok);
    std::string binary = "Subject: bytes\r\n\r\n";
    for (int c = 0; c < 256; ++c) {
        binary += static_cast<char>(c);
    }
    binary += "\r\n";
    std::vector<MailStore::NewMessage> batch;
    batch.push_back(
        message(sample(1), {"\\seen", "$Important", "\\Recent", "\\SEEN"}, {1700000000, -300}));
    batch.push_back(message(binary, {"\\Flagged"}));
    batch.push_back(message(""));
    const auto appended = store->append("alice", "inbox", std::move(batch));
    ASSERT_EQ(appended.error, StoreError::ok);
    EXPECT_THAT(appended.uids, ElementsAre(1u, 2u, 3u));
    EXPECT_EQ(appended.uidvalidity, store->mailbox("alice", "INBOX")->uidvalidity);

    const auto listed = store->messages("alice", "INBOX");
    ASSERT_EQ(listed.size(), 3u);
    EXPECT_THAT(listed[0].flags, ElementsAre("$Important", "\\Seen"));
    EXPECT_TRUE(listed[0].has_flag("\\SEEN"));
    EXPECT_FALSE(listed[0].has_flag("\\Recent"));
    EXPECT_EQ(listed[0].internal_date.seconds, 1700000000);
    EXPECT_EQ(listed[0].internal_date.offset_minutes, -300);
    EXPECT_EQ(listed[0].size, sample(1).size());
    EXPECT_EQ(listed[1].size, binary.size());
    EXPECT_EQ(*store->body("alice", "INBOX", 1), sample(1));
    EXPECT_EQ(*store->body("alice", "INBOX", 2), binary);
    EXPECT_EQ(*store->body("alice", "INBOX", 3), "");
    EXPECT_EQ(store->body("alice", "INBOX", 4), nullptr);
    EXPECT_EQ(store->body("alice", "Nowhere", 1), nullptr);

    const auto info = store->mailbox("alice", "INBOX");
    EXPECT_EQ(info->messages, 3u);
    EXPECT_EQ(info->unseen, 2u);
    EXPECT_EQ(info->recent, 3u);
    EXPECT_EQ(info->uidnext, 4u);
    EXPECT_EQ(info->total_size, sample(1).size() + binary.size());

    EXPECT_EQ(store->append("alice", "Nowhere", {}).error, StoreError::no_such_mailbox);
    EXPECT_EQ(store->append("mallory", "INBOX", {}).error, StoreError::no_such_user);
}

TEST(MailStore, UidsIncreaseAndAreNotReusedAfterExpungeAndReopen) {
    TempDir dir;
    {
        auto store = open_store(dir);
        ASSERT_EQ(store->add_user("alice", "pw"), StoreError::ok);
        EXPECT_THAT(append_samples(*store, "INBOX", 1, 3), ElementsAre(1u, 2u, 3u));
        StoreError error = StoreError::io_error;
        EXPECT_THAT(store->expunge("alice", "INBOX", {3, 2, 99}, &error), ElementsAre(2u, 3u));
        EXPECT_EQ(error, StoreError::ok);
        EXPECT_THAT(append_samples(*store, "INBOX", 4, 1), ElementsAre(4u));
        EXPECT_THAT(store->expunge("alice", "INBOX", {4}), ElementsAre(4u));
    }
    auto store = open_store(dir);
    EXPECT_THAT(uids_of(store->messages("alice", "INBOX")), ElementsAre(1u));
    EXPECT_EQ(store->mailbox("alice", "INBOX")->uidnext, 5u);
    EXPECT_THAT(append_samples(*store, "INBOX", 5, 2), ElementsAre(5u, 6u));
}

TEST(MailStore, ReopenKeepsUidvalidityUidsFlagsDatesAndBodies) {
    TempDir dir;
    std::vector<MailboxInfo> boxes_before;
    std::vector<MessageInfo> before;
    {
        auto store = open_store(dir);
        ASSERT_EQ(store->add_user("alice", "pw"), StoreError::ok);
        ASSERT_EQ(store->create_mailbox("alice", "Reisen/Z&APw-rich"), StoreError::ok);
        std::vector<MailStore::NewMessage> batch;
        batch.push_back(message(sample(1), {"\\Seen", "$Label1"}, {1750000000, 120}));
        batch.push_back(message(sample(2), {}, {1760000000, -480}));
        ASSERT_EQ(store->append("alice", "Reisen/Z&APw-rich", std::move(batch)).error,
                  StoreError::ok);
        ASSERT_EQ(
            store->store_flags("alice", "Reisen/Z&APw-rich", {2}, FlagMode::add, {"\\Answered"})
                .error,
            StoreError::ok);
        ASSERT_EQ(store->set_subscribed("alice", "Sent", false), StoreError::ok);
        boxes_before = store->list_mailboxes("alice");
        before = store->messages("alice", "Reisen/Z&APw-rich");
    }
    auto store = open_store(dir);
    EXPECT_EQ(store->check_password("alice", "pw"), StoreError::ok);
    const auto boxes = store->list_mailboxes("alice");
    ASSERT_EQ(boxes.size(), boxes_before.size());
    for (std::size_t i = 0; i < boxes.size(); ++i) {
        EXPECT_EQ(boxes[i].name, boxes_before[i].name);
        EXPECT_EQ(boxes[i].uidvalidity, boxes_before[i].uidvalidity) << boxes[i].name;
        EXPECT_EQ(boxes[i].uidnext, boxes_before[i].uidnext) << boxes[i].name;
        EXPECT_EQ(boxes[i].highest_modseq, boxes_before[i].highest_modseq) << boxes[i].name;
        EXPECT_EQ(boxes[i].subscribed, boxes_before[i].subscribed) << boxes[i].name;
        EXPECT_EQ(boxes[i].special_use, boxes_before[i].special_use) << boxes[i].name;
    }
    const auto after = store->messages("alice", "Reisen/Z&APw-rich");
    ASSERT_EQ(after.size(), before.size());
    for (std::size_t i = 0; i < after.size(); ++i) {
        EXPECT_EQ(after[i].uid, before[i].uid);
        EXPECT_EQ(after[i].modseq, before[i].modseq);
        EXPECT_EQ(after[i].flags, before[i].flags);
        EXPECT_EQ(after[i].size, before[i].size);
        EXPECT_EQ(after[i].internal_date.seconds, before[i].internal_date.seconds);
        EXPECT_EQ(after[i].internal_date.offset_minutes, before[i].internal_date.offset_minutes);
        EXPECT_EQ(*store->body("alice", "Reisen/Z&APw-rich", after[i].uid),
                  sample(static_cast<int>(i) + 1));
    }
    EXPECT_THAT(after[1].flags, ElementsAre("\\Answered"));
}

TEST(MailStore, DeleteThenCreateGivesLargerUidvalidityAlsoAcrossReopen) {
    TempDir dir;
    std::uint32_t first = 0;
    std::uint32_t second = 0;
    {
        auto store = open_store(dir);
        ASSERT_EQ(store->add_user("alice", "pw"), StoreError::ok);
        ASSERT_EQ(store->create_mailbox("alice", "Projects"), StoreError::ok);
        append_samples(*store, "Projects", 1, 2);
        first = store->mailbox("alice", "Projects")->uidvalidity;
        ASSERT_EQ(store->delete_mailbox("alice", "Projects"), StoreError::ok);
        EXPECT_FALSE(store->mailbox("alice", "Projects").has_value());
        ASSERT_EQ(store->create_mailbox("alice", "Projects"), StoreError::ok);
        const auto info = store->mailbox("alice", "Projects");
        second = info->uidvalidity;
        EXPECT_GT(second, first);
        EXPECT_EQ(info->messages, 0u);
        EXPECT_EQ(info->uidnext, 1u);
        ASSERT_EQ(store->delete_mailbox("alice", "Projects"), StoreError::ok);
    }
    auto store = open_store(dir);
    ASSERT_EQ(store->create_mailbox("alice", "Projects"), StoreError::ok);
    EXPECT_GT(store->mailbox("alice", "Projects")->uidvalidity, second);
    EXPECT_EQ(store->delete_mailbox("alice", "Projects/None"), StoreError::no_such_mailbox);
}

TEST(MailStore, CreateMakesParentsAndDeleteRefusesParentsAndInbox) {
    TempDir dir;
    auto store = open_store(dir);
    ASSERT_EQ(store->add_user("alice", "pw"), StoreError::ok);
    ASSERT_EQ(store->create_mailbox("alice", "Projects/2026/Q1"), StoreError::ok);
    EXPECT_TRUE(store->mailbox("alice", "Projects").has_value());
    EXPECT_TRUE(store->mailbox("alice", "Projects/2026").has_value());
    EXPECT_EQ(store->create_mailbox("alice", "Projects/2026"), StoreError::mailbox_exists);
    // RFC 3501 §6.3.4, the simple rule: children first.
    EXPECT_EQ(store->delete_mailbox("alice", "Projects"), StoreError::mailbox_exists);
    EXPECT_EQ(store->delete_mailbox("alice", "inbox"), StoreError::inbox_is_special);
    EXPECT_EQ(store->delete_mailbox("alice", "Projects/2026/Q1"), StoreError::ok);
    EXPECT_EQ(store->delete_mailbox("alice", "Projects/2026"), StoreError::ok);
    EXPECT_EQ(store->delete_mailbox("alice", "Projects"), StoreError::ok);
    ASSERT_EQ(store->create_mailbox("alice", "Later", "\\Drafts"), StoreError::ok);
    EXPECT_EQ(store->mailbox("alice", "Later")->special_use, "\\Drafts");
    EXPECT_EQ(store->create_mailbox("alice", "Odd", "\\Bogus"), StoreError::invalid_name);
    EXPECT_EQ(store->create_mailbox("mallory", "X"), StoreError::no_such_user);
}

TEST(MailStore, RenameMovesChildrenAndKeepsMessages) {
    TempDir dir;
    auto store = open_store(dir);
    ASSERT_EQ(store->add_user("alice", "pw"), StoreError::ok);
    ASSERT_EQ(store->create_mailbox("alice", "Projects/2026"), StoreError::ok);
    ASSERT_EQ(store->create_mailbox("alice", "Projectsx"), StoreError::ok);
    append_samples(*store, "Projects/2026", 1, 2);
    const auto old_validity = store->mailbox("alice", "Projects/2026")->uidvalidity;

    EXPECT_EQ(store->rename_mailbox("alice", "Projects", "Projects/Sub"), StoreError::invalid_name);
    EXPECT_EQ(store->rename_mailbox("alice", "Projects", "Sent"), StoreError::mailbox_exists);
    EXPECT_EQ(store->rename_mailbox("alice", "Projects", "INBOX"), StoreError::inbox_is_special);
    EXPECT_EQ(store->rename_mailbox("alice", "Nowhere", "X"), StoreError::no_such_mailbox);
    ASSERT_EQ(store->rename_mailbox("alice", "Projects", "Work/Old"), StoreError::ok);

    EXPECT_FALSE(store->mailbox("alice", "Projects").has_value());
    EXPECT_FALSE(store->mailbox("alice", "Projects/2026").has_value());
    EXPECT_TRUE(store->mailbox("alice", "Projectsx").has_value());
    EXPECT_TRUE(store->mailbox("alice", "Work").has_value());
    EXPECT_TRUE(store->mailbox("alice", "Work/Old").has_value());
    const auto moved = store->mailbox("alice", "Work/Old/2026");
    ASSERT_TRUE(moved.has_value());
    EXPECT_EQ(moved->messages, 2u);
    EXPECT_GT(moved->uidvalidity, old_validity);
    EXPECT_THAT(uids_of(store->messages("alice", "Work/Old/2026")), ElementsAre(1u, 2u));
    EXPECT_EQ(*store->body("alice", "Work/Old/2026", 2), sample(2));
    EXPECT_THAT(append_samples(*store, "Work/Old/2026", 3, 1), ElementsAre(3u));

    auto reopened = open_store(dir);
    EXPECT_FALSE(reopened->mailbox("alice", "Projects/2026").has_value());
    EXPECT_EQ(reopened->mailbox("alice", "Work/Old/2026")->messages, 3u);
}

TEST(MailStore, RenamingInboxMovesItsMessagesAndLeavesItEmpty) {
    TempDir dir;
    auto store = open_store(dir);
    ASSERT_EQ(store->add_user("alice", "pw"), StoreError::ok);
    ASSERT_EQ(store->create_mailbox("alice", "INBOX/Child"), StoreError::ok);
    append_samples(*store, "INBOX", 1, 3);
    const auto inbox_before = *store->mailbox("alice", "INBOX");

    ASSERT_EQ(store->rename_mailbox("alice", "inbox", "INBOX/old-mail"), StoreError::ok);
    const auto inbox = store->mailbox("alice", "INBOX");
    ASSERT_TRUE(inbox.has_value());
    EXPECT_EQ(inbox->messages, 0u);
    EXPECT_EQ(inbox->uidvalidity, inbox_before.uidvalidity);
    EXPECT_EQ(inbox->uidnext, inbox_before.uidnext);
    EXPECT_TRUE(store->mailbox("alice", "INBOX/Child").has_value());
    const auto old_mail = store->mailbox("alice", "INBOX/old-mail");
    ASSERT_TRUE(old_mail.has_value());
    EXPECT_EQ(old_mail->messages, 3u);
    EXPECT_GT(old_mail->uidvalidity, inbox_before.uidvalidity);
    EXPECT_EQ(*store->body("alice", "INBOX/old-mail", 3), sample(3));
    // INBOX goes on from where it was: its old UIDs are not handed out again.
    EXPECT_THAT(append_samples(*store, "INBOX", 4, 1), ElementsAre(4u));
}

TEST(MailStore, StoreFlagsReplaceAddRemoveAdvanceModseq) {
    TempDir dir;
    auto store = open_store(dir);
    ASSERT_EQ(store->add_user("alice", "pw"), StoreError::ok);
    append_samples(*store, "INBOX", 1, 3);
    const auto start = store->mailbox("alice", "INBOX")->highest_modseq;
    auto listed = store->messages("alice", "INBOX");
    EXPECT_LT(listed[0].modseq, listed[1].modseq);
    EXPECT_LE(listed[2].modseq, start);

    auto result =
        store->store_flags("alice", "INBOX", {1, 2, 42}, FlagMode::add, {"\\Seen", "$Important"});
    EXPECT_EQ(result.error, StoreError::ok);
    EXPECT_THAT(result.changed, ElementsAre(1u, 2u));
    listed = store->messages("alice", "INBOX");
    EXPECT_THAT(listed[0].flags, ElementsAre("$Important", "\\Seen"));
    EXPECT_GT(listed[0].modseq, start);
    EXPECT_GT(listed[1].modseq, listed[0].modseq);
    EXPECT_EQ(store->mailbox("alice", "INBOX")->highest_modseq, listed[1].modseq);

    const auto before_noop = store->mailbox("alice", "INBOX")->highest_modseq;
    result = store->store_flags("alice", "INBOX", {1}, FlagMode::add, {"\\seen"});
    EXPECT_TRUE(result.changed.empty());
    EXPECT_EQ(store->mailbox("alice", "INBOX")->highest_modseq, before_noop);

    result = store->store_flags("alice", "INBOX", {1}, FlagMode::remove, {"$important"});
    EXPECT_THAT(result.changed, ElementsAre(1u));
    EXPECT_THAT(store->messages("alice", "INBOX")[0].flags, ElementsAre("\\Seen"));

    result =
        store->store_flags("alice", "INBOX", {1, 3}, FlagMode::replace, {"\\Deleted", "\\Draft"});
    EXPECT_THAT(result.changed, ElementsAre(1u, 3u));
    listed = store->messages("alice", "INBOX");
    EXPECT_THAT(listed[0].flags, ElementsAre("\\Deleted", "\\Draft"));
    EXPECT_THAT(listed[2].flags, ElementsAre("\\Deleted", "\\Draft"));
    EXPECT_GT(store->mailbox("alice", "INBOX")->highest_modseq, before_noop);
    EXPECT_EQ(store->mailbox("alice", "INBOX")->unseen, 2u);
}

TEST(MailStore, UnchangedSinceLeavesNewerMessagesAloneAndReportsThem) {
    TempDir dir;
    auto store = open_store(dir);
    ASSERT_EQ(store->add_user("alice", "pw"), StoreError::ok);
    append_samples(*store, "INBOX", 1, 2);
    const auto since = store->mailbox("alice", "INBOX")->highest_modseq;
    ASSERT_THAT(store->store_flags("alice", "INBOX", {2}, FlagMode::add, {"\\Flagged"}).changed,
                ElementsAre(2u));
    // RFC 7162 §3.1.3: message 2 changed after `since`, message 1 did not.
    const auto result =
        store->store_flags("alice", "INBOX", {1, 2}, FlagMode::add, {"\\Seen"}, since);
    EXPECT_EQ(result.error, StoreError::flags_modified);
    EXPECT_THAT(result.changed, ElementsAre(1u));
    EXPECT_THAT(result.modified, ElementsAre(2u));
    const auto listed = store->messages("alice", "INBOX");
    EXPECT_TRUE(listed[0].has_flag("\\Seen"));
    EXPECT_FALSE(listed[1].has_flag("\\Seen"));
}

TEST(MailStore, CopyAndMoveKeepFlagsDatesAndBodies) {
    TempDir dir;
    auto store = open_store(dir);
    ASSERT_EQ(store->add_user("alice", "pw"), StoreError::ok);
    std::vector<MailStore::NewMessage> batch;
    batch.push_back(message(sample(1), {"\\Seen"}, {1740000000, 60}));
    batch.push_back(message(sample(2), {"\\Flagged"}, {1741000000, -120}));
    batch.push_back(message(sample(3)));
    ASSERT_EQ(store->append("alice", "INBOX", std::move(batch)).error, StoreError::ok);
    append_samples(*store, "Archive", 10, 1);

    const auto copied = store->copy("alice", "INBOX", {2, 1, 77}, "Archive", false);
    ASSERT_EQ(copied.error, StoreError::ok);
    EXPECT_EQ(copied.uidvalidity, store->mailbox("alice", "Archive")->uidvalidity);
    EXPECT_THAT(copied.source_uids, ElementsAre(1u, 2u));
    EXPECT_THAT(copied.target_uids, ElementsAre(2u, 3u));
    EXPECT_EQ(store->mailbox("alice", "INBOX")->messages, 3u);
    const auto archive = store->messages("alice", "Archive");
    ASSERT_EQ(archive.size(), 3u);
    EXPECT_THAT(archive[1].flags, ElementsAre("\\Seen"));
    EXPECT_EQ(archive[2].internal_date.seconds, 1741000000);
    EXPECT_EQ(archive[2].internal_date.offset_minutes, -120);
    EXPECT_EQ(*store->body("alice", "Archive", 3), sample(2));

    const auto moved = store->copy("alice", "INBOX", {3}, "Archive", true);
    ASSERT_EQ(moved.error, StoreError::ok);
    EXPECT_THAT(moved.source_uids, ElementsAre(3u));
    EXPECT_THAT(moved.target_uids, ElementsAre(4u));
    EXPECT_THAT(uids_of(store->messages("alice", "INBOX")), ElementsAre(1u, 2u));
    EXPECT_EQ(*store->body("alice", "Archive", 4), sample(3));
    EXPECT_EQ(store->body("alice", "INBOX", 3), nullptr);

    EXPECT_EQ(store->copy("alice", "INBOX", {1}, "Nowhere", false).error,
              StoreError::no_such_mailbox);
    auto reopened = open_store(dir);
    EXPECT_THAT(uids_of(reopened->messages("alice", "Archive")), ElementsAre(1u, 2u, 3u, 4u));
    EXPECT_THAT(uids_of(reopened->messages("alice", "INBOX")), ElementsAre(1u, 2u));
}

TEST(MailStore, ClaimRecentGivesEachUidOnceAcrossReopen) {
    TempDir dir;
    {
        auto store = open_store(dir);
        ASSERT_EQ(store->add_user("alice", "pw"), StoreError::ok);
        append_samples(*store, "INBOX", 1, 2);
        EXPECT_THAT(store->claim_recent("alice", "INBOX"), ElementsAre(1u, 2u));
        EXPECT_TRUE(store->claim_recent("alice", "INBOX").empty());
        EXPECT_EQ(store->mailbox("alice", "INBOX")->recent, 0u);
        append_samples(*store, "INBOX", 3, 1);
        EXPECT_EQ(store->mailbox("alice", "INBOX")->recent, 1u);
    }
    auto store = open_store(dir);
    EXPECT_THAT(store->claim_recent("alice", "INBOX"), ElementsAre(3u));
    EXPECT_TRUE(store->claim_recent("alice", "INBOX").empty());
}

TEST(MailStore, MaildropLockIsExclusive) {
    TempDir dir;
    auto store = open_store(dir);
    EXPECT_TRUE(store->try_lock_maildrop("bob"));
    EXPECT_FALSE(store->try_lock_maildrop("bob"));
    EXPECT_TRUE(store->try_lock_maildrop("alice"));
    store->unlock_maildrop("bob");
    EXPECT_TRUE(store->try_lock_maildrop("bob"));
}

TEST(MailStore, InvalidNamesAreRefused) {
    TempDir dir;
    auto store = open_store(dir);
    ASSERT_EQ(store->add_user("alice", "pw"), StoreError::ok);
    const std::vector<std::string> invalid = {
        "",
        "/",
        "/Lead",
        "Trail/",
        "a//b",
        "Star*",
        "Per%cent",
        "Tab\tbed",
        "Del\x7f",
        "Raw Z\xc3\xbcrich",  // 8-bit UTF-8 instead of modified UTF-7
        "&Jjo",               // unterminated shift
        "&AGE-",              // "a" in base64: not canonical
    };
    for (const auto& name : invalid) {
        EXPECT_EQ(store->create_mailbox("alice", name), StoreError::invalid_name) << name;
        EXPECT_EQ(store->rename_mailbox("alice", "Sent", name), StoreError::invalid_name) << name;
    }
    EXPECT_EQ(store->create_mailbox("alice", "Reisen/Z&APw-rich"), StoreError::ok);
    EXPECT_EQ(store->create_mailbox("alice", "Tom &- Jerry"), StoreError::ok);
    EXPECT_EQ(store->list_mailboxes("alice").size(), 9u);
}

TEST(MailStore, InboxIsCaseInsensitiveOtherNamesAreNot) {
    TempDir dir;
    auto store = open_store(dir);
    ASSERT_EQ(store->add_user("alice", "pw"), StoreError::ok);
    EXPECT_EQ(store->create_mailbox("alice", "inbox"), StoreError::mailbox_exists);
    EXPECT_EQ(store->mailbox("alice", "iNbOx")->name, "INBOX");
    EXPECT_THAT(append_samples(*store, "Inbox", 1, 1), ElementsAre(1u));
    EXPECT_EQ(store->messages("alice", "INBOX").size(), 1u);
    ASSERT_EQ(store->create_mailbox("alice", "inbox/Sub"), StoreError::ok);
    EXPECT_TRUE(store->mailbox("alice", "INBOX/Sub").has_value());
    ASSERT_EQ(store->create_mailbox("alice", "sent"), StoreError::ok);
    EXPECT_NE(store->mailbox("alice", "sent")->uidvalidity,
              store->mailbox("alice", "Sent")->uidvalidity);
}

TEST(MailStore, MessageAboveTheLimitIsRefusedAndTheBatchWithIt) {
    TempDir dir;
    StoreOptions options;
    options.max_message_size = 100;
    auto store = open_store(dir, options);
    ASSERT_EQ(store->add_user("alice", "pw"), StoreError::ok);
    std::vector<MailStore::NewMessage> batch;
    batch.push_back(message(std::string(100, 'a')));
    batch.push_back(message(std::string(101, 'b')));
    const auto refused = store->append("alice", "INBOX", std::move(batch));
    EXPECT_EQ(refused.error, StoreError::message_too_big);
    EXPECT_TRUE(refused.uids.empty());
    EXPECT_EQ(store->mailbox("alice", "INBOX")->messages, 0u);
    EXPECT_EQ(store->mailbox("alice", "INBOX")->uidnext, 1u);
    batch.clear();
    batch.push_back(message(std::string(100, 'a')));
    EXPECT_THAT(store->append("alice", "INBOX", std::move(batch)).uids, ElementsAre(1u));
}

TEST(MailStore, ATenThousandMessageMailboxListsQuickly) {
    TempDir dir;
    {
        auto store = open_store(dir);
        ASSERT_EQ(store->add_user("alice", "pw"), StoreError::ok);
        std::vector<MailStore::NewMessage> batch;
        for (int i = 0; i < 10000; ++i) {
            batch.push_back(message(sample(i), i % 3 == 0 ? std::vector<std::string>{"\\Seen"}
                                                          : std::vector<std::string>{}));
        }
        ASSERT_EQ(store->append("alice", "INBOX", std::move(batch)).uids.size(), 10000u);
    }
    const auto start = std::chrono::steady_clock::now();
    auto store = open_store(dir);
    std::size_t listed = 0;
    for (int round = 0; round < 20; ++round) {
        listed += store->messages("alice", "INBOX").size();
        EXPECT_EQ(store->mailbox("alice", "INBOX")->unseen, 6666u);
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(listed, 200000u);
    // Opening (one metadata scan) and twenty listings: milliseconds each,
    // far from a body read per message. The bound leaves room for a loaded
    // machine and a debug build.
    EXPECT_LT(elapsed, std::chrono::seconds(5));
    EXPECT_EQ(*store->body("alice", "INBOX", 10000), sample(9999));
}

}  // namespace
}  // namespace mailferry::testserver
