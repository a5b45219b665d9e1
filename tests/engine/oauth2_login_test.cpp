// The real IMAP and POP3 clients' OAuth2 logins against the test server with
// oauth2 users: tokens from the issuer's POST /token log in with OAUTHBEARER
// and XOAUTH2 (with and without SASL-IR); an expired, unknown or foreign
// token gets the RFC 7628 §3.2.2 failure challenge, which the client
// answers, parses and quotes in its error.

#include "clients/pop3/client.hpp"
#include "tests/engine/imap_client_fixture.hpp"
#include "tests/engine/oauth2_server_fixture.hpp"

#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <set>
#include <sstream>

namespace {

using namespace mailferry;
using namespace mailferry::test;
namespace imap = mailferry::imap;
namespace pop3 = mailferry::pop3;
using namespace std::chrono_literals;

// The failure challenge as the server sends it: base64 of
// {"status":"401","schemes":"bearer","scope":"mail"}.
const std::string failure_challenge =
    "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJtYWlsIn0=";
const std::string failure_text = R"(status 401, schemes "bearer", scope "mail")";

std::shared_ptr<spdlog::logger> trace_logger(std::ostringstream& out) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
    auto logger = std::make_shared<spdlog::logger>("oauth2-login-test", sink);
    logger->set_level(spdlog::level::trace);
    return logger;
}

imap::ClientOptions imap_options(const OAuth2Server& server, const std::string& user,
                                 std::string token, imap::AuthMechanism auth,
                                 std::ostringstream& trace) {
    imap::ClientOptions o =
        loopback_client_options(server.port(ts::Protocol::imap), user, std::move(token));
    o.auth = auth;
    o.logger = trace_logger(trace);
    return o;
}

std::string mechanism_name(imap::AuthMechanism auth) {
    return auth == imap::AuthMechanism::xoauth2 ? "XOAUTH2" : "OAUTHBEARER";
}

TEST(ImapOAuth2, TokenFromTheIssuerLogsInWithEitherMechanism) {
    for (const bool sasl_ir : {true, false}) {
        OAuth2Server server(sasl_ir ? std::set<std::string>{} : std::set<std::string>{"SASL-IR"});
        for (const auto auth : {imap::AuthMechanism::oauthbearer, imap::AuthMechanism::xoauth2,
                                imap::AuthMechanism::oauth2}) {
            std::ostringstream trace;
            const std::string token = server.access_token("alice");
            auto body = [&]() -> asio::awaitable<void> {
                auto client = co_await imap::Client::connect(
                    imap_options(server, "alice", token, auth, trace));
                CO_REQUIRE(client, client.error().message);
                auto state = co_await (*client)->select("INBOX", true);
                EXPECT_TRUE(state) << state.error().message;
                co_await (*client)->logout();
            };
            run_coroutine(body);
            const std::string log = trace.str();
            // oauth2 picks OAUTHBEARER, which the server offers next to XOAUTH2.
            EXPECT_NE(log.find("AUTHENTICATE " + mechanism_name(auth)), std::string::npos) << log;
            EXPECT_NE(log.find("AUTH=OAUTHBEARER AUTH=XOAUTH2"), std::string::npos) << log;
            EXPECT_EQ(log.find(token), std::string::npos) << log;
        }
    }
}

TEST(ImapOAuth2, ExpiredTokenFailsWithTheFailureJsonInTheError) {
    for (const bool sasl_ir : {true, false}) {
        OAuth2Server server(sasl_ir ? std::set<std::string>{} : std::set<std::string>{"SASL-IR"});
        for (const auto auth : {imap::AuthMechanism::oauthbearer, imap::AuthMechanism::xoauth2}) {
            const std::string token = server.access_token("alice");
            server.advance(300s);
            std::ostringstream trace;
            auto body = [&]() -> asio::awaitable<void> {
                auto client = co_await imap::Client::connect(
                    imap_options(server, "alice", token, auth, trace));
                CO_REQUIRE(!client, "login with an expired token succeeded");
                const imap::Error& e = client.error();
                EXPECT_EQ(e.code, imap::client_error::authentication_failed);
                EXPECT_EQ(e.step, "AUTHENTICATE " + mechanism_name(auth));
                EXPECT_EQ(e.response, "NO [AUTHENTICATIONFAILED] Expired token");
                EXPECT_NE(e.message.find(failure_text), std::string::npos) << e.message;
                EXPECT_EQ(e.message.find(token), std::string::npos) << e.message;
            };
            run_coroutine(body);
            const std::string log = trace.str();
            EXPECT_NE(log.find("+ " + failure_challenge), std::string::npos) << log;
            EXPECT_EQ(log.find("BAD"), std::string::npos) << log;
        }
    }
}

TEST(ImapOAuth2, UnknownOrForeignTokenIsRefused) {
    OAuth2Server server;
    const std::string bobs = server.access_token("bob");
    const std::pair<std::string, std::string> cases[] = {
        {"mft-at.not-issued", "NO [AUTHENTICATIONFAILED] Invalid token"},
        {bobs, "NO [AUTHENTICATIONFAILED] Token was issued for another user"},
    };
    for (const auto& [token, response] : cases) {
        std::ostringstream trace;
        auto body = [&]() -> asio::awaitable<void> {
            auto client = co_await imap::Client::connect(
                imap_options(server, "alice", token, imap::AuthMechanism::oauthbearer, trace));
            CO_REQUIRE(!client, "login with a wrong token succeeded");
            EXPECT_EQ(client.error().response, response);
            EXPECT_NE(client.error().message.find(failure_text), std::string::npos)
                << client.error().message;
        };
        run_coroutine(body);
    }
    // bob's token works for bob, whom the server created for --oauth2-user.
    std::ostringstream trace;
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(
            imap_options(server, "bob", bobs, imap::AuthMechanism::oauthbearer, trace));
        CO_REQUIRE(client, client.error().message);
        co_await (*client)->logout();
    };
    run_coroutine(body);
}

TEST(ImapOAuth2, PasswordIsNotABearerTokenOnceTheIssuerIsOn) {
    OAuth2Server server;
    std::ostringstream trace;
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(
            imap_options(server, "alice", "wonderland", imap::AuthMechanism::xoauth2, trace));
        CO_REQUIRE(!client, "the password was taken as a token");
        EXPECT_EQ(client.error().code, imap::client_error::authentication_failed);
    };
    run_coroutine(body);
}

pop3::ClientOptions pop3_options(const OAuth2Server& server, std::optional<pop3::LoginMethod> m) {
    pop3::ClientOptions o;
    o.host = "127.0.0.1";
    o.port = server.port(ts::Protocol::pop3);
    o.oauth2 = true;
    o.login_method = m;
    o.command_timeout = 10s;
    o.connect_timeout = 10s;
    return o;
}

TEST(Pop3OAuth2, TokenFromTheIssuerLogsInWithEitherMechanism) {
    OAuth2Server server;
    const std::optional<pop3::LoginMethod> methods[] = {pop3::LoginMethod::oauthbearer,
                                                        pop3::LoginMethod::xoauth2, std::nullopt};
    for (const auto& method : methods) {
        const std::string token = server.access_token("alice");
        auto body = [&]() -> asio::awaitable<void> {
            auto client = co_await pop3::Client::connect(pop3_options(server, method));
            CO_REQUIRE(client, client.error().message);
            EXPECT_TRUE(client->capabilities().has_sasl("OAUTHBEARER"));
            EXPECT_TRUE(client->capabilities().has_sasl("XOAUTH2"));
            auto used = co_await client->login("alice", token);
            CO_REQUIRE(used, used.error().message);
            // Without a forced method, oauth2 prefers OAUTHBEARER.
            EXPECT_EQ(*used, method.value_or(pop3::LoginMethod::oauthbearer));
            auto stat = co_await client->stat();
            EXPECT_TRUE(stat) << stat.error().message;
            static_cast<void>(co_await client->quit());
        };
        run_coroutine(body);
    }
}

TEST(Pop3OAuth2, ExpiredTokenFailsWithTheFailureJsonInTheError) {
    OAuth2Server server;
    for (const auto method : {pop3::LoginMethod::oauthbearer, pop3::LoginMethod::xoauth2}) {
        const std::string token = server.access_token("alice");
        server.advance(300s);
        auto body = [&]() -> asio::awaitable<void> {
            auto client = co_await pop3::Client::connect(pop3_options(server, method));
            CO_REQUIRE(client, client.error().message);
            auto used = co_await client->login("alice", token);
            CO_REQUIRE(!used, "login with an expired token succeeded");
            const pop3::ClientError& e = used.error();
            EXPECT_EQ(e.code, pop3::client_error::auth_failed) << e.message;
            EXPECT_EQ(e.response, "-ERR [AUTH] Expired token");
            EXPECT_NE(e.message.find(failure_text), std::string::npos) << e.message;
            EXPECT_EQ(e.message.find(token), std::string::npos) << e.message;
        };
        run_coroutine(body);
    }
}

}  // namespace
