// The job loop on a real io_context: jobs run as their own coroutines, a
// slow one never holds up another, stop() cancels what runs, and a job
// that throws counts as failed without stopping the loop. Bodies here are
// timers, not migrations; the assertions are about order and counts, never
// about how long anything took.
#include "sync/scheduler/job_loop.hpp"

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <map>
#include <stdexcept>
#include <string>

namespace mailferry::sync {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

JobSpec spec(std::string name, std::chrono::seconds interval) {
    JobSpec s;
    s.name = std::move(name);
    s.interval = interval;
    s.source_server = "src:143";
    s.target_server = "dst:143";
    return s;
}

// Waits `wait` or until cancelled; true when cancelled.
asio::awaitable<bool> sleep_for(std::chrono::milliseconds wait) {
    asio::steady_timer timer(co_await asio::this_coro::executor, wait);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return ec == asio::error::operation_aborted;
}

// Bounds every test: the loop is stopped after this long whatever happens.
constexpr auto safety_stop = 60s;

void run_until_done(asio::io_context& io, JobLoop& loop) {
    bool done = false;
    asio::co_spawn(io, loop.run(), [&](std::exception_ptr e) {
        done = true;
        if (e) {
            std::rethrow_exception(e);
        }
    });
    asio::steady_timer guard(io, safety_stop);
    guard.async_wait([&](boost::system::error_code ec) {
        if (!ec) {
            ADD_FAILURE() << "the loop did not end in time";
            loop.stop();
        }
    });
    while (!done && io.run_one()) {
    }
    guard.cancel();
    io.run();
}

TEST(JobLoop, OnceModeRunsEveryJobExactlyOnce) {
    asio::io_context io;
    ScheduleLimits limits;
    limits.max_connections = 4;  // two jobs at a time
    Schedule schedule(limits, 1);
    for (const char* name : {"a", "b", "c", "d", "e"}) {
        schedule.add(spec(name, 1s), ScheduleClock::now());
    }
    std::map<std::string, int> runs;
    unsigned most_at_once = 0, now_running = 0;
    JobLoop loop(
        io.get_executor(), schedule,
        [&](JobStart start) -> asio::awaitable<RunVerdict> {
            ++runs[start.name];
            most_at_once = std::max(most_at_once, ++now_running);
            co_await sleep_for(20ms);
            --now_running;
            co_return RunVerdict::success;
        },
        JobLoop::Mode::once);
    run_until_done(io, loop);
    EXPECT_EQ(runs, (std::map<std::string, int>{{"a", 1}, {"b", 1}, {"c", 1}, {"d", 1}, {"e", 1}}));
    EXPECT_EQ(most_at_once, 2U);  // the cap, and parallel up to it
    EXPECT_TRUE(schedule.jobs().empty());
}

TEST(JobLoop, ASlowJobDoesNotHoldUpAnotherAndStopCancelsIt) {
    asio::io_context io;
    Schedule schedule(ScheduleLimits{}, 2);
    schedule.add(spec("slow", 1s), ScheduleClock::now());
    schedule.add(spec("fast", 1s), ScheduleClock::now());
    int fast_runs = 0;
    bool slow_cancelled = false;
    JobLoop* self = nullptr;
    JobLoop loop(
        io.get_executor(), schedule,
        [&](JobStart start) -> asio::awaitable<RunVerdict> {
            if (start.name == "slow") {
                slow_cancelled = co_await sleep_for(std::chrono::hours(1));
                co_return RunVerdict::success;
            }
            if (++fast_runs == 3) {
                self->stop();  // "slow" is still in its first run
            }
            co_return RunVerdict::success;
        },
        JobLoop::Mode::periodic);
    self = &loop;
    run_until_done(io, loop);
    EXPECT_EQ(fast_runs, 3);
    EXPECT_TRUE(slow_cancelled);
    EXPECT_EQ(schedule.find("slow")->runs, 1U);
}

TEST(JobLoop, AThrowingJobCountsAsFailedAndTheLoopGoesOn) {
    asio::io_context io;
    ScheduleLimits limits;
    limits.jitter = 0;
    Schedule schedule(limits, 3);
    schedule.add(spec("broken", 1s), ScheduleClock::now());
    schedule.add(spec("fine", 1s), ScheduleClock::now());
    int fine_runs = 0;
    JobLoop* self = nullptr;
    JobLoop loop(
        io.get_executor(), schedule,
        [&](JobStart start) -> asio::awaitable<RunVerdict> {
            co_await sleep_for(1ms);
            if (start.name == "broken") {
                throw std::runtime_error("a bug");
            }
            if (++fine_runs == 2) {
                self->stop();
            }
            co_return RunVerdict::success;
        },
        JobLoop::Mode::periodic);
    self = &loop;
    std::map<std::string, RunVerdict> ended;
    loop.on_job_end([&](const std::string& name, RunVerdict v) { ended[name] = v; });
    run_until_done(io, loop);
    EXPECT_EQ(fine_runs, 2);
    EXPECT_EQ(ended.at("broken"), RunVerdict::failure);
    EXPECT_EQ(ended.at("fine"), RunVerdict::success);
    EXPECT_EQ(schedule.find("broken")->consecutive_failures, 1U);
    EXPECT_EQ(schedule.find("broken")->backoff, 2s);
}

TEST(JobLoop, ATriggerStartsAJobLongBeforeItsInterval) {
    asio::io_context io;
    Schedule schedule(ScheduleLimits{}, 4);
    schedule.add(spec("idle", std::chrono::hours(1)), ScheduleClock::now());
    int runs = 0;
    JobLoop* self = nullptr;
    JobLoop loop(
        io.get_executor(), schedule,
        [&](JobStart) -> asio::awaitable<RunVerdict> {
            ++runs;
            co_return RunVerdict::success;
        },
        JobLoop::Mode::periodic);
    self = &loop;
    // After the first run, new mail "arrives" twice.
    asio::steady_timer poke(io);
    int pokes = 0;
    std::function<void(boost::system::error_code)> on_poke = [&](boost::system::error_code) {
        if (self->stopping()) {
            return;
        }
        if (runs > pokes) {
            if (++pokes == 3) {
                self->stop();
                return;
            }
            schedule.trigger("idle", ScheduleClock::now());
            self->wake();
        }
        poke.expires_after(10ms);
        poke.async_wait(on_poke);
    };
    poke.expires_after(10ms);
    poke.async_wait(on_poke);
    run_until_done(io, loop);
    EXPECT_EQ(runs, 3);  // the first run and one per trigger, not one per hour
}

}  // namespace
}  // namespace mailferry::sync
