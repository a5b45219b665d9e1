#pragma once
// Runs the jobs of a Schedule on one executor: sleeps until the next job is
// due, starts each due job as its own coroutine with its own cancellation
// signal, and feeds the verdicts back into the schedule. What a job does is
// the caller's JobBody (the CLI runs a migration).
//
// Lifetime: the JobLoop and the Schedule must outlive run(), which returns
// only once no job is running any more. Everything happens on the
// executor's one thread; the member functions must be called there.

#include "sync/scheduler/schedule.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace mailferry::sync {

// One run of one job. A terminal cancellation asks it to settle what is in
// flight and return soon. An exception counts as a failure (and is logged).
using JobBody = std::function<boost::asio::awaitable<RunVerdict>(JobStart start)>;
// Called once a run's verdict is in the schedule (its next due time and
// back-off are known), e.g. to record them.
using JobEnded = std::function<void(const std::string& name, RunVerdict verdict)>;

class JobLoop {
  public:
    enum class Mode {
        periodic,  // every job again and again, until stop()
        once,      // every job once (removed after its run); run() returns when all ran
    };

    JobLoop(boost::asio::any_io_executor executor, Schedule& schedule, JobBody body, Mode mode);
    JobLoop(const JobLoop&) = delete;
    JobLoop& operator=(const JobLoop&) = delete;

    boost::asio::awaitable<void> run();

    void on_job_end(JobEnded ended) { ended_ = std::move(ended); }

    // The schedule changed (a job added, removed or triggered): look again.
    void wake();
    // Start nothing new, ask every running job to stop; run() returns once
    // they all have.
    void stop();
    // Ask one running job to stop (it was removed or changed).
    void cancel(std::string_view name);

    bool stopping() const noexcept { return stopping_; }
    bool is_running(std::string_view name) const { return running_.count(name) != 0; }
    std::size_t running() const noexcept { return running_.size(); }

  private:
    void start(const JobStart& job);

    boost::asio::any_io_executor executor_;
    Schedule& schedule_;
    JobBody body_;
    JobEnded ended_;
    Mode mode_;
    boost::asio::steady_timer timer_;
    std::map<std::string, std::unique_ptr<boost::asio::cancellation_signal>, std::less<>> running_;
    bool stopping_ = false;
};

}  // namespace mailferry::sync
