// The token endpoint as a pure function of a parsed HTTP request: routes,
// methods, headers and the JSON of each answer.

#include "contrib/testserver/oauth2/token_endpoint.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

namespace {

using namespace mailferry::testserver::oauth2;
using namespace std::chrono_literals;
namespace http = boost::beast::http;

HttpRequest form_request(http::verb verb, std::string target, std::string body) {
    HttpRequest request(verb, target, 11);
    request.set(http::field::content_type, "application/x-www-form-urlencoded; charset=utf-8");
    request.body() = std::move(body);
    request.prepare_payload();
    return request;
}

struct Fixture {
    Fixture()
        : issuer({}, [] { return std::chrono::system_clock::time_point(1'700'000'000s); }),
          refresh(issuer.add_user("alice")) {}
    TokenIssuer issuer;
    std::string refresh;
};

TEST(Oauth2TokenEndpoint, TokenAnswerIsRfc6749Json) {
    Fixture f;
    const HttpResponse response =
        answer_token_request(form_request(http::verb::post, "/token",
                                          "grant_type=refresh_token&refresh_token=" + f.refresh +
                                              "&client_id=mailferry-test"),
                             f.issuer);
    EXPECT_EQ(response.result(), http::status::ok);
    EXPECT_EQ(response[http::field::content_type], "application/json");
    EXPECT_EQ(response[http::field::cache_control], "no-store");
    const auto json = nlohmann::json::parse(response.body());
    EXPECT_EQ(json["token_type"], "Bearer");
    EXPECT_EQ(json["expires_in"], 300);
    const std::string access = json["access_token"];
    EXPECT_EQ(f.issuer.check(access).status, TokenCheck::Status::active);
    EXPECT_EQ(json["refresh_token"], f.issuer.refresh_tokens().at(0).second);
}

TEST(Oauth2TokenEndpoint, IntrospectionAnswersAsDovecotExpects) {
    Fixture f;
    const std::string token = f.issuer.issue_for("alice")->access_token;
    HttpResponse response = answer_token_request(
        form_request(http::verb::post, "/introspect", "token=" + token), f.issuer);
    EXPECT_EQ(response.result(), http::status::ok);
    EXPECT_EQ(nlohmann::json::parse(response.body()),
              nlohmann::json::parse(R"({"active":true,"username":"alice","scope":"mail",)"
                                    R"("exp":1700000300,"token_type":"Bearer",)"
                                    R"("client_id":"mailferry-test"})"));
    response = answer_token_request(
        form_request(http::verb::post, "/introspect", "token=x&token_type_hint=access_token"),
        f.issuer);
    EXPECT_EQ(response.body(), R"({"active":false})");
}

TEST(Oauth2TokenEndpoint, OtherPathsAndMethodsAreRefused) {
    Fixture f;
    HttpResponse response =
        answer_token_request(form_request(http::verb::get, "/token", ""), f.issuer);
    EXPECT_EQ(response.result(), http::status::method_not_allowed);
    EXPECT_EQ(response[http::field::allow], "POST");
    response = answer_token_request(form_request(http::verb::post, "/", ""), f.issuer);
    EXPECT_EQ(response.result(), http::status::not_found);
    // A query string does not change the resource.
    response = answer_token_request(form_request(http::verb::post, "/introspect?x=1", "token=t"),
                                    f.issuer);
    EXPECT_EQ(response.result(), http::status::ok);
}

}  // namespace
