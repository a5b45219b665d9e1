// The POP3 client engine against the in-process test server
// (contrib/testserver/server.hpp) on 127.0.0.1:0, with real TLS on a
// certificate generated for the test: login methods, STLS and pop3s,
// listings, byte-exact RETR, DELE/QUIT semantics, pipelining, [IN-USE],
// injected disconnects and delays, and the redacted trace log.

#include "clients/net/error.hpp"
#include "clients/net/tls_client.hpp"
#include "clients/pop3/client.hpp"
#include "contrib/testserver/server.hpp"

#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <exception>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace net = mailferry::net;
namespace pop3 = mailferry::pop3;
namespace ts = mailferry::testserver;
using namespace std::chrono_literals;

// Collects each message's body by number.
class StringSink final : public pop3::RetrSink {
  public:
    asio::awaitable<boost::system::error_code> on_chunk(std::uint32_t number,
                                                        std::string_view chunk) override {
        bodies[number].append(chunk);
        ++chunks;
        co_return boost::system::error_code{};
    }
    asio::awaitable<boost::system::error_code> on_end(std::uint32_t number) override {
        ended.push_back(number);
        co_return boost::system::error_code{};
    }
    std::map<std::uint32_t, std::string> bodies;
    std::vector<std::uint32_t> ended;
    int chunks = 0;
};

ts::ServerOptions server_options(ts::FaultPlan faults = {}) {
    ts::ServerOptions o;
    o.listeners.push_back(ts::ListenerSpec::parse(ts::Protocol::pop3, false, "127.0.0.1:0"));
    o.listeners.push_back(ts::ListenerSpec::parse(ts::Protocol::pop3, true, "127.0.0.1:0"));
    o.tls_self_signed = true;
    o.users = {{"alice", "wonderland"}, {"bob", "builder"}};
    o.faults = faults;
    return o;
}

class Pop3Client : public ::testing::Test {
  protected:
    void start(ts::FaultPlan faults = {}) {
        server_ = std::make_unique<ts::TestServerThread>(server_options(faults));
        const auto& cert = server_->server().self_signed_certificate();
        ASSERT_TRUE(cert.has_value());
        std::ofstream(dir_ / "ca.pem") << cert->certificate_pem;
    }
    void SetUp() override { start(); }

    void deliver(const std::vector<std::string>& bodies, const std::string& user = "alice") {
        server_->call([&](ts::TestServer& s) {
            std::vector<ts::MailStore::NewMessage> messages;
            for (const auto& b : bodies) {
                messages.push_back({b, {}, std::nullopt});
            }
            EXPECT_EQ(s.store().append(user, "INBOX", std::move(messages)).error,
                      ts::StoreError::ok);
        });
    }
    std::size_t inbox_size(const std::string& user = "alice") {
        return server_->call(
            [&](ts::TestServer& s) { return s.store().messages(user, "INBOX").size(); });
    }

    pop3::ClientOptions options(bool implicit_tls = false, bool trust = true) {
        pop3::ClientOptions o;
        o.host = "127.0.0.1";
        o.port = server_->port(ts::Protocol::pop3, implicit_tls);
        o.implicit_tls = implicit_tls;
        net::TlsClientOptions tls;
        if (trust) {
            tls.ca_file = (dir_ / "ca.pem").string();
        }
        auto ctx = net::make_client_tls_context(tls);
        EXPECT_TRUE(ctx);
        o.tls_context = *ctx;
        o.command_timeout = 10s;
        return o;
    }

    // Runs `op` on io_ until it completes (bounded by 30 s).
    template <typename T>
    T run(asio::awaitable<T> op) {
        std::optional<T> out;
        std::exception_ptr failure;
        bool done = false;
        auto wrapper = [](asio::awaitable<T> inner,
                          std::optional<T>& result) -> asio::awaitable<void> {
            result.emplace(co_await std::move(inner));
        };
        asio::co_spawn(io_, wrapper(std::move(op), out), [&](std::exception_ptr e) {
            failure = e;
            done = true;
        });
        io_.restart();
        io_.run_for(30s);
        if (failure) {
            std::rethrow_exception(failure);
        }
        if (!done || !out) {
            throw std::runtime_error("client step did not finish within 30 s");
        }
        return std::move(*out);
    }

    pop3::Client logged_in(pop3::ClientOptions o, const std::string& user = "alice",
                           const std::string& password = "wonderland") {
        auto client = run(pop3::Client::connect(std::move(o)));
        if (!client) {
            throw std::runtime_error(client.error().message);
        }
        auto method = run(client->login(user, password));
        if (!method) {
            throw std::runtime_error(method.error().message);
        }
        return std::move(*client);
    }

    mailferry::test::TempDir dir_;
    asio::io_context io_;
    std::unique_ptr<ts::TestServerThread> server_;
};

TEST_F(Pop3Client, LogsInWithAuthPlainWhenOffered) {
    auto client = run(pop3::Client::connect(options()));
    ASSERT_TRUE(client) << client.error().message;
    EXPECT_TRUE(client->capabilities().capa_supported);
    EXPECT_TRUE(client->capabilities().has_sasl("plain"));
    EXPECT_EQ(client->capabilities().implementation, "mailferry");
    auto method = run(client->login("alice", "wonderland"));
    ASSERT_TRUE(method) << method.error().message;
    EXPECT_EQ(*method, pop3::LoginMethod::auth_plain);
    auto quit = run(client->quit());
    ASSERT_TRUE(quit) << quit.error().message;
    EXPECT_NE(quit->find("signing off"), std::string::npos) << *quit;
}

TEST_F(Pop3Client, LogsInWithUserPass) {
    auto o = options();
    o.login_method = pop3::LoginMethod::user_pass;
    auto client = run(pop3::Client::connect(std::move(o)));
    ASSERT_TRUE(client) << client.error().message;
    auto method = run(client->login("alice", "wonderland"));
    ASSERT_TRUE(method) << method.error().message;
    EXPECT_EQ(*method, pop3::LoginMethod::user_pass);
    EXPECT_TRUE(run(client->noop()));
}

TEST_F(Pop3Client, LogsInWithApopUsingTheGreetingTimestamp) {
    auto o = options();
    o.prefer_apop = true;
    auto client = run(pop3::Client::connect(std::move(o)));
    ASSERT_TRUE(client) << client.error().message;
    EXPECT_EQ(client->apop_timestamp().front(), '<');
    EXPECT_NE(client->greeting().find(client->apop_timestamp()), std::string::npos);
    auto method = run(client->login("alice", "wonderland"));
    ASSERT_TRUE(method) << method.error().message;
    EXPECT_EQ(*method, pop3::LoginMethod::apop);
}

TEST_F(Pop3Client, WrongPasswordIsAuthFailedQuotingTheServer) {
    for (auto method :
         {pop3::LoginMethod::auth_plain, pop3::LoginMethod::user_pass, pop3::LoginMethod::apop}) {
        auto o = options();
        o.login_method = method;
        auto client = run(pop3::Client::connect(std::move(o)));
        ASSERT_TRUE(client) << client.error().message;
        auto login = run(client->login("alice", "not-the-password"));
        ASSERT_FALSE(login);
        const auto& e = login.error();
        EXPECT_EQ(e.code, pop3::client_error::auth_failed) << pop3::to_string(method);
        EXPECT_NE(e.response.find("-ERR [AUTH]"), std::string::npos) << e.response;
        EXPECT_NE(e.message.find(e.response), std::string::npos) << e.message;
        EXPECT_NE(e.message.find("Check the user name and password"), std::string::npos);
        EXPECT_NE(e.message.find(e.server), std::string::npos);
        EXPECT_EQ(e.message.find("not-the-password"), std::string::npos) << e.message;
        EXPECT_TRUE(client->is_connected()) << "a -ERR keeps the connection";
    }
}

TEST_F(Pop3Client, UpgradesWithStlsAndVerifiesTheCertificate) {
    auto client = run(pop3::Client::connect(options()));
    ASSERT_TRUE(client) << client.error().message;
    EXPECT_TRUE(client->is_tls());
    EXPECT_TRUE(client->certificate_verified());
    EXPECT_NE(client->tls_description().find("TLS"), std::string::npos);
    // RFC 2595 §4: the capabilities are asked again inside TLS, where STLS
    // is no longer offered.
    EXPECT_FALSE(client->capabilities().stls);
    EXPECT_TRUE(client->capabilities().uidl);
}

TEST_F(Pop3Client, StlsWithAnUntrustedCertificateFails) {
    auto client = run(pop3::Client::connect(options(false, false)));
    ASSERT_FALSE(client);
    EXPECT_EQ(client.error().code, net::error::certificate_untrusted);
    EXPECT_EQ(client.error().step, "STLS");
    EXPECT_NE(client.error().message.find("--ca-file"), std::string::npos);
}

TEST_F(Pop3Client, ImplicitTlsOnPop3s) {
    auto client = run(pop3::Client::connect(options(true)));
    ASSERT_TRUE(client) << client.error().message;
    EXPECT_TRUE(client->is_tls());
    EXPECT_TRUE(client->certificate_verified());
    EXPECT_TRUE(run(client->login("alice", "wonderland")));
}

TEST_F(Pop3Client, StatListAndUidlDescribeTheMaildrop) {
    deliver({"Subject: one\r\n\r\nfirst\r\n", "Subject: two\r\n\r\nsecond body\r\n",
             "Subject: three\r\n\r\n3\r\n"});
    auto client = logged_in(options());
    auto stat = run(client.stat());
    ASSERT_TRUE(stat) << stat.error().message;
    EXPECT_EQ(stat->count, 3U);
    EXPECT_EQ(stat->octets, 23U + 29U + 21U);
    auto list = run(client.list());
    ASSERT_TRUE(list) << list.error().message;
    ASSERT_EQ(list->size(), 3U);
    EXPECT_EQ((*list)[1].number, 2U);
    EXPECT_EQ((*list)[1].octets, 29U);
    auto uidl = run(client.uidl());
    ASSERT_TRUE(uidl) << uidl.error().message;
    ASSERT_TRUE(uidl->has_value());
    ASSERT_EQ((*uidl)->size(), 3U);
    EXPECT_NE((**uidl)[0].uidl, (**uidl)[1].uidl);
}

TEST_F(Pop3Client, AFailedUidlIsAnErrorWhenTheServerOffersIt) {
    // CAPA lists UIDL, so -ERR [SYS/TEMP] is a failure, not "no UIDL here":
    // telling messages apart by content instead would copy them all again.
    start(ts::FaultPlan::parse("at=UIDL:1:no"));
    deliver({"Subject: one\r\n\r\nfirst\r\n"});
    auto client = logged_in(options());
    ASSERT_TRUE(client.capabilities().uidl);
    auto failed = run(client.uidl());
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, pop3::client_error::server_temporary) << failed.error().message;
    auto listed = run(client.uidl());
    ASSERT_TRUE(listed) << listed.error().message;
    ASSERT_TRUE(listed->has_value());
    EXPECT_EQ((*listed)->size(), 1U);
}

TEST_F(Pop3Client, UidlRefusedByAServerWithoutItMeansUnsupported) {
    start(ts::FaultPlan::parse("no-uidl=1"));
    deliver({"Subject: one\r\n\r\nfirst\r\n"});
    auto client = logged_in(options());
    ASSERT_FALSE(client.capabilities().uidl);
    auto uidl = run(client.uidl());
    ASSERT_TRUE(uidl) << uidl.error().message;
    EXPECT_FALSE(uidl->has_value());
}

TEST_F(Pop3Client, RetrUnstuffsDotsByteForByte) {
    const std::string body =
        "Subject: dots\r\n\r\n.starts with a dot\r\n..two dots\r\n.\r\nend\r\n.\r\n";
    deliver({body});
    auto client = logged_in(options());
    StringSink sink;
    auto octets = run(client.retr(1, sink));
    ASSERT_TRUE(octets) << octets.error().message;
    EXPECT_EQ(sink.bodies[1], body);
    EXPECT_EQ(*octets, body.size());
    EXPECT_EQ(sink.ended, std::vector<std::uint32_t>{1});
}

TEST_F(Pop3Client, TopZeroReturnsOnlyTheHeader) {
    deliver({"Subject: top\r\nFrom: a@b\r\n\r\nline 1\r\nline 2\r\n"});
    auto client = logged_in(options());
    StringSink sink;
    auto octets = run(client.top(1, 0, sink));
    ASSERT_TRUE(octets) << octets.error().message;
    EXPECT_EQ(sink.bodies[1], "Subject: top\r\nFrom: a@b\r\n\r\n");
}

TEST_F(Pop3Client, RetrOfAMissingMessageIsRejectedAndTheSessionGoesOn) {
    deliver({"Subject: x\r\n\r\nx\r\n"});
    auto client = logged_in(options());
    StringSink sink;
    auto missing = run(client.retr(7, sink));
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, pop3::client_error::command_rejected);
    EXPECT_EQ(missing.error().step, "RETR 7");
    EXPECT_NE(missing.error().message.find("no such message"), std::string::npos);
    EXPECT_TRUE(run(client.retr(1, sink)));
}

TEST_F(Pop3Client, DeleAndQuitDeletes) {
    deliver({"Subject: a\r\n\r\na\r\n", "Subject: b\r\n\r\nb\r\n", "Subject: c\r\n\r\nc\r\n"});
    auto client = logged_in(options());
    ASSERT_TRUE(run(client.dele(2)));
    auto quit = run(client.quit());
    ASSERT_TRUE(quit) << quit.error().message;
    EXPECT_NE(quit->find("1 messages deleted"), std::string::npos) << *quit;
    EXPECT_EQ(inbox_size(), 2U);
    EXPECT_FALSE(client.is_connected());
    EXPECT_EQ(run(client.stat()).error().code, pop3::client_error::not_connected);
}

TEST_F(Pop3Client, RsetUndeletes) {
    deliver({"Subject: a\r\n\r\na\r\n", "Subject: b\r\n\r\nb\r\n"});
    auto client = logged_in(options());
    auto marked = run(client.dele_many({1, 2}));
    ASSERT_TRUE(marked) << marked.error().message;
    EXPECT_EQ(run(client.stat())->count, 0U);
    ASSERT_TRUE(run(client.rset()));
    EXPECT_EQ(run(client.stat())->count, 2U);
    ASSERT_TRUE(run(client.quit()));
    EXPECT_EQ(inbox_size(), 2U);
}

TEST_F(Pop3Client, DeleThenDropDeletesNothing) {
    deliver({"Subject: a\r\n\r\na\r\n", "Subject: b\r\n\r\nb\r\n"});
    {
        auto client = logged_in(options());
        auto marked = run(client.dele_many({1, 2}));
        ASSERT_TRUE(marked) << marked.error().message;
        client.close();
    }
    // The server notices the drop on its own thread; until then the
    // maildrop is locked ([IN-USE]), so log in again until it is free.
    std::optional<pop3::Client> again;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!again && std::chrono::steady_clock::now() < deadline) {
        auto client = run(pop3::Client::connect(options()));
        ASSERT_TRUE(client) << client.error().message;
        auto login = run(client->login("alice", "wonderland"));
        if (login) {
            again.emplace(std::move(*client));
        } else {
            ASSERT_EQ(login.error().code, pop3::client_error::in_use) << login.error().message;
        }
    }
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(run(again->stat())->count, 2U);
    EXPECT_EQ(inbox_size(), 2U);
}

TEST_F(Pop3Client, PipelinedRetrOfEveryMessage) {
    std::vector<std::string> bodies;
    for (int i = 1; i <= 40; ++i) {
        bodies.push_back("Subject: m" + std::to_string(i) + "\r\n\r\n" +
                         std::string(static_cast<std::size_t>(i) * 997, 'x') + "\r\n.dot\r\n");
    }
    deliver(bodies);
    auto o = options();
    o.pipeline_depth = 16;
    auto client = logged_in(std::move(o));
    ASSERT_TRUE(client.capabilities().pipelining);
    std::vector<std::uint32_t> numbers;
    for (std::uint32_t n = 1; n <= 40; ++n) {
        numbers.push_back(n);
    }
    numbers.push_back(99);  // -ERR in the middle of a pipeline leaves the rest alone
    numbers.push_back(3);
    StringSink sink;
    auto outcomes = run(client.retr_many(numbers, sink));
    ASSERT_TRUE(outcomes) << outcomes.error().message;
    ASSERT_EQ(outcomes->size(), 42U);
    for (std::uint32_t n = 1; n <= 40; ++n) {
        EXPECT_FALSE((*outcomes)[n - 1].error.has_value());
        EXPECT_EQ((*outcomes)[n - 1].octets, bodies[n - 1].size());
        EXPECT_EQ(sink.bodies[n], n == 3 ? bodies[2] + bodies[2] : bodies[n - 1]);
    }
    ASSERT_TRUE((*outcomes)[40].error.has_value());
    EXPECT_EQ((*outcomes)[40].error->step, "RETR 99");
    EXPECT_FALSE((*outcomes)[41].error.has_value());
    EXPECT_EQ(sink.ended.size(), 41U);
}

TEST_F(Pop3Client, InUseWhenAnotherSessionHoldsTheMaildrop) {
    auto first = logged_in(options());
    auto second = run(pop3::Client::connect(options()));
    ASSERT_TRUE(second) << second.error().message;
    auto login = run(second->login("alice", "wonderland"));
    ASSERT_FALSE(login);
    EXPECT_EQ(login.error().code, pop3::client_error::in_use);
    EXPECT_NE(login.error().response.find("[IN-USE]"), std::string::npos);
    EXPECT_NE(login.error().message.find("retry later"), std::string::npos)
        << login.error().message;
}

TEST_F(Pop3Client, DroppedConnectionNamesTheStep) {
    // Commands counted by the server: CAPA, STLS, CAPA, AUTH, then STAT.
    start(ts::FaultPlan::parse("drop-after-commands=5"));
    auto client = logged_in(options());
    auto stat = run(client.stat());
    ASSERT_FALSE(stat);
    EXPECT_EQ(stat.error().code, net::error::connection_closed) << stat.error().message;
    EXPECT_EQ(stat.error().step, "STAT");
    EXPECT_NE(stat.error().message.find("STAT"), std::string::npos);
    EXPECT_FALSE(client.is_connected());
}

TEST_F(Pop3Client, SlowServerTimesOut) {
    start(ts::FaultPlan::parse("delay-ms=2000"));
    auto o = options();
    o.command_timeout = 200ms;
    auto client = run(pop3::Client::connect(std::move(o)));
    ASSERT_FALSE(client);
    EXPECT_EQ(client.error().code, net::error::timed_out) << client.error().message;
    EXPECT_EQ(client.error().step, "greeting");
}

TEST_F(Pop3Client, TraceLogRedactsCredentials) {
    std::ostringstream log;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
    auto logger = std::make_shared<spdlog::logger>("trace-test", sink);
    logger->set_level(spdlog::level::trace);
    auto previous = spdlog::default_logger();
    spdlog::set_default_logger(logger);
    for (auto method :
         {pop3::LoginMethod::auth_plain, pop3::LoginMethod::user_pass, pop3::LoginMethod::apop}) {
        auto o = options();
        o.login_method = method;
        auto client = logged_in(std::move(o));
        ASSERT_TRUE(run(client.quit()));
    }
    spdlog::set_default_logger(previous);
    const std::string text = log.str();
    EXPECT_NE(text.find("C: PASS ***"), std::string::npos) << text;
    EXPECT_NE(text.find("C: AUTH PLAIN ***"), std::string::npos) << text;
    EXPECT_NE(text.find("C: APOP alice ***"), std::string::npos) << text;
    EXPECT_NE(text.find("S: +OK"), std::string::npos) << text;
    EXPECT_EQ(text.find("wonderland"), std::string::npos) << text;
    // base64 of "\0alice\0wonderland", the PLAIN response.
    EXPECT_EQ(text.find("AGFsaWNlAHdvbmRlcmxhbmQ="), std::string::npos) << text;
}

}  // namespace
