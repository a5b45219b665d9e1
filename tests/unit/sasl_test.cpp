// SASL PLAIN (RFC 4616), XOAUTH2 and LOGIN.
#include "clients/wire/sasl.hpp"

#include "clients/wire/base64.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mailferry::wire {
namespace {

using namespace std::string_literals;

TEST(Sasl, PlainRfc4616Examples) {
    // RFC 4616 §4: "tim" with password "tanstaaftanstaaf", no authzid.
    EXPECT_EQ(base64_decode(sasl_plain_response("", "tim", "tanstaaftanstaaf")),
              "\0tim\0tanstaaftanstaaf"s);
    EXPECT_EQ(sasl_plain_response("", "tim", "tanstaaftanstaaf"), "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
    // RFC 4616 §4: "Kurt" acting as "Ursel".
    EXPECT_EQ(base64_decode(sasl_plain_response("Kurt", "Ursel", "kurt")), "Kurt\0Ursel\0kurt"s);
}

TEST(Sasl, PlainServerSideDecode) {
    const auto tim = sasl_plain_decode("AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
    ASSERT_TRUE(tim);
    EXPECT_EQ(*tim, (PlainCredentials{"", "tim", "tanstaaftanstaaf"}));
    const auto kurt = sasl_plain_decode(base64_encode("Kurt\0Ursel\0kurt"s));
    ASSERT_TRUE(kurt);
    EXPECT_EQ(*kurt, (PlainCredentials{"Kurt", "Ursel", "kurt"}));
    const auto utf8 = sasl_plain_decode(sasl_plain_response("", "j\xc3\xb6rg", "p\xc3\xa4ss"));
    ASSERT_TRUE(utf8);
    EXPECT_EQ(utf8->authcid, "j\xc3\xb6rg");

    EXPECT_FALSE(sasl_plain_decode("not base64!"));
    EXPECT_FALSE(sasl_plain_decode(base64_encode("tim\0pw"s)));        // one NUL
    EXPECT_FALSE(sasl_plain_decode(base64_encode("a\0tim\0pw\0x"s)));  // three NULs
    EXPECT_FALSE(sasl_plain_decode(base64_encode("\0\0pw"s)));         // empty authcid
    EXPECT_FALSE(sasl_plain_decode(base64_encode("\0tim\0"s)));        // empty password
}

TEST(Sasl, Xoauth2InitialResponse) {
    EXPECT_EQ(base64_decode(sasl_xoauth2_response("someuser@example.com", "ya29.vF9dft4qmT")),
              "user=someuser@example.com\x01"
              "auth=Bearer ya29.vF9dft4qmT\x01\x01"s);
    // The example of Google's XOAUTH2 documentation.
    EXPECT_EQ(sasl_xoauth2_response("someuser@example.com",
                                    "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"),
              "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjN"
              "SbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==");
    EXPECT_EQ(sasl_xoauth2_error(base64_encode("{\"status\":\"401\"}")), "{\"status\":\"401\"}");
    EXPECT_FALSE(sasl_xoauth2_error("%%%"));
}

TEST(Sasl, LoginAnswersUserThenPassword) {
    SaslLogin login("alice", "s3cret");
    EXPECT_EQ(login.respond("VXNlcm5hbWU6"), base64_encode("alice"));   // "Username:"
    EXPECT_EQ(login.respond("UGFzc3dvcmQ6"), base64_encode("s3cret"));  // "Password:"
    EXPECT_FALSE(login.respond("UGFzc3dvcmQ6"));

    SaslLogin empty_challenges("bob", "pw");
    EXPECT_EQ(empty_challenges.respond(""), base64_encode("bob"));
    EXPECT_EQ(empty_challenges.respond(""), base64_encode("pw"));

    SaslLogin garbage("bob", "pw");
    EXPECT_FALSE(garbage.respond("***"));
}

}  // namespace
}  // namespace mailferry::wire
