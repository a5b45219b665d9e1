// imap::Client::idle() (RFC 2177) against the in-process test server: the
// server pushes what other sessions change while the client idles, and the
// client reports it, ends IDLE with DONE and keeps the connection usable,
// also when the caller cancels the wait. A scripted server that never
// answers DONE shows that a cancelled wait still ends within the deadline.

#include "tests/engine/imap_client_fixture.hpp"
#include "tests/support/continuation_sink.hpp"
#include "tests/support/scripted_server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <functional>

namespace {

using namespace mailferry;
using namespace mailferry::test;
using namespace std::chrono_literals;
namespace imap = mailferry::imap;

imap::ClientOptions with_trigger(imap::ClientOptions o, std::function<void()> on_idling) {
    auto logger = std::make_shared<spdlog::logger>(
        "idle_test", std::make_shared<ContinuationSink>(std::move(on_idling)));
    logger->set_level(spdlog::level::trace);
    o.logger = std::move(logger);
    return o;
}

void seed_two(ImapClientServer& server) {
    server.seed("u", "INBOX",
                {{make_message("one", 300), {}, {}}, {make_message("two", 300), {}, {}}});
}

TEST(ImapClientIdle, AppendWhileIdlingReportsTheNewExistsCount) {
    ImapClientServer server;
    seed_two(server);
    auto on_idling = [&] { server.seed("u", "INBOX", {{make_message("three", 300), {}, {}}}); };
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(with_trigger(server.options(), on_idling));
        CO_REQUIRE(client, client.error().message);
        auto& c = **client;
        CO_REQUIRE(c.has_capability("IDLE"), "the test server offers IDLE");
        auto state = co_await c.select("INBOX", false);
        CO_REQUIRE(state, state.error().message);
        EXPECT_EQ(state->exists, 2u);
        auto outcome = co_await c.idle(20s);
        CO_REQUIRE(outcome, outcome.error().message);
        EXPECT_TRUE(outcome->used_idle);
        EXPECT_EQ(outcome->exists, std::optional<std::uint32_t>(3u));
        EXPECT_EQ(outcome->expunged, 0u);
        EXPECT_FALSE(outcome->nothing_changed());
        // DONE was sent and its OK read: the next command is answered normally.
        auto noop = co_await c.noop();
        EXPECT_TRUE(noop) << noop.error().message;
        co_await c.logout();
    };
    run_coroutine(body);
}

TEST(ImapClientIdle, ExpungeWhileIdlingIsReported) {
    ImapClientServer server;
    seed_two(server);
    auto on_idling = [&] {
        server.server().call(
            [](ts::TestServer& s) { return s.store().expunge("u", "INBOX", {1}); });
    };
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(with_trigger(server.options(), on_idling));
        CO_REQUIRE(client, client.error().message);
        auto& c = **client;
        auto state = co_await c.select("INBOX", false);
        CO_REQUIRE(state, state.error().message);
        auto outcome = co_await c.idle(20s);
        CO_REQUIRE(outcome, outcome.error().message);
        EXPECT_EQ(outcome->expunged, 1u);
        auto noop = co_await c.noop();
        EXPECT_TRUE(noop) << noop.error().message;
    };
    run_coroutine(body);
}

TEST(ImapClientIdle, TimeoutReportsNothingChangedAndLeavesTheConnectionUsable) {
    ImapClientServer server;
    seed_two(server);
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(server.options());
        CO_REQUIRE(client, client.error().message);
        auto& c = **client;
        auto state = co_await c.select("INBOX", false);
        CO_REQUIRE(state, state.error().message);
        auto outcome = co_await c.idle(1s);
        CO_REQUIRE(outcome, outcome.error().message);
        EXPECT_TRUE(outcome->used_idle);
        EXPECT_TRUE(outcome->nothing_changed());
        EXPECT_TRUE(c.is_open());
        auto noop = co_await c.noop();
        EXPECT_TRUE(noop) << noop.error().message;
        auto again = co_await c.select("INBOX", true);
        CO_REQUIRE(again, again.error().message);
        EXPECT_EQ(again->exists, 2u);
    };
    run_coroutine(body);
}

TEST(ImapClientIdle, FlagChangeByAnotherSessionIsReported) {
    ImapClientServer server;
    seed_two(server);
    // Lives in the coroutine frame: a timer must not outlive its io_context.
    asio::steady_timer* idling = nullptr;
    auto on_idling = [&] { idling->cancel(); };
    auto body = [&]() -> asio::awaitable<void> {
        auto executor = co_await asio::this_coro::executor;
        asio::steady_timer timer(executor, 20s);
        idling = &timer;
        auto watcher = co_await imap::Client::connect(with_trigger(server.options(), on_idling));
        CO_REQUIRE(watcher, watcher.error().message);
        auto writer = co_await imap::Client::connect(server.options());
        CO_REQUIRE(writer, writer.error().message);
        auto& w = **watcher;
        auto& other = **writer;
        CO_REQUIRE(co_await w.select("INBOX", false), "watcher SELECT");
        CO_REQUIRE(co_await other.select("INBOX", false), "writer SELECT");

        auto flag_once_idling = [&]() -> asio::awaitable<imap::ClientResult<void>> {
            co_await idling->async_wait(asio::as_tuple(asio::use_awaitable));
            // Named locals: GCC 12 mishandles braced temporaries in co_await.
            std::vector<std::string> flags{"\\Flagged"};
            co_return co_await other.store_flags("1", imap::FlagOperation::add, std::move(flags));
        };
        using namespace asio::experimental::awaitable_operators;
        auto idle = w.idle(20s);
        auto flag = flag_once_idling();
        auto [outcome, stored] = co_await (std::move(idle) && std::move(flag));
        CO_REQUIRE(stored, stored.error().message);
        CO_REQUIRE(outcome, outcome.error().message);
        EXPECT_FALSE(outcome->exists.has_value());
        CO_REQUIRE(outcome->flag_changes.size() == 1u, outcome->flag_changes.size());
        const imap::FlagChange& change = outcome->flag_changes.front();
        EXPECT_EQ(change.sequence, 1u);
        EXPECT_NE(std::find(change.flags.begin(), change.flags.end(), "\\Flagged"),
                  change.flags.end());
        auto noop = co_await w.noop();
        EXPECT_TRUE(noop) << noop.error().message;
    };
    run_coroutine(body);
}

TEST(ImapClientIdle, CancellingTheWaitSendsDoneAndLeavesTheConnectionUsable) {
    ImapClientServer server;
    seed_two(server);
    // Lives in the coroutine frame: a timer must not outlive its io_context.
    asio::steady_timer* idling = nullptr;
    auto on_idling = [&] { idling->cancel(); };
    auto body = [&]() -> asio::awaitable<void> {
        auto executor = co_await asio::this_coro::executor;
        asio::steady_timer timer(executor, 20s);
        idling = &timer;
        auto client = co_await imap::Client::connect(with_trigger(server.options(), on_idling));
        CO_REQUIRE(client, client.error().message);
        auto& c = **client;
        CO_REQUIRE(co_await c.select("INBOX", false), "SELECT");
        // The caller gives up once the server is idling: `||` cancels idle(),
        // and waits for it. With the longest wait, only the cancellation can
        // end it before the test's timeout.
        auto give_up = [&]() -> asio::awaitable<void> {
            co_await idling->async_wait(asio::as_tuple(asio::use_awaitable));
        };
        using namespace asio::experimental::awaitable_operators;
        auto idle = c.idle(imap::max_idle_wait);
        auto stop = give_up();
        auto first = co_await (std::move(idle) || std::move(stop));
        EXPECT_EQ(first.index(), 1u);
        EXPECT_TRUE(c.is_open());
        // DONE was sent and its OK read: the next command is answered normally.
        auto noop = co_await c.noop();
        EXPECT_TRUE(noop) << noop.error().message;
        co_await c.logout();
    };
    run_coroutine(body);
}

// A server that takes DONE and never answers it: the cancelled idle() gives
// up after the response timeout and closes the connection, rather than hold
// its caller for the rest of the wait.
TEST(ImapClientIdle, CancelledIdleWhoseDoneIsNeverAnsweredClosesAfterTheResponseTimeout) {
    std::atomic<bool> got_done{false};
    ScriptedServer server([&](ScriptedSession& s) {
        const std::string caps = "IMAP4rev1 IDLE AUTH=PLAIN SASL-IR";
        if (!s.send("* OK [CAPABILITY " + caps + "] scripted\r\n")) {
            return;
        }
        ScriptedSession::Command command;
        while (s.read_command(command)) {
            if (command.verb == "IDLE") {
                std::string line;
                if (!s.send("+ idling\r\n") || !s.read_line(line)) {
                    return;
                }
                got_done = line == "DONE";
                while (s.read_line(line)) {
                }
                return;
            }
            std::string answer;
            if (command.verb == "LIST") {
                answer = "* LIST (\\Noselect) \"/\" \"\"\r\n";
            } else if (command.verb == "SELECT") {
                answer = "* 2 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 3] ok\r\n";
            }
            answer += command.tag + " OK [CAPABILITY " + caps + "] done\r\n";
            if (!s.send(answer)) {
                return;
            }
        }
    });
    asio::steady_timer* idling = nullptr;
    auto on_idling = [&] { idling->cancel(); };
    auto body = [&]() -> asio::awaitable<void> {
        auto executor = co_await asio::this_coro::executor;
        asio::steady_timer timer(executor, 20s);
        idling = &timer;
        imap::ClientOptions options = loopback_client_options(server.port(), "u", "p");
        options.timeouts.command = 2s;
        auto client = co_await imap::Client::connect(with_trigger(options, on_idling));
        CO_REQUIRE(client, client.error().message);
        auto& c = **client;
        CO_REQUIRE(co_await c.select("INBOX", false), "SELECT");
        auto give_up = [&]() -> asio::awaitable<void> {
            co_await idling->async_wait(asio::as_tuple(asio::use_awaitable));
        };
        using namespace asio::experimental::awaitable_operators;
        auto idle = c.idle(imap::max_idle_wait);
        auto stop = give_up();
        auto first = co_await (std::move(idle) || std::move(stop));
        EXPECT_EQ(first.index(), 1u);
        EXPECT_FALSE(c.is_open());
    };
    run_coroutine(body);
    server.finish();
    EXPECT_TRUE(got_done);
}

}  // namespace
