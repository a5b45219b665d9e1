// The connector against a real Dovecot (tests/support/dovecot_fixture.hpp):
// implicit TLS on imaps and pop3s verified with the instance's CA file, the
// plain ports, and the certificate failure modes a user meets.

#include "clients/net/connector.hpp"
#include "clients/net/line_reader.hpp"
#include "clients/net/plaintext_policy.hpp"
#include "clients/net/tls_client.hpp"

#include "tests/support/dovecot_fixture.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <memory>
#include <optional>
#include <string>

namespace {

namespace asio = boost::asio;
namespace net = mailferry::net;
using mailferry::test::Dovecot;
using namespace std::chrono_literals;

struct Outcome {
    std::optional<net::NetError> error;
    std::string greeting;
    bool tls = false;
    bool password_allowed = false;
};

asio::awaitable<Outcome> connect_and_greet(net::ConnectOptions options) {
    Outcome outcome;
    auto connected = co_await net::connect(options);
    if (!connected) {
        outcome.error = connected.error();
        co_return outcome;
    }
    net::Stream stream = std::move(*connected);
    outcome.tls = stream.is_tls();
    outcome.password_allowed = !net::check_password_allowed(stream, false, "dovecot");
    net::LineReader reader(stream, net::server_name(options.host, options.port));
    auto line = co_await reader.read_line_with_deadline(10s, net::Step::greeting);
    if (!line) {
        outcome.error = line.error();
    } else {
        outcome.greeting = *line;
    }
    co_await stream.shutdown();
    co_return outcome;
}

Outcome run(net::ConnectOptions options) {
    asio::io_context io;
    Outcome outcome;
    std::exception_ptr failure;
    asio::co_spawn(io, connect_and_greet(std::move(options)),
                   [&](std::exception_ptr e, Outcome result) {
                       failure = e;
                       outcome = std::move(result);
                   });
    io.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
    return outcome;
}

class DovecotTls : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { dovecot_ = std::make_unique<Dovecot>(Dovecot::start()); }
    static void TearDownTestSuite() { dovecot_.reset(); }

    static net::ConnectOptions options(std::uint16_t port, const net::TlsClientOptions& tls) {
        auto ctx = net::make_client_tls_context(tls);
        EXPECT_TRUE(ctx) << (ctx ? "" : ctx.error());
        net::ConnectOptions o;
        o.host = "127.0.0.1";
        o.port = port;
        o.implicit_tls = true;
        o.tls_context = ctx ? *ctx : nullptr;
        o.verify = !tls.insecure;
        o.connect_timeout = 10s;
        o.tls_timeout = 10s;
        return o;
    }

    static std::string ca_file() { return dovecot_->ca_file().string(); }

    static std::unique_ptr<Dovecot> dovecot_;
};

std::unique_ptr<Dovecot> DovecotTls::dovecot_;

TEST_F(DovecotTls, ImapsGreetsAfterAVerifiedHandshake) {
    const Outcome outcome = run(options(dovecot_->ports().imaps, {ca_file(), false}));
    ASSERT_FALSE(outcome.error) << outcome.error->message << "\n" << dovecot_->logs();
    EXPECT_TRUE(outcome.tls);
    EXPECT_TRUE(outcome.password_allowed);
    EXPECT_EQ(outcome.greeting.rfind("* OK", 0), 0u) << outcome.greeting;
}

TEST_F(DovecotTls, Pop3sGreetsAfterAVerifiedHandshake) {
    const Outcome outcome = run(options(dovecot_->ports().pop3s, {ca_file(), false}));
    ASSERT_FALSE(outcome.error) << outcome.error->message << "\n" << dovecot_->logs();
    EXPECT_TRUE(outcome.tls);
    EXPECT_EQ(outcome.greeting.rfind("+OK", 0), 0u) << outcome.greeting;
}

TEST_F(DovecotTls, LocalhostByNameVerifiesAgainstTheDnsSubjectAltName) {
    auto o = options(dovecot_->ports().imaps, {ca_file(), false});
    // Dovecot listens on 127.0.0.1 only; if "localhost" also resolves to ::1
    // that address is refused and the next one is tried.
    o.host = "localhost";
    const Outcome outcome = run(o);
    ASSERT_FALSE(outcome.error) << outcome.error->message;
    EXPECT_EQ(outcome.greeting.rfind("* OK", 0), 0u) << outcome.greeting;
}

TEST_F(DovecotTls, WithoutTheCaFileTheCertificateIsUntrusted) {
    const auto port = dovecot_->ports().imaps;
    const Outcome outcome = run(options(port, {}));
    ASSERT_TRUE(outcome.error);
    EXPECT_EQ(outcome.error->code, net::error::certificate_untrusted);
    EXPECT_EQ(outcome.error->step, net::Step::tls);
    EXPECT_EQ(outcome.error->message,
              "127.0.0.1:" + std::to_string(port) +
                  ": TLS certificate verify failed: self-signed certificate. Use --ca-file FILE "
                  "to trust the server's CA, or --insecure to skip verification (not "
                  "recommended).");
}

TEST_F(DovecotTls, AWrongNameIsAMismatch) {
    auto o = options(dovecot_->ports().pop3s, {ca_file(), false});
    o.tls_name = "wrong.example";
    const Outcome outcome = run(o);
    ASSERT_TRUE(outcome.error);
    EXPECT_EQ(outcome.error->code, net::error::certificate_name_mismatch);
    EXPECT_NE(outcome.error->message.find("not valid for 'wrong.example'"), std::string::npos)
        << outcome.error->message;
}

TEST_F(DovecotTls, InsecureConnectsWithoutTheCaFile) {
    const Outcome outcome = run(options(dovecot_->ports().imaps, {"", true}));
    ASSERT_FALSE(outcome.error) << outcome.error->message;
    EXPECT_EQ(outcome.greeting.rfind("* OK", 0), 0u) << outcome.greeting;
}

TEST_F(DovecotTls, PlainPortsGreetWithoutTlsAndLoopbackAllowsPasswords) {
    for (const auto port : {dovecot_->ports().imap, dovecot_->ports().pop3}) {
        auto o = options(port, {});
        o.implicit_tls = false;
        const Outcome outcome = run(o);
        ASSERT_FALSE(outcome.error) << outcome.error->message;
        EXPECT_FALSE(outcome.tls);
        EXPECT_TRUE(outcome.password_allowed);
        EXPECT_TRUE(outcome.greeting.rfind("* OK", 0) == 0 || outcome.greeting.rfind("+OK", 0) == 0)
            << outcome.greeting;
    }
}

TEST_F(DovecotTls, ImplicitTlsOnThePlainPortFailsTheHandshake) {
    const Outcome outcome = run(options(dovecot_->ports().imap, {ca_file(), false}));
    ASSERT_TRUE(outcome.error);
    EXPECT_EQ(outcome.error->code, net::error::tls_handshake_failed);
    EXPECT_EQ(outcome.error->step, net::Step::tls);
}

TEST(DovecotFixture, StoppingTheServerClosesItsPorts) {
    auto instance =
        Dovecot::start({.users = {{"carol", "pw"}}, .separator = '.', .tls = false, .pop3 = false});
    EXPECT_EQ(instance.ports().imaps, 0);
    EXPECT_EQ(instance.ports().pop3, 0);
    EXPECT_TRUE(instance.ca_file().empty());
    net::ConnectOptions o;
    o.host = "127.0.0.1";
    o.port = instance.ports().imap;
    const Outcome running = run(o);
    ASSERT_FALSE(running.error) << running.error->message;
    EXPECT_EQ(running.greeting.rfind("* OK", 0), 0u) << running.greeting;

    instance.stop();
    const Outcome stopped = run(o);
    ASSERT_TRUE(stopped.error);
    EXPECT_EQ(stopped.error->code, net::error::connection_refused);
}

}  // namespace
