// The POP3 client engine against a real Dovecot (tests/support/
// dovecot_fixture.hpp): plain POP3 on loopback, STLS and pop3s verified
// with the instance's CA file, and UIDL, RETR, DELE/QUIT on mail delivered
// through Dovecot's own IMAP APPEND.

#include "clients/net/tls_client.hpp"
#include "clients/pop3/client.hpp"

#include "tests/support/dovecot_fixture.hpp"
#include "tests/support/imap_test_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace net = mailferry::net;
namespace pop3 = mailferry::pop3;
using mailferry::test::Dovecot;
using mailferry::test::DovecotOptions;
using mailferry::test::ImapTestClient;
using namespace std::chrono_literals;

const std::vector<std::string> messages = {
    "From: a@example.org\r\nSubject: one\r\nMessage-ID: <1@example.org>\r\n\r\nfirst\r\n",
    "From: a@example.org\r\nSubject: dots\r\nMessage-ID: <2@example.org>\r\n\r\n"
    ".leading dot\r\n..two dots\r\n.\r\nend\r\n",
    "From: a@example.org\r\nSubject: three\r\nMessage-ID: <3@example.org>\r\n\r\nthird\r\n",
};

class StringSink final : public pop3::RetrSink {
  public:
    asio::awaitable<boost::system::error_code> on_chunk(std::uint32_t number,
                                                        std::string_view chunk) override {
        bodies[number].append(chunk);
        co_return boost::system::error_code{};
    }
    std::map<std::uint32_t, std::string> bodies;
};

// Delivers `bodies` to the user's INBOX with IMAP APPEND over plain IMAP.
void deliver(std::uint16_t imap_port, const std::string& user, const std::string& password,
             const std::vector<std::string>& bodies) {
    ImapTestClient imap(imap_port);
    ASSERT_TRUE(imap.response().has_value());
    auto login = imap.command("a1", "LOGIN " + user + " " + password);
    ASSERT_EQ(login.back().rfind("a1 OK", 0), 0U) << login.back();
    int n = 2;
    for (const auto& body : bodies) {
        const std::string tag = "a" + std::to_string(n++);
        imap.send(tag + " APPEND INBOX {" + std::to_string(body.size()) + "+}\r\n" + body + "\r\n");
        auto done = imap.until_tagged(tag);
        ASSERT_EQ(done.back().rfind(tag + " OK", 0), 0U) << done.back();
    }
    imap.command("z", "LOGOUT");
}

class Pop3ClientDovecot : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        DovecotOptions tls;
        tls.users = {{"alice", "pw"}, {"bob", "bob-pw"}};
        dovecot_ = std::make_unique<Dovecot>(Dovecot::start(tls));
        DovecotOptions plain = tls;
        plain.tls = false;
        plain_ = std::make_unique<Dovecot>(Dovecot::start(plain));
    }
    static void TearDownTestSuite() {
        dovecot_.reset();
        plain_.reset();
    }

    pop3::ClientOptions options(const Dovecot& d, bool implicit_tls) {
        pop3::ClientOptions o;
        o.host = "127.0.0.1";
        o.port = implicit_tls ? d.ports().pop3s : d.ports().pop3;
        o.implicit_tls = implicit_tls;
        auto ctx = net::make_client_tls_context({d.ca_file().string(), false});
        EXPECT_TRUE(ctx);
        o.tls_context = *ctx;
        o.command_timeout = 20s;
        return o;
    }

    template <typename T>
    T run(asio::awaitable<T> op) {
        std::optional<T> out;
        std::exception_ptr failure;
        auto wrapper = [](asio::awaitable<T> inner,
                          std::optional<T>& result) -> asio::awaitable<void> {
            result.emplace(co_await std::move(inner));
        };
        asio::co_spawn(io_, wrapper(std::move(op), out),
                       [&](std::exception_ptr e) { failure = e; });
        io_.restart();
        io_.run_for(60s);
        if (failure) {
            std::rethrow_exception(failure);
        }
        if (!out) {
            throw std::runtime_error("client step did not finish within 60 s");
        }
        return std::move(*out);
    }

    static std::unique_ptr<Dovecot> dovecot_;
    static std::unique_ptr<Dovecot> plain_;
    asio::io_context io_;
};

std::unique_ptr<Dovecot> Pop3ClientDovecot::dovecot_;
std::unique_ptr<Dovecot> Pop3ClientDovecot::plain_;

TEST_F(Pop3ClientDovecot, PlainOnLoopbackLogsIn) {
    auto client = run(pop3::Client::connect(options(*plain_, false)));
    ASSERT_TRUE(client) << client.error().message << "\n" << plain_->logs();
    EXPECT_FALSE(client->is_tls());
    EXPECT_FALSE(client->capabilities().stls);
    auto login = run(client->login("alice", "pw"));
    ASSERT_TRUE(login) << login.error().message;
    EXPECT_TRUE(run(client->quit()));
}

TEST_F(Pop3ClientDovecot, StlsVerifiedWithTheCaFile) {
    auto client = run(pop3::Client::connect(options(*dovecot_, false)));
    ASSERT_TRUE(client) << client.error().message << "\n" << dovecot_->logs();
    EXPECT_TRUE(client->is_tls());
    EXPECT_TRUE(client->certificate_verified());
    EXPECT_FALSE(client->capabilities().stls);
    EXPECT_TRUE(client->capabilities().uidl);
    auto login = run(client->login("alice", "pw"));
    ASSERT_TRUE(login) << login.error().message;
    EXPECT_EQ(*login, pop3::LoginMethod::auth_plain);
}

TEST_F(Pop3ClientDovecot, Pop3sVerifiedWithTheCaFile) {
    auto client = run(pop3::Client::connect(options(*dovecot_, true)));
    ASSERT_TRUE(client) << client.error().message << "\n" << dovecot_->logs();
    EXPECT_TRUE(client->certificate_verified());
    auto o = options(*dovecot_, true);
    o.tls_context = *net::make_client_tls_context({});
    auto untrusted = run(pop3::Client::connect(std::move(o)));
    ASSERT_FALSE(untrusted);
    EXPECT_EQ(untrusted.error().code, net::error::certificate_untrusted);
}

TEST_F(Pop3ClientDovecot, WrongPasswordIsAuthFailed) {
    for (auto method : {pop3::LoginMethod::auth_plain, pop3::LoginMethod::user_pass}) {
        auto o = options(*dovecot_, true);
        o.login_method = method;
        auto client = run(pop3::Client::connect(std::move(o)));
        ASSERT_TRUE(client) << client.error().message;
        auto login = run(client->login("alice", "wrong"));
        ASSERT_FALSE(login);
        EXPECT_EQ(login.error().code, pop3::client_error::auth_failed) << login.error().message;
        EXPECT_NE(login.error().message.find("-ERR"), std::string::npos);
    }
}

TEST_F(Pop3ClientDovecot, UidlRetrAndDeleOnRealMail) {
    deliver(dovecot_->ports().imap, "bob", "bob-pw", messages);
    std::vector<std::string> uidls;
    {
        auto client = run(pop3::Client::connect(options(*dovecot_, true)));
        ASSERT_TRUE(client) << client.error().message;
        ASSERT_TRUE(run(client->login("bob", "bob-pw")));
        auto stat = run(client->stat());
        ASSERT_TRUE(stat) << stat.error().message;
        ASSERT_EQ(stat->count, 3U);
        auto uidl = run(client->uidl());
        ASSERT_TRUE(uidl && uidl->has_value());
        for (const auto& u : **uidl) {
            uidls.push_back(u.uidl);
        }
        StringSink sink;
        auto outcomes = run(client->retr_many({1, 2, 3}, sink));
        ASSERT_TRUE(outcomes) << outcomes.error().message;
        for (std::uint32_t n = 1; n <= 3; ++n) {
            EXPECT_EQ(sink.bodies[n], messages[n - 1]) << "message " << n;
        }
        ASSERT_TRUE(run(client->dele(2)));
        auto quit = run(client->quit());
        ASSERT_TRUE(quit) << quit.error().message;
    }
    auto client = run(pop3::Client::connect(options(*dovecot_, false)));
    ASSERT_TRUE(client) << client.error().message;
    ASSERT_TRUE(run(client->login("bob", "bob-pw")));
    auto uidl = run(client->uidl());
    ASSERT_TRUE(uidl && uidl->has_value());
    ASSERT_EQ((*uidl)->size(), 2U);
    // UIDLs are stable across sessions (RFC 1939 §7); message 2 is gone.
    EXPECT_EQ((**uidl)[0].uidl, uidls[0]);
    EXPECT_EQ((**uidl)[1].uidl, uidls[2]);
    StringSink sink;
    ASSERT_TRUE(run(client->retr(2, sink)));
    EXPECT_EQ(sink.bodies[2], messages[2]);
}

}  // namespace
