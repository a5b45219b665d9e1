// pop3::Client against scripted hostile servers on 127.0.0.1: a greeting
// without +OK, listings naming messages STAT did not count, a RETR cut off
// before its terminating dot, a listing that never ends. Each case must end
// the operation with an error that names what happened, within the
// client's deadlines (1-2 s here), never hand a partial body over as a
// complete message, and leave the connection usable or closed as the error
// says.

#include "clients/net/error.hpp"
#include "clients/pop3/client.hpp"
#include "tests/support/coroutine_test.hpp"
#include "tests/support/scripted_server.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace net = mailferry::net;
namespace pop3 = mailferry::pop3;
using mailferry::test::run_coroutine;
using mailferry::test::ScriptedServer;
using mailferry::test::ScriptedSession;
using namespace std::chrono_literals;

pop3::ClientOptions hostile_options(std::uint16_t port) {
    pop3::ClientOptions o;
    o.host = "127.0.0.1";
    o.port = port;
    o.connect_timeout = o.tls_timeout = 2s;
    o.command_timeout = o.quit_timeout = 1s;
    o.max_listing_bytes = 64 << 10;
    return o;
}

// Greets and answers CAPA, USER, PASS and STAT (`count` messages) until
// the client sends a command that starts with `until`. false when the
// client hung up first.
bool serve_until(ScriptedSession& s, const std::string& until, int count = 2) {
    if (!s.send("+OK hostile POP3\r\n")) {
        return false;
    }
    std::string line;
    while (s.read_line(line)) {
        if (line.rfind(until, 0) == 0) {
            return true;
        }
        std::string answer = "+OK\r\n";
        if (line == "CAPA") {
            answer = "+OK\r\nUSER\r\nUIDL\r\n.\r\n";
        } else if (line == "STAT") {
            answer = "+OK " + std::to_string(count) + " 200\r\n";
        }
        if (!s.send(answer)) {
            return false;
        }
    }
    return false;
}

class StringSink final : public pop3::RetrSink {
  public:
    asio::awaitable<boost::system::error_code> on_chunk(std::uint32_t number,
                                                        std::string_view chunk) override {
        bodies[number].append(chunk);
        co_return boost::system::error_code{};
    }
    asio::awaitable<boost::system::error_code> on_end(std::uint32_t number) override {
        ended.push_back(number);
        co_return boost::system::error_code{};
    }
    std::map<std::uint32_t, std::string> bodies;
    std::vector<std::uint32_t> ended;
};

// Logged in, with STAT read; nullopt (and a test failure) otherwise.
asio::awaitable<std::optional<pop3::Client>> logged_in(std::uint16_t port) {
    auto client = co_await pop3::Client::connect(hostile_options(port));
    if (!client) {
        ADD_FAILURE() << client.error().message;
        co_return std::nullopt;
    }
    auto login = co_await client->login("u", "p");
    auto stat = login ? co_await client->stat() : pop3::Result<pop3::Stat>(login.error());
    if (!stat) {
        ADD_FAILURE() << stat.error().message;
        co_return std::nullopt;
    }
    co_return std::move(*client);
}

TEST(Pop3ClientHostile, GreetingWithoutOkIsAProtocolError) {
    ScriptedServer server([](ScriptedSession& s) {
        if (s.send("HTTP/1.1 400 Bad Request\r\n\r\n")) {
            s.wait_for_hangup(3s);
        }
    });
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await pop3::Client::connect(hostile_options(server.port()));
        CO_REQUIRE(!client, "connected to a server that greets with HTTP");
        EXPECT_EQ(client.error().code, pop3::client_error::protocol_error)
            << client.error().message;
        EXPECT_EQ(client.error().step, "greeting");
        EXPECT_NE(client.error().message.find("HTTP/1.1 400"), std::string::npos)
            << client.error().message;
    };
    run_coroutine(body);
}

// The server counts 2 messages in STAT, then lists `listing` for `verb`.
void out_of_range_listing(const std::string& verb, const std::string& listing) {
    ScriptedServer server([&](ScriptedSession& s) {
        if (serve_until(s, verb) && s.send(listing)) {
            s.wait_for_hangup(3s);
        }
    });
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await logged_in(server.port());
        CO_REQUIRE(client, "no session");
        std::optional<pop3::ClientError> error;
        if (verb == "LIST") {
            auto list = co_await client->list();
            CO_REQUIRE(!list, "a LIST naming message 7 of 2 was accepted");
            error = list.error();
        } else {
            auto uidl = co_await client->uidl();
            CO_REQUIRE(!uidl, "a UIDL naming message 7 of 2 was accepted");
            error = uidl.error();
        }
        EXPECT_EQ(error->code, pop3::client_error::protocol_error) << error->message;
        EXPECT_NE(error->message.find("message 7"), std::string::npos) << error->message;
        EXPECT_FALSE(client->is_connected());
    };
    run_coroutine(body);
}

TEST(Pop3ClientHostile, ListNamingAMessageBeyondStatIsAProtocolError) {
    out_of_range_listing("LIST", "+OK\r\n1 100\r\n2 100\r\n7 100\r\n.\r\n");
}

TEST(Pop3ClientHostile, UidlNamingAMessageBeyondStatIsAProtocolError) {
    out_of_range_listing("UIDL", "+OK\r\n1 a1\r\n7 a7\r\n.\r\n");
}

TEST(Pop3ClientHostile, RetrCutOffBeforeTheDotIsIncomplete) {
    ScriptedServer server([](ScriptedSession& s) {
        if (serve_until(s, "RETR")) {
            s.send("+OK 100 octets\r\nFrom: a@example.org\r\n\r\nThe first half");
        }
    });
    StringSink sink;
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await logged_in(server.port());
        CO_REQUIRE(client, "no session");
        auto retr = co_await client->retr(1, sink);
        CO_REQUIRE(!retr, "a RETR cut off by a hang-up succeeded");
        EXPECT_EQ(retr.error().code, net::error::connection_closed) << retr.error().message;
        EXPECT_EQ(retr.error().step, "RETR 1");
        EXPECT_FALSE(client->is_connected());
        auto again = co_await client->noop();
        CO_REQUIRE(!again, "NOOP worked on a lost connection");
        EXPECT_EQ(again.error().code, pop3::client_error::not_connected);
    };
    run_coroutine(body);
    // Whatever part reached the sink was never declared complete.
    EXPECT_TRUE(sink.ended.empty());
}

TEST(Pop3ClientHostile, RetrManyCutOffReportsNoMessageComplete) {
    ScriptedServer server([](ScriptedSession& s) {
        if (serve_until(s, "RETR")) {
            s.send("+OK\r\nSubject: one\r\n\r\nbody one\r\n.\r\n+OK\r\nSubject: two\r\n\r\nhal");
        }
    });
    StringSink sink;
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await logged_in(server.port());
        CO_REQUIRE(client, "no session");
        std::vector<std::uint32_t> numbers{1, 2};
        auto retr = co_await client->retr_many(numbers, sink);
        CO_REQUIRE(!retr, "a RETR cut off by a hang-up succeeded");
        EXPECT_EQ(retr.error().code, net::error::connection_closed) << retr.error().message;
    };
    run_coroutine(body);
    EXPECT_EQ(sink.ended, std::vector<std::uint32_t>{1});
    EXPECT_EQ(sink.bodies[1], "Subject: one\r\n\r\nbody one\r\n");
}

TEST(Pop3ClientHostile, ListingThatNeverEndsStopsAtTheListingLimit) {
    std::size_t sent = 0;
    ScriptedServer server([&](ScriptedSession& s) {
        if (serve_until(s, "UIDL") && s.send("+OK\r\n")) {
            const std::string line =
                "1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
            std::string block;
            while (block.size() < (64 << 10)) {
                block += line;
            }
            while (sent < (8 << 20) && s.send(block)) {
                sent += block.size();
            }
        }
    });
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await logged_in(server.port());
        CO_REQUIRE(client, "no session");
        auto uidl = co_await client->uidl();
        CO_REQUIRE(!uidl, "an endless UIDL listing was accepted");
        EXPECT_EQ(uidl.error().code, pop3::client_error::protocol_error) << uidl.error().message;
        EXPECT_NE(uidl.error().message.find("longer than 65536 bytes"), std::string::npos)
            << uidl.error().message;
        EXPECT_FALSE(client->is_connected());
    };
    run_coroutine(body);
    server.finish();
    EXPECT_LT(sent, std::size_t{8} << 20);
}

TEST(Pop3ClientHostile, ListingThatStallsTimesOut) {
    ScriptedServer server([](ScriptedSession& s) {
        if (serve_until(s, "LIST") && s.send("+OK\r\n1 100\r\n")) {
            s.wait_for_hangup(3s);
        }
    });
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await logged_in(server.port());
        CO_REQUIRE(client, "no session");
        auto list = co_await client->list();
        CO_REQUIRE(!list, "an unfinished listing was accepted");
        EXPECT_EQ(list.error().code, net::error::timed_out) << list.error().message;
        EXPECT_FALSE(client->is_connected());
    };
    run_coroutine(body);
}

}  // namespace
