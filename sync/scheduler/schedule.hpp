#pragma once
// When each job of the scheduler runs: intervals with jitter, exponential
// back-off after failures, and the connection caps (all jobs together, and
// per server). Pure: it never reads a clock, sleeps or does I/O; every call
// is given the time, so tests drive it with a fake clock and the daemon
// with std::chrono::steady_clock.
//
// A job is due at its due time and starts when the caps leave room for at
// least one connection per side; it then holds the connections it was
// granted (up to the number it asked for) until finished(). A job waiting
// for room stays due and is admitted before jobs that became due later.
// Jobs never wait for each other otherwise: a running job (however slow)
// does not delay another job's turn, only its own.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::sync {

using ScheduleClock = std::chrono::steady_clock;
using ScheduleTime = ScheduleClock::time_point;

struct ScheduleLimits {
    // Connections of all running jobs together, both sides counted.
    unsigned max_connections = 16;
    // Connections to one server (host:port), whichever side they serve;
    // providers throttle per client address, so two jobs on one host
    // share this.
    unsigned max_connections_per_server = 4;
    // Each wait is the nominal one times a factor drawn from
    // [1 - jitter, 1 + jitter], so jobs configured alike spread out.
    double jitter = 0.1;
    // The longest wait after failures (never shorter than the interval).
    std::chrono::seconds max_backoff{std::chrono::hours(1)};
};

struct JobSpec {
    std::string name;
    std::chrono::seconds interval{std::chrono::minutes(15)};
    unsigned connections = 1;   // wanted per side
    std::string source_server;  // "host:port"
    std::string target_server;
};

enum class RunVerdict {
    success,  // the interval applies again; the back-off is reset
    failure,  // could not connect or log in, lost the connection: back off
};

// A job the scheduler wants started now, with the connections granted per
// side (1 <= connections <= JobSpec::connections).
struct JobStart {
    std::string name;
    unsigned connections = 1;
};

struct JobState {
    JobSpec spec;
    bool running = false;
    unsigned granted = 0;  // connections per side while running
    ScheduleTime due{};    // next start (meaningless while running)
    unsigned consecutive_failures = 0;
    // The wait in effect after the last failures; zero while the job is
    // healthy.
    std::chrono::seconds backoff{0};
    std::uint64_t runs = 0;
};

class Schedule {
  public:
    explicit Schedule(ScheduleLimits limits, std::uint64_t seed = std::random_device{}());

    const ScheduleLimits& limits() const noexcept { return limits_; }

    // Adds a job due at `first_due`. A job of that name already present
    // keeps its timing and back-off and takes the new spec (it applies to
    // its next start).
    void add(JobSpec spec, ScheduleTime first_due);
    // Forgets the job. When it is running its connections stay counted
    // until finished() is called for it.
    void remove(std::string_view name);
    // Makes the job due at `now` (new mail seen by IDLE). A running job is
    // started once more right after it finishes.
    void trigger(std::string_view name, ScheduleTime now);

    // The jobs to start at `now`, earliest due first, as far as the caps
    // allow; they count as running from here on.
    std::vector<JobStart> take_due(ScheduleTime now);
    // A started job ended: its connections are free and its next due time
    // follows from the verdict (interval with jitter, or back-off).
    void finished(std::string_view name, ScheduleTime now, RunVerdict verdict);

    // The earliest due time of a job that is not running; none when every
    // job runs (or there is none). A due time that lies in the past means
    // "as soon as the caps allow": call take_due again after a finished().
    std::optional<ScheduleTime> next_due() const;

    const JobState* find(std::string_view name) const;
    std::vector<JobState> jobs() const;  // by name
    bool empty() const noexcept { return jobs_.empty(); }
    bool running_any() const;

    unsigned connections_in_use() const noexcept { return in_use_total_; }
    unsigned connections_in_use(std::string_view server) const;

  private:
    struct Entry {
        JobState state;
        bool removed = false;    // removed while running: dropped when it ends
        bool retrigger = false;  // triggered while running
    };

    unsigned grantable(const JobSpec& spec) const;
    void hold(const JobSpec& spec, unsigned connections, int sign);
    std::chrono::milliseconds jittered(std::chrono::seconds nominal);

    ScheduleLimits limits_;
    std::mt19937_64 random_;
    std::map<std::string, Entry, std::less<>> jobs_;
    std::map<std::string, unsigned, std::less<>> in_use_by_server_;
    unsigned in_use_total_ = 0;
};

// The wait after `failures` consecutive failures of a job with this
// interval: the interval doubled per failure, at most max(max_backoff,
// interval). Zero failures: the interval.
std::chrono::seconds backoff_after(unsigned failures, std::chrono::seconds interval,
                                   std::chrono::seconds max_backoff);

}  // namespace mailferry::sync
