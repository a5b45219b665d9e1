// The IMAP test server's QUOTA (RFC 9208) and STATUS=SIZE (RFC 8438) on the
// wire: what is advertised with and without a limit, GETQUOTAROOT and
// GETQUOTA responses, STATUS SIZE and DELETED-STORAGE values, the
// NO [OVERQUOTA] of APPEND and COPY at the octet where the limit is passed,
// a MOVE that leaves the usage as it was, and both extensions hidden.

#include "tests/engine/imap_server_fixture.hpp"
#include "tests/support/sized_message.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace mailferry::test {
namespace {

using Lines = std::vector<std::string>;

testserver::ServerLimits quota_limits(std::uint64_t kib) {
    testserver::ServerLimits limits;
    limits.quota_kib = kib;
    return limits;
}

std::string last(const Lines& lines) {
    return lines.empty() ? std::string("(no response)") : lines.back();
}

bool starts_with(const std::string& s, std::string_view prefix) {
    return s.rfind(prefix, 0) == 0;
}

// Logs alice in on a fresh connection.
std::unique_ptr<ImapTestClient> login(const ImapServer& server) {
    auto client = std::make_unique<ImapTestClient>(server.port());
    client->response();
    EXPECT_TRUE(starts_with(last(client->command("l", "LOGIN alice wonderland")), "l OK"));
    return client;
}

TEST(ImapServerQuota, WithoutALimitOnlyStatusSizeIsOffered) {
    ImapServer server;
    server.call([](testserver::MailStore& s) {
        return s.append("alice", "INBOX", {{message_of_size("a", 700), {}, {}}});
    });
    auto client = login(server);
    const auto caps = client->command("c", "CAPABILITY");
    ASSERT_EQ(caps.size(), 2u);
    EXPECT_NE(caps[0].find(" STATUS=SIZE"), std::string::npos) << caps[0];
    EXPECT_EQ(caps[0].find("QUOTA"), std::string::npos) << caps[0];
    EXPECT_EQ(client->command("s", "STATUS INBOX (MESSAGES SIZE)"),
              (Lines{"* STATUS INBOX (MESSAGES 1 SIZE 700)", "s OK STATUS completed"}));
    EXPECT_EQ(client->command("q1", "GETQUOTAROOT INBOX"),
              (Lines{"q1 BAD Unknown command GETQUOTAROOT"}));
    EXPECT_EQ(client->command("q2", "GETQUOTA \"\""), (Lines{"q2 BAD Unknown command GETQUOTA"}));
    EXPECT_EQ(client->command("q3", "STATUS INBOX (DELETED-STORAGE)"),
              (Lines{"q3 BAD Unknown STATUS item DELETED-STORAGE"}));
    // No limit: a large APPEND goes through.
    const std::string big = message_of_size("big", 100'000);
    EXPECT_TRUE(starts_with(last(client->command("a", "APPEND INBOX {100000+}\r\n" + big)),
                            "a OK [APPENDUID"));
}

TEST(ImapServerQuota, GetQuotaRootAndGetQuotaReportUsageInKibRoundedUp) {
    ImapServer server(quota_limits(2));
    server.call([](testserver::MailStore& s) {
        return s.append("alice", "INBOX", {{message_of_size("a", 1000), {}, {}}});
    });
    server.call([](testserver::MailStore& s) {
        return s.append("alice", "Archive", {{message_of_size("b", 30), {}, {}}});
    });
    // Another user's mail is under another root and does not count.
    server.call([](testserver::MailStore& s) {
        return s.append("bob", "INBOX", {{message_of_size("c", 1500), {}, {}}});
    });
    ImapTestClient client(server.port());
    const auto greeting = client.response();
    ASSERT_TRUE(greeting);
    EXPECT_NE(
        greeting->find(" STATUS=SIZE LIST-STATUS APPENDLIMIT=67108864 QUOTA QUOTA=RES-STORAGE]"),
        std::string::npos)
        << *greeting;
    EXPECT_TRUE(starts_with(last(client.command("l", "LOGIN alice wonderland")), "l OK"));
    // 1030 octets are 2 KiB when rounded up (RFC 9208 §5.1 counts 1024-octet units).
    EXPECT_EQ(client.command("q1", "GETQUOTAROOT INBOX"),
              (Lines{"* QUOTAROOT INBOX \"\"", "* QUOTA \"\" (STORAGE 2 2)",
                     "q1 OK GETQUOTAROOT completed"}));
    // RFC 9208 §4.1.2: the mailbox need not exist.
    EXPECT_EQ(client.command("q2", "GETQUOTAROOT \"Not yet/there\""),
              (Lines{"* QUOTAROOT \"Not yet/there\" \"\"", "* QUOTA \"\" (STORAGE 2 2)",
                     "q2 OK GETQUOTAROOT completed"}));
    EXPECT_EQ(client.command("q3", "GETQUOTA \"\""),
              (Lines{"* QUOTA \"\" (STORAGE 2 2)", "q3 OK GETQUOTA completed"}));
    EXPECT_EQ(client.command("q4", "getquota \"#user/alice\""),
              (Lines{"q4 NO [NONEXISTENT] No such quota root; the only one is \"\""}));
    EXPECT_EQ(client.command("q5", "GETQUOTAROOT"),
              (Lines{"q5 BAD GETQUOTAROOT needs a mailbox name"}));
    EXPECT_EQ(client.command("q6", "SETQUOTA \"\" (STORAGE 10)"),
              (Lines{"q6 BAD Unknown command SETQUOTA"}));
    // Before login the commands are not valid (RFC 9208 commands are
    // authenticated-state commands).
    ImapTestClient anonymous(server.port());
    anonymous.response();
    EXPECT_EQ(anonymous.command("x", "GETQUOTAROOT INBOX"),
              (Lines{"x BAD Command not valid before LOGIN"}));
}

TEST(ImapServerQuota, StatusSizeAndDeletedStorageFollowTheMessages) {
    ImapServer server(quota_limits(100));
    server.call([](testserver::MailStore& s) {
        return s.append("alice", "INBOX",
                        {{message_of_size("a", 1000), {}, {}},
                         {message_of_size("b", 234), {"\\Deleted"}, {}},
                         {message_of_size("c", 4321), {"\\Seen", "\\Deleted"}, {}}});
    });
    auto client = login(server);
    EXPECT_EQ(client->command("s1", "STATUS INBOX (MESSAGES SIZE DELETED-STORAGE)"),
              (Lines{"* STATUS INBOX (MESSAGES 3 SIZE 5555 DELETED-STORAGE 4555)",
                     "s1 OK STATUS completed"}));
    EXPECT_EQ(client->command("s2", "STATUS Archive (SIZE DELETED-STORAGE)"),
              (Lines{"* STATUS Archive (SIZE 0 DELETED-STORAGE 0)", "s2 OK STATUS completed"}));
    EXPECT_TRUE(starts_with(last(client->command("e1", "SELECT INBOX")), "e1 OK"));
    EXPECT_TRUE(starts_with(last(client->command("e2", "EXPUNGE")), "e2 OK"));
    EXPECT_EQ(client->command("s3", "STATUS INBOX (MESSAGES SIZE DELETED-STORAGE)"),
              (Lines{"* STATUS INBOX (MESSAGES 1 SIZE 1000 DELETED-STORAGE 0)",
                     "s3 OK STATUS completed"}));
    EXPECT_EQ(client->command("q", "GETQUOTAROOT INBOX"),
              (Lines{"* QUOTAROOT INBOX \"\"", "* QUOTA \"\" (STORAGE 1 100)",
                     "q OK GETQUOTAROOT completed"}));
}

TEST(ImapServerQuota, AppendPastTheLimitIsRefusedWithOverquota) {
    // 2 KiB = 2048 octets; 1500 are used.
    ImapServer server(quota_limits(2));
    server.call([](testserver::MailStore& s) {
        return s.append("alice", "INBOX", {{message_of_size("a", 1500), {}, {}}});
    });
    auto client = login(server);
    const std::string one_too_many = message_of_size("b", 549);
    const auto refused = client->command("a1", "APPEND Archive {549+}\r\n" + one_too_many);
    EXPECT_EQ(refused, (Lines{"a1 NO [OVERQUOTA] APPEND refused: 549 octets would exceed the "
                              "quota of 2 KiB (1500 octets used)"}));
    // MULTIAPPEND is all or nothing (RFC 3502): 548 octets are left, and
    // two messages of 300 fit one at a time but not together.
    const std::string m1 = message_of_size("c", 300), m2 = message_of_size("d", 300);
    const auto both = client->command("a2", "APPEND Archive {300+}\r\n" + m1 + " {300+}\r\n" + m2);
    EXPECT_EQ(both, (Lines{"a2 NO [OVERQUOTA] APPEND refused: 600 octets would exceed the quota "
                           "of 2 KiB (1500 octets used)"}));
    EXPECT_EQ(client->command("s1", "STATUS Archive (MESSAGES SIZE)"),
              (Lines{"* STATUS Archive (MESSAGES 0 SIZE 0)", "s1 OK STATUS completed"}));
    EXPECT_TRUE(starts_with(last(client->command("a3", "APPEND Archive {300+}\r\n" + m1)),
                            "a3 OK [APPENDUID"));
    EXPECT_EQ(client->command("s2", "STATUS Archive (MESSAGES SIZE)"),
              (Lines{"* STATUS Archive (MESSAGES 1 SIZE 300)", "s2 OK STATUS completed"}));
}

TEST(ImapServerQuota, AppendUpToTheLimitExactlySucceeds) {
    ImapServer server(quota_limits(2));
    server.call([](testserver::MailStore& s) {
        return s.append("alice", "INBOX", {{message_of_size("a", 1500), {}, {}}});
    });
    auto client = login(server);
    const std::string over = message_of_size("b", 549), fits = message_of_size("c", 548);
    EXPECT_TRUE(starts_with(last(client->command("a1", "APPEND INBOX {549+}\r\n" + over)),
                            "a1 NO [OVERQUOTA]"));
    EXPECT_TRUE(starts_with(last(client->command("a2", "APPEND INBOX {548+}\r\n" + fits)),
                            "a2 OK [APPENDUID"));
    EXPECT_EQ(client->command("q", "GETQUOTA \"\""),
              (Lines{"* QUOTA \"\" (STORAGE 2 2)", "q OK GETQUOTA completed"}));
    const std::string tiny = message_of_size("d", 40);
    EXPECT_TRUE(starts_with(last(client->command("a3", "APPEND INBOX {40+}\r\n" + tiny)),
                            "a3 NO [OVERQUOTA]"));
    const auto count =
        server.call([](testserver::MailStore& s) { return s.messages("alice", "INBOX").size(); });
    EXPECT_EQ(count, 2u);
}

TEST(ImapServerQuota, CopyPastTheLimitIsRefusedAndMoveIsNot) {
    ImapServer server(quota_limits(2));
    server.call([](testserver::MailStore& s) {
        return s.append(
            "alice", "INBOX",
            {{message_of_size("a", 1000), {}, {}}, {message_of_size("b", 400), {}, {}}});
    });
    auto client = login(server);
    EXPECT_TRUE(starts_with(last(client->command("s", "SELECT INBOX")), "s OK"));
    // 1400 used, 648 left: copying both or the first passes 2048, the second fits.
    EXPECT_EQ(client->command("c1", "COPY 1:2 Archive"),
              (Lines{"c1 NO [OVERQUOTA] COPY refused: 1400 octets would exceed the quota of 2 "
                     "KiB (1400 octets used)"}));
    EXPECT_EQ(client->command("c2", "UID COPY 1 Archive"),
              (Lines{"c2 NO [OVERQUOTA] COPY refused: 1000 octets would exceed the quota of 2 "
                     "KiB (1400 octets used)"}));
    EXPECT_TRUE(starts_with(last(client->command("c3", "UID COPY 2 Archive")), "c3 OK [COPYUID"));
    EXPECT_EQ(client->command("s1", "STATUS Archive (MESSAGES SIZE)"),
              (Lines{"* STATUS Archive (MESSAGES 1 SIZE 400)", "s1 OK STATUS completed"}));
    // 1800 used; a MOVE inside the one quota root changes nothing.
    EXPECT_EQ(last(client->command("m", "UID MOVE 1 Archive")), "m OK UID MOVE completed");
    EXPECT_EQ(client->command("s2", "STATUS Archive (MESSAGES SIZE)"),
              (Lines{"* STATUS Archive (MESSAGES 2 SIZE 1400)", "s2 OK STATUS completed"}));
    EXPECT_EQ(client->command("q", "GETQUOTA \"\""),
              (Lines{"* QUOTA \"\" (STORAGE 2 2)", "q OK GETQUOTA completed"}));
}

TEST(ImapServerQuota, HiddenExtensionsAreNeitherAdvertisedNorAccepted) {
    testserver::ServerLimits limits = quota_limits(1);
    limits.disabled_capabilities = {"QUOTA", "STATUS=SIZE"};
    ImapServer server(limits);
    auto client = login(server);
    const auto caps = client->command("c", "CAPABILITY");
    ASSERT_EQ(caps.size(), 2u);
    EXPECT_EQ(caps[0].find("QUOTA"), std::string::npos) << caps[0];
    EXPECT_EQ(caps[0].find("STATUS=SIZE"), std::string::npos) << caps[0];
    EXPECT_EQ(client->command("q", "GETQUOTAROOT INBOX"),
              (Lines{"q BAD Unknown command GETQUOTAROOT"}));
    EXPECT_EQ(client->command("s", "STATUS INBOX (SIZE)"),
              (Lines{"s BAD Unknown STATUS item SIZE"}));
    // A hidden quota is not enforced either.
    const std::string big = message_of_size("big", 5000);
    EXPECT_TRUE(starts_with(last(client->command("a", "APPEND INBOX {5000+}\r\n" + big)), "a OK"));
}

}  // namespace
}  // namespace mailferry::test
