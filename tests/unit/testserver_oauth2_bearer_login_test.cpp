// The SASL bearer check shared by the test server's POP3 and IMAP sessions:
// OAUTHBEARER and XOAUTH2 responses as the clients build them, malformed
// ones, and the failure challenge.

#include "contrib/testserver/oauth2/bearer_login.hpp"

#include "clients/wire/base64.hpp"
#include "clients/wire/sasl.hpp"

#include <gtest/gtest.h>

namespace {

using namespace mailferry;
using namespace mailferry::testserver::oauth2;
using namespace std::chrono_literals;
using Outcome = BearerLogin::Outcome;

TEST(Oauth2BearerLogin, AcceptsBothMechanismsWithAnActiveTokenOfThatUser) {
    TokenIssuer issuer({});
    issuer.add_user("alice");
    issuer.add_user("bob,=x");
    const std::string token = issuer.issue_for("alice")->access_token;
    BearerLogin login = check_bearer_login(
        BearerMechanism::oauthbearer,
        wire::sasl_oauthbearer_response("alice", "127.0.0.1", 143, token), issuer);
    EXPECT_EQ(login.outcome, Outcome::accepted) << login.reason;
    EXPECT_EQ(login.user, "alice");
    login = check_bearer_login(BearerMechanism::xoauth2,
                               wire::sasl_xoauth2_response("alice", token), issuer);
    EXPECT_EQ(login.outcome, Outcome::accepted) << login.reason;
    // A GS2 saslname with ',' and '=' (RFC 5801 §4) is unescaped.
    const std::string odd = issuer.issue_for("bob,=x")->access_token;
    login = check_bearer_login(BearerMechanism::oauthbearer,
                               wire::sasl_oauthbearer_response("bob,=x", "h", 1, odd), issuer);
    EXPECT_EQ(login.outcome, Outcome::accepted) << login.reason;
    EXPECT_EQ(login.user, "bob,=x");
}

TEST(Oauth2BearerLogin, RejectsExpiredUnknownAndForeignTokens) {
    IssuerOptions options;
    options.access_token_lifetime = 0s;
    TokenIssuer expiring(options);
    expiring.add_user("alice");
    const std::string expired = expiring.issue_for("alice")->access_token;
    BearerLogin login = check_bearer_login(BearerMechanism::xoauth2,
                                           wire::sasl_xoauth2_response("alice", expired), expiring);
    EXPECT_EQ(login.outcome, Outcome::rejected);
    EXPECT_EQ(login.reason, "Expired token");

    TokenIssuer issuer({});
    issuer.add_user("alice");
    issuer.add_user("bob");
    login = check_bearer_login(BearerMechanism::xoauth2,
                               wire::sasl_xoauth2_response("alice", "wonderland"), issuer);
    EXPECT_EQ(login.outcome, Outcome::rejected);
    EXPECT_EQ(login.reason, "Invalid token");
    const std::string bobs = issuer.issue_for("bob")->access_token;
    login = check_bearer_login(BearerMechanism::oauthbearer,
                               wire::sasl_oauthbearer_response("alice", "h", 1, bobs), issuer);
    EXPECT_EQ(login.outcome, Outcome::rejected);
    EXPECT_EQ(login.reason, "Token was issued for another user");
}

TEST(Oauth2BearerLogin, MalformedResponsesAreNotTokenChecks) {
    TokenIssuer issuer({});
    issuer.add_user("alice");
    const std::string token = issuer.issue_for("alice")->access_token;
    struct Row {
        BearerMechanism mechanism;
        std::string base64;
        std::string reason;
    };
    const Row rows[] = {
        {BearerMechanism::oauthbearer, "not base64!", "Malformed OAUTHBEARER response"},
        {BearerMechanism::oauthbearer, "", "Malformed OAUTHBEARER response"},
        // Dovecot requires the user in the GS2 header.
        {BearerMechanism::oauthbearer,
         wire::base64_encode("n,,\x01"
                             "auth=Bearer " +
                             token + "\x01\x01"),
         "OAUTHBEARER needs the user in the GS2 header (a=USER)"},
        {BearerMechanism::oauthbearer, wire::base64_encode("n,a=alice,\x01host=h\x01\x01"),
         "OAUTHBEARER response has no auth=Bearer token"},
        {BearerMechanism::xoauth2,
         wire::base64_encode("user=alice\x01"
                             "auth=Bearer \x01\x01"),
         "Malformed XOAUTH2 response"},
        {BearerMechanism::xoauth2,
         wire::base64_encode("user=alice\x01"
                             "auth=" +
                             token),
         "Malformed XOAUTH2 response"},
        {BearerMechanism::xoauth2, "%%%", "Malformed XOAUTH2 response"},
    };
    for (const Row& row : rows) {
        const BearerLogin login = check_bearer_login(row.mechanism, row.base64, issuer);
        EXPECT_EQ(login.outcome, Outcome::malformed) << row.base64;
        EXPECT_EQ(login.reason, row.reason) << row.base64;
    }
}

TEST(Oauth2BearerLogin, FailureChallengeIsRfc7628Json) {
    const auto decoded = wire::base64_decode(bearer_failure_challenge());
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, R"({"status":"401","schemes":"bearer","scope":"mail"})");
    const auto parsed = wire::sasl_oauth_failure(bearer_failure_challenge());
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->status, "401");
    for (const std::string_view ack : {"", "AQ==", "*"}) {
        EXPECT_TRUE(is_bearer_failure_ack(ack)) << ack;
    }
    EXPECT_FALSE(is_bearer_failure_ack("dXNlcg=="));
}

}  // namespace
