// imap::Client against scripted hostile servers on 127.0.0.1: garbage
// greetings, endless lines, lying literals, malformed and unsolicited
// responses, a server that stops reading. Each case must end the operation
// with an error that names what happened, within the client's deadlines
// (1-2 s here), without buffering the flood, and leave the connection
// usable or closed as the error says.

#include "tests/engine/imap_client_fixture.hpp"
#include "tests/support/held_bytes.hpp"
#include "tests/support/scripted_server.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace mailferry;
using namespace mailferry::test;
using namespace std::chrono_literals;
namespace imap = mailferry::imap;

constexpr std::size_t flood_cap = 8 << 20;  // what an endless server sends at most
constexpr std::size_t flood_chunk = 64 << 10;

const std::string capabilities = "IMAP4rev1 AUTH=PLAIN SASL-IR UIDPLUS";
const std::string greeting = "* OK [CAPABILITY " + capabilities + "] hostile\r\n";

// Short deadlines: every hostile case ends within a few seconds.
imap::ClientOptions hostile_options(std::uint16_t port) {
    imap::ClientOptions o = loopback_client_options(port, "u", "p");
    o.timeouts.connect = o.timeouts.greeting = o.timeouts.command = 2s;
    o.timeouts.body_chunk = o.timeouts.write = o.timeouts.logout = 1s;
    o.limits.max_line_length = 16 << 10;
    o.limits.max_literal_size = 1 << 20;
    return o;
}

// Greets, then answers the routine commands of a session (login, LIST,
// SELECT of a mailbox with 3 messages, NOOP) until the client sends one
// that starts with `until`, left in `command` for the script. false when
// the client hung up or logged out first.
bool serve_until(ScriptedSession& s, const std::string& until, ScriptedSession::Command& command) {
    if (!s.send(greeting)) {
        return false;
    }
    while (s.read_command(command)) {
        const std::string& verb = command.verb;
        if (command.rest.rfind(until, 0) == 0) {
            return true;
        }
        std::string answer;
        if (verb == "LIST") {
            answer = "* LIST (\\Noselect) \"/\" \"\"\r\n";
        } else if (verb == "SELECT" || verb == "EXAMINE") {
            answer = "* 3 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 4] ok\r\n";
        } else if (verb == "CAPABILITY") {
            answer = "* CAPABILITY " + capabilities + "\r\n";
        } else if (verb == "LOGOUT") {
            s.send("* BYE done\r\n{tag} OK done\r\n");
            return false;
        }
        if (!s.send(answer + ScriptedSession::tagged("{tag} OK done\r\n", command.tag))) {
            return false;
        }
    }
    return false;
}

// Connected, logged in and with INBOX selected; std::nullopt (and a test
// failure) otherwise.
asio::awaitable<std::unique_ptr<imap::Client>> selected_client(std::uint16_t port) {
    auto client = co_await imap::Client::connect(hostile_options(port));
    if (!client) {
        ADD_FAILURE() << client.error().message;
        co_return nullptr;
    }
    auto state = co_await (*client)->select("INBOX", false);
    if (!state) {
        ADD_FAILURE() << state.error().message;
        co_return nullptr;
    }
    co_return std::move(*client);
}

// Records what fetch_bodies() delivers.
class RecordingSink final : public net::BodySink {
  public:
    asio::awaitable<boost::system::error_code> begin(std::uint32_t uid, std::uint64_t) override {
        uids.push_back(uid);
        bodies.emplace_back();
        co_return boost::system::error_code{};
    }
    asio::awaitable<boost::system::error_code> data(std::span<const char> bytes) override {
        bodies.back().append(bytes.data(), bytes.size());
        co_return boost::system::error_code{};
    }
    asio::awaitable<boost::system::error_code> end() override {
        ++ended;
        co_return boost::system::error_code{};
    }
    std::vector<std::uint32_t> uids;
    std::vector<std::string> bodies;
    std::size_t ended = 0;
};

// The error connect() gets from a server that greets with `junk`.
imap::Error greeting_error(const std::string& junk) {
    ScriptedServer server([&](ScriptedSession& s) {
        if (s.send(junk)) {
            s.wait_for_hangup(3s);
        }
    });
    imap::Error error;
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(hostile_options(server.port()));
        CO_REQUIRE(!client, "connected to a server greeting with junk");
        error = client.error();
    };
    run_coroutine(body);
    return error;
}

// Closed before any greeting: likely a port of another protocol, and the
// error says to check that; a session the server ended later says otherwise
// (ImapClientFaults.HangUpIsConnectionClosed).
TEST(ImapClientHostile, HangUpBeforeTheGreetingPointsAtThePort) {
    ScriptedServer server([](ScriptedSession&) {});
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(hostile_options(server.port()));
        CO_REQUIRE(!client, "connected to a server that never greeted");
        EXPECT_EQ(client.error().code, net::error::connection_closed) << client.error().message;
        EXPECT_NE(client.error().message.find("during greeting"), std::string::npos)
            << client.error().message;
        EXPECT_NE(client.error().message.find("expected protocol"), std::string::npos)
            << client.error().message;
    };
    run_coroutine(body);
}

TEST(ImapClientHostile, HttpGreetingIsAProtocolError) {
    const imap::Error e = greeting_error("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(e.code, imap::client_error::protocol_error) << e.message;
    EXPECT_EQ(e.step, "greeting");
    EXPECT_NE(e.message.find("HTTP/1.1 400"), std::string::npos) << e.message;
}

TEST(ImapClientHostile, BinaryGreetingIsAProtocolError) {
    const std::string junk("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\xff\xfe\r\n", 15);
    const imap::Error e = greeting_error(junk);
    EXPECT_EQ(e.code, imap::client_error::protocol_error) << e.message;
    EXPECT_EQ(e.step, "greeting");
}

TEST(ImapClientHostile, EndlessGreetingLineStopsAtTheLineLimit) {
    std::size_t sent = 0;
    ScriptedServer server([&](ScriptedSession& s) {
        if (s.send("* OK ")) {
            sent = s.send_endless('x', flood_chunk, flood_cap);
        }
    });
    reset_held_peak();
    const std::size_t before = held_bytes();
    imap::Error error;
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(hostile_options(server.port()));
        CO_REQUIRE(!client, "connected to a server whose greeting never ends");
        error = client.error();
    };
    run_coroutine(body);
    const std::size_t peak = held_peak() - before;
    server.finish();
    EXPECT_EQ(error.code, imap::client_error::protocol_error) << error.message;
    EXPECT_NE(error.message.find("line longer than 16384 bytes"), std::string::npos)
        << error.message;
    // The client stopped reading at the limit and hung up: the server could
    // not send its whole flood, and the client kept a small part of it (the
    // server's own 64 KiB block counts here too).
    EXPECT_LT(sent, flood_cap);
    EXPECT_LT(peak, std::size_t{1} << 20);
}

TEST(ImapClientHostile, EndlessFetchLineStopsAtTheLineLimitAndCloses) {
    std::size_t sent = 0;
    ScriptedServer server([&](ScriptedSession& s) {
        ScriptedSession::Command c;
        if (serve_until(s, "UID FETCH", c) && s.send("* 1 FETCH (UID 1 FLAGS (\\Seen")) {
            sent = s.send_endless(' ', flood_chunk, flood_cap);
        }
    });
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await selected_client(server.port());
        CO_REQUIRE(client, "no session");
        reset_held_peak();
        const std::size_t before = held_bytes();
        auto meta = co_await client->fetch_metadata("1:*");
        const std::size_t peak = held_peak() - before;
        CO_REQUIRE(!meta, "an endless FETCH line was accepted");
        EXPECT_EQ(meta.error().code, imap::client_error::protocol_error) << meta.error().message;
        EXPECT_NE(meta.error().message.find("line longer than 16384 bytes"), std::string::npos)
            << meta.error().message;
        EXPECT_EQ(meta.error().step, "UID FETCH");
        EXPECT_LT(peak, std::size_t{1} << 20);
        EXPECT_FALSE(client->is_open());
        auto again = co_await client->noop();
        CO_REQUIRE(!again, "NOOP worked on a closed connection");
        EXPECT_EQ(again.error().code, net::error::connection_closed) << again.error().message;
    };
    run_coroutine(body);
    server.finish();
    EXPECT_LT(sent, flood_cap);
}

TEST(ImapClientHostile, LiteralAboveTheMaximumIsRefusedBeforeItsBytes) {
    std::size_t sent = 0;
    ScriptedServer server([&](ScriptedSession& s) {
        ScriptedSession::Command c;
        if (serve_until(s, "UID FETCH", c) && s.send("* 1 FETCH (UID 1 BODY[] {4294967296}\r\n")) {
            sent = s.send_endless('y', flood_chunk, flood_cap);
        }
    });
    RecordingSink sink;
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await selected_client(server.port());
        CO_REQUIRE(client, "no session");
        reset_held_peak();
        const std::size_t before = held_bytes();
        auto fetched = co_await client->fetch_bodies("1", sink);
        const std::size_t peak = held_peak() - before;
        CO_REQUIRE(!fetched, "a literal over max_literal_size was accepted");
        EXPECT_EQ(fetched.error().code, imap::client_error::protocol_error)
            << fetched.error().message;
        EXPECT_NE(fetched.error().message.find("literal of 4294967296 bytes exceeds the limit"),
                  std::string::npos)
            << fetched.error().message;
        EXPECT_LT(peak, std::size_t{1} << 20);
        EXPECT_FALSE(client->is_open());
    };
    run_coroutine(body);
    server.finish();
    EXPECT_TRUE(sink.uids.empty());
    EXPECT_LT(sent, flood_cap);
}

// A FETCH announcing 100000 octets of which only 10 come; then the server
// does `after` (stall, or hang up).
RecordingSink short_literal(bool hang_up, imap::Error& error) {
    ScriptedServer server([&](ScriptedSession& s) {
        ScriptedSession::Command c;
        if (serve_until(s, "UID FETCH", c) &&
            s.send("* 1 FETCH (UID 1 BODY[] {100000}\r\nFrom: a\r\n\r\n") && !hang_up) {
            s.wait_for_hangup(3s);
        }
    });
    RecordingSink sink;
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await selected_client(server.port());
        CO_REQUIRE(client, "no session");
        auto fetched = co_await client->fetch_bodies("1", sink);
        CO_REQUIRE(!fetched, "a literal shorter than announced was accepted");
        error = fetched.error();
        EXPECT_FALSE(client->is_open());
    };
    run_coroutine(body);
    return sink;
}

TEST(ImapClientHostile, LiteralShorterThanAnnouncedThenSilenceTimesOut) {
    imap::Error error;
    const RecordingSink sink = short_literal(false, error);
    EXPECT_EQ(error.code, net::error::timed_out) << error.message;
    EXPECT_EQ(error.step, "UID FETCH");
    // The partial body was never completed.
    EXPECT_EQ(sink.ended, 0u);
}

TEST(ImapClientHostile, LiteralShorterThanAnnouncedThenHangUpIsConnectionClosed) {
    imap::Error error;
    const RecordingSink sink = short_literal(true, error);
    EXPECT_EQ(error.code, net::error::connection_closed) << error.message;
    EXPECT_EQ(sink.ended, 0u);
}

TEST(ImapClientHostile, UnbalancedParenthesesInFetchAreAProtocolError) {
    ScriptedServer server([&](ScriptedSession& s) {
        ScriptedSession::Command c;
        if (serve_until(s, "UID FETCH", c) &&
            s.send(ScriptedSession::tagged(
                "* 1 FETCH (UID 1 FLAGS (\\Seen) RFC822.SIZE 5 INTERNALDATE "
                "\"01-Jan-2020 00:00:00 +0000\"\r\n{tag} OK done\r\n",
                c.tag))) {
            s.wait_for_hangup(3s);
        }
    });
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await selected_client(server.port());
        CO_REQUIRE(client, "no session");
        auto meta = co_await client->fetch_metadata("1:*");
        CO_REQUIRE(!meta, "an unbalanced FETCH response was accepted");
        EXPECT_EQ(meta.error().code, imap::client_error::protocol_error) << meta.error().message;
        EXPECT_NE(meta.error().message.find("unterminated list"), std::string::npos)
            << meta.error().message;
        EXPECT_FALSE(client->is_open());
    };
    run_coroutine(body);
}

TEST(ImapClientHostile, UnknownResponseCodesAreIgnored) {
    ScriptedServer server([&](ScriptedSession& s) {
        ScriptedSession::Command c;
        if (!serve_until(s, "SELECT", c) ||
            !s.send(ScriptedSession::tagged(
                "* 2 EXISTS\r\n* OK [UIDVALIDITY 9] ok\r\n* OK [X-WEIRD-CODE (1 2) \"a\"] hm\r\n"
                "* NO [XYZZY] nothing happens\r\n{tag} OK [READ-WRITE-ISH 3] done\r\n",
                c.tag))) {
            return;
        }
        if (s.read_command(c) && c.verb == "NOOP") {
            s.send(ScriptedSession::tagged("* OK [FOO.BAR] x\r\n{tag} OK [BAZ] done\r\n", c.tag));
        }
        s.wait_for_hangup(3s);
    });
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(hostile_options(server.port()));
        CO_REQUIRE(client, client.error().message);
        auto state = co_await (*client)->select("INBOX", false);
        CO_REQUIRE(state, state.error().message);
        EXPECT_EQ(state->exists, 2u);
        EXPECT_EQ(state->uidvalidity, 9u);
        auto noop = co_await (*client)->noop();
        EXPECT_TRUE(noop) << noop.error().message;
        EXPECT_TRUE((*client)->is_open());
    };
    run_coroutine(body);
}

TEST(ImapClientHostile, TaggedAnswerForATagNeverSentIsAProtocolError) {
    ScriptedServer server([&](ScriptedSession& s) {
        ScriptedSession::Command c;
        if (serve_until(s, "NOOP", c) && s.send("ZZ99 OK you never asked\r\n")) {
            s.wait_for_hangup(3s);
        }
    });
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await selected_client(server.port());
        CO_REQUIRE(client, "no session");
        auto noop = co_await client->noop();
        CO_REQUIRE(!noop, "an answer to a tag never sent was accepted");
        EXPECT_EQ(noop.error().code, imap::client_error::protocol_error) << noop.error().message;
        EXPECT_NE(noop.error().message.find("ZZ99"), std::string::npos) << noop.error().message;
        EXPECT_FALSE(client->is_open());
    };
    run_coroutine(body);
}

// Asks for UID 2's body; the server sends UID 1's first. Bodies up to
// `inline_max` arrive inline in the response, larger ones are streamed.
void body_for_uid_never_asked_for(std::size_t inline_max) {
    ScriptedServer server([&](ScriptedSession& s) {
        ScriptedSession::Command c;
        if (serve_until(s, "UID FETCH", c) &&
            s.send(ScriptedSession::tagged("* 1 FETCH (UID 1 BODY[] {5}\r\nwrong)\r\n"
                                           "* 2 FETCH (UID 2 BODY[] {5}\r\nright)\r\n"
                                           "{tag} OK done\r\n",
                                           c.tag))) {
            s.wait_for_hangup(3s);
        }
    });
    RecordingSink sink;
    auto body = [&]() -> asio::awaitable<void> {
        imap::ClientOptions o = hostile_options(server.port());
        o.limits.inline_literal_max = inline_max;
        auto client = co_await imap::Client::connect(o);
        CO_REQUIRE(client, client.error().message);
        auto state = co_await (*client)->select("INBOX", false);
        CO_REQUIRE(state, state.error().message);
        auto fetched = co_await (*client)->fetch_bodies("2", sink);
        CO_REQUIRE(fetched, fetched.error().message);
        EXPECT_EQ(*fetched, 1u);
        EXPECT_TRUE((*client)->is_open());
    };
    run_coroutine(body);
    EXPECT_EQ(sink.uids, std::vector<std::uint32_t>{2});
    EXPECT_EQ(sink.bodies, std::vector<std::string>{"right"});
    EXPECT_EQ(sink.ended, 1u);
}

TEST(ImapClientHostile, InlineBodyForAUidNeverAskedForIsNotDelivered) {
    body_for_uid_never_asked_for(64 << 10);
}

TEST(ImapClientHostile, StreamedBodyForAUidNeverAskedForIsNotDelivered) {
    body_for_uid_never_asked_for(2);
}

// The metadata listing of `uid_set` when the server answers with FETCH
// responses for these UID, size pairs.
std::vector<imap::MessageMeta> metadata_answered(const std::string& uid_set,
                                                 const std::vector<std::pair<int, int>>& answers) {
    std::string responses;
    for (const auto& [uid, size] : answers) {
        responses += "* " + std::to_string(uid) + " FETCH (UID " + std::to_string(uid) +
                     " FLAGS () RFC822.SIZE " + std::to_string(size) +
                     " INTERNALDATE \"01-Jan-2020 00:00:00 +0000\")\r\n";
    }
    ScriptedServer server([&](ScriptedSession& s) {
        ScriptedSession::Command c;
        if (serve_until(s, "UID FETCH", c) &&
            s.send(ScriptedSession::tagged(responses + "{tag} OK done\r\n", c.tag))) {
            s.wait_for_hangup(3s);
        }
    });
    std::vector<imap::MessageMeta> listed;
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await selected_client(server.port());
        CO_REQUIRE(client, "no session");
        auto meta = co_await client->fetch_metadata(uid_set);
        CO_REQUIRE(meta, meta.error().message);
        listed = std::move(*meta);
    };
    run_coroutine(body);
    return listed;
}

TEST(ImapClientHostile, MetadataForAUidNeverAskedForIsNotReported) {
    const auto meta = metadata_answered("2:3", {{1, 999}, {3, 5}});
    ASSERT_EQ(meta.size(), 1u);
    EXPECT_EQ(meta[0].uid, 3u);
    EXPECT_EQ(meta[0].size, 5u);
}

// "5:*" in a mailbox whose last UID is 3 asks for UID 3 (RFC 3501 §6.4.8:
// "*" is the last UID, and n:m is m:n): that answer is the listing, not a
// response nobody asked for. A second UID below the range cannot also be
// the last one.
TEST(ImapClientHostile, OpenRangeAboveTheLastUidIsAnsweredByTheLastMessageAlone) {
    const auto meta = metadata_answered("5:*", {{3, 7}, {2, 999}});
    ASSERT_EQ(meta.size(), 1u);
    EXPECT_EQ(meta[0].uid, 3u);
    EXPECT_EQ(meta[0].size, 7u);
}

TEST(ImapClientHostile, ExistsGoingBackwardsIsReportedAsSent) {
    // RFC 3501 §7.3.1: EXISTS never decreases without EXPUNGE. The client
    // passes the count on (the sync engine lists UIDs rather than trust it)
    // and the session goes on.
    ScriptedServer server([&](ScriptedSession& s) {
        ScriptedSession::Command c;
        if (!serve_until(s, "NOOP", c) ||
            !s.send(ScriptedSession::tagged("* 1 EXISTS\r\n{tag} OK done\r\n", c.tag))) {
            return;
        }
        if (s.read_command(c) && c.verb == "NOOP") {
            s.send(ScriptedSession::tagged("{tag} OK done\r\n", c.tag));
        }
        s.wait_for_hangup(3s);
    });
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await selected_client(server.port());
        CO_REQUIRE(client, "no session");
        auto seen = co_await client->idle(1s);
        CO_REQUIRE(seen, seen.error().message);
        EXPECT_FALSE(seen->used_idle);
        EXPECT_EQ(seen->exists, 1u);
        EXPECT_EQ(seen->expunged, 0u);
        auto noop = co_await client->noop();
        EXPECT_TRUE(noop) << noop.error().message;
    };
    run_coroutine(body);
}

// A body of `size` octets made on the fly.
class PatternSource final : public net::BodySource {
  public:
    explicit PatternSource(std::uint64_t size) : left_(size) {}
    asio::awaitable<std::pair<boost::system::error_code, std::size_t>> read(
        std::span<char> buffer) override {
        const std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(left_, buffer.size()));
        std::fill_n(buffer.data(), n, 'm');
        left_ -= n;
        co_return std::pair{boost::system::error_code{}, n};
    }

  private:
    std::uint64_t left_;
};

TEST(ImapClientHostile, AppendToAServerThatStopsReadingTimesOut) {
    // The client's FIN waits behind the literal the server never reads, so
    // the server cannot see the hang-up: it just waits long enough.
    ScriptedServer server([&](ScriptedSession& s) {
        ScriptedSession::Command c;
        if (serve_until(s, "APPEND", c) && s.send("+ go ahead\r\n")) {
            s.wait_for_hangup(2s);
        }
    });
    const std::uint64_t size = std::uint64_t{64} << 20;  // far more than the socket buffers
    PatternSource source(size);
    std::vector<net::AppendItem> items(1);
    items[0].size = size;
    items[0].body = &source;
    net::VectorAppendBatch batch(std::move(items));
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(hostile_options(server.port()));
        CO_REQUIRE(client, client.error().message);
        auto appended = co_await (*client)->append("INBOX", batch);
        CO_REQUIRE(appended, appended.error().message);
        CO_REQUIRE(appended->error, "an APPEND nobody read completed");
        EXPECT_EQ(appended->error->code, net::error::timed_out) << appended->error->message;
        EXPECT_NE(appended->error->message.find("could not send"), std::string::npos)
            << appended->error->message;
        EXPECT_FALSE(appended->all_appended());
        CO_REQUIRE(appended->messages.size() == 1, appended->messages.size());
        EXPECT_NE(appended->messages[0].status, imap::AppendOutcome::Status::appended);
        EXPECT_FALSE((*client)->is_open());
    };
    run_coroutine(body);
}

}  // namespace
