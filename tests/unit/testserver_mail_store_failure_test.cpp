// The mail store when the database fails (full disk, locked file, newer
// schema) and when its process is killed with SIGKILL mid-write.
#include "contrib/testserver/store/mail_store.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mailferry::testserver {
namespace {

using mailferry::test::TempDir;
using ::testing::ElementsAre;

std::string body_of_size(int n, std::size_t size) {
    std::string body = "Subject: " + std::to_string(n) + "\r\nMessage-ID: <" + std::to_string(n) +
                       "@example.org>\r\n\r\n";
    while (body.size() + 2 < size) {
        body += static_cast<char>('a' + (body.size() + static_cast<std::size_t>(n)) % 26);
    }
    return body + "\r\n";
}

MailStore::NewMessage message(std::string body) {
    return MailStore::NewMessage{std::move(body), {}, InternalDate{1767225600, 0}};
}

std::vector<std::uint32_t> uids_of(const std::vector<MessageInfo>& messages) {
    std::vector<std::uint32_t> uids;
    for (const auto& m : messages) {
        uids.push_back(m.uid);
    }
    return uids;
}

TEST(MailStoreFailure, FullDiskGivesIoErrorAndChangesNothing) {
    TempDir dir;
    const std::string data = (dir / "data").string();
    StoreOptions small;
    small.max_database_pages = 64;  // 256 KiB at SQLite's default page size
    std::vector<MessageInfo> kept;
    {
        auto store = MailStore::open(data, small);
        ASSERT_EQ(store->add_user("alice", "pw"), StoreError::ok);
        MailStore::Appended appended;
        int n = 0;
        while (n < 100) {
            std::vector<MailStore::NewMessage> batch;
            batch.push_back(message(body_of_size(n, 20000)));
            appended = store->append("alice", "INBOX", std::move(batch));
            if (appended.error != StoreError::ok) {
                break;
            }
            ++n;
        }
        ASSERT_EQ(appended.error, StoreError::io_error);
        EXPECT_THAT(store->last_io_error(), ::testing::HasSubstr("full"));
        ASSERT_GT(n, 0);
        kept = store->messages("alice", "INBOX");
        ASSERT_EQ(kept.size(), static_cast<std::size_t>(n));
        EXPECT_EQ(store->mailbox("alice", "INBOX")->uidnext, static_cast<std::uint32_t>(n + 1));

        // A batch that fails part way leaves none of it behind.
        std::vector<MailStore::NewMessage> batch;
        batch.push_back(message("Subject: tiny\r\n\r\nx\r\n"));
        batch.push_back(message(body_of_size(1000, 200000)));
        EXPECT_EQ(store->append("alice", "INBOX", std::move(batch)).error, StoreError::io_error);
        EXPECT_EQ(uids_of(store->messages("alice", "INBOX")), uids_of(kept));
        EXPECT_EQ(*store->body("alice", "INBOX", kept.back().uid),
                  body_of_size(static_cast<int>(kept.size()) - 1, 20000));
    }
    auto store = MailStore::open(data);
    EXPECT_EQ(uids_of(store->messages("alice", "INBOX")), uids_of(kept));
    std::vector<MailStore::NewMessage> batch;
    batch.push_back(message("Subject: after\r\n\r\nx\r\n"));
    const auto appended = store->append("alice", "INBOX", std::move(batch));
    ASSERT_EQ(appended.error, StoreError::ok);
    EXPECT_THAT(appended.uids, ElementsAre(kept.back().uid + 1));
}

TEST(MailStoreFailure, LockedDatabaseGivesIoErrorOnEveryChangeAndTheCacheStays) {
    TempDir dir;
    auto store = MailStore::open((dir / "data").string());
    ASSERT_EQ(store->add_user("alice", "pw"), StoreError::ok);
    std::vector<MailStore::NewMessage> batch;
    batch.push_back(message(body_of_size(1, 500)));
    ASSERT_EQ(store->append("alice", "INBOX", std::move(batch)).error, StoreError::ok);
    const auto boxes_before = store->list_mailboxes("alice");

    // Another writer holds the database: as root, chmod would not stop us,
    // a lock does.
    SQLite::Database other((dir / "data" / "store.sqlite3").string(), SQLite::OPEN_READWRITE);
    other.exec("BEGIN EXCLUSIVE");
    batch.clear();
    batch.push_back(message(body_of_size(2, 500)));
    EXPECT_EQ(store->append("alice", "INBOX", std::move(batch)).error, StoreError::io_error);
    EXPECT_FALSE(store->last_io_error().empty());
    EXPECT_EQ(store->add_user("bob", "pw"), StoreError::io_error);
    EXPECT_EQ(store->add_user("alice", "new"), StoreError::io_error);
    EXPECT_EQ(store->create_mailbox("alice", "New/Child"), StoreError::io_error);
    EXPECT_EQ(store->delete_mailbox("alice", "Junk"), StoreError::io_error);
    EXPECT_EQ(store->rename_mailbox("alice", "Junk", "Spam"), StoreError::io_error);
    EXPECT_EQ(store->rename_mailbox("alice", "INBOX", "Old"), StoreError::io_error);
    EXPECT_EQ(store->set_subscribed("alice", "Junk", false), StoreError::io_error);
    EXPECT_EQ(store->store_flags("alice", "INBOX", {1}, FlagMode::add, {"\\Seen"}).error,
              StoreError::io_error);
    StoreError error = StoreError::ok;
    EXPECT_TRUE(store->expunge("alice", "INBOX", {1}, &error).empty());
    EXPECT_EQ(error, StoreError::io_error);
    EXPECT_EQ(store->copy("alice", "INBOX", {1}, "Archive", true).error, StoreError::io_error);
    EXPECT_TRUE(store->claim_recent("alice", "INBOX").empty());

    EXPECT_FALSE(store->has_user("bob"));
    EXPECT_EQ(store->check_password("alice", "pw"), StoreError::ok);
    const auto boxes_after = store->list_mailboxes("alice");
    ASSERT_EQ(boxes_after.size(), boxes_before.size());
    for (std::size_t i = 0; i < boxes_after.size(); ++i) {
        EXPECT_EQ(boxes_after[i].name, boxes_before[i].name);
        EXPECT_EQ(boxes_after[i].uidvalidity, boxes_before[i].uidvalidity);
        EXPECT_EQ(boxes_after[i].uidnext, boxes_before[i].uidnext);
        EXPECT_EQ(boxes_after[i].highest_modseq, boxes_before[i].highest_modseq);
        EXPECT_EQ(boxes_after[i].messages, boxes_before[i].messages);
        EXPECT_EQ(boxes_after[i].recent, boxes_before[i].recent);
        EXPECT_EQ(boxes_after[i].subscribed, boxes_before[i].subscribed);
    }
    EXPECT_TRUE(store->messages("alice", "INBOX")[0].flags.empty());
    // Reads go on while another connection writes (WAL).
    EXPECT_EQ(*store->body("alice", "INBOX", 1), body_of_size(1, 500));

    other.exec("COMMIT");
    EXPECT_EQ(store->copy("alice", "INBOX", {1}, "Archive", true).error, StoreError::ok);
    EXPECT_THAT(uids_of(store->messages("alice", "Archive")), ElementsAre(1u));
    EXPECT_TRUE(store->messages("alice", "INBOX").empty());
}

TEST(MailStoreFailure, OpenThrowsWhenTheLocationIsUnusable) {
    TempDir dir;
    std::ofstream(dir / "plain-file") << "not a directory";
    EXPECT_THROW(MailStore::open((dir / "plain-file").string()), std::runtime_error);
    std::filesystem::create_directories(dir / "data" / "store.sqlite3");
    EXPECT_THROW(MailStore::open((dir / "data").string()), std::runtime_error);
}

TEST(MailStoreFailure, OpenRefusesASchemaNewerThanThisProgram) {
    TempDir dir;
    MailStore::open((dir / "data").string());
    {
        SQLite::Database db((dir / "data" / "store.sqlite3").string(), SQLite::OPEN_READWRITE);
        db.exec("PRAGMA user_version = 99");
    }
    try {
        MailStore::open((dir / "data").string());
        FAIL() << "a newer schema was opened";
    } catch (const std::runtime_error& e) {
        EXPECT_THAT(e.what(), ::testing::HasSubstr("newer"));
    }
}

// ---- kill -9 in the middle of appends ----

// The bytes of the message with `uid` in the batch of uids first..last: the
// batch is written into each message so a reader can check it is whole.
std::string crash_body(std::uint32_t uid, std::uint32_t first, std::uint32_t last) {
    std::string body = "Message-ID: <" + std::to_string(uid) +
                       "@crash.example>\r\nX-Batch: " + std::to_string(first) + "-" +
                       std::to_string(last) + "\r\n\r\n";
    // Every fourth message spans many database pages.
    const std::size_t size = uid % 4 == 0 ? 300000 : 1000 + uid * 37;
    while (body.size() + 2 < size) {
        body += static_cast<char>('A' + (body.size() * 7 + uid) % 26);
    }
    return body + "\r\n";
}

// The child: appends batches of one to three messages for ever, writing the
// last uid of each committed batch to `fd`. Never returns.
[[noreturn]] void append_until_killed(const std::string& data, int fd) {
    auto store = MailStore::open(data);
    if (!store->has_user("alice") && store->add_user("alice", "pw") != StoreError::ok) {
        _exit(2);
    }
    for (std::uint32_t round = 0; round < 100000; ++round) {
        const std::uint32_t first = store->mailbox("alice", "INBOX")->uidnext;
        const std::uint32_t last = first + round % 3;
        std::vector<MailStore::NewMessage> batch;
        for (std::uint32_t uid = first; uid <= last; ++uid) {
            batch.push_back(message(crash_body(uid, first, last)));
        }
        const auto appended = store->append("alice", "INBOX", std::move(batch));
        if (appended.error != StoreError::ok || appended.uids.back() != last) {
            _exit(3);
        }
        if (write(fd, &last, sizeof last) != static_cast<ssize_t>(sizeof last)) {
            _exit(4);
        }
    }
    _exit(0);
}

// Runs the child until it has reported `acks` committed batches, kills it
// with SIGKILL, and returns the last uid it reported.
std::uint32_t kill_after(const std::string& data, int acks) {
    int fds[2];
    if (pipe(fds) != 0) {
        ADD_FAILURE() << "pipe failed";
        return 0;
    }
    const pid_t child = fork();
    if (child == 0) {
        close(fds[0]);
        append_until_killed(data, fds[1]);
    }
    close(fds[1]);
    std::uint32_t last = 0;
    for (int i = 0; i < acks; ++i) {
        std::uint32_t uid = 0;
        std::size_t got = 0;
        while (got < sizeof uid) {
            const ssize_t n = read(fds[0], reinterpret_cast<char*>(&uid) + got, sizeof uid - got);
            if (n <= 0) {
                ADD_FAILURE() << "the appending child stopped early";
                close(fds[0]);
                waitpid(child, nullptr, 0);
                return last;
            }
            got += static_cast<std::size_t>(n);
        }
        last = uid;
    }
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    close(fds[0]);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    return last;
}

TEST(MailStoreCrash, KillDuringAppendsLeavesWholeMessagesAndFreshUids) {
    TempDir dir;
    const std::string data = (dir / "data").string();
    std::uint32_t acknowledged = 0;
    for (const int acks : {1, 2, 3, 4, 5, 7, 9, 12, 16, 23}) {
        acknowledged = kill_after(data, acks);
        auto store = MailStore::open(data);
        const auto listed = store->messages("alice", "INBOX");
        ASSERT_FALSE(listed.empty());
        // Nothing the child was told is committed may be missing.
        EXPECT_GE(listed.back().uid, acknowledged) << "after " << acks << " batches";
        std::uint32_t expected_uid = 1;
        for (const auto& info : listed) {
            // No expunges: UIDs 1, 2, 3, ... without gap, strictly increasing.
            ASSERT_EQ(info.uid, expected_uid++);
            const auto body = store->body("alice", "INBOX", info.uid);
            ASSERT_NE(body, nullptr);
            const auto batch_at = body->find("X-Batch: ");
            ASSERT_NE(batch_at, std::string::npos) << "uid " << info.uid;
            const auto dash = body->find('-', batch_at + 9);
            const auto first = static_cast<std::uint32_t>(std::stoul(body->substr(batch_at + 9)));
            const auto last = static_cast<std::uint32_t>(std::stoul(body->substr(dash + 1)));
            ASSERT_EQ(*body, crash_body(info.uid, first, last)) << "uid " << info.uid;
            ASSERT_EQ(info.size, body->size());
            // All or nothing: the whole batch is there.
            ASSERT_LE(last, listed.back().uid) << "uid " << info.uid;
        }
        EXPECT_EQ(store->mailbox("alice", "INBOX")->uidnext, listed.back().uid + 1);
    }
    auto store = MailStore::open(data);
    const auto highest = store->messages("alice", "INBOX").back().uid;
    std::vector<MailStore::NewMessage> batch;
    batch.push_back(message("Subject: after the crashes\r\n\r\nx\r\n"));
    const auto appended = store->append("alice", "INBOX", std::move(batch));
    ASSERT_EQ(appended.error, StoreError::ok);
    EXPECT_GT(appended.uids[0], highest);
    EXPECT_GT(appended.uids[0], acknowledged);
}

}  // namespace
}  // namespace mailferry::testserver
