// The scheduler's timing and caps, driven by a fake clock: every call is
// given the time, so these tests never sleep.
#include "sync/scheduler/schedule.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <vector>

namespace mailferry::sync {
namespace {

using namespace std::chrono_literals;

const ScheduleTime t0 = ScheduleTime{} + 1000h;  // any fixed point of the fake clock

JobSpec job(std::string name, std::chrono::seconds interval = 60s, unsigned connections = 1,
            std::string source = "src:993", std::string target = "dst:993") {
    JobSpec spec;
    spec.name = std::move(name);
    spec.interval = interval;
    spec.connections = connections;
    spec.source_server = std::move(source);
    spec.target_server = std::move(target);
    return spec;
}

std::vector<std::string> names(const std::vector<JobStart>& starts) {
    std::vector<std::string> list;
    for (const JobStart& s : starts) {
        list.push_back(s.name);
    }
    return list;
}

ScheduleLimits roomy() {
    ScheduleLimits limits;
    limits.max_connections = 100;
    limits.max_connections_per_server = 100;
    return limits;
}

TEST(Schedule, NothingIsDueBeforeItsTime) {
    Schedule schedule(roomy(), 1);
    schedule.add(job("a"), t0 + 10s);
    EXPECT_TRUE(schedule.take_due(t0).empty());
    EXPECT_TRUE(schedule.take_due(t0 + 9s).empty());
    EXPECT_EQ(names(schedule.take_due(t0 + 10s)), std::vector<std::string>{"a"});
    ASSERT_NE(schedule.find("a"), nullptr);
    EXPECT_TRUE(schedule.find("a")->running);
}

TEST(Schedule, ARunningJobIsNotStartedTwice) {
    Schedule schedule(roomy(), 1);
    schedule.add(job("a"), t0);
    EXPECT_EQ(schedule.take_due(t0).size(), 1U);
    EXPECT_TRUE(schedule.take_due(t0 + 1h).empty());
    EXPECT_FALSE(schedule.next_due().has_value());
}

TEST(Schedule, TheNextRunFollowsTheIntervalWithinTheJitterBounds) {
    ScheduleLimits limits = roomy();
    limits.jitter = 0.1;
    std::set<std::int64_t> seen;
    for (std::uint64_t seed = 1; seed <= 200; ++seed) {
        Schedule schedule(limits, seed);
        schedule.add(job("a", 600s), t0);
        schedule.take_due(t0);
        schedule.finished("a", t0 + 5s, RunVerdict::success);
        const auto wait =
            std::chrono::duration_cast<std::chrono::milliseconds>(*schedule.next_due() - (t0 + 5s))
                .count();
        EXPECT_GE(wait, 540'000);
        EXPECT_LE(wait, 660'000);
        seen.insert(wait);
    }
    // Jitter really spreads the jobs out.
    EXPECT_GT(seen.size(), 20U);
}

TEST(Schedule, JitterOfShortIntervalsIsFinerThanASecond) {
    ScheduleLimits limits = roomy();
    limits.jitter = 0.1;
    for (std::uint64_t seed = 1; seed <= 50; ++seed) {
        Schedule schedule(limits, seed);
        schedule.add(job("a", 2s), t0);
        schedule.take_due(t0);
        schedule.finished("a", t0, RunVerdict::success);
        const auto wait = *schedule.next_due() - t0;
        EXPECT_GE(wait, 1800ms);
        EXPECT_LE(wait, 2200ms);
    }
}

TEST(Schedule, WithoutJitterTheIntervalIsExact) {
    ScheduleLimits limits = roomy();
    limits.jitter = 0;
    Schedule schedule(limits, 7);
    schedule.add(job("a", 300s), t0);
    for (int run = 0; run < 5; ++run) {
        const ScheduleTime start = t0 + run * 300s;
        ASSERT_EQ(names(schedule.take_due(start)), std::vector<std::string>{"a"}) << run;
        schedule.finished("a", start, RunVerdict::success);
        EXPECT_EQ(*schedule.next_due(), start + 300s);
    }
    EXPECT_EQ(schedule.find("a")->runs, 5U);
}

TEST(Schedule, BackOffDoublesPerFailureUpToTheCapAndASuccessResetsIt) {
    ScheduleLimits limits = roomy();
    limits.jitter = 0;
    limits.max_backoff = 3600s;
    Schedule schedule(limits, 3);
    schedule.add(job("a", 300s), t0);
    ScheduleTime now = t0;
    const std::vector<std::int64_t> expected = {600, 1200, 2400, 3600, 3600, 3600};
    for (std::size_t i = 0; i < expected.size(); ++i) {
        ASSERT_EQ(schedule.take_due(now).size(), 1U) << i;
        schedule.finished("a", now, RunVerdict::failure);
        const JobState* state = schedule.find("a");
        EXPECT_EQ(state->consecutive_failures, i + 1);
        EXPECT_EQ(state->backoff.count(), expected[i]) << "after failure " << i + 1;
        EXPECT_EQ(*schedule.next_due(), now + state->backoff);
        now = *schedule.next_due();
    }
    ASSERT_EQ(schedule.take_due(now).size(), 1U);
    schedule.finished("a", now, RunVerdict::success);
    EXPECT_EQ(schedule.find("a")->consecutive_failures, 0U);
    EXPECT_EQ(schedule.find("a")->backoff.count(), 0);
    EXPECT_EQ(*schedule.next_due(), now + 300s);
}

TEST(Schedule, BackOffNeverWaitsLessThanTheIntervalEvenAboveTheCap) {
    EXPECT_EQ(backoff_after(0, 7200s, 3600s), 7200s);
    EXPECT_EQ(backoff_after(3, 7200s, 3600s), 7200s);
    EXPECT_EQ(backoff_after(1, 10s, 3600s), 20s);
    EXPECT_EQ(backoff_after(60, 10s, 3600s), 3600s);  // no overflow however many failures
}

TEST(Schedule, AFailingJobDoesNotDelayAHealthyOne) {
    ScheduleLimits limits = roomy();
    limits.jitter = 0;
    Schedule schedule(limits, 5);
    schedule.add(job("bad", 60s), t0);
    schedule.add(job("good", 60s, 1, "other:993", "dst:993"), t0);
    ScheduleTime now = t0;
    std::size_t good_runs = 0;
    for (int step = 0; step < 20; ++step) {
        for (const JobStart& s : schedule.take_due(now)) {
            const bool good = s.name == "good";
            good_runs += good ? 1 : 0;
            schedule.finished(s.name, now, good ? RunVerdict::success : RunVerdict::failure);
        }
        now += 60s;
    }
    EXPECT_EQ(good_runs, 20U);
    EXPECT_GE(schedule.find("bad")->consecutive_failures, 3U);
    EXPECT_LT(schedule.find("bad")->runs, 10U);
}

TEST(Schedule, ASlowJobNeverDelaysAnother) {
    ScheduleLimits limits = roomy();
    limits.jitter = 0;
    Schedule schedule(limits, 9);
    schedule.add(job("slow", 60s), t0);
    schedule.add(job("fast", 60s), t0);
    ASSERT_EQ(schedule.take_due(t0).size(), 2U);
    schedule.finished("fast", t0 + 1s, RunVerdict::success);
    // "slow" runs for an hour; "fast" keeps its own rhythm meanwhile.
    ScheduleTime now = t0 + 1s;
    for (int i = 0; i < 60; ++i) {
        now += 60s;
        ASSERT_EQ(names(schedule.take_due(now)), std::vector<std::string>{"fast"}) << i;
        schedule.finished("fast", now, RunVerdict::success);
    }
    EXPECT_TRUE(schedule.find("slow")->running);
    EXPECT_EQ(schedule.find("fast")->runs, 61U);
}

TEST(Schedule, TheGlobalCapIsNeverExceeded) {
    ScheduleLimits limits;
    limits.max_connections = 8;
    limits.max_connections_per_server = 100;
    Schedule schedule(limits, 11);
    for (int i = 0; i < 10; ++i) {
        schedule.add(job("job" + std::to_string(i), 60s, 2, "src" + std::to_string(i),
                         "dst" + std::to_string(i)),
                     t0);
    }
    std::vector<JobStart> started = schedule.take_due(t0);
    EXPECT_EQ(started.size(), 2U);  // 2 connections per side each: 4 per job
    EXPECT_EQ(schedule.connections_in_use(), 8U);
    // As jobs end, the waiting ones start, always within the cap, and each
    // due job runs before any job runs a second time.
    ScheduleTime now = t0;
    std::set<std::string> ran;
    for (int round = 0; round < 20 && ran.size() < 10; ++round) {
        for (const JobStart& s : started) {
            ran.insert(s.name);
            now += 1s;
            schedule.finished(s.name, now, RunVerdict::success);
        }
        started = schedule.take_due(now);
        EXPECT_LE(schedule.connections_in_use(), 8U);
    }
    EXPECT_EQ(ran.size(), 10U);
}

TEST(Schedule, JobsOnOneServerShareItsCapAndGetFewerConnectionsRatherThanNone) {
    ScheduleLimits limits;
    limits.max_connections = 100;
    limits.max_connections_per_server = 4;
    Schedule schedule(limits, 13);
    // Both jobs read from imap.example:993 and write to different servers.
    schedule.add(job("a", 60s, 3, "imap.example:993", "t1:993"), t0);
    schedule.add(job("b", 60s, 3, "imap.example:993", "t2:993"), t0);
    const std::vector<JobStart> started = schedule.take_due(t0);
    ASSERT_EQ(started.size(), 2U);
    EXPECT_EQ(started[0].name, "a");
    EXPECT_EQ(started[0].connections, 3U);
    EXPECT_EQ(started[1].connections, 1U);  // what the server has left
    EXPECT_EQ(schedule.connections_in_use("imap.example:993"), 4U);
    schedule.add(job("c", 60s, 1, "imap.example:993", "t3:993"), t0);
    EXPECT_TRUE(schedule.take_due(t0).empty());  // the server is full
    schedule.finished("b", t0 + 1s, RunVerdict::success);
    EXPECT_EQ(names(schedule.take_due(t0 + 1s)), std::vector<std::string>{"c"});
    EXPECT_LE(schedule.connections_in_use("imap.example:993"), 4U);
}

TEST(Schedule, BothSidesOnOneServerCountTwice) {
    ScheduleLimits limits;
    limits.max_connections = 100;
    limits.max_connections_per_server = 4;
    Schedule schedule(limits, 17);
    schedule.add(job("a", 60s, 4, "one:143", "one:143"), t0);
    const auto started = schedule.take_due(t0);
    ASSERT_EQ(started.size(), 1U);
    EXPECT_EQ(started[0].connections, 2U);
    EXPECT_EQ(schedule.connections_in_use("one:143"), 4U);
}

TEST(Schedule, ATriggerMakesAJobDueNowAndAgainAfterARunningOne) {
    ScheduleLimits limits = roomy();
    limits.jitter = 0;
    Schedule schedule(limits, 19);
    schedule.add(job("a", 3600s), t0 + 3600s);
    schedule.trigger("a", t0 + 5s);
    EXPECT_EQ(names(schedule.take_due(t0 + 5s)), std::vector<std::string>{"a"});
    schedule.trigger("a", t0 + 6s);  // new mail while it runs
    schedule.finished("a", t0 + 7s, RunVerdict::success);
    EXPECT_EQ(*schedule.next_due(), t0 + 7s);
    EXPECT_EQ(schedule.take_due(t0 + 7s).size(), 1U);
    schedule.finished("a", t0 + 8s, RunVerdict::success);
    EXPECT_EQ(*schedule.next_due(), t0 + 8s + 3600s);
}

TEST(Schedule, RemovingARunningJobFreesItsConnectionsWhenItEnds) {
    Schedule schedule(roomy(), 23);
    schedule.add(job("a", 60s, 2), t0);
    ASSERT_EQ(schedule.take_due(t0).size(), 1U);
    schedule.remove("a");
    EXPECT_EQ(schedule.find("a"), nullptr);
    EXPECT_EQ(schedule.connections_in_use(), 4U);
    schedule.finished("a", t0 + 1s, RunVerdict::success);
    EXPECT_EQ(schedule.connections_in_use(), 0U);
    EXPECT_TRUE(schedule.jobs().empty());
    EXPECT_FALSE(schedule.next_due().has_value());
}

TEST(Schedule, ReAddingAJobKeepsItsTimingAndTakesTheNewSpec) {
    ScheduleLimits limits = roomy();
    limits.jitter = 0;
    Schedule schedule(limits, 29);
    schedule.add(job("a", 60s), t0);
    schedule.take_due(t0);
    schedule.finished("a", t0, RunVerdict::failure);
    const ScheduleTime due = *schedule.next_due();
    schedule.add(job("a", 120s, 3), t0 + 1s);
    EXPECT_EQ(*schedule.next_due(), due);
    EXPECT_EQ(schedule.find("a")->spec.connections, 3U);
    EXPECT_EQ(schedule.find("a")->consecutive_failures, 1U);
}

TEST(Schedule, AGlobalCapBelowOneConnectionPerSideIsRaisedSoJobsCanRun) {
    ScheduleLimits limits;
    limits.max_connections = 1;
    limits.max_connections_per_server = 1;
    Schedule schedule(limits, 31);
    schedule.add(job("a", 60s, 3, "one:143", "two:143"), t0);
    schedule.add(job("b", 60s, 1, "one:143", "three:143"), t0);
    const auto started = schedule.take_due(t0);
    ASSERT_EQ(started.size(), 1U);  // "b" shares server one, which allows one connection
    EXPECT_EQ(started[0].connections, 1U);
    EXPECT_EQ(schedule.limits().max_connections, 2U);
    EXPECT_EQ(schedule.connections_in_use("one:143"), 1U);
}

}  // namespace
}  // namespace mailferry::sync
