// imap::Client's XOAUTH2 login (AuthMechanism::xoauth2) against the test
// server, whose AUTHENTICATE XOAUTH2 accepts a token equal to the user's
// password and answers any other with an RFC 7628 §3.2.2-style JSON error
// challenge, then NO after the client's empty response.

#include "tests/engine/imap_client_fixture.hpp"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <set>
#include <sstream>

namespace {

using namespace mailferry;
using namespace mailferry::test;
namespace imap = mailferry::imap;

const std::string token = "ya29.a0-test-access-token";

class TokenServer {
  public:
    explicit TokenServer(std::set<std::string> hidden = {}) {
        ts::ServerOptions options;
        options.listeners.push_back(
            ts::ListenerSpec::parse(ts::Protocol::imap, false, "127.0.0.1:0"));
        options.users = {{"alice@example.org", token}};
        options.limits.disabled_capabilities = std::move(hidden);
        server_ = std::make_unique<ts::TestServerThread>(std::move(options));
    }

    imap::ClientOptions options(std::string access_token,
                                imap::AuthMechanism auth = imap::AuthMechanism::xoauth2) {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(trace);
        auto logger = std::make_shared<spdlog::logger>("imap-xoauth2-test", sink);
        logger->set_level(spdlog::level::trace);
        imap::ClientOptions o = loopback_client_options(
            server_->port(ts::Protocol::imap), "alice@example.org", std::move(access_token));
        o.auth = auth;
        o.logger = std::move(logger);
        return o;
    }

    std::ostringstream trace;

  private:
    std::unique_ptr<ts::TestServerThread> server_;
};

void logs_in(TokenServer& server) {
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(server.options(token));
        CO_REQUIRE(client, client.error().message);
        auto state = co_await (*client)->select("INBOX", true);
        EXPECT_TRUE(state) << state.error().message;
        co_await (*client)->logout();
    };
    run_coroutine(body);
    const std::string log = server.trace.str();
    EXPECT_NE(log.find("AUTHENTICATE XOAUTH2"), std::string::npos) << log;
    EXPECT_EQ(log.find(token), std::string::npos) << log;
    EXPECT_EQ(log.find(" LOGIN "), std::string::npos) << log;
}

TEST(ImapClientXoauth2, LogsInWithTheTokenAsInitialResponse) {
    TokenServer server;
    logs_in(server);
    EXPECT_NE(server.trace.str().find("AUTHENTICATE XOAUTH2 <redacted>"), std::string::npos)
        << server.trace.str();
}

TEST(ImapClientXoauth2, LogsInWithoutSaslIr) {
    TokenServer server({"SASL-IR"});
    logs_in(server);
    // RFC 3501 §6.2.2: the initial response answers the server's empty "+".
    EXPECT_EQ(server.trace.str().find("AUTHENTICATE XOAUTH2 <redacted>"), std::string::npos)
        << server.trace.str();
}

TEST(ImapClientXoauth2, WrongTokenIsAnAuthenticationErrorWithTheServersText) {
    for (const bool sasl_ir : {true, false}) {
        TokenServer server(sasl_ir ? std::set<std::string>{} : std::set<std::string>{"SASL-IR"});
        auto body = [&]() -> asio::awaitable<void> {
            auto client = co_await imap::Client::connect(server.options("ya29.expired"));
            CO_REQUIRE(!client, "login with a wrong token succeeded");
            const imap::Error& e = client.error();
            EXPECT_EQ(e.code, imap::client_error::authentication_failed);
            EXPECT_EQ(e.step, "AUTHENTICATE XOAUTH2");
            EXPECT_EQ(e.response, "NO [AUTHENTICATIONFAILED] Invalid or expired token");
            EXPECT_NE(e.message.find("AUTHENTICATE XOAUTH2 rejected: NO [AUTHENTICATIONFAILED] "
                                     "Invalid or expired token"),
                      std::string::npos)
                << e.message;
            EXPECT_EQ(e.message.find("ya29"), std::string::npos) << e.message;
        };
        run_coroutine(body);
        // The JSON error came as a challenge (RFC 7628 §3.2.2) and was
        // answered before the NO.
        const std::string log = server.trace.str();
        EXPECT_NE(log.find("+ eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NoZW1lcyI6ImJlYXJlciJ9"),
                  std::string::npos)
            << log;
        EXPECT_EQ(log.find("BAD"), std::string::npos) << log;
    }
}

// The client's trace log shows every line it sent; after a refusal none
// of them may be an authentication attempt.
void expect_no_login_attempt(const std::string& log) {
    EXPECT_EQ(log.find("AUTHENTICATE"), std::string::npos) << log;
    EXPECT_EQ(log.find(" LOGIN "), std::string::npos) << log;
    EXPECT_EQ(log.find(token), std::string::npos) << log;
}

TEST(ImapClientXoauth2, MechanismNotOfferedIsRefusedBeforeSendingAnything) {
    TokenServer server({"AUTH=XOAUTH2"});
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(server.options(token));
        CO_REQUIRE(!client, "XOAUTH2 accepted while not offered");
        const imap::Error& e = client.error();
        EXPECT_EQ(e.code, imap::client_error::no_usable_mechanism);
        EXPECT_EQ(e.step, "AUTHENTICATE XOAUTH2");
        EXPECT_TRUE(e.response.empty()) << "the server was asked nothing: " << e.response;
        EXPECT_NE(e.message.find("the server does not offer XOAUTH2"), std::string::npos)
            << e.message;
        EXPECT_NE(e.message.find("log in with a password"), std::string::npos) << e.message;
        EXPECT_EQ(e.message.find(token), std::string::npos) << e.message;
    };
    run_coroutine(body);
    const std::string log = server.trace.str();
    EXPECT_NE(log.find("CAPABILITY"), std::string::npos) << log;
    expect_no_login_attempt(log);
}

TEST(ImapClientXoauth2, ExplicitSaslMechanismsNotOfferedAreRefusedToo) {
    struct Case {
        imap::AuthMechanism auth;
        std::set<std::string> hidden;
        std::string step, detail;
    };
    // The test server never offers AUTH=LOGIN.
    const Case cases[] = {
        {imap::AuthMechanism::plain,
         {"AUTH=PLAIN"},
         "AUTHENTICATE PLAIN",
         "the server does not offer AUTH=PLAIN"},
        {imap::AuthMechanism::sasl_login,
         {},
         "AUTHENTICATE LOGIN",
         "the server does not offer AUTH=LOGIN"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.step);
        TokenServer server(c.hidden);
        auto body = [&]() -> asio::awaitable<void> {
            auto client = co_await imap::Client::connect(server.options(token, c.auth));
            CO_REQUIRE(!client, "a mechanism that is not offered was used");
            EXPECT_EQ(client.error().code, imap::client_error::no_usable_mechanism);
            EXPECT_EQ(client.error().step, c.step);
            EXPECT_NE(client.error().message.find(c.detail), std::string::npos)
                << client.error().message;
        };
        run_coroutine(body);
        expect_no_login_attempt(server.trace.str());
    }
}

TEST(ImapClientXoauth2, AutomaticChoiceStillFallsBackToLoginWithoutAuthPlain) {
    TokenServer server({"AUTH=PLAIN"});
    auto body = [&]() -> asio::awaitable<void> {
        auto client =
            co_await imap::Client::connect(server.options(token, imap::AuthMechanism::automatic));
        CO_REQUIRE(client, client.error().message);
        co_await (*client)->logout();
    };
    run_coroutine(body);
    // RFC 3501 §6.2.3: LOGIN needs no AUTH= capability, only no LOGINDISABLED.
    EXPECT_NE(server.trace.str().find(" LOGIN <redacted>"), std::string::npos)
        << server.trace.str();
}

}  // namespace
