// The token endpoint's answers, the access token cache, the token URL and
// the form: the pure parts of OAuth2 logins from a refresh-token file.

#include "cli/oauth2/access_token_cache.hpp"
#include "cli/oauth2/refresh_token_source.hpp"
#include "cli/oauth2/token_exchange.hpp"
#include "cli/oauth2/token_response.hpp"
#include "cli/oauth2/token_url.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace {

using namespace mailferry::cli::oauth2;
using namespace std::chrono_literals;
using testing::HasSubstr;
using testing::Not;

TEST(OAuth2TokenResponse, ASuccessGivesTheTokenItsLifetimeAndTheRotatedRefreshToken) {
    auto grant = parse_token_response(
        200, R"({"access_token":"at-1","token_type":"Bearer","expires_in":3599,)"
             R"("refresh_token":"rt-2","scope":"mail"})");
    ASSERT_TRUE(grant);
    EXPECT_EQ(grant->access_token, "at-1");
    EXPECT_EQ(grant->expires_in, 3599s);
    EXPECT_EQ(grant->refresh_token, "rt-2");

    auto minimal = parse_token_response(200, R"({"access_token":"at","expires_in":"60"})");
    ASSERT_TRUE(minimal);
    EXPECT_EQ(minimal->expires_in, 60s) << "a string of digits, as some providers send";
    EXPECT_FALSE(minimal->refresh_token) << "no rotation";
    auto no_expiry = parse_token_response(200, R"({"access_token":"at","token_type":"bearer"})");
    ASSERT_TRUE(no_expiry);
    EXPECT_FALSE(no_expiry->expires_in);
}

TEST(OAuth2TokenResponse, AnErrorAnswerNamesTheErrorAndSaysWhatToDo) {
    auto refused = parse_token_response(
        400,
        R"({"error":"invalid_grant","error_description":"Token has been expired or revoked."})");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().error, "invalid_grant");
    EXPECT_EQ(refused.error().http_status, 400u);
    const std::string message =
        refusal_message(refused.error(), "https://oauth2.googleapis.com/token", "gmail.toml");
    EXPECT_EQ(message,
              "the OAuth2 token endpoint https://oauth2.googleapis.com/token answered "
              "invalid_grant (HTTP 400: Token has been expired or revoked.); the refresh token "
              "in gmail.toml was revoked or has expired: obtain a new one from the provider and "
              "put it in gmail.toml as refresh_token");

    auto client = parse_token_response(401, R"({"error":"invalid_client"})");
    ASSERT_FALSE(client);
    EXPECT_THAT(refusal_message(client.error(), "https://x/t", "f.toml"),
                HasSubstr("answered invalid_client (HTTP 401); check client_id and "
                          "client_secret in f.toml"));
}

TEST(OAuth2TokenResponse, BadAnswersAreRefusedWithoutQuotingThem) {
    for (const auto& [status, body] : std::vector<std::pair<unsigned, std::string>>{
             {200, "<html>secret-page</html>"},
             {200, "[\"secret-page\"]"},
             {200, R"({"token_type":"Bearer","secret-page":1})"},
             {200, R"({"access_token":"","secret-page":1})"},
             {200, R"({"access_token":"secret-page","token_type":"mac"})"},
             {200, R"({"access_token":"secret-page","expires_in":-5})"},
             {200, R"({"access_token":"secret-page","refresh_token":7})"},
             {502, R"({"secret-page":true})"}}) {
        auto answer = parse_token_response(status, body);
        ASSERT_FALSE(answer) << body;
        EXPECT_TRUE(answer.error().error.empty()) << body;
        EXPECT_FALSE(answer.error().description.empty()) << body;
        EXPECT_THAT(refusal_message(answer.error(), "https://x/t", "f"),
                    Not(HasSubstr("secret-page")))
            << body;
    }
    EXPECT_THAT(parse_token_response(200, "not json").error().description,
                HasSubstr("not a JSON object"));
    EXPECT_THAT(parse_token_response(200, R"({"expires_in":3600})").error().description,
                HasSubstr("no access_token"));
}

TEST(OAuth2AccessTokenCache, ReusesATokenUntilAMinuteBeforeItExpires) {
    const AccessTokenCache::Clock::time_point t0{};
    AccessTokenCache cache;
    EXPECT_FALSE(cache.usable(t0));
    cache.remember("at-1", 300s, t0);
    EXPECT_EQ(cache.usable(t0), "at-1");
    EXPECT_EQ(cache.usable(t0 + 239s), "at-1");
    EXPECT_FALSE(cache.usable(t0 + 240s)) << "less than a minute left: a new one";
    EXPECT_FALSE(cache.usable(t0 + 301s));
}

TEST(OAuth2AccessTokenCache, ShortLivedOrUndatedTokensAreForOneLogin) {
    const AccessTokenCache::Clock::time_point t0{};
    AccessTokenCache cache;
    cache.remember("at-1", 60s, t0);
    EXPECT_FALSE(cache.usable(t0));
    cache.remember("at-2", std::nullopt, t0);
    EXPECT_FALSE(cache.usable(t0));
}

TEST(OAuth2AccessTokenCache, ARefusedTokenIsNotGivenAgain) {
    const AccessTokenCache::Clock::time_point t0{};
    AccessTokenCache cache;
    cache.remember("at-1", 3600s, t0);
    cache.forget("at-0");
    EXPECT_EQ(cache.usable(t0), "at-1") << "another connection already got a newer one";
    cache.forget("at-1");
    EXPECT_FALSE(cache.usable(t0));
}

TEST(OAuth2TokenUrl, SplitsWhatTheRequestNeeds) {
    auto url = parse_token_url("HTTPS://login.example.com:8443/oauth2/v2.0/token?x=1#frag");
    ASSERT_TRUE(url) << url.error();
    EXPECT_TRUE(url->https);
    EXPECT_EQ(url->host, "login.example.com");
    EXPECT_EQ(url->port, "8443");
    EXPECT_EQ(url->target, "/oauth2/v2.0/token?x=1");
    EXPECT_EQ(url->host_header(), "login.example.com:8443");
    auto v6 = parse_token_url("http://[::1]/token");
    ASSERT_TRUE(v6) << v6.error();
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->port, "80");
    EXPECT_EQ(v6->host_header(), "[::1]");
    EXPECT_EQ(parse_token_url("https://example.com")->target, "/");
    EXPECT_FALSE(parse_token_url("https://user:pw@example.com/t"));
    EXPECT_FALSE(parse_token_url("https:///t"));
    EXPECT_FALSE(parse_token_url("http://10.0.0.1/t"));
    EXPECT_FALSE(parse_token_url("http://localhost.example.com/t"));
}

TEST(OAuth2Form, EncodesEveryReservedOctet) {
    EXPECT_EQ(form_encode({{"grant_type", "refresh_token"}, {"refresh_token", "1//a+b=c&d e~"}}),
              "grant_type=refresh_token&refresh_token=1%2F%2Fa%2Bb%3Dc%26d%20e~");
}

TEST(OAuth2Secrets, AreRedactedFromMessages) {
    EXPECT_EQ(without_secrets("bad token rt-1 (rt-1), client s", {"rt-1", "", "client"}),
              "bad token [redacted] ([redacted]), [redacted] s");
}

}  // namespace
