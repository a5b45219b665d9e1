#include "sync/throttle.hpp"

#include <algorithm>

namespace mailferry::sync {

Throttle::Throttle(BackoffPolicy policy)
    : policy_(policy), random_(policy.seed != 0 ? policy.seed : std::random_device{}()) {}

void Throttle::start(std::size_t n) {
    start_ = std::max<std::size_t>(1, n);
    limit_ = start_;
}

std::chrono::milliseconds Throttle::delay(unsigned n) {
    using std::chrono::milliseconds;
    milliseconds d = std::max(policy_.base, milliseconds(1));
    for (unsigned i = 1; i < n && d < policy_.cap; ++i) {
        d *= 2;
    }
    d = std::min(d, policy_.cap);
    // Jitter, so that connections (and other clients) refused together do
    // not all come back at the same moment.
    const auto half = d.count() / 2;
    std::uniform_int_distribution<std::int64_t> spread(0, d.count() - half);
    return milliseconds(half + spread(random_));
}

Throttle::Decision Throttle::on_signal(Clock::time_point now, std::size_t open, bool waits) {
    Decision d;
    if (waiting_ && now < until_) {
        d.until = until_;
        d.connections = limit_;
        return d;
    }
    if (++in_a_row_ > policy_.attempts) {
        d.give_up = true;
        d.connections = limit_;
        return d;
    }
    ++episodes_;
    d.new_episode = true;
    d.wait = delay(in_a_row_);
    until_ = now + d.wait;
    waiting_ = true;
    if (waits) {
        total_wait_ += d.wait;
    }
    d.until = until_;
    // One pair fewer, never more than are open, never none (limit_ >= 1).
    limit_ = std::max<std::size_t>(1, std::min(limit_ - 1, open));
    d.connections = limit_;
    return d;
}

}  // namespace mailferry::sync
