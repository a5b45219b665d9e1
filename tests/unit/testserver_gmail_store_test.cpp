// The Gmail emulation's store layer (contrib/testserver/store/gmail_store.hpp)
// over a real SQLite store in a temporary directory: one message per
// identity, shown in each label's folder and in All Mail, surviving a reopen.
#include "contrib/testserver/store/gmail_store.hpp"
#include "tests/support/temp_dir.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace mailferry::testserver {
namespace {

using mailferry::test::TempDir;
using ::testing::ElementsAre;

std::unique_ptr<GmailStore> open_gmail(const TempDir& dir) {
    return std::make_unique<GmailStore>(MailStore::open((dir / "data").string()));
}

MailStore::NewMessage message(int n, std::vector<std::string> flags = {}) {
    const std::string id = std::to_string(n);
    return {"Subject: " + id + "\r\nMessage-ID: <" + id + "@example.org>\r\n\r\nBody\r\n",
            std::move(flags), InternalDate{1767225600, 0}};
}

std::uint32_t append(MailStore& store, std::string_view box, MailStore::NewMessage m) {
    std::vector<MailStore::NewMessage> one;
    one.push_back(std::move(m));
    auto appended = store.append("me", box, std::move(one));
    EXPECT_EQ(appended.error, StoreError::ok);
    return appended.uids.empty() ? 0 : appended.uids.front();
}

std::vector<std::string> names(const MailStore& store) {
    std::vector<std::string> out;
    for (const auto& box : store.list_mailboxes("me")) {
        out.push_back(box.name + (box.special_use.empty() ? "" : " " + box.special_use) +
                      (box.noselect ? " \\Noselect" : ""));
    }
    return out;
}

TEST(GmailStore, NewUserGetsGmailsFolders) {
    TempDir dir;
    auto store = open_gmail(dir);
    ASSERT_EQ(store->add_user("me", "pw"), StoreError::ok);
    EXPECT_THAT(names(*store),
                ElementsAre("INBOX", "[Gmail] \\Noselect", "[Gmail]/All Mail \\All",
                            "[Gmail]/Drafts \\Drafts", "[Gmail]/Important \\Important",
                            "[Gmail]/Sent Mail \\Sent", "[Gmail]/Spam \\Junk",
                            "[Gmail]/Starred \\Flagged", "[Gmail]/Trash \\Trash"));
}

TEST(GmailStore, SecondAppendAddsALabelAndSurvivesReopen) {
    TempDir dir;
    std::uint64_t msgid = 0;
    {
        auto store = open_gmail(dir);
        store->add_user("me", "pw");
        store->create_mailbox("me", "Work", {});
        const auto inbox_uid = append(*store, "INBOX", message(1));
        const auto work_uid = append(*store, "Work", message(1, {"\\Seen"}));
        EXPECT_EQ(store->messages("me", "[Gmail]/All Mail").size(), 1U);
        const auto ids = store->ids("me", "INBOX", inbox_uid);
        ASSERT_TRUE(ids);
        msgid = ids->msgid;
        EXPECT_EQ(store->ids("me", "Work", work_uid)->msgid, msgid);
        EXPECT_THAT(store->labels("me", "INBOX", inbox_uid), ElementsAre("Work"));
        EXPECT_THAT(store->labels("me", "Work", work_uid), ElementsAre("\\Inbox"));
        // Flags are the message's: \Seen given with the second label shows in INBOX.
        EXPECT_TRUE(store->messages("me", "INBOX").front().has_flag("\\Seen"));
        // Appending again to a folder that has it returns the same UID.
        EXPECT_EQ(append(*store, "Work", message(1)), work_uid);
    }
    auto reopened = open_gmail(dir);
    const auto uid = reopened->messages("me", "Work").front().uid;
    EXPECT_EQ(reopened->ids("me", "Work", uid)->msgid, msgid);
    EXPECT_THAT(reopened->labels("me", "[Gmail]/All Mail",
                                 reopened->messages("me", "[Gmail]/All Mail").front().uid),
                ElementsAre("\\Inbox", "Work"));
}

TEST(GmailStore, FlaggedIsStarredAndExpungeRemovesOneLabel) {
    TempDir dir;
    auto store = open_gmail(dir);
    store->add_user("me", "pw");
    const auto uid = append(*store, "INBOX", message(2, {"\\Flagged"}));
    EXPECT_EQ(store->messages("me", "[Gmail]/Starred").size(), 1U);
    EXPECT_THAT(store->labels("me", "INBOX", uid), ElementsAre("\\Starred"));
    store->expunge("me", "INBOX", {uid}, nullptr);
    EXPECT_TRUE(store->messages("me", "INBOX").empty());
    ASSERT_EQ(store->messages("me", "[Gmail]/All Mail").size(), 1U);
    const auto all = store->messages("me", "[Gmail]/All Mail").front().uid;
    ASSERT_EQ(
        store->change_labels("me", "[Gmail]/All Mail", {all}, FlagMode::remove, {"\\Starred"}),
        StoreError::ok);
    EXPECT_TRUE(store->messages("me", "[Gmail]/Starred").empty());
    EXPECT_FALSE(store->messages("me", "[Gmail]/All Mail").front().has_flag("\\Flagged"));
}

TEST(GmailStore, TrashIsAPlainFolder) {
    TempDir dir;
    auto store = open_gmail(dir);
    store->add_user("me", "pw");
    append(*store, "[Gmail]/Trash", message(3));
    EXPECT_TRUE(store->messages("me", "[Gmail]/All Mail").empty());
    std::vector<MailStore::NewMessage> one;
    one.push_back(message(4));
    EXPECT_EQ(store->append("me", "[Gmail]", std::move(one)).error, StoreError::no_such_mailbox);
}

}  // namespace
}  // namespace mailferry::testserver
