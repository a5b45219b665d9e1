#include "sync/scheduler/job_loop.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>

namespace mailferry::sync {

namespace asio = boost::asio;

namespace {

// A job learns of a stop through its cancellation state and settles in its
// own time; nothing may throw operation_aborted at it, nor at the spawn
// machinery around it (which otherwise throws when a job that never
// suspended was cancelled, e.g. one that asked the loop to stop).
asio::awaitable<RunVerdict> without_cancellation_exceptions(JobBody& body, JobStart job) {
    co_await asio::this_coro::throw_if_cancelled(false);
    const RunVerdict verdict = co_await body(std::move(job));
    co_return verdict;
}

}  // namespace

JobLoop::JobLoop(asio::any_io_executor executor, Schedule& schedule, JobBody body, Mode mode)
    : executor_(std::move(executor)),
      schedule_(schedule),
      body_(std::move(body)),
      mode_(mode),
      timer_(executor_) {}

void JobLoop::wake() {
    timer_.cancel();
}

void JobLoop::stop() {
    stopping_ = true;
    for (auto& [name, signal] : running_) {
        signal->emit(asio::cancellation_type::terminal);
    }
    wake();
}

void JobLoop::cancel(std::string_view name) {
    if (auto it = running_.find(name); it != running_.end()) {
        it->second->emit(asio::cancellation_type::terminal);
    }
}

void JobLoop::start(const JobStart& job) {
    auto& signal = running_[job.name];
    signal = std::make_unique<asio::cancellation_signal>();
    asio::co_spawn(
        executor_, without_cancellation_exceptions(body_, job),
        asio::bind_cancellation_slot(
            signal->slot(),
            [this, name = job.name](std::exception_ptr failure, RunVerdict verdict) {
                if (failure) {
                    verdict = RunVerdict::failure;
                    try {
                        std::rethrow_exception(failure);
                    } catch (const std::exception& e) {
                        spdlog::error("job {} ended with an internal error: {}", name, e.what());
                    } catch (...) {
                        spdlog::error("job {} ended with an unknown internal error", name);
                    }
                }
                running_.erase(name);
                schedule_.finished(name, ScheduleClock::now(), verdict);
                if (ended_) {
                    ended_(name, verdict);
                }
                if (mode_ == Mode::once) {
                    schedule_.remove(name);
                }
                wake();
            }));
}

asio::awaitable<void> JobLoop::run() {
    // Only stop() ends the loop, and only once every job has ended: a
    // cancellation reaching this coroutine must not abandon running jobs.
    co_await asio::this_coro::throw_if_cancelled(false);
    for (;;) {
        if (!stopping_) {
            for (const JobStart& job : schedule_.take_due(ScheduleClock::now())) {
                start(job);
            }
        }
        const bool all_done = mode_ == Mode::once && schedule_.empty();
        if (running_.empty() && (stopping_ || all_done)) {
            co_return;
        }
        // Sleep until the next due time. A job that is due but found no room
        // under the caps waits for a running job to end (which wakes us).
        const auto now = ScheduleClock::now();
        const auto next = schedule_.next_due();
        if (!stopping_ && next && *next > now) {
            timer_.expires_at(*next);
        } else {
            timer_.expires_at(ScheduleTime::max());
        }
        co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

}  // namespace mailferry::sync
