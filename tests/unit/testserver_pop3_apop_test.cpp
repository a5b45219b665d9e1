// RFC 1939 §7 APOP: greeting timestamps and digests.

#include "clients/wire/digest.hpp"
#include "contrib/testserver/pop3/apop.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace mailferry::testserver::pop3 {
namespace {

TEST(Pop3Apop, DigestMatchesTheRfc1939Example) {
    EXPECT_EQ(wire::apop_digest("<1896.697170952@dbc.mtview.ca.us>", "tanstaaf"),
              "c4c9334bac560ecc979e58001b3e22fb");
}

TEST(Pop3Apop, TimestampIsAUniqueMsgId) {
    const std::string first = make_apop_timestamp("mail.example.org");
    const std::string second = make_apop_timestamp("mail.example.org");
    EXPECT_TRUE(std::regex_match(first, std::regex(R"(<\d+\.\d+\.\d+@mail\.example\.org>)")))
        << first;
    EXPECT_NE(first, second);
}

}  // namespace
}  // namespace mailferry::testserver::pop3
