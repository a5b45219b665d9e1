#pragma once
// A run's answer to a provider's throttling (SPEC.md "Reliability"): when a
// server refuses or hangs up because of load or its limits on the account
// (MailboxError::busy), the run waits with exponential back-off and jitter,
// uses one connection pair fewer for the rest of the run, and tries again;
// nothing is failed for it.
//
// Signals close together are one episode: a signal that comes while an
// episode's wait is still running joins it (it waits for the same moment
// and lowers nothing more), so several connections refused at once count
// once. Each new episode without progress in between doubles the wait, up
// to the cap; stored messages reset it. After `attempts` episodes in a row
// without progress the run gives up (a re-run resumes).
//
// Pure: time is passed in, the jitter comes from a seeded generator.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>

namespace mailferry::sync {

struct BackoffPolicy {
    std::chrono::milliseconds base{1000};  // the first episode's wait, before jitter
    std::chrono::milliseconds cap{60000};  // no wait is longer
    unsigned attempts = 8;                 // episodes in a row without progress
    std::uint64_t seed = 0;                // of the jitter; 0: a random seed
};

class Throttle {
  public:
    using Clock = std::chrono::steady_clock;

    explicit Throttle(BackoffPolicy policy = {});

    // The run starts using `n` connection pairs (before any signal).
    void start(std::size_t n);

    struct Decision {
        bool give_up = false;               // too many episodes in a row: stop the run
        bool new_episode = false;           // log it (once per episode)
        Clock::time_point until;            // wait until then
        std::chrono::milliseconds wait{0};  // this episode's wait
        std::size_t connections = 1;        // pairs the run may use from now on
    };
    // A busy signal at `now`, while `open` pairs are connected. `waits`:
    // someone waits the episode out (false for an extra connection the
    // server refused, which is simply not opened: its episode groups the
    // signals that follow but adds nothing to total_wait()).
    Decision on_signal(Clock::time_point now, std::size_t open, bool waits = true);
    // Messages were stored: the next episode starts again from `base`.
    void on_progress() noexcept { in_a_row_ = 0; }

    // base * 2^(n-1), capped, then jittered into [half, all] of it: the wait
    // of the n-th episode in a row (n from 1).
    std::chrono::milliseconds delay(unsigned n);

    std::size_t connections() const noexcept { return limit_; }
    std::size_t connections_at_start() const noexcept { return start_; }
    std::size_t episodes() const noexcept { return episodes_; }
    std::chrono::milliseconds total_wait() const noexcept { return total_wait_; }

  private:
    BackoffPolicy policy_;
    std::mt19937_64 random_;
    std::size_t start_ = 1;
    std::size_t limit_ = 1;
    std::size_t episodes_ = 0;
    unsigned in_a_row_ = 0;
    std::chrono::milliseconds total_wait_{0};
    Clock::time_point until_{};
    bool waiting_ = false;  // an episode has begun (until_ is meaningful)
};

}  // namespace mailferry::sync
