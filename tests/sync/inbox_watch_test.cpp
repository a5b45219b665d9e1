// sync::watch_inbox() against the in-process test server: what another
// session changes in the watched INBOX is reported within seconds, IDLE is
// re-issued without false alarms, a server without IDLE (or a POP3 source)
// is left to the interval, lost connections and refused logins are retried,
// and a cancelled watch logs out and leaves nothing behind on the io_context.
#include "tests/sync/migration_fixture.hpp"

#include "clients/imap/client.hpp"
#include "sync/adapters/inbox_watch.hpp"
#include "tests/support/coroutine_test.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::test {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr std::int64_t day = 1'700'000'000;

// Every line logged to it: the watcher's own, and at trace level the
// client's protocol trace ("127.0.0.1:port C: A0007 IDLE").
class LogLines final : public spdlog::sinks::base_sink<std::mutex> {
  public:
    std::size_t count(spdlog::level::level_enum level, std::string_view text = {}) {
        const std::lock_guard lock(mutex_);
        return static_cast<std::size_t>(
            std::count_if(lines_.begin(), lines_.end(), [&](const Line& line) {
                return line.level == level && line.text.find(text) != std::string::npos;
            }));
    }
    // Lines the client sent that end with `suffix` (" IDLE", " C: DONE").
    std::size_t count_sent(std::string_view suffix) {
        const std::lock_guard lock(mutex_);
        return static_cast<std::size_t>(
            std::count_if(lines_.begin(), lines_.end(), [&](const Line& line) {
                return line.text.find(" C: ") != std::string::npos && line.text.ends_with(suffix);
            }));
    }
    std::string warnings() {
        const std::lock_guard lock(mutex_);
        std::string out;
        for (const Line& line : lines_) {
            if (line.level >= spdlog::level::warn) {
                out += line.text + "\n";
            }
        }
        return out;
    }

  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        lines_.push_back({msg.level, std::string(msg.payload.data(), msg.payload.size())});
    }
    void flush_() override {}

  private:
    struct Line {
        spdlog::level::level_enum level;
        std::string text;
    };
    std::vector<Line> lines_;
};

// One watch_inbox() on an io_context of its own, driven by the test: it
// runs the io_context only while waiting for something to happen.
class Watch {
  public:
    explicit Watch(sync::AccountAccess source, sync::InboxWatchOptions watch = {})
        : log_(std::make_shared<LogLines>()) {
        auto logger = std::make_shared<spdlog::logger>("inbox_watch", log_);
        logger->set_level(spdlog::level::trace);
        sync::MigrationOptions options;
        options.connect_timeout = 10s;
        options.command_timeout = 10s;
        options.logger = logger;
        std::function<void()> on_change = [this] { ++changes_; };
        asio::co_spawn(
            io_,
            sync::watch_inbox(std::move(source), std::move(options), watch, std::move(on_change)),
            asio::bind_cancellation_slot(cancel_.slot(),
                                         [this](std::exception_ptr e, sync::InboxWatchEnd end) {
                                             if (e) {
                                                 ADD_FAILURE() << "watch_inbox() threw";
                                             }
                                             end_ = end;
                                         }));
    }
    ~Watch() {
        if (!end_) {
            cancel_.emit(asio::cancellation_type::terminal);
            run_until([this] { return end_.has_value(); });
        }
    }
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;

    // Runs the io_context until `done()` holds, for at most `limit`; true
    // when it holds.
    template <typename Done>
    bool run_until(Done done, std::chrono::seconds limit = 20s) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (!done() && !io_.stopped() && std::chrono::steady_clock::now() < deadline) {
            io_.run_one_for(100ms);
        }
        return done();
    }

    // The IDLE commands the server accepted so far ("+ idling").
    std::size_t idles() { return log_->count(spdlog::level::trace, " S: + "); }
    bool idling_more_than(std::size_t before) { return idles() > before; }
    int changes() const { return changes_; }
    const std::optional<sync::InboxWatchEnd>& end() const { return end_; }
    LogLines& log() { return *log_; }
    asio::io_context& io() { return io_; }

    // Cancels as the daemon does, and waits for watch_inbox() to return.
    std::optional<sync::InboxWatchEnd> cancel() {
        cancel_.emit(asio::cancellation_type::terminal);
        run_until([this] { return end_.has_value(); });
        return end_;
    }
    // Nothing is left on the io_context: it runs out of work by itself.
    bool runs_out() {
        io_.run_for(10s);
        return io_.stopped();
    }

  private:
    // The signal outlives the io_context, whose destruction may still end
    // a watch that never finished (a failed test) and detach it from it.
    asio::cancellation_signal cancel_;
    asio::io_context io_;  // outlives everything below, which it runs
    std::shared_ptr<LogLines> log_;
    int changes_ = 0;
    std::optional<sync::InboxWatchEnd> end_;
};

// Another client session appends `body` to INBOX.
asio::awaitable<void> append_from_other_session(imap::ClientOptions o, std::string body,
                                                bool& done) {
    auto client = co_await imap::Client::connect(std::move(o));
    CO_REQUIRE(client, client.error().message);
    net::StringSource source(std::move(body));
    std::vector<net::AppendItem> items;
    items.push_back(net::AppendItem{{}, source.size(), &source});
    net::VectorAppendBatch batch(std::move(items));
    auto appended = co_await (*client)->append("INBOX", batch);
    CO_REQUIRE(appended && appended->all_appended(), "APPEND by the other session failed");
    co_await (*client)->logout();
    done = true;
}

// Another client session flags message 1 of INBOX.
asio::awaitable<void> flag_from_other_session(imap::ClientOptions o, bool& done) {
    auto client = co_await imap::Client::connect(std::move(o));
    CO_REQUIRE(client, client.error().message);
    auto selected = co_await (*client)->select("INBOX", false);
    CO_REQUIRE(selected, selected.error().message);
    std::vector<std::string> flags{"\\Flagged"};
    auto stored = co_await (*client)->store_flags("1", imap::FlagOperation::add, std::move(flags));
    CO_REQUIRE(stored, stored.error().message);
    co_await (*client)->logout();
    done = true;
}

void spawn(asio::io_context& io, asio::awaitable<void> session) {
    asio::co_spawn(io, std::move(session), [](std::exception_ptr e) {
        if (e) {
            ADD_FAILURE() << "the other session threw";
        }
    });
}

TEST(InboxWatch, NewMailAppendedByAnotherSessionIsReported) {
    Account account;
    account.add("INBOX", {{make_body(1), {}, day}});
    Watch watch(account.imap());
    ASSERT_TRUE(watch.run_until([&] { return watch.idles() >= 1; })) << watch.log().warnings();
    EXPECT_EQ(watch.changes(), 0);

    bool appended = false;
    spawn(watch.io(), append_from_other_session(fixture_client_options(account.imap_port()),
                                                make_body(2), appended));
    ASSERT_TRUE(watch.run_until([&] { return appended && watch.changes() >= 1; }))
        << "appended: " << appended << ", changes: " << watch.changes();

    EXPECT_EQ(watch.cancel(), sync::InboxWatchEnd::cancelled);
    EXPECT_TRUE(watch.runs_out());
    EXPECT_EQ(watch.log().count(spdlog::level::warn), 0u) << watch.log().warnings();
}

TEST(InboxWatch, FlagChangeByAnotherSessionIsReported) {
    Account account;
    account.add("INBOX", {{make_body(1), {}, day}, {make_body(2), {}, day}});
    Watch watch(account.imap());
    ASSERT_TRUE(watch.run_until([&] { return watch.idles() >= 1; })) << watch.log().warnings();

    bool flagged = false;
    spawn(watch.io(),
          flag_from_other_session(fixture_client_options(account.imap_port()), flagged));
    ASSERT_TRUE(watch.run_until([&] { return flagged && watch.changes() >= 1; }))
        << "flagged: " << flagged << ", changes: " << watch.changes();

    EXPECT_EQ(watch.cancel(), sync::InboxWatchEnd::cancelled);
    EXPECT_TRUE(watch.runs_out());
}

TEST(InboxWatch, IdleIsReissuedWithoutFalseAlarmsAndStillReportsNewMail) {
    Account account;
    account.add("INBOX", {{make_body(1), {}, day}});
    sync::InboxWatchOptions o;
    o.idle_wait = 1s;
    Watch watch(account.imap(), o);
    ASSERT_TRUE(watch.run_until([&] { return watch.idles() >= 4; }, 60s)) << watch.log().warnings();
    // Each IDLE ended by its wait, DONE and its OK, and a new one began.
    EXPECT_GE(watch.log().count_sent(" IDLE"), 4u);
    EXPECT_GE(watch.log().count_sent(" C: DONE"), 3u);
    EXPECT_EQ(watch.changes(), 0) << "a quiet IDLE that timed out was reported as a change";

    account.add("INBOX", {{make_body(2), {}, day}});
    ASSERT_TRUE(watch.run_until([&] { return watch.changes() >= 1; }));

    EXPECT_EQ(watch.cancel(), sync::InboxWatchEnd::cancelled);
    EXPECT_TRUE(watch.runs_out());
    EXPECT_EQ(watch.log().count(spdlog::level::warn), 0u) << watch.log().warnings();
}

TEST(InboxWatch, ServerWithoutIdleIsUnsupported) {
    Account account({}, {"IDLE"});
    Watch watch(account.imap());
    ASSERT_TRUE(watch.run_until([&] { return watch.end().has_value(); }));
    EXPECT_EQ(watch.end(), sync::InboxWatchEnd::unsupported);
    EXPECT_EQ(watch.idles(), 0u);
    EXPECT_TRUE(watch.runs_out());
}

TEST(InboxWatch, Pop3SourceIsUnsupported) {
    Account account;
    Watch watch(account.pop3());
    ASSERT_TRUE(watch.run_until([&] { return watch.end().has_value(); }));
    EXPECT_EQ(watch.end(), sync::InboxWatchEnd::unsupported);
    EXPECT_TRUE(watch.runs_out());
}

// The server drops the connection at the watcher's third IDLE (its eighth
// command: AUTHENTICATE, ENABLE, ID, LIST, EXAMINE, IDLE, IDLE). Mail that
// arrives while it is away is reported once it is back, and so is mail that
// arrives while it idles again.
TEST(InboxWatch, DroppedConnectionIsReconnectedAndNewMailStillReported) {
    Account account(testserver::FaultPlan::parse("drop-after-commands=8"));
    account.add("INBOX", {{make_body(1), {}, day}});
    sync::InboxWatchOptions o;
    o.idle_wait = 1s;
    o.reconnect_min = 1s;
    o.reconnect_max = 2s;
    Watch watch(account.imap(), o);
    ASSERT_TRUE(watch.run_until([&] { return watch.log().count(spdlog::level::warn) >= 1; }));
    EXPECT_EQ(watch.changes(), 0);
    EXPECT_FALSE(watch.end().has_value());

    // The watcher is waiting to reconnect (this thread runs it).
    account.add("INBOX", {{make_body(2), {}, day}});
    ASSERT_TRUE(watch.run_until([&] { return watch.changes() >= 1; }))
        << "mail delivered while disconnected was not reported after the reconnect";

    const std::size_t idles = watch.idles();
    ASSERT_TRUE(watch.run_until([&] { return watch.idling_more_than(idles); }));
    const int before = watch.changes();
    account.add("INBOX", {{make_body(3), {}, day}});
    ASSERT_TRUE(watch.run_until([&] { return watch.changes() > before; }));

    EXPECT_EQ(watch.cancel(), sync::InboxWatchEnd::cancelled);
    EXPECT_TRUE(watch.runs_out());
    EXPECT_EQ(watch.log().count(spdlog::level::warn), 1u) << watch.log().warnings();
    EXPECT_EQ(watch.log().count(spdlog::level::info, "watching INBOX of"), 2u);
}

TEST(InboxWatch, RefusedLoginIsRetriedUntilCancelled) {
    Account account;
    sync::AccountAccess source = account.imap();
    source.password = "wrong";
    sync::InboxWatchOptions o;
    o.reconnect_min = 1s;
    o.reconnect_max = 1s;
    Watch watch(source, o);
    ASSERT_TRUE(watch.run_until([&] { return watch.log().count(spdlog::level::warn) >= 2; }))
        << watch.log().warnings();
    EXPECT_FALSE(watch.end().has_value()) << "a refused login ended the watch";

    EXPECT_EQ(watch.cancel(), sync::InboxWatchEnd::cancelled);
    EXPECT_TRUE(watch.runs_out());
}

// With the longest IDLE wait, only the cancellation can end the watch
// before the test's timeout; it ends the IDLE and logs out on the way.
TEST(InboxWatch, CancellationEndsIdleWithDoneAndLogout) {
    Account account;
    account.add("INBOX", {{make_body(1), {}, day}});
    Watch watch(account.imap());
    ASSERT_TRUE(watch.run_until([&] { return watch.idles() >= 1; })) << watch.log().warnings();

    EXPECT_EQ(watch.cancel(), sync::InboxWatchEnd::cancelled);
    EXPECT_TRUE(watch.runs_out());
    EXPECT_EQ(watch.log().count_sent(" C: DONE"), 1u);
    EXPECT_EQ(watch.log().count_sent(" LOGOUT"), 1u);
    EXPECT_EQ(watch.log().count(spdlog::level::warn), 0u) << watch.log().warnings();
    EXPECT_EQ(watch.changes(), 0);
}

}  // namespace
}  // namespace mailferry::test
