// net::connect and net::LineReader against in-process servers on 127.0.0.1:
// refused ports, silent servers, unresolvable names, and implicit TLS with a
// certificate generated for the test.

#include "clients/net/connector.hpp"
#include "clients/net/deadline.hpp"
#include "clients/net/line_reader.hpp"
#include "clients/net/tls_client.hpp"
#include "contrib/testserver/self_signed.hpp"

#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <array>
#include <exception>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace net = mailferry::net;
using asio::as_tuple;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using namespace std::chrono_literals;

// What the client saw: an error, or the greeting line over a TLS or plain
// connection.
struct Outcome {
    std::optional<net::NetError> error;
    std::string greeting;
    bool tls = false;
    bool no_delay = false;  // TCP_NODELAY on the connected socket
};

// Runs `client` to completion (servers spawned on `io` run alongside it);
// stops the loop when the client is done.
Outcome run(asio::io_context& io, awaitable<Outcome> client) {
    Outcome outcome;
    std::exception_ptr failure;
    bool done = false;
    asio::co_spawn(io, std::move(client), [&](std::exception_ptr e, Outcome result) {
        failure = e;
        outcome = std::move(result);
        done = true;
        io.stop();
    });
    // Bounds the test should a step ever miss its own deadline.
    asio::steady_timer guard(io, 30s);
    guard.async_wait([&](boost::system::error_code ec) {
        if (!ec) {
            io.stop();
        }
    });
    io.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
    EXPECT_TRUE(done) << "client did not finish within 30 s";
    return outcome;
}

void spawn_server(asio::io_context& io, awaitable<void> server) {
    asio::co_spawn(io, std::move(server), [](std::exception_ptr e) {
        if (e) {
            std::rethrow_exception(e);
        }
    });
}

// Holds a connection open until the peer closes it, sending nothing.
awaitable<void> drain(net::Stream& stream) {
    std::array<char, 256> buffer{};
    while (true) {
        auto [ec, n] = co_await stream.read_some(buffer);
        if (ec) {
            co_return;
        }
    }
}

// Accepts one connection, optionally runs the TLS handshake, sends
// `greeting` (if any), then waits for the client to go away.
awaitable<void> serve_one(tcp::acceptor& acceptor, asio::ssl::context* tls, std::string greeting) {
    auto [ec, socket] = co_await acceptor.async_accept(as_tuple(use_awaitable));
    if (ec) {
        co_return;
    }
    net::Stream stream(std::move(socket));
    if (tls != nullptr) {
        const auto handshake = co_await stream.handshake_server(*tls);
        if (handshake) {
            co_return;
        }
    }
    if (!greeting.empty()) {
        const auto written = co_await stream.write(greeting);
        if (written) {
            co_return;
        }
    }
    co_await drain(stream);
}

awaitable<Outcome> connect_and_greet(net::ConnectOptions options) {
    Outcome outcome;
    auto connected = co_await net::connect(options);
    if (!connected) {
        outcome.error = connected.error();
        co_return outcome;
    }
    net::Stream stream = std::move(*connected);
    outcome.tls = stream.is_tls();
    outcome.no_delay = stream.sends_without_delay();
    net::LineReader reader(stream, net::server_name(options.host, options.port));
    auto line = co_await reader.read_line_with_deadline(2s, net::Step::greeting);
    if (!line) {
        outcome.error = line.error();
        co_return outcome;
    }
    outcome.greeting = *line;
    co_return outcome;
}

tcp::acceptor listen_loopback(asio::io_context& io,
                              int backlog = asio::socket_base::max_listen_connections) {
    tcp::acceptor acceptor(io);
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    acceptor.open(endpoint.protocol());
    acceptor.bind(endpoint);
    acceptor.listen(backlog);
    return acceptor;
}

class ConnectorTls : public ::testing::Test {
  protected:
    // Serves `served`; the CA file holds `trusted_pem`, or the served
    // certificate itself when empty.
    explicit ConnectorTls(mailferry::testserver::CertificatePair served =
                              mailferry::testserver::generate_self_signed(),
                          const std::string& trusted_pem = "")
        : pair_(std::move(served)),
          server_tls_(mailferry::testserver::make_server_tls_context(pair_)),
          acceptor_(listen_loopback(io_)) {
        ca_file_ = (dir_ / "ca.pem").string();
        std::ofstream(ca_file_) << (trusted_pem.empty() ? pair_.certificate_pem : trusted_pem);
        spawn_server(io_, serve_one(acceptor_, &server_tls_, "* OK tls ready\r\n"));
    }

    net::ConnectOptions options(const net::TlsClientOptions& tls) {
        auto ctx = net::make_client_tls_context(tls);
        EXPECT_TRUE(ctx) << (ctx ? "" : ctx.error());
        net::ConnectOptions o;
        o.host = "127.0.0.1";
        o.port = acceptor_.local_endpoint().port();
        o.implicit_tls = true;
        o.tls_context = ctx ? *ctx : nullptr;
        o.verify = !tls.insecure;
        o.connect_timeout = 5s;
        o.tls_timeout = 5s;
        return o;
    }

    mailferry::test::TempDir dir_;
    std::string ca_file_;
    mailferry::testserver::CertificatePair pair_;
    asio::ssl::context server_tls_;
    asio::io_context io_;
    tcp::acceptor acceptor_;
};

TEST_F(ConnectorTls, VerifiesAgainstTheGivenCaFile) {
    const Outcome outcome = run(io_, connect_and_greet(options({ca_file_, false})));
    ASSERT_FALSE(outcome.error) << outcome.error->message;
    EXPECT_TRUE(outcome.tls);
    EXPECT_EQ(outcome.greeting, "* OK tls ready");
    EXPECT_TRUE(outcome.no_delay);
}

TEST_F(ConnectorTls, VerifiesByHostNameListedInTheCertificate) {
    auto o = options({ca_file_, false});
    o.tls_name = "localhost";
    const Outcome outcome = run(io_, connect_and_greet(o));
    ASSERT_FALSE(outcome.error) << outcome.error->message;
    EXPECT_EQ(outcome.greeting, "* OK tls ready");
}

TEST_F(ConnectorTls, WithoutTheCaFileTheCertificateIsUntrusted) {
    const Outcome outcome = run(io_, connect_and_greet(options({})));
    ASSERT_TRUE(outcome.error);
    EXPECT_EQ(outcome.error->code, net::error::certificate_untrusted);
    EXPECT_EQ(outcome.error->step, net::Step::tls);
    const std::string server = "127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
    EXPECT_EQ(outcome.error->message,
              server +
                  ": TLS certificate verify failed: self-signed certificate. Use --ca-file FILE "
                  "to trust the server's CA, or --insecure to skip verification (not "
                  "recommended).");
}

TEST_F(ConnectorTls, ANameNotInTheCertificateIsAMismatch) {
    auto o = options({ca_file_, false});
    o.tls_name = "wrong.example";
    const Outcome outcome = run(io_, connect_and_greet(o));
    ASSERT_TRUE(outcome.error);
    EXPECT_EQ(outcome.error->code, net::error::certificate_name_mismatch);
    EXPECT_NE(outcome.error->message.find(
                  "TLS certificate verify failed: hostname mismatch (the certificate is not "
                  "valid for 'wrong.example')"),
              std::string::npos)
        << outcome.error->message;
}

TEST_F(ConnectorTls, AnAddressNotInTheCertificateIsAMismatch) {
    auto o = options({ca_file_, false});
    o.tls_name = "127.0.0.2";
    const Outcome outcome = run(io_, connect_and_greet(o));
    ASSERT_TRUE(outcome.error);
    EXPECT_EQ(outcome.error->code, net::error::certificate_name_mismatch);
}

TEST_F(ConnectorTls, InsecureSkipsVerification) {
    const Outcome outcome = run(io_, connect_and_greet(options({"", true})));
    ASSERT_FALSE(outcome.error) << outcome.error->message;
    EXPECT_TRUE(outcome.tls);
    EXPECT_EQ(outcome.greeting, "* OK tls ready");
}

// Each certificate a client must refuse, even with the CA file given: the
// error names the problem and what to do, and --insecure is the only way past.
struct BadCertificate {
    const char* name;
    mailferry::testserver::CertificateSpec spec;
    bool foreign_ca;
    const char* tls_name;
    net::error code;
    const char* problem;
    const char* advice;
};

class ConnectorRefusesCertificate : public ConnectorTls,
                                    public ::testing::WithParamInterface<BadCertificate> {
  protected:
    ConnectorRefusesCertificate() : ConnectorTls(served(), trusted()) {}

    static const mailferry::testserver::CertificatePair& ca() {
        static const auto pair =
            mailferry::testserver::generate_certificate({.common_name = "mailferry signing CA"});
        return pair;
    }
    static mailferry::testserver::CertificatePair served() {
        auto spec = GetParam().spec;
        if (GetParam().foreign_ca) {
            spec.issuer = &ca();
        }
        return mailferry::testserver::generate_certificate(spec);
    }
    // With a foreign CA the CA file holds another CA than the one that signed.
    static std::string trusted() {
        return GetParam().foreign_ca ? mailferry::testserver::generate_self_signed().certificate_pem
                                     : "";
    }
};

TEST_P(ConnectorRefusesCertificate, NamesTheProblemAndWhatToDo) {
    auto o = options({ca_file_, false});
    o.tls_name = GetParam().tls_name;
    const Outcome outcome = run(io_, connect_and_greet(o));
    ASSERT_TRUE(outcome.error) << "the certificate was accepted";
    EXPECT_EQ(outcome.error->code, GetParam().code);
    EXPECT_EQ(outcome.error->step, net::Step::tls);
    const std::string& message = outcome.error->message;
    EXPECT_NE(message.find(GetParam().problem), std::string::npos) << message;
    EXPECT_NE(message.find(GetParam().advice), std::string::npos) << message;
    EXPECT_NE(message.find("--insecure"), std::string::npos) << message;
    EXPECT_TRUE(outcome.greeting.empty());
}

TEST_P(ConnectorRefusesCertificate, InsecureIsTheOnlyWayPast) {
    auto o = options({ca_file_, true});
    o.tls_name = GetParam().tls_name;
    const Outcome outcome = run(io_, connect_and_greet(o));
    ASSERT_FALSE(outcome.error) << outcome.error->message;
    EXPECT_EQ(outcome.greeting, "* OK tls ready");
}

using Spec = mailferry::testserver::CertificateSpec;
INSTANTIATE_TEST_SUITE_P(
    Tls, ConnectorRefusesCertificate,
    ::testing::Values(
        BadCertificate{"Expired", Spec{.valid_from = -2 * 24 * 3600, .valid_until = -24 * 3600},
                       false, "", net::error::certificate_expired, "certificate has expired",
                       "renew the certificate"},
        BadCertificate{"NotYetValid", Spec{.valid_from = 24 * 3600, .valid_until = 2 * 24 * 3600},
                       false, "", net::error::certificate_expired, "certificate is not yet valid",
                       "Check this machine's clock"},
        BadCertificate{"WrongHost", Spec{}, false, "mail.wrong.example",
                       net::error::certificate_name_mismatch, "not valid for 'mail.wrong.example'",
                       "host name the certificate lists"},
        BadCertificate{"SignedByAnotherCa", Spec{}, true, "", net::error::certificate_untrusted,
                       "unable to get local issuer certificate", "--ca-file FILE"}),
    [](const ::testing::TestParamInfo<BadCertificate>& param_info) {
        return std::string(param_info.param.name);
    });

TEST(Connector, PlainConnectReadsTheGreeting) {
    asio::io_context io;
    auto acceptor = listen_loopback(io);
    spawn_server(io, serve_one(acceptor, nullptr, "+OK POP3 ready\r\n"));
    net::ConnectOptions o;
    o.host = "127.0.0.1";
    o.port = acceptor.local_endpoint().port();
    const Outcome outcome = run(io, connect_and_greet(o));
    ASSERT_FALSE(outcome.error) << outcome.error->message;
    EXPECT_FALSE(outcome.tls);
    EXPECT_EQ(outcome.greeting, "+OK POP3 ready");
    // Nagle off: a short last write (an APPEND's closing CRLF) is not held
    // back until the server acknowledges what came before it.
    EXPECT_TRUE(outcome.no_delay);
}

TEST(Connector, RefusedPortIsConnectionRefusedNamingThePort) {
    asio::io_context io;
    std::uint16_t port = 0;
    {
        auto acceptor = listen_loopback(io);
        port = acceptor.local_endpoint().port();
    }
    net::ConnectOptions o;
    o.host = "127.0.0.1";
    o.port = port;
    const Outcome outcome = run(io, connect_and_greet(o));
    ASSERT_TRUE(outcome.error);
    EXPECT_EQ(outcome.error->code, net::error::connection_refused);
    EXPECT_EQ(outcome.error->step, net::Step::connect);
    const std::string server = "127.0.0.1:" + std::to_string(port);
    EXPECT_EQ(outcome.error->server, server);
    EXPECT_EQ(outcome.error->message,
              server + ": connection refused (tried " + server +
                  " refused). Check the host and port, and that the server is running.");
}

TEST(Connector, UnresolvableNameIsResolveFailed) {
    asio::io_context io;
    net::ConnectOptions o;
    o.host = "no-such-host.invalid";
    o.port = 143;
    o.resolve_timeout = 5s;
    const Outcome outcome = run(io, connect_and_greet(o));
    ASSERT_TRUE(outcome.error);
    EXPECT_EQ(outcome.error->code, net::error::resolve_failed);
    EXPECT_EQ(outcome.error->step, net::Step::resolve);
    EXPECT_EQ(outcome.error->message.rfind("no-such-host.invalid:143: cannot resolve host name "
                                           "(no-such-host.invalid: ",
                                           0),
              0u)
        << outcome.error->message;
}

TEST(Connector, SilentServerTimesOutInTheTlsHandshake) {
    asio::io_context io;
    auto acceptor = listen_loopback(io);
    spawn_server(io, serve_one(acceptor, nullptr, ""));
    auto ctx = net::make_client_tls_context({});
    ASSERT_TRUE(ctx);
    net::ConnectOptions o;
    o.host = "127.0.0.1";
    o.port = acceptor.local_endpoint().port();
    o.implicit_tls = true;
    o.tls_context = *ctx;
    o.tls_timeout = 200ms;
    const Outcome outcome = run(io, connect_and_greet(o));
    ASSERT_TRUE(outcome.error);
    EXPECT_EQ(outcome.error->code, net::error::timed_out);
    EXPECT_EQ(outcome.error->step, net::Step::tls);
    EXPECT_NE(
        outcome.error->message.find(": timed out during tls (no TLS handshake within 200 ms)."),
        std::string::npos)
        << outcome.error->message;
}

TEST(Connector, SilentServerTimesOutWaitingForTheGreeting) {
    asio::io_context io;
    auto acceptor = listen_loopback(io);
    spawn_server(io, serve_one(acceptor, nullptr, ""));
    net::ConnectOptions o;
    o.host = "127.0.0.1";
    o.port = acceptor.local_endpoint().port();
    auto client = [](net::ConnectOptions options) -> awaitable<Outcome> {
        Outcome outcome;
        auto connected = co_await net::connect(options);
        if (!connected) {
            outcome.error = connected.error();
            co_return outcome;
        }
        net::LineReader reader(*connected, "test:1");
        auto line = co_await reader.read_line_with_deadline(150ms, net::Step::greeting);
        if (!line) {
            outcome.error = line.error();
        }
        co_return outcome;
    };
    const Outcome outcome = run(io, client(o));
    ASSERT_TRUE(outcome.error);
    EXPECT_EQ(outcome.error->code, net::error::timed_out);
    EXPECT_EQ(outcome.error->step, net::Step::greeting);
    EXPECT_NE(outcome.error->message.find(
                  "test:1: timed out during greeting (no complete line from the server within "
                  "150 ms)"),
              std::string::npos)
        << outcome.error->message;
}

// A server whose accept queue is full drops further SYNs (Linux), so the
// TCP connect itself hangs: the connect deadline must end it.
TEST(Connector, FullAcceptQueueTimesOutInConnect) {
    asio::io_context io;
    auto acceptor = listen_loopback(io, 0);
    const auto endpoint = acceptor.local_endpoint();
    std::vector<std::unique_ptr<tcp::socket>> fillers;
    auto fill = [&]() -> awaitable<Outcome> {
        for (int i = 0; i < 16; ++i) {
            auto socket = std::make_unique<tcp::socket>(io);
            auto done = co_await net::with_deadline(
                socket->async_connect(endpoint, as_tuple(use_awaitable)), 100ms);
            if (!done) {
                co_return Outcome{};
            }
            fillers.push_back(std::move(socket));
        }
        co_return Outcome{net::make_net_error(net::error::io_failed, "fill", net::Step::connect,
                                              "accept queue never filled"),
                          "", false};
    };
    const Outcome filled = run(io, fill());
    ASSERT_FALSE(filled.error) << filled.error->message;
    io.restart();

    net::ConnectOptions o;
    o.host = "127.0.0.1";
    o.port = endpoint.port();
    o.connect_timeout = 200ms;
    const Outcome outcome = run(io, connect_and_greet(o));
    ASSERT_TRUE(outcome.error);
    EXPECT_EQ(outcome.error->code, net::error::timed_out);
    EXPECT_EQ(outcome.error->step, net::Step::connect);
    const std::string server = "127.0.0.1:" + std::to_string(endpoint.port());
    EXPECT_NE(outcome.error->message.find("timed out during connect (tried " + server +
                                          " timed out after 200 ms)"),
              std::string::npos)
        << outcome.error->message;
}

TEST(Connector, TlsAgainstAPlainServerFailsTheHandshake) {
    asio::io_context io;
    auto acceptor = listen_loopback(io);
    spawn_server(io, serve_one(acceptor, nullptr, "* OK plain IMAP here, not TLS\r\n"));
    auto ctx = net::make_client_tls_context({});
    ASSERT_TRUE(ctx);
    net::ConnectOptions o;
    o.host = "127.0.0.1";
    o.port = acceptor.local_endpoint().port();
    o.implicit_tls = true;
    o.tls_context = *ctx;
    o.tls_timeout = 5s;
    const Outcome outcome = run(io, connect_and_greet(o));
    ASSERT_TRUE(outcome.error);
    EXPECT_EQ(outcome.error->code, net::error::tls_handshake_failed);
    EXPECT_NE(outcome.error->message.find("Check that this port expects TLS from the start"),
              std::string::npos)
        << outcome.error->message;
}

TEST(Connector, ServerHangingUpBeforeTheGreetingIsConnectionClosed) {
    asio::io_context io;
    auto acceptor = listen_loopback(io);
    auto hang_up = [](tcp::acceptor& a) -> awaitable<void> {
        auto [ec, socket] = co_await a.async_accept(as_tuple(use_awaitable));
        (void)ec;
    };
    spawn_server(io, hang_up(acceptor));
    net::ConnectOptions o;
    o.host = "127.0.0.1";
    o.port = acceptor.local_endpoint().port();
    const Outcome outcome = run(io, connect_and_greet(o));
    ASSERT_TRUE(outcome.error);
    EXPECT_EQ(outcome.error->code, net::error::connection_closed);
    EXPECT_EQ(outcome.error->step, net::Step::greeting);
}

// Cancelling connect from outside (here: a caller's own deadline) in the
// middle of the handshake ends it promptly and leaves nothing running.
TEST(Connector, CancellationFromOutsideEndsTheHandshake) {
    asio::io_context io;
    auto acceptor = listen_loopback(io);
    spawn_server(io, serve_one(acceptor, nullptr, ""));
    auto ctx = net::make_client_tls_context({});
    ASSERT_TRUE(ctx);
    net::ConnectOptions o;
    o.host = "127.0.0.1";
    o.port = acceptor.local_endpoint().port();
    o.implicit_tls = true;
    o.tls_context = *ctx;
    o.tls_timeout = 60s;
    auto client = [](net::ConnectOptions options) -> awaitable<Outcome> {
        Outcome outcome;
        auto result = co_await net::with_deadline(net::connect(options), 150ms);
        if (result) {
            outcome.error = net::make_net_error(net::error::io_failed, "test", net::Step::tls,
                                                "connect finished despite the cancellation");
        }
        co_return outcome;
    };
    const auto started = std::chrono::steady_clock::now();
    const Outcome outcome = run(io, client(o));
    EXPECT_FALSE(outcome.error) << outcome.error->message;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
}

}  // namespace
