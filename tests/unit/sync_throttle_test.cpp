// The back-off policy against a provider's throttling: episodes, waits,
// jitter and the connections the run keeps. Time is passed in.
#include "sync/throttle.hpp"

#include <gtest/gtest.h>

namespace {

using mailferry::sync::BackoffPolicy;
using mailferry::sync::Throttle;
using std::chrono::milliseconds;

BackoffPolicy policy(std::uint64_t seed = 7) {
    BackoffPolicy p;
    p.base = milliseconds(1000);
    p.cap = milliseconds(60000);
    p.attempts = 4;
    p.seed = seed;
    return p;
}

TEST(Throttle, WaitsDoubleUpToTheCapWithJitterInTheUpperHalf) {
    Throttle t(policy());
    for (unsigned n = 1; n <= 10; ++n) {
        const long full = std::min(1000L << (n - 1), 60000L);
        const milliseconds d = t.delay(n);
        EXPECT_GE(d.count(), full / 2) << n;
        EXPECT_LE(d.count(), full) << n;
    }
}

TEST(Throttle, TheSameSeedGivesTheSameJitter) {
    Throttle a(policy(42)), b(policy(42)), c(policy(43));
    bool differs = false;
    for (unsigned n = 1; n <= 6; ++n) {
        const milliseconds da = a.delay(n);
        EXPECT_EQ(da, b.delay(n));
        differs = differs || da != c.delay(n);
    }
    EXPECT_TRUE(differs);
}

TEST(Throttle, SignalsDuringAnEpisodesWaitJoinIt) {
    Throttle t(policy());
    t.start(4);
    const Throttle::Clock::time_point t0{};
    const auto first = t.on_signal(t0, 4);
    EXPECT_TRUE(first.new_episode);
    EXPECT_EQ(first.connections, 3u);
    EXPECT_EQ(first.until, t0 + first.wait);
    // Three more connections refused during the wait: same episode.
    for (int i = 0; i < 3; ++i) {
        const auto joined = t.on_signal(t0 + milliseconds(100), 3);
        EXPECT_FALSE(joined.new_episode);
        EXPECT_EQ(joined.until, first.until);
        EXPECT_EQ(joined.connections, 3u);
    }
    EXPECT_EQ(t.episodes(), 1u);
    EXPECT_EQ(t.total_wait(), first.wait);
}

TEST(Throttle, EachEpisodeLowersTheConnectionsToWhatIsOpenNeverBelowOne) {
    Throttle t(policy());
    t.start(4);
    Throttle::Clock::time_point now{};
    // Only two pairs could be opened (a refused login): down to them.
    auto d = t.on_signal(now, 2);
    EXPECT_EQ(d.connections, 2u);
    now = d.until;
    d = t.on_signal(now, 2);
    EXPECT_EQ(d.connections, 1u);
    now = d.until;
    d = t.on_signal(now, 1);
    EXPECT_EQ(d.connections, 1u);
    EXPECT_EQ(t.connections_at_start(), 4u);
    EXPECT_EQ(t.connections(), 1u);
    EXPECT_EQ(t.episodes(), 3u);
}

TEST(Throttle, GivesUpAfterItsAttemptsInARowAndProgressResetsThem) {
    Throttle t(policy());
    t.start(2);
    Throttle::Clock::time_point now{};
    for (unsigned i = 0; i < 4; ++i) {
        const auto d = t.on_signal(now, 1);
        ASSERT_FALSE(d.give_up) << i;
        now = d.until;
    }
    // Progress: the count starts over, and so does the wait.
    t.on_progress();
    const auto again = t.on_signal(now, 1);
    EXPECT_FALSE(again.give_up);
    EXPECT_LE(again.wait, milliseconds(1000));
    now = again.until;
    for (unsigned i = 0; i < 3; ++i) {
        now = t.on_signal(now, 1).until;
    }
    EXPECT_TRUE(t.on_signal(now, 1).give_up);
}

TEST(Throttle, ARefusedExtraConnectionGroupsSignalsWithoutCountingAWait) {
    Throttle t(policy());
    t.start(3);
    const auto d = t.on_signal(Throttle::Clock::time_point{}, 1, false);
    EXPECT_TRUE(d.new_episode);
    EXPECT_EQ(t.total_wait(), milliseconds(0));
    EXPECT_EQ(t.connections(), 1u);
}

}  // namespace
