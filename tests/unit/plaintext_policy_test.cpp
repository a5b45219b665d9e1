#include "clients/net/plaintext_policy.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ip/address.hpp>

#include <string>

namespace {

using boost::asio::ip::make_address;
using boost::asio::ip::tcp;
using mailferry::net::check_password_allowed;
using mailferry::net::is_loopback;
using mailferry::net::may_send_password;

tcp::endpoint at(const std::string& address) {
    return {make_address(address), 143};
}

TEST(IsLoopback, AcceptsTheWholeIpv4LoopbackNetAndIpv6Loopback) {
    for (const char* address : {"127.0.0.1", "127.0.0.2", "127.255.255.254", "::1",
                                "::ffff:127.0.0.1", "::ffff:127.8.9.10"}) {
        EXPECT_TRUE(is_loopback(at(address))) << address;
    }
}

TEST(IsLoopback, RejectsEverythingElse) {
    for (const char* address :
         {"10.0.0.1", "128.0.0.1", "126.255.255.255", "0.0.0.0", "192.168.1.1", "::", "::2",
          "fe80::1", "::ffff:10.0.0.1", "2001:db8::1"}) {
        EXPECT_FALSE(is_loopback(at(address))) << address;
    }
}

TEST(MaySendPassword, FollowsTlsLoopbackAndTheExplicitOverride) {
    struct Row {
        bool tls;
        const char* peer;
        bool allow_plaintext;
        bool expected;
    };
    const Row rows[] = {
        {true, "203.0.113.5", false, true}, {false, "203.0.113.5", false, false},
        {false, "203.0.113.5", true, true}, {false, "127.0.0.1", false, true},
        {false, "::1", false, true},        {false, "2001:db8::1", false, false},
        {true, "2001:db8::1", false, true}, {false, "2001:db8::1", true, true},
    };
    for (const Row& row : rows) {
        EXPECT_EQ(may_send_password(row.tls, at(row.peer), row.allow_plaintext), row.expected)
            << row.peer << " tls=" << row.tls << " allow=" << row.allow_plaintext;
    }
}

TEST(CheckPasswordAllowed, AllowedGivesNoError) {
    EXPECT_FALSE(check_password_allowed(true, at("203.0.113.5"), false, "imap.example.org:143"));
    EXPECT_FALSE(check_password_allowed(false, at("127.0.0.1"), false, "localhost:143"));
}

TEST(CheckPasswordAllowed, RefusalSaysWhatToDo) {
    const auto refusal =
        check_password_allowed(false, at("203.0.113.5"), false, "imap.example.org:143");
    ASSERT_TRUE(refusal);
    EXPECT_EQ(refusal->code, mailferry::net::error::plaintext_refused);
    EXPECT_EQ(refusal->step, mailferry::net::Step::login);
    EXPECT_EQ(refusal->server, "imap.example.org:143");
    EXPECT_EQ(refusal->message,
              "imap.example.org:143: refusing to send a password over an unencrypted "
              "connection (peer 203.0.113.5 is not on loopback). Use imaps/pop3s, make sure the "
              "server offers STARTTLS/STLS, or pass --allow-plaintext.");
}

}  // namespace
