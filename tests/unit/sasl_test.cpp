// SASL PLAIN (RFC 4616), OAUTHBEARER (RFC 7628), XOAUTH2 and LOGIN.
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

TEST(Sasl, OAuthBearerInitialResponseRfc7628Example) {
    // RFC 7628 §4.1, the IMAP example's exact bytes.
    const std::string response =
        sasl_oauthbearer_response("user@example.com", "server.example.com", 143,
                                  "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==");
    EXPECT_EQ(base64_decode(response),
              "n,a=user@example.com,\x01host=server.example.com\x01port=143\x01"
              "auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01"s);
    EXPECT_EQ(response,
              "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVh"
              "cmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB");
    // RFC 5801 §4: "," and "=" in the user name are escaped.
    EXPECT_EQ(base64_decode(sasl_oauthbearer_response("a,b=c", "h", 110, "t")),
              "n,a=a=2Cb=3Dc,\x01host=h\x01port=110\x01"
              "auth=Bearer t\x01\x01"s);
    // RFC 7628 §3.2.3 / §4.3: the dummy response is ^A, "AQ==".
    EXPECT_EQ(sasl_oauthbearer_dummy_response(), "AQ==");
}

TEST(Sasl, OAuthBearerServerSideDecode) {
    const auto example = sasl_oauthbearer_decode(
        sasl_oauthbearer_response("a,b=c@example.com", "server.example.com", 993, "tok.en-1"));
    ASSERT_TRUE(example);
    EXPECT_EQ(*example, (OAuthBearerCredentials{"a,b=c@example.com", "server.example.com", "993",
                                                "tok.en-1"}));
    // RFC 7628 §4.3: an empty auth= asks for the required scope.
    const auto empty_auth = sasl_oauthbearer_decode(
        "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9AQE=");
    ASSERT_TRUE(empty_auth);
    EXPECT_EQ(*empty_auth,
              (OAuthBearerCredentials{"user@example.com", "server.example.com", "143", ""}));
    // The scheme is case-insensitive (RFC 7628 §3.1).
    const auto lower =
        sasl_oauthbearer_decode(base64_encode("n,,\x01"
                                              "auth=bearer xyz\x01\x01"s));
    ASSERT_TRUE(lower);
    EXPECT_EQ(lower->token, "xyz");
    EXPECT_EQ(lower->authzid, "");

    EXPECT_FALSE(sasl_oauthbearer_decode("%%%"));
    EXPECT_FALSE(
        sasl_oauthbearer_decode(base64_encode("p,,\x01"
                                              "auth=Bearer x\x01\x01"s)));
    EXPECT_FALSE(
        sasl_oauthbearer_decode(base64_encode("n,,\x01"
                                              "auth=Bearer x\x01"s)));
    EXPECT_FALSE(
        sasl_oauthbearer_decode(base64_encode("n,a=bad=2X,\x01"
                                              "auth=Bearer x\x01\x01"s)));
    EXPECT_FALSE(
        sasl_oauthbearer_decode(base64_encode("n,u=x,\x01"
                                              "auth=Bearer x\x01\x01"s)));
}

TEST(Sasl, OAuthFailureChallenge) {
    // RFC 7628 §4.3's IMAP challenge.
    const auto imap = sasl_oauth_failure(
        "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NvcGUiOiJleGFtcGxlX3Njb3BlIiwib3BlbmlkLWNvbmZpZ3Vy"
        "YXRpb24iOiJodHRwczovL2V4YW1wbGUuY29tLy53ZWxsLWtub3duL29wZW5pZC1jb25maWd1cmF0aW9uIn0=");
    ASSERT_TRUE(imap);
    EXPECT_EQ(*imap, (OAuthFailure{"invalid_token", "", "example_scope",
                                   "https://example.com/.well-known/openid-configuration"}));
    // RFC 7628 §4.4's SMTP challenge.
    const auto smtp = sasl_oauth_failure(
        "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NoZW1lcyI6ImJlYXJlciBtYWMiLCJzY29wZSI6Imh0dHBzOi8v"
        "bWFpbC5leGFtcGxlLmNvbS8ifQ==");
    ASSERT_TRUE(smtp);
    EXPECT_EQ(*smtp,
              (OAuthFailure{"invalid_token", "bearer mac", "https://mail.example.com/", ""}));
    EXPECT_EQ(describe(*smtp),
              "status invalid_token, schemes \"bearer mac\", scope \"https://mail.example.com/\"");

    const OAuthFailure ours{"401", "bearer", "mail", ""};
    EXPECT_EQ(oauth_failure_json(ours), R"({"status":"401","schemes":"bearer","scope":"mail"})");
    EXPECT_EQ(sasl_oauth_failure(base64_encode(oauth_failure_json(ours))), ours);

    EXPECT_FALSE(sasl_oauth_failure("%%%"));
    EXPECT_FALSE(sasl_oauth_failure(base64_encode("not json")));
    EXPECT_FALSE(sasl_oauth_failure(base64_encode("[\"status\"]")));
    EXPECT_FALSE(sasl_oauth_failure(base64_encode(R"({"scope":"mail"})")));
    EXPECT_FALSE(sasl_oauth_failure(base64_encode(R"({"status":401})")));
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
