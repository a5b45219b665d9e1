// The test server's OAuth2 authorization server over real HTTP (a Beast
// client on 127.0.0.1): the refresh_token grant with rotation, RFC 7662
// introspection as Dovecot's oauth2 passdb reads it, and RFC 6749 §5.2
// errors.

#include "tests/engine/oauth2_server_fixture.hpp"

#include <gtest/gtest.h>

namespace {

using mailferry::test::HttpAnswer;
using mailferry::test::OAuth2Server;
using namespace std::chrono_literals;

std::string refresh_form(const std::string& refresh_token) {
    return "grant_type=refresh_token&refresh_token=" + refresh_token + "&client_id=mailferry-test";
}

TEST(OAuth2IssuerHttp, RefreshIssuesABearerTokenAndRotatesTheRefreshToken) {
    OAuth2Server server;
    const std::string first = server.refresh_token("alice");
    ASSERT_FALSE(first.empty());
    const HttpAnswer answer = server.post("/token", refresh_form(first));
    ASSERT_EQ(answer.status, 200U) << answer.body.dump();
    EXPECT_EQ(answer.body["token_type"], "Bearer");
    EXPECT_EQ(answer.body["expires_in"], 300);
    const std::string access = answer.body["access_token"];
    const std::string second = answer.body["refresh_token"];
    EXPECT_FALSE(access.empty());
    EXPECT_NE(second, first);
    EXPECT_EQ(server.refresh_token("alice"), second);

    // The spent refresh token is refused; the new one works once.
    const HttpAnswer reused = server.post("/token", refresh_form(first));
    EXPECT_EQ(reused.status, 400U);
    EXPECT_EQ(reused.body["error"], "invalid_grant") << reused.body.dump();
    EXPECT_TRUE(reused.body.contains("error_description"));
    const HttpAnswer next = server.post("/token", refresh_form(second));
    EXPECT_EQ(next.status, 200U) << next.body.dump();
    EXPECT_NE(next.body["access_token"], access);
}

TEST(OAuth2IssuerHttp, IntrospectionSaysActiveUntilTheTokenExpires) {
    OAuth2Server server;
    const std::string token = server.access_token("bob");
    const HttpAnswer active = server.post("/introspect", "token=" + token);
    ASSERT_EQ(active.status, 200U);
    EXPECT_EQ(active.body["active"], true) << active.body.dump();
    EXPECT_EQ(active.body["username"], "bob");
    EXPECT_EQ(active.body["scope"], "mail");
    EXPECT_EQ(active.body["token_type"], "Bearer");
    EXPECT_EQ(active.body["exp"], server.now() + 300);

    server.advance(300s);
    const HttpAnswer expired = server.post("/introspect", "token=" + token);
    EXPECT_EQ(expired.status, 200U);
    EXPECT_EQ(expired.body, nlohmann::json::parse(R"({"active":false})"));

    const HttpAnswer unknown = server.post("/introspect", "token=mft-at.no-such-token");
    EXPECT_EQ(unknown.body, nlohmann::json::parse(R"({"active":false})"));
}

TEST(OAuth2IssuerHttp, FormValuesArePercentDecoded) {
    OAuth2Server server;
    // '.' and '_' of the token percent-encoded, as some HTTP clients send them.
    std::string encoded;
    for (const char c : server.refresh_token("alice")) {
        encoded += c == '.'   ? std::string("%2E")
                   : c == '_' ? std::string("%5f")
                              : std::string(1, c);
    }
    const HttpAnswer answer =
        server.post("/token", "grant_type=refresh_token&refresh_token=" + encoded +
                                  "&client_id=mailferry%2Dtest");
    EXPECT_EQ(answer.status, 200U) << answer.body.dump();
}

TEST(OAuth2IssuerHttp, ErrorsFollowRfc6749) {
    OAuth2Server server;
    const std::string refresh = server.refresh_token("alice");
    struct Case {
        std::string target, form, content_type;
        unsigned status;
        std::string error;
    };
    const std::string form_type = "application/x-www-form-urlencoded";
    const Case cases[] = {
        {"/token", "grant_type=password&username=alice&password=wonderland", form_type, 400,
         "unsupported_grant_type"},
        {"/token", "refresh_token=" + refresh + "&client_id=mailferry-test", form_type, 400,
         "invalid_request"},
        {"/token", "grant_type=refresh_token&client_id=mailferry-test", form_type, 400,
         "invalid_request"},
        {"/token", "grant_type=refresh_token&refresh_token=" + refresh + "&client_id=other",
         form_type, 401, "invalid_client"},
        {"/token", "grant_type=refresh_token&refresh_token=" + refresh, form_type, 401,
         "invalid_client"},
        {"/token", refresh_form(refresh), "application/json", 400, "invalid_request"},
        {"/token", refresh_form(refresh) + "&grant_type=refresh_token", form_type, 400,
         "invalid_request"},
        {"/token", "grant_type=refresh_token&refresh_token=%zz&client_id=mailferry-test", form_type,
         400, "invalid_request"},
        {"/introspect", "token_type_hint=access_token", form_type, 400, "invalid_request"},
        {"/authorize", "", form_type, 404, "not_found"},
    };
    for (const Case& c : cases) {
        const HttpAnswer answer = server.post(c.target, c.form, c.content_type);
        EXPECT_EQ(answer.status, c.status) << c.target << " " << c.form;
        EXPECT_EQ(answer.body.value("error", ""), c.error) << c.target << " " << c.form;
    }
    // None of the refused requests spent the refresh token.
    EXPECT_EQ(server.refresh_token("alice"), refresh);
}

}  // namespace
