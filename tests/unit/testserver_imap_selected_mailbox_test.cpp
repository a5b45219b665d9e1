// A selected mailbox view announces keywords (RFC 3501 §7.2.6): FLAGS and
// PERMANENTFLAGS name every keyword before a FETCH may show it, on a real
// store in a temporary directory.
#include "contrib/testserver/imap/selected_mailbox.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace mailferry::testserver::imap {
namespace {

using mailferry::test::TempDir;

const std::string system_flags = "\\Answered \\Flagged \\Deleted \\Seen \\Draft";

class SelectedMailboxKeywords : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = MailStore::open((dir_ / "data").string(), {});
        ASSERT_EQ(store_->add_user("alice", "pw"), StoreError::ok);
        std::vector<MailStore::NewMessage> batch;
        MailStore::NewMessage message;
        message.body = "Subject: x\r\n\r\nx\r\n";
        message.flags = {"$Old", "\\Seen"};
        batch.push_back(std::move(message));
        ASSERT_EQ(store_->append("alice", "INBOX", std::move(batch)).error, StoreError::ok);
    }
    std::unique_ptr<SelectedMailbox> select(bool read_only) {
        return std::make_unique<SelectedMailbox>(
            *store_, "alice", *store_->mailbox("alice", "INBOX"), read_only, nullptr);
    }

    TempDir dir_;
    std::unique_ptr<MailStore> store_;
};

TEST_F(SelectedMailboxKeywords, ListsTheKeywordsPresentAtSelect) {
    auto view = select(false);
    EXPECT_EQ(view->flags_response(), "* FLAGS (" + system_flags + " $Old)\r\n");
    EXPECT_EQ(view->permanent_flags_response(),
              "* OK [PERMANENTFLAGS (" + system_flags + " $Old \\*)] Flags permitted\r\n");
    EXPECT_EQ(select(true)->permanent_flags_response(),
              "* OK [PERMANENTFLAGS ()] Read-only mailbox\r\n");
}

TEST_F(SelectedMailboxKeywords, AnnouncesOnlyNewKeywordsOnce) {
    auto view = select(false);
    MessageInfo info = view->at(1);
    EXPECT_EQ(view->announce_keywords({info}), "");
    info.flags = {"$New", "$Old", "\\Flagged"};
    EXPECT_EQ(view->announce_keywords({info}),
              "* FLAGS (" + system_flags + " $Old $New)\r\n* OK [PERMANENTFLAGS (" + system_flags +
                  " $Old $New \\*)] Flags permitted\r\n");
    EXPECT_EQ(view->announce_keywords({info}), "");
}

TEST_F(SelectedMailboxKeywords, SyncPutsFlagsBeforeTheFetchNamingTheKeyword) {
    auto view = select(false);
    auto other = select(false);
    ASSERT_EQ(store_->store_flags("alice", "INBOX", {1}, FlagMode::add, {"$New"}).error,
              StoreError::ok);
    EXPECT_EQ(view->sync(true, false), "* FLAGS (" + system_flags +
                                           " $Old $New)\r\n* OK [PERMANENTFLAGS (" + system_flags +
                                           " $Old $New \\*)] Flags permitted\r\n"
                                           "* 1 FETCH (FLAGS ($New $Old \\Seen \\Recent))\r\n");
    EXPECT_NE(other->sync(true, false).find("* FLAGS ("), std::string::npos);
}

}  // namespace
}  // namespace mailferry::testserver::imap
