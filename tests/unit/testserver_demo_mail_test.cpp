// The demo users and mail seeded into the test servers' store.
#include "contrib/testserver/demo_mail.hpp"
#include "tests/support/temp_dir.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <strings.h>

namespace mailferry::testserver {
namespace {

using mailferry::test::TempDir;

std::map<std::string, std::uint32_t> counts_of(const MailStore& store, std::string_view user) {
    std::map<std::string, std::uint32_t> counts;
    for (const auto& box : store.list_mailboxes(user)) {
        counts[box.name] = box.messages;
    }
    return counts;
}

// The value of the first header field `name` (case-insensitive), unfolded.
std::string header(const std::string& message, const std::string& name) {
    const std::string head = message.substr(0, message.find("\r\n\r\n") + 2);
    std::size_t line = 0;
    while (line < head.size()) {
        const std::size_t end = head.find("\r\n", line);
        const std::string field = head.substr(line, end - line);
        if (field.size() > name.size() && field[name.size()] == ':' &&
            strncasecmp(field.c_str(), name.c_str(), name.size()) == 0) {
            return field.substr(name.size() + 2);
        }
        line = end + 2;
    }
    return {};
}

// RFC 5322 §3.3 date-time "Tue, 06 Jan 2026 09:15:00 +0100" as seconds
// since the epoch and the zone, or seconds -1 when it does not parse.
InternalDate parse_date(const std::string& value) {
    std::tm tm{};
    const char* rest = strptime(value.c_str(), "%a, %d %b %Y %H:%M:%S ", &tm);
    if (rest == nullptr || std::strlen(rest) != 5 || (rest[0] != '+' && rest[0] != '-')) {
        return {-1, 0};
    }
    const int hhmm = std::atoi(rest + 1);
    const int offset = (rest[0] == '-' ? -1 : 1) * (hhmm / 100 * 60 + hhmm % 100);
    return {static_cast<std::int64_t>(timegm(&tm)) - std::int64_t{offset} * 60, offset};
}

TEST(DemoMail, UsersAndPasswordsAreListed) {
    const auto users = demo_users();
    ASSERT_EQ(users.size(), 3u);
    EXPECT_EQ(users[0].name, "alice");
    EXPECT_EQ(users[0].password, "alice-pw");
    EXPECT_EQ(users[1].name, "bob");
    EXPECT_EQ(users[1].password, "bob-pw");
    EXPECT_EQ(users[2].name, "carol");
    EXPECT_EQ(users[2].password, "carol-pw");
    auto store = MailStore::open("");
    ASSERT_EQ(seed_demo_mail(*store), StoreError::ok);
    for (const auto& user : users) {
        EXPECT_EQ(store->check_password(user.name, user.password), StoreError::ok) << user.name;
    }
}

TEST(DemoMail, FoldersAndCountsOfEachUser) {
    auto store = MailStore::open("");
    ASSERT_EQ(seed_demo_mail(*store), StoreError::ok);
    const std::map<std::string, std::uint32_t> alice = {
        {"INBOX", 25},   {"Archive", 3},  {"Drafts", 0},
        {"Junk", 0},     {"Projects", 4}, {"Projects/2026", 3},
        {"Receipts", 3}, {"Reisen", 0},   {"Reisen/Z&APw-rich", 2},
        {"Sent", 4},     {"Trash", 0}};
    EXPECT_EQ(counts_of(*store, "alice"), alice);
    const std::map<std::string, std::uint32_t> bob = {{"INBOX", 12}, {"Archive", 0}, {"Drafts", 0},
                                                      {"Junk", 0},   {"Sent", 0},    {"Trash", 0}};
    EXPECT_EQ(counts_of(*store, "bob"), bob);
    const std::map<std::string, std::uint32_t> carol = {{"INBOX", 0}, {"Archive", 0}, {"Drafts", 0},
                                                        {"Junk", 0},  {"Sent", 0},    {"Trash", 0}};
    EXPECT_EQ(counts_of(*store, "carol"), carol);
    EXPECT_EQ(store->mailbox("alice", "Sent")->special_use, "\\Sent");

    std::set<std::string> flags;
    for (const auto& m : store->messages("alice", "INBOX")) {
        flags.insert(m.flags.begin(), m.flags.end());
    }
    EXPECT_EQ(flags, (std::set<std::string>{"$Important", "\\Answered", "\\Flagged", "\\Seen"}));
    const auto inbox = store->mailbox("alice", "INBOX");
    EXPECT_GT(inbox->unseen, 0u);
    EXPECT_LT(inbox->unseen, inbox->messages);
}

TEST(DemoMail, SeedingTwiceAddsNothingAlsoAfterReopen) {
    TempDir dir;
    std::map<std::string, std::uint32_t> before;
    std::uint32_t uidnext = 0;
    {
        auto store = MailStore::open((dir / "data").string());
        ASSERT_EQ(seed_demo_mail(*store), StoreError::ok);
        before = counts_of(*store, "alice");
        uidnext = store->mailbox("alice", "INBOX")->uidnext;
        ASSERT_EQ(seed_demo_mail(*store), StoreError::ok);
        EXPECT_EQ(counts_of(*store, "alice"), before);
        EXPECT_EQ(store->mailbox("alice", "INBOX")->uidnext, uidnext);
    }
    auto store = MailStore::open((dir / "data").string());
    ASSERT_EQ(seed_demo_mail(*store), StoreError::ok);
    EXPECT_EQ(counts_of(*store, "alice"), before);
    EXPECT_EQ(store->mailbox("alice", "INBOX")->uidnext, uidnext);
    EXPECT_EQ(store->mailbox("bob", "INBOX")->messages, 12u);
}

TEST(DemoMail, EveryMessageIsCrlfWithMessageIdDateAndMatchingInternalDate) {
    auto store = MailStore::open("");
    ASSERT_EQ(seed_demo_mail(*store), StoreError::ok);
    std::set<std::string> ids;
    std::size_t total = 0;
    std::set<std::string> content_types;
    bool encoded_subject = false;
    for (const auto& user : demo_users()) {
        for (const auto& box : store->list_mailboxes(user.name)) {
            for (const auto& info : store->messages(user.name, box.name)) {
                const auto body = store->body(user.name, box.name, info.uid);
                ASSERT_NE(body, nullptr);
                const std::string where =
                    std::string(user.name) + " " + box.name + " " + std::to_string(info.uid);
                for (std::size_t i = 0; i < body->size(); ++i) {
                    if ((*body)[i] == '\n') {
                        ASSERT_TRUE(i > 0 && (*body)[i - 1] == '\r') << where << " offset " << i;
                    }
                    if ((*body)[i] == '\r') {
                        ASSERT_TRUE(i + 1 < body->size() && (*body)[i + 1] == '\n') << where;
                    }
                }
                const auto head_end = body->find("\r\n\r\n");
                ASSERT_NE(head_end, std::string::npos) << where;
                // RFC 5322 §2.2: header fields are US-ASCII (RFC 2047 for the rest).
                EXPECT_TRUE(std::all_of(
                    body->begin(), body->begin() + static_cast<std::ptrdiff_t>(head_end),
                    [](char c) { return static_cast<unsigned char>(c) < 0x80; }))
                    << where;
                const std::string id = header(*body, "Message-ID");
                EXPECT_FALSE(id.empty()) << where;
                EXPECT_TRUE(ids.insert(id).second) << "duplicate " << id;
                EXPECT_FALSE(header(*body, "From").empty()) << where;
                EXPECT_FALSE(header(*body, "To").empty()) << where;
                EXPECT_FALSE(header(*body, "Subject").empty()) << where;
                EXPECT_EQ(header(*body, "MIME-Version"), "1.0") << where;
                const InternalDate date = parse_date(header(*body, "Date"));
                EXPECT_EQ(date.seconds, info.internal_date.seconds) << where;
                EXPECT_EQ(date.offset_minutes, info.internal_date.offset_minutes) << where;
                EXPECT_GE(date.seconds, 1735689600) << where;  // 2025-01-01
                EXPECT_LT(date.seconds, 1798761600) << where;  // 2027-01-01
                EXPECT_EQ(info.size, body->size());
                const std::string type = header(*body, "Content-Type");
                content_types.insert(type.substr(0, type.find(';')));
                encoded_subject |= header(*body, "Subject").rfind("=?UTF-8?Q?", 0) == 0;
                if (header(*body, "Content-Type").rfind("multipart/mixed", 0) == 0) {
                    EXPECT_TRUE(body->find("Content-Type: application/pdf") != std::string::npos ||
                                body->find("Content-Type: message/rfc822") != std::string::npos)
                        << where;
                }
                ++total;
            }
        }
    }
    EXPECT_EQ(total, 25u + 4 + 3 + 3 + 2 + 4 + 3 + 12);
    EXPECT_TRUE(encoded_subject);
    EXPECT_EQ(content_types,
              (std::set<std::string>{"multipart/alternative", "multipart/mixed", "text/plain"}));
}

TEST(DemoMail, IsTheSameEveryTime) {
    auto first = MailStore::open("");
    auto second = MailStore::open("");
    ASSERT_EQ(seed_demo_mail(*first), StoreError::ok);
    ASSERT_EQ(seed_demo_mail(*second), StoreError::ok);
    for (const auto& box : first->list_mailboxes("alice")) {
        const auto a = first->messages("alice", box.name);
        const auto b = second->messages("alice", box.name);
        ASSERT_EQ(a.size(), b.size()) << box.name;
        for (std::size_t i = 0; i < a.size(); ++i) {
            EXPECT_EQ(*first->body("alice", box.name, a[i].uid),
                      *second->body("alice", box.name, b[i].uid));
            EXPECT_EQ(a[i].flags, b[i].flags);
            EXPECT_EQ(a[i].internal_date.seconds, b[i].internal_date.seconds);
        }
    }
}

}  // namespace
}  // namespace mailferry::testserver
