// The POP3 test server, spoken to raw over loopback: RFC 1939 states and
// commands, RFC 2449 CAPA/PIPELINING/response codes, RFC 2595 STLS,
// RFC 5034 AUTH PLAIN.

#include "clients/wire/base64.hpp"
#include "tests/engine/pop3_server_fixture.hpp"

#include <openssl/evp.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

namespace mailferry::test {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

std::string message(const std::string& subject, const std::string& body) {
    return "From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\nSubject: " + subject +
           "\r\nMessage-ID: <" + subject + "@example.org>\r\n\r\n" + body;
}

const std::string dotted_body = ".hidden line\r\nplain\r\n..two dots\r\n.\r\nlast.\r\n";

std::string md5_hex(const std::string& text) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_Digest(text.data(), text.size(), digest, &size, EVP_md5(), nullptr);
    static const char digits[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < size; ++i) {
        hex += digits[digest[i] >> 4];
        hex += digits[digest[i] & 0x0F];
    }
    return hex;
}

std::string plain(const std::string& authzid, const std::string& user,
                  const std::string& password) {
    return wire::base64_encode(authzid + std::string(1, '\0') + user + std::string(1, '\0') +
                               password);
}

TEST(Pop3Server, FullSessionWithByteStuffedRetr) {
    Pop3Server server;
    const std::string first = message("one", dotted_body);
    const std::string second = message("two", "short\r\n");
    server.deliver("alice", {first, second});
    Pop3TestClient client(server.port());
    const auto greeting = client.line().value_or("");
    EXPECT_TRUE(std::regex_match(greeting, std::regex(R"(\+OK .* <\d+\.[0-9.]+@localhost>)")))
        << greeting;

    EXPECT_EQ(client.command("CAPA"), "+OK capability list follows");
    const auto caps = client.multiline();
    for (const char* cap : {"TOP", "UIDL", "USER", "SASL PLAIN", "RESP-CODES", "PIPELINING", "STLS",
                            "AUTH-RESP-CODE", "EXPIRE NEVER", "IMPLEMENTATION mailferry"}) {
        EXPECT_THAT(caps, Contains(cap));
    }
    EXPECT_EQ(client.command("USER alice"), "+OK send PASS");
    EXPECT_THAT(client.command("PASS wonderland"), StartsWith("+OK"));
    const auto total = first.size() + second.size();
    EXPECT_EQ(client.command("STAT"), "+OK 2 " + std::to_string(total));
    EXPECT_EQ(client.command("LIST"), "+OK 2 messages (" + std::to_string(total) + " octets)");
    EXPECT_EQ(client.multiline(), (std::vector<std::string>{"1 " + std::to_string(first.size()),
                                                            "2 " + std::to_string(second.size())}));
    EXPECT_EQ(client.command("LIST 2"), "+OK 2 " + std::to_string(second.size()));
    EXPECT_EQ(client.command("RETR 1"), "+OK " + std::to_string(first.size()) + " octets");
    const std::string stuffed =
        "From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\n"
        "Subject: one\r\nMessage-ID: <one@example.org>\r\n\r\n"
        "..hidden line\r\nplain\r\n...two dots\r\n..\r\nlast.\r\n.\r\n";
    EXPECT_EQ(client.multiline_raw(), stuffed);
    EXPECT_EQ(client.command("NOOP"), "+OK");
    EXPECT_EQ(client.command("LIST 3"), "-ERR no such message, only 2 messages in maildrop");
    EXPECT_EQ(client.command("RETR x"), "-ERR invalid message number x");
    EXPECT_EQ(client.command("XYZZ"), "-ERR unknown command XYZZ");
    EXPECT_THAT(client.command("QUIT"), StartsWith("+OK"));
    EXPECT_TRUE(client.closed_by_server());
    EXPECT_EQ(server.inbox_size("alice"), 2U);
}

TEST(Pop3Server, LargeMessageIsStreamedByteExact) {
    Pop3Server server;
    std::string body;
    for (int i = 0; body.size() < 400 * 1024; ++i) {
        body += (i % 3 == 0 ? "." : "") + std::to_string(i) + " some text to fill the line\r\n";
    }
    const std::string msg = message("big", body);
    server.deliver("alice", {msg});
    Pop3TestClient client(server.port());
    ASSERT_THAT(client.login("alice", "wonderland"), StartsWith("+OK"));
    EXPECT_EQ(client.command("RETR 1"), "+OK " + std::to_string(msg.size()) + " octets");
    const std::string raw = client.multiline_raw();
    std::string unstuffed;
    std::size_t pos = 0;
    while (pos < raw.size()) {
        const auto end = raw.find("\r\n", pos) + 2;
        std::string l = raw.substr(pos, end - pos);
        pos = end;
        if (l == ".\r\n") {
            break;
        }
        unstuffed += l[0] == '.' ? l.substr(1) : l;
    }
    EXPECT_EQ(pos, raw.size());
    EXPECT_EQ(unstuffed, msg);
}

TEST(Pop3Server, DeleThenDroppedConnectionDeletesNothing) {
    Pop3Server server;
    server.deliver("alice", {message("a", "x\r\n"), message("b", "y\r\n")});
    {
        Pop3TestClient client(server.port());
        ASSERT_THAT(client.login("alice", "wonderland"), StartsWith("+OK"));
        EXPECT_EQ(client.command("DELE 1"), "+OK message 1 deleted");
        client.drop();
    }
    ASSERT_TRUE(server.wait_until_idle());
    EXPECT_EQ(server.inbox_size("alice"), 2U);
    Pop3TestClient again(server.port());
    ASSERT_THAT(again.login("alice", "wonderland"), StartsWith("+OK"));
    EXPECT_THAT(again.command("STAT"), StartsWith("+OK 2 "));
}

TEST(Pop3Server, DeleThenQuitDeletes) {
    Pop3Server server;
    const std::string kept = message("b", "y\r\n");
    server.deliver("alice", {message("a", "x\r\n"), kept});
    Pop3TestClient client(server.port());
    ASSERT_THAT(client.login("alice", "wonderland"), StartsWith("+OK"));
    EXPECT_EQ(client.command("DELE 1"), "+OK message 1 deleted");
    EXPECT_EQ(client.command("DELE 1"), "-ERR message 1 already deleted");
    EXPECT_EQ(client.command("STAT"), "+OK 1 " + std::to_string(kept.size()));
    EXPECT_EQ(client.command("QUIT"),
              "+OK mailferry POP3 server signing off (1 messages deleted, 1 left)");
    EXPECT_TRUE(client.closed_by_server());
    EXPECT_EQ(server.inbox_size("alice"), 1U);
    Pop3TestClient again(server.port());
    ASSERT_THAT(again.login("alice", "wonderland"), StartsWith("+OK"));
    EXPECT_EQ(again.command("LIST"), "+OK 1 messages (" + std::to_string(kept.size()) + " octets)");
    EXPECT_EQ(again.multiline(), std::vector<std::string>{"1 " + std::to_string(kept.size())});
}

TEST(Pop3Server, DeletedMessagesAreRefusedAndRsetRestoresThem) {
    Pop3Server server;
    server.deliver("alice", {message("a", "x\r\n"), message("b", "y\r\n")});
    Pop3TestClient client(server.port());
    ASSERT_THAT(client.login("alice", "wonderland"), StartsWith("+OK"));
    EXPECT_EQ(client.command("DELE 1"), "+OK message 1 deleted");
    EXPECT_EQ(client.command("RETR 1"), "-ERR message 1 already deleted");
    EXPECT_EQ(client.command("TOP 1 0"), "-ERR message 1 already deleted");
    EXPECT_EQ(client.command("LIST 1"), "-ERR message 1 already deleted");
    EXPECT_EQ(client.command("UIDL 1"), "-ERR message 1 already deleted");
    EXPECT_THAT(client.command("LIST"), StartsWith("+OK 1 messages"));
    const auto listing = client.multiline();
    ASSERT_EQ(listing.size(), 1U);
    EXPECT_THAT(listing[0], StartsWith("2 "));
    EXPECT_THAT(client.command("UIDL"), StartsWith("+OK"));
    EXPECT_EQ(client.multiline().size(), 1U);
    EXPECT_THAT(client.command("RSET"), StartsWith("+OK maildrop has 2 messages"));
    EXPECT_THAT(client.command("STAT"), StartsWith("+OK 2 "));
    EXPECT_THAT(client.command("QUIT"), StartsWith("+OK"));
    EXPECT_TRUE(client.closed_by_server());
    EXPECT_EQ(server.inbox_size("alice"), 2U);
}

TEST(Pop3Server, TopSendsHeaderBlankLineAndBodyLines) {
    Pop3Server server;
    server.deliver("alice", {message("t", dotted_body)});
    Pop3TestClient client(server.port());
    ASSERT_THAT(client.login("alice", "wonderland"), StartsWith("+OK"));
    EXPECT_EQ(client.command("TOP 1 1"), "+OK top of message follows");
    EXPECT_EQ(client.multiline_raw(),
              "From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\n"
              "Subject: t\r\nMessage-ID: <t@example.org>\r\n\r\n"
              "..hidden line\r\n.\r\n");
    EXPECT_EQ(client.command("TOP 1 0"), "+OK top of message follows");
    EXPECT_THAT(client.multiline(), Not(Contains("..hidden line")));
    EXPECT_EQ(client.command("TOP 1 -1"), "-ERR invalid line count -1");
    EXPECT_EQ(client.command("TOP 1"), "-ERR usage: TOP msg n");
}

TEST(Pop3Server, UidlIsStableAcrossSessions) {
    Pop3Server server;
    server.deliver("alice", {message("a", "x\r\n"), message("b", "y\r\n"), message("c", "z\r\n")});
    std::vector<std::string> first;
    {
        Pop3TestClient client(server.port());
        ASSERT_THAT(client.login("alice", "wonderland"), StartsWith("+OK"));
        EXPECT_EQ(client.command("UIDL"), "+OK unique-id listing follows");
        first = client.multiline();
        ASSERT_EQ(first.size(), 3U);
        for (const auto& l : first) {
            EXPECT_TRUE(std::regex_match(l, std::regex(R"(\d [0-9a-f]+\.[0-9a-f]+)"))) << l;
        }
        EXPECT_EQ(client.command("UIDL 2"), "+OK " + first[1]);
        EXPECT_EQ(client.command("DELE 1"), "+OK message 1 deleted");
        EXPECT_THAT(client.command("QUIT"), StartsWith("+OK"));
    }
    Pop3TestClient client(server.port());
    ASSERT_THAT(client.login("alice", "wonderland"), StartsWith("+OK"));
    EXPECT_EQ(client.command("UIDL"), "+OK unique-id listing follows");
    const auto second = client.multiline();
    // The messages were renumbered but kept their unique ids.
    ASSERT_EQ(second.size(), 2U);
    EXPECT_EQ(second[0].substr(2), first[1].substr(2));
    EXPECT_EQ(second[1].substr(2), first[2].substr(2));
}

TEST(Pop3Server, SecondSessionOnSameMaildropGetsInUse) {
    Pop3Server server;
    Pop3TestClient first(server.port());
    ASSERT_THAT(first.login("alice", "wonderland"), StartsWith("+OK"));
    Pop3TestClient second(server.port());
    EXPECT_EQ(second.login("alice", "wonderland"), "-ERR [IN-USE] maildrop already locked");
    Pop3TestClient bob(server.port());
    EXPECT_THAT(bob.login("bob", "builder"), StartsWith("+OK"));
    EXPECT_THAT(first.command("QUIT"), StartsWith("+OK"));
    EXPECT_EQ(second.command("USER alice"), "+OK send PASS");
    EXPECT_THAT(second.command("PASS wonderland"), StartsWith("+OK"));
}

TEST(Pop3Server, ApopWithRightAndWrongDigest) {
    Pop3Server server;
    Pop3TestClient client(server.port());
    const auto greeting = client.line().value_or("");
    const auto open = greeting.find('<');
    ASSERT_NE(open, std::string::npos);
    const std::string timestamp = greeting.substr(open);
    EXPECT_EQ(client.command("APOP alice " + md5_hex(timestamp + "wrong")),
              "-ERR [AUTH] invalid user name or digest");
    EXPECT_EQ(client.command("APOP nobody " + md5_hex(timestamp + "wonderland")),
              "-ERR [AUTH] invalid user name or digest");
    EXPECT_THAT(client.command("APOP alice " + md5_hex(timestamp + "wonderland")),
                StartsWith("+OK"));
    EXPECT_THAT(client.command("STAT"), StartsWith("+OK 0 0"));
}

TEST(Pop3Server, AuthPlainWithInitialResponseAndContinuation) {
    Pop3Server server;
    {
        Pop3TestClient client(server.port());
        client.line();
        EXPECT_EQ(client.command("AUTH"), "+OK SASL mechanisms follow");
        EXPECT_EQ(client.multiline(), std::vector<std::string>{"PLAIN"});
        EXPECT_EQ(client.command("AUTH CRAM-MD5"), "-ERR unsupported SASL mechanism CRAM-MD5");
        EXPECT_EQ(client.command("AUTH PLAIN " + plain("", "alice", "nope")),
                  "-ERR [AUTH] invalid user name or password");
        EXPECT_THAT(client.command("AUTH PLAIN " + plain("", "alice", "wonderland")),
                    StartsWith("+OK"));
        EXPECT_EQ(client.command("AUTH PLAIN " + plain("", "alice", "wonderland")),
                  "-ERR already logged in");
    }
    ASSERT_TRUE(server.wait_until_idle());
    Pop3TestClient client(server.port());
    client.line();
    EXPECT_EQ(client.command("AUTH PLAIN"), "+ ");
    EXPECT_EQ(client.command("*"), "-ERR authentication cancelled");
    EXPECT_EQ(client.command("AUTH PLAIN"), "+ ");
    EXPECT_EQ(client.command("not base64!"), "-ERR authentication response is not valid base64");
    EXPECT_EQ(client.command("AUTH PLAIN"), "+ ");
    EXPECT_EQ(client.command(plain("bob", "alice", "wonderland")),
              "-ERR [AUTH] acting as another user is not permitted");
    EXPECT_EQ(client.command("AUTH PLAIN"), "+ ");
    EXPECT_THAT(client.command(plain("alice", "alice", "wonderland")), StartsWith("+OK"));
}

TEST(Pop3Server, PipelinedCommandsAreAnsweredInOrder) {
    Pop3Server server;
    server.deliver("alice", {message("p", "body\r\n")});
    Pop3TestClient client(server.port());
    client.line();
    client.send("USER alice\r\nPASS wonderland\r\nSTAT\r\nRETR 1\r\nLIST 1\r\nNOOP\r\nQUIT\r\n");
    EXPECT_EQ(client.line(), "+OK send PASS");
    EXPECT_THAT(client.line().value_or(""), StartsWith("+OK alice has 1 messages"));
    EXPECT_THAT(client.line().value_or(""), StartsWith("+OK 1 "));
    EXPECT_THAT(client.line().value_or(""), HasSubstr("octets"));
    EXPECT_THAT(client.multiline(), Contains("body"));
    EXPECT_THAT(client.line().value_or(""), StartsWith("+OK 1 "));
    EXPECT_EQ(client.line(), "+OK");
    EXPECT_THAT(client.line().value_or(""), StartsWith("+OK mailferry POP3 server signing off"));
    EXPECT_TRUE(client.closed_by_server());
}

TEST(Pop3Server, OverlongLineAndArgumentGetErrAndSessionGoesOn) {
    Pop3Server server;
    Pop3TestClient client(server.port());
    client.line();
    EXPECT_EQ(client.command("USER " + std::string(300, 'x')),
              "-ERR command line too long (limit 255 octets)");
    EXPECT_EQ(client.command("USER " + std::string(41, 'x')),
              "-ERR argument too long (limit 40 octets)");
    EXPECT_EQ(client.command("USER  alice"), "-ERR arguments must be separated by single spaces");
    EXPECT_EQ(client.command("STAT"), "-ERR STAT is only valid after login");
    EXPECT_EQ(client.command("USER alice"), "+OK send PASS");
    EXPECT_THAT(client.command("PASS wonderland"), StartsWith("+OK"));
}

TEST(Pop3Server, FailedLoginsCloseTheConnection) {
    Pop3Server server;
    Pop3TestClient client(server.port());
    client.line();
    EXPECT_EQ(client.command("PASS x"), "-ERR send USER first");
    client.command("USER alice");
    EXPECT_EQ(client.command("PASS bad1"), "-ERR [AUTH] invalid user name or password");
    client.command("USER alice");
    EXPECT_EQ(client.command("PASS bad2"), "-ERR [AUTH] invalid user name or password");
    client.command("USER alice");
    EXPECT_THAT(client.command("PASS bad3"), StartsWith("-ERR [AUTH] "));
    EXPECT_TRUE(client.closed_by_server());
}

TEST(Pop3Server, AutologoutClosesWithoutUpdate) {
    testserver::ServerLimits limits;
    limits.pop3_autologout = std::chrono::seconds(1);
    Pop3Server server(limits);
    server.deliver("alice", {message("a", "x\r\n")});
    Pop3TestClient client(server.port());
    ASSERT_THAT(client.login("alice", "wonderland"), StartsWith("+OK"));
    EXPECT_EQ(client.command("DELE 1"), "+OK message 1 deleted");
    std::string rest;
    EXPECT_TRUE(client.closed_by_server(&rest));
    EXPECT_THAT(rest, StartsWith("-ERR autologout"));
    ASSERT_TRUE(server.wait_until_idle());
    EXPECT_EQ(server.inbox_size("alice"), 1U);
}

TEST(Pop3Server, StlsUpgradesAndDiscardsPipelinedPlaintext) {
    Pop3Server server;
    Pop3TestClient client(server.port());
    client.line();
    EXPECT_EQ(client.command("PASS x"), "-ERR send USER first");
    client.command("USER alice");
    // A command injected after STLS in the same plaintext packet must not run.
    client.send("STLS\r\nPASS wonderland\r\n");
    EXPECT_EQ(client.line(), "+OK begin TLS negotiation");
    ASSERT_TRUE(client.start_tls());
    EXPECT_EQ(client.command("CAPA"), "+OK capability list follows");
    EXPECT_THAT(client.multiline(), Not(Contains("STLS")));
    EXPECT_EQ(client.command("STLS"), "-ERR TLS is already active");
    // RFC 2595 §4: the USER given before TLS is forgotten.
    EXPECT_EQ(client.command("PASS wonderland"), "-ERR send USER first");
    EXPECT_EQ(client.command("USER alice"), "+OK send PASS");
    EXPECT_THAT(client.command("PASS wonderland"), StartsWith("+OK"));
    EXPECT_EQ(client.command("STLS"), "-ERR STLS is only valid before login");
}

TEST(Pop3Server, MaildropIsASnapshotTakenAtLogin) {
    Pop3Server server;
    server.deliver("alice", {message("a", "x\r\n")});
    Pop3TestClient client(server.port());
    ASSERT_THAT(client.login("alice", "wonderland"), StartsWith("+OK"));
    server.deliver("alice", {message("late", "y\r\n")});
    EXPECT_THAT(client.command("STAT"), StartsWith("+OK 1 "));
    EXPECT_THAT(client.command("QUIT"), StartsWith("+OK"));
    EXPECT_EQ(server.inbox_size("alice"), 2U);
}

TEST(Pop3Server, InjectedDropClosesBeforeAnswering) {
    testserver::FaultPlan faults;
    faults.drop_after_commands = 2;
    Pop3Server server({}, faults);
    Pop3TestClient client(server.port());
    client.line();
    EXPECT_EQ(client.command("USER alice"), "+OK send PASS");
    client.send("PASS wonderland\r\n");
    std::string rest;
    EXPECT_TRUE(client.closed_by_server(&rest));
    EXPECT_EQ(rest, "");
}

}  // namespace
}  // namespace mailferry::test
