// Change notification of the mail store (what IDLE and NOOP rely on).
#include "contrib/testserver/store/mail_store.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace mailferry::testserver {
namespace {

using mailferry::test::TempDir;

MailStore::NewMessage message(int n) {
    return MailStore::NewMessage{"Subject: " + std::to_string(n) + "\r\nMessage-ID: <" +
                                     std::to_string(n) + "@example.org>\r\n\r\nBody\r\n",
                                 {},
                                 InternalDate{1767225600, 0}};
}

std::vector<MailStore::NewMessage> one(int n) {
    std::vector<MailStore::NewMessage> batch;
    batch.push_back(message(n));
    return batch;
}

class MailStoreSubscription : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = MailStore::open((dir_ / "data").string());
        ASSERT_EQ(store_->add_user("alice", "pw"), StoreError::ok);
        ASSERT_EQ(store_->create_mailbox("alice", "Projects"), StoreError::ok);
    }

    TempDir dir_;
    std::unique_ptr<MailStore> store_;
};

TEST_F(MailStoreSubscription, FiresOnEveryChangeOfItsMailboxOnly) {
    int inbox_calls = 0;
    int projects_calls = 0;
    auto inbox = store_->subscribe("alice", "inbox", [&] { ++inbox_calls; });
    auto projects = store_->subscribe("alice", "Projects", [&] { ++projects_calls; });

    ASSERT_EQ(store_->append("alice", "INBOX", one(1)).error, StoreError::ok);
    EXPECT_EQ(inbox_calls, 1);
    ASSERT_EQ(store_->store_flags("alice", "INBOX", {1}, FlagMode::add, {"\\Seen"}).error,
              StoreError::ok);
    EXPECT_EQ(inbox_calls, 2);
    ASSERT_EQ(store_->copy("alice", "INBOX", {1}, "Projects", true).error, StoreError::ok);
    EXPECT_EQ(inbox_calls, 3);
    EXPECT_EQ(projects_calls, 1);
    ASSERT_EQ(store_->expunge("alice", "Projects", {1}).size(), 1u);
    EXPECT_EQ(projects_calls, 2);
    ASSERT_EQ(store_->rename_mailbox("alice", "Projects", "Work"), StoreError::ok);
    EXPECT_EQ(projects_calls, 3);
    ASSERT_EQ(store_->delete_mailbox("alice", "Work"), StoreError::ok);
    EXPECT_EQ(inbox_calls, 3);
    // A call that changes nothing wakes nobody.
    EXPECT_TRUE(
        store_->store_flags("alice", "INBOX", {99}, FlagMode::add, {"\\Seen"}).changed.empty());
    EXPECT_EQ(inbox_calls, 3);
}

TEST_F(MailStoreSubscription, StopsWhenTheHandleIsDestroyed) {
    int calls = 0;
    auto subscription = store_->subscribe("alice", "INBOX", [&] { ++calls; });
    ASSERT_EQ(store_->append("alice", "INBOX", one(1)).error, StoreError::ok);
    EXPECT_EQ(calls, 1);
    subscription.reset();
    ASSERT_EQ(store_->append("alice", "INBOX", one(2)).error, StoreError::ok);
    EXPECT_EQ(calls, 1);
}

TEST_F(MailStoreSubscription, CallbackMayDestroyItsOwnHandle) {
    int calls = 0;
    std::unique_ptr<MailStore::Subscription> self;
    self = store_->subscribe("alice", "INBOX", [&] {
        ++calls;
        self.reset();
    });
    ASSERT_EQ(store_->append("alice", "INBOX", one(1)).error, StoreError::ok);
    ASSERT_EQ(store_->append("alice", "INBOX", one(2)).error, StoreError::ok);
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(self, nullptr);
}

TEST_F(MailStoreSubscription, CallbackMayDestroyAnotherWhoIsThenNotCalled) {
    int first_calls = 0;
    int second_calls = 0;
    std::unique_ptr<MailStore::Subscription> second;
    auto first = store_->subscribe("alice", "INBOX", [&] {
        ++first_calls;
        second.reset();
    });
    second = store_->subscribe("alice", "INBOX", [&] { ++second_calls; });
    ASSERT_EQ(store_->append("alice", "INBOX", one(1)).error, StoreError::ok);
    EXPECT_EQ(first_calls, 1);
    EXPECT_EQ(second_calls, 0);
}

TEST_F(MailStoreSubscription, CallbackMayReadAndChangeTheStore) {
    std::vector<std::size_t> seen;
    auto subscription = store_->subscribe("alice", "INBOX", [&] {
        seen.push_back(store_->messages("alice", "INBOX").size());
        if (seen.size() == 1) {
            ASSERT_EQ(store_->append("alice", "INBOX", one(2)).error, StoreError::ok);
        }
    });
    ASSERT_EQ(store_->append("alice", "INBOX", one(1)).error, StoreError::ok);
    EXPECT_EQ(seen, (std::vector<std::size_t>{1, 2}));
}

TEST_F(MailStoreSubscription, HandleMayOutliveTheStore) {
    int calls = 0;
    auto subscription = store_->subscribe("alice", "INBOX", [&] { ++calls; });
    store_.reset();
    subscription.reset();
    EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace mailferry::testserver
