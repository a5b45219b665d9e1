// imap::Client sessions against the in-process test server: login, TLS
// (STARTTLS and implicit, verified against the server's self-signed
// certificate), the plain-text policy, secrets kept out of the trace, and
// the failures a user meets (wrong password, BYE, hang-up, timeouts).

#include "tests/engine/imap_client_fixture.hpp"
#include "tests/support/protocol_trace.hpp"

#include "clients/net/plaintext_policy.hpp"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

namespace {

using namespace mailferry;
using namespace mailferry::test;
using namespace std::chrono_literals;
namespace imap = mailferry::imap;

TEST(ImapClient, LogsInOverPlainLoopbackAndLearnsCapabilities) {
    ImapClientServer server;
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(server.options());
        CO_REQUIRE(client, client.error().message);
        auto& c = **client;
        EXPECT_FALSE(c.is_tls());
        EXPECT_TRUE(c.has_capability("IMAP4rev1"));
        EXPECT_TRUE(c.has_capability("uidplus"));
        // Before login the server announces AUTH=PLAIN; after, it must not.
        EXPECT_FALSE(c.has_capability("AUTH=PLAIN"));
        EXPECT_TRUE(c.condstore_enabled());
        auto noop = co_await c.noop();
        EXPECT_TRUE(noop) << noop.error().message;
        co_await c.logout();
        EXPECT_FALSE(c.is_open());
    };
    run_coroutine(body);
}

TEST(ImapClient, WrongPasswordQuotesTheServersNo) {
    ImapClientServer server;
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(server.options("u", "wrong"));
        CO_REQUIRE(!client, "login with a wrong password succeeded");
        const imap::Error& e = client.error();
        EXPECT_EQ(e.code, imap::client_error::authentication_failed);
        EXPECT_EQ(e.step, "AUTHENTICATE PLAIN");
        EXPECT_EQ(e.response.rfind("NO ", 0), 0u) << e.response;
        EXPECT_NE(e.message.find("127.0.0.1:" + std::to_string(server.port()) +
                                 ": AUTHENTICATE PLAIN rejected: NO"),
                  std::string::npos)
            << e.message;
        EXPECT_EQ(e.message.find("wrong"), std::string::npos) << e.message;
    };
    run_coroutine(body);
}

// The server offers AUTH=PLAIN, which the client would pick by itself: only
// the trace tells whether the option was followed.
TEST(ImapClient, LoginCommandWhenAskedFor) {
    ImapClientServer server;
    std::ostringstream out;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
    auto logger = std::make_shared<spdlog::logger>("imap-login-test", sink);
    logger->set_level(spdlog::level::trace);
    auto body = [&]() -> asio::awaitable<void> {
        auto options = server.options("v", "q");
        options.auth = imap::AuthMechanism::login;
        options.logger = logger;
        auto client = co_await imap::Client::connect(options);
        CO_REQUIRE(client, client.error().message);
        co_await (*client)->logout();
    };
    run_coroutine(body);
    const std::string trace = out.str();
    EXPECT_NE(trace.find("C: A0001 LOGIN <redacted>"), std::string::npos) << trace;
    EXPECT_NE(trace.find("S: A0001 OK"), std::string::npos) << trace;
    EXPECT_EQ(trace.find("AUTHENTICATE"), std::string::npos) << trace;
    EXPECT_EQ(trace.find("\"q\""), std::string::npos) << trace;
}

TEST(ImapClient, StartTlsVerifiedAgainstTheServersCertificate) {
    ImapClientServer server({.tls = true, .faults = {}});
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(server.options());
        CO_REQUIRE(client, client.error().message);
        EXPECT_TRUE((*client)->is_tls());
        // Capabilities were re-read after TLS: STARTTLS is no longer offered.
        EXPECT_FALSE((*client)->has_capability("STARTTLS"));
        co_await (*client)->logout();
    };
    run_coroutine(body);
}

TEST(ImapClient, StartTlsWithUntrustedCertificateFailsBeforeLogin) {
    ImapClientServer server({.tls = true, .faults = {}});
    auto body = [&]() -> asio::awaitable<void> {
        auto options = server.options();
        options.tls_context.reset();  // system store only: the self-signed cert is unknown
        auto client = co_await imap::Client::connect(options);
        CO_REQUIRE(!client, "connected despite an untrusted certificate");
        EXPECT_EQ(client.error().code, net::error::certificate_untrusted);
        EXPECT_EQ(client.error().step, "STARTTLS");
        EXPECT_NE(client.error().message.find("--ca-file"), std::string::npos)
            << client.error().message;
    };
    run_coroutine(body);
}

TEST(ImapClient, ImplicitTls) {
    ImapClientServer server({.tls = true, .faults = {}});
    auto body = [&]() -> asio::awaitable<void> {
        auto options = server.options();
        options.port = server.port(true);
        options.implicit_tls = true;
        auto client = co_await imap::Client::connect(options);
        CO_REQUIRE(client, client.error().message);
        EXPECT_TRUE((*client)->is_tls());
        co_await (*client)->logout();
    };
    run_coroutine(body);
}

TEST(ImapClientPolicy, StartTlsRequiredUnlessLoopbackOrAllowed) {
    EXPECT_TRUE(imap::starttls_required(false, false));
    EXPECT_FALSE(imap::starttls_required(true, false));
    EXPECT_FALSE(imap::starttls_required(false, true));
    const asio::ip::tcp::endpoint remote(asio::ip::make_address("192.0.2.7"), 143);
    const asio::ip::tcp::endpoint loopback(asio::ip::make_address("127.0.0.1"), 143);
    EXPECT_FALSE(net::may_send_password(false, remote, false));
    EXPECT_TRUE(net::may_send_password(true, remote, false));
    EXPECT_TRUE(net::may_send_password(false, loopback, false));
    EXPECT_TRUE(net::may_send_password(false, remote, true));
}

TEST(ImapClient, TraceShowsCommandsButNeverTheCredentials) {
    ImapClientServer server;
    std::ostringstream out;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
    auto logger = std::make_shared<spdlog::logger>("imap-trace-test", sink);
    logger->set_level(spdlog::level::trace);
    auto body = [&]() -> asio::awaitable<void> {
        auto options = server.options("u", "p");
        options.logger = logger;
        auto client = co_await imap::Client::connect(options);
        CO_REQUIRE(client, client.error().message);
        co_await (*client)->logout();
    };
    run_coroutine(body);
    const std::string trace = out.str();
    EXPECT_NE(trace.find("C: A0001 AUTHENTICATE PLAIN <redacted>"), std::string::npos) << trace;
    EXPECT_NE(trace.find("S: A0001 OK"), std::string::npos) << trace;
    EXPECT_NE(trace.find("LOGOUT"), std::string::npos) << trace;
    // base64("\0u\0p") is "AHUAcA==".
    EXPECT_EQ(trace.find("AHUAcA=="), std::string::npos) << trace;
}

// After login ENABLE and ID share one round trip (RFC 5161 §3.1 allows
// pipelining ENABLE): ID is sent before ENABLE's answer is read, and what
// ENABLE turned on still counts.
TEST(ImapClient, EnableAndIdTakeOneRoundTrip) {
    ImapClientServer server;
    ProtocolTrace trace;
    bool condstore = false;
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(server.options());
        CO_REQUIRE(client, client.error().message);
        condstore = (*client)->condstore_enabled();
        co_await (*client)->logout();
    };
    run_coroutine(body);
    const std::size_t enable = trace.position_of(server.port(), "A0002 ENABLE");
    const std::size_t id = trace.position_of(server.port(), "A0003 ID (");
    const std::size_t enabled = trace.position_of(server.port(), "A0002 OK", enable, "S: ");
    const auto exchange = ::testing::PrintToString(trace.exchange_with(server.port()));
    ASSERT_NE(enable, std::string::npos) << exchange;
    ASSERT_NE(id, std::string::npos) << exchange;
    ASSERT_NE(enabled, std::string::npos) << exchange;
    EXPECT_LT(enable, id) << exchange;
    EXPECT_LT(id, enabled) << "ID waited for ENABLE's answer: " << exchange;
    EXPECT_TRUE(condstore) << "ENABLE's answer was taken";
}

TEST(ImapClientFaults, ByeDuringFetchNamesTheBye) {
    ImapClientServer server({.tls = false, .faults = "bye-in-fetch=1"});
    server.seed("u", "INBOX", {{make_message("a", 300), {}, {}}, {make_message("b", 300), {}, {}}});
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(server.options());
        CO_REQUIRE(client, client.error().message);
        auto selected = co_await (*client)->select("INBOX", true);
        CO_REQUIRE(selected, selected.error().message);
        struct Count final : net::BodySink {
            asio::awaitable<boost::system::error_code> begin(std::uint32_t,
                                                             std::uint64_t) override {
                ++messages;
                co_return boost::system::error_code();
            }
            asio::awaitable<boost::system::error_code> data(std::span<const char>) override {
                co_return boost::system::error_code();
            }
            asio::awaitable<boost::system::error_code> end() override {
                co_return boost::system::error_code();
            }
            int messages = 0;
        } sink;
        auto fetched = co_await (*client)->fetch_bodies("1:*", sink);
        CO_REQUIRE(!fetched, "fetch survived a BYE");
        EXPECT_EQ(fetched.error().code, imap::client_error::server_bye);
        EXPECT_EQ(fetched.error().response.rfind("* BYE", 0), 0u) << fetched.error().response;
        EXPECT_NE(fetched.error().message.find("during UID FETCH: * BYE"), std::string::npos)
            << fetched.error().message;
        EXPECT_EQ(sink.messages, 1);
        EXPECT_FALSE((*client)->is_open());
        auto again = co_await (*client)->noop();
        EXPECT_FALSE(again);
    };
    run_coroutine(body);
}

TEST(ImapClientFaults, HangUpIsConnectionClosed) {
    // AUTHENTICATE, ENABLE and ID are commands 1-3; the server drops the 4th.
    ImapClientServer server({.tls = false, .faults = "drop-after-commands=4"});
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(server.options());
        CO_REQUIRE(client, client.error().message);
        auto noop = co_await (*client)->noop();
        CO_REQUIRE(!noop, "NOOP answered on a dropped connection");
        EXPECT_EQ(noop.error().code, net::error::connection_closed);
        EXPECT_NE(noop.error().message.find("NOOP"), std::string::npos) << noop.error().message;
        // The session had begun: not a port of another protocol.
        EXPECT_NE(noop.error().message.find("ended a session it had accepted"), std::string::npos)
            << noop.error().message;
        EXPECT_EQ(noop.error().message.find("expected protocol"), std::string::npos)
            << noop.error().message;
    };
    run_coroutine(body);
}

TEST(ImapClientFaults, SlowServerTimesOutNamingTheStep) {
    ImapClientServer server({.tls = false, .faults = "delay-ms=400"});
    auto body = [&]() -> asio::awaitable<void> {
        auto options = server.options();
        options.timeouts.command = 100ms;
        auto client = co_await imap::Client::connect(options);
        CO_REQUIRE(!client, "connected despite a 100 ms deadline");
        EXPECT_EQ(client.error().code, net::error::timed_out);
        EXPECT_EQ(client.error().step, "AUTHENTICATE PLAIN");
        EXPECT_NE(client.error().message.find("AUTHENTICATE PLAIN: timed out"), std::string::npos)
            << client.error().message;
    };
    run_coroutine(body);
}

TEST(ImapClient, RefusedConnectionSaysSo) {
    std::uint16_t port = 0;
    {
        ImapClientServer server;
        port = server.port();
    }
    auto body = [&]() -> asio::awaitable<void> {
        imap::ClientOptions options;
        options.host = "127.0.0.1";
        options.port = port;
        options.user = "u";
        options.password = "p";
        auto client = co_await imap::Client::connect(options);
        CO_REQUIRE(!client, "connected to a closed port");
        EXPECT_EQ(client.error().code, net::error::connection_refused);
    };
    run_coroutine(body);
}

}  // namespace
