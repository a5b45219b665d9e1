// The test server's token issuer with a clock the test sets: lifetimes,
// rotation, client checks and the bearer check.

#include "contrib/testserver/oauth2/token_issuer.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <set>

namespace {

using namespace mailferry::testserver::oauth2;
using namespace std::chrono_literals;
using Status = TokenCheck::Status;

struct Clocked {
    explicit Clocked(IssuerOptions options = {})
        : now(std::make_shared<std::chrono::system_clock::time_point>(
              std::chrono::system_clock::time_point(1'700'000'000s))),
          issuer(std::move(options), [n = now] { return *n; }) {}
    std::shared_ptr<std::chrono::system_clock::time_point> now;
    TokenIssuer issuer;
};

TEST(Oauth2TokenIssuer, TokensAreRandomUrlSafeAndPrefixed) {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        const std::string token = random_token("mft-at.");
        ASSERT_TRUE(token.starts_with("mft-at."));
        EXPECT_EQ(token.size(), 7U + 43U);  // 32 octets in unpadded base64url
        EXPECT_EQ(token.find_first_not_of(
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.", 0),
                  std::string::npos)
            << token;
        EXPECT_TRUE(seen.insert(token).second);
    }
}

TEST(Oauth2TokenIssuer, RefreshRotatesAndAccessTokensExpire) {
    Clocked c;
    const std::string first = c.issuer.add_user("alice");
    const GrantResult granted = c.issuer.refresh(first, "mailferry-test", std::nullopt);
    ASSERT_EQ(granted.error, GrantError::none);
    const AccessGrant& grant = *granted.grant;
    EXPECT_EQ(grant.expires_in, 300s);
    EXPECT_NE(grant.refresh_token, first);

    EXPECT_EQ(c.issuer.refresh(first, "mailferry-test", std::nullopt).error,
              GrantError::invalid_grant);
    EXPECT_EQ(c.issuer.refresh_tokens(),
              (std::vector<std::pair<std::string, std::string>>{{"alice", grant.refresh_token}}));

    TokenCheck check = c.issuer.check(grant.access_token);
    EXPECT_EQ(check.status, Status::active);
    EXPECT_EQ(check.user, "alice");
    EXPECT_EQ(check.expires_at, *c.now + 300s);
    *c.now += 299s;
    EXPECT_EQ(c.issuer.check(grant.access_token).status, Status::active);
    *c.now += 1s;
    check = c.issuer.check(grant.access_token);
    EXPECT_EQ(check.status, Status::expired);
    EXPECT_EQ(check.user, "alice");
    EXPECT_EQ(c.issuer.check("mft-at.unknown").status, Status::unknown);
}

TEST(Oauth2TokenIssuer, ExpiredTokensAreForgottenAfterAnHour) {
    Clocked c;
    c.issuer.add_user("alice");
    const std::string old_token = c.issuer.issue_for("alice")->access_token;
    *c.now += 300s + 1h + 1s;
    static_cast<void>(c.issuer.issue_for("alice"));
    EXPECT_EQ(c.issuer.check(old_token).status, Status::unknown);
}

TEST(Oauth2TokenIssuer, ZeroLifetimeTokensAreExpiredAtOnce) {
    IssuerOptions options;
    options.access_token_lifetime = 0s;
    Clocked c(options);
    c.issuer.add_user("alice");
    const auto grant = c.issuer.issue_for("alice");
    ASSERT_TRUE(grant);
    EXPECT_TRUE(grant->refresh_token.empty());
    EXPECT_EQ(c.issuer.check(grant->access_token).status, Status::expired);
    EXPECT_FALSE(c.issuer.issue_for("mallory"));
}

TEST(Oauth2TokenIssuer, ChecksTheClientBeforeTheGrant) {
    IssuerOptions options;
    options.client_secret = "s3cret";
    Clocked c(options);
    const std::string refresh = c.issuer.add_user("alice");
    EXPECT_EQ(c.issuer.refresh(refresh, "other", "s3cret").error, GrantError::invalid_client);
    EXPECT_EQ(c.issuer.refresh(refresh, "mailferry-test", std::nullopt).error,
              GrantError::invalid_client);
    EXPECT_EQ(c.issuer.refresh(refresh, "mailferry-test", "wrong").error,
              GrantError::invalid_client);
    // A refused client did not spend the refresh token.
    EXPECT_EQ(c.issuer.refresh(refresh, "mailferry-test", "s3cret").error, GrantError::none);
}

TEST(Oauth2TokenIssuer, AddingAUserAgainReplacesItsRefreshToken) {
    Clocked c;
    const std::string first = c.issuer.add_user("alice");
    const std::string second = c.issuer.add_user("alice");
    EXPECT_EQ(c.issuer.refresh(first, "mailferry-test", std::nullopt).error,
              GrantError::invalid_grant);
    EXPECT_EQ(c.issuer.refresh_tokens().size(), 1U);
    EXPECT_EQ(c.issuer.refresh(second, "mailferry-test", std::nullopt).error, GrantError::none);
}

}  // namespace
