#include "sync/scheduler/schedule.hpp"

#include <algorithm>
#include <tuple>

namespace mailferry::sync {

namespace {

// Every job needs one connection per side.
constexpr unsigned smallest_useful_total = 2;

}  // namespace

std::chrono::seconds backoff_after(unsigned failures, std::chrono::seconds interval,
                                   std::chrono::seconds max_backoff) {
    const std::chrono::seconds ceiling = std::max(max_backoff, interval);
    std::chrono::seconds wait = std::max(interval, std::chrono::seconds(1));
    for (unsigned i = 0; i < failures && wait < ceiling; ++i) {
        wait *= 2;
    }
    return std::min(wait, ceiling);
}

Schedule::Schedule(ScheduleLimits limits, std::uint64_t seed) : limits_(limits), random_(seed) {
    limits_.max_connections = std::max(limits_.max_connections, smallest_useful_total);
    // A cap of 1 per server still runs jobs whose two sides are on different
    // servers (the config refuses a job that has both on one such server).
    limits_.max_connections_per_server = std::max(limits_.max_connections_per_server, 1U);
    limits_.jitter = std::clamp(limits_.jitter, 0.0, 0.5);
}

void Schedule::add(JobSpec spec, ScheduleTime first_due) {
    spec.connections = std::max(spec.connections, 1U);
    auto it = jobs_.find(spec.name);
    if (it != jobs_.end()) {
        it->second.removed = false;
        it->second.state.spec = std::move(spec);
        return;
    }
    Entry entry;
    entry.state.spec = spec;
    entry.state.due = first_due;
    jobs_.emplace(spec.name, std::move(entry));
}

void Schedule::remove(std::string_view name) {
    auto it = jobs_.find(name);
    if (it == jobs_.end()) {
        return;
    }
    if (it->second.state.running) {
        it->second.removed = true;
    } else {
        jobs_.erase(it);
    }
}

void Schedule::trigger(std::string_view name, ScheduleTime now) {
    auto it = jobs_.find(name);
    if (it == jobs_.end() || it->second.removed) {
        return;
    }
    if (it->second.state.running) {
        it->second.retrigger = true;
    } else {
        it->second.state.due = std::min(it->second.state.due, now);
    }
}

unsigned Schedule::connections_in_use(std::string_view server) const {
    auto it = in_use_by_server_.find(server);
    return it == in_use_by_server_.end() ? 0 : it->second;
}

unsigned Schedule::grantable(const JobSpec& spec) const {
    const bool one_server = spec.source_server == spec.target_server;
    for (unsigned c = spec.connections; c >= 1; --c) {
        const unsigned total = in_use_total_ + 2 * c;
        const bool fits_total = total <= limits_.max_connections;
        bool fits_servers = false;
        if (one_server) {
            fits_servers = connections_in_use(spec.source_server) + 2 * c <=
                           limits_.max_connections_per_server;
        } else {
            fits_servers =
                connections_in_use(spec.source_server) + c <= limits_.max_connections_per_server &&
                connections_in_use(spec.target_server) + c <= limits_.max_connections_per_server;
        }
        if (fits_total && fits_servers) {
            return c;
        }
    }
    return 0;
}

void Schedule::hold(const JobSpec& spec, unsigned connections, int sign) {
    const auto add = [&](const std::string& server) {
        unsigned& n = in_use_by_server_[server];
        n = sign > 0 ? n + connections : n - connections;
        if (n == 0) {
            in_use_by_server_.erase(server);
        }
    };
    add(spec.source_server);
    add(spec.target_server);
    in_use_total_ = sign > 0 ? in_use_total_ + 2 * connections : in_use_total_ - 2 * connections;
}

std::vector<JobStart> Schedule::take_due(ScheduleTime now) {
    std::vector<Entry*> due;
    for (auto& [name, entry] : jobs_) {
        if (!entry.state.running && !entry.removed && entry.state.due <= now) {
            due.push_back(&entry);
        }
    }
    // Earliest due first; the name breaks ties so the order is reproducible.
    std::sort(due.begin(), due.end(), [](const Entry* a, const Entry* b) {
        return std::tie(a->state.due, a->state.spec.name) <
               std::tie(b->state.due, b->state.spec.name);
    });
    std::vector<JobStart> starts;
    for (Entry* entry : due) {
        const unsigned granted = grantable(entry->state.spec);
        if (granted == 0) {
            continue;  // stays due; a later job may still fit on other servers
        }
        hold(entry->state.spec, granted, +1);
        entry->state.running = true;
        entry->state.granted = granted;
        starts.push_back({entry->state.spec.name, granted});
    }
    return starts;
}

std::chrono::milliseconds Schedule::jittered(std::chrono::seconds nominal) {
    std::uniform_real_distribution<double> factor(1.0 - limits_.jitter, 1.0 + limits_.jitter);
    const double ms = static_cast<double>(nominal.count()) * 1000.0 * factor(random_);
    return std::chrono::milliseconds(std::max<std::int64_t>(1, static_cast<std::int64_t>(ms)));
}

void Schedule::finished(std::string_view name, ScheduleTime now, RunVerdict verdict) {
    auto it = jobs_.find(name);
    if (it == jobs_.end() || !it->second.state.running) {
        return;
    }
    Entry& entry = it->second;
    JobState& job = entry.state;
    hold(job.spec, job.granted, -1);
    job.running = false;
    job.granted = 0;
    ++job.runs;
    if (entry.removed) {
        jobs_.erase(it);
        return;
    }
    if (verdict == RunVerdict::success) {
        job.consecutive_failures = 0;
        job.backoff = std::chrono::seconds(0);
        job.due = now + jittered(job.spec.interval);
    } else {
        ++job.consecutive_failures;
        job.backoff =
            backoff_after(job.consecutive_failures, job.spec.interval, limits_.max_backoff);
        job.due = now + jittered(job.backoff);
    }
    if (entry.retrigger) {
        entry.retrigger = false;
        // New mail arrived during the run; a failing job keeps its back-off.
        if (verdict == RunVerdict::success) {
            job.due = now;
        }
    }
}

std::optional<ScheduleTime> Schedule::next_due() const {
    std::optional<ScheduleTime> next;
    for (const auto& [name, entry] : jobs_) {
        if (entry.state.running || entry.removed) {
            continue;
        }
        if (!next || entry.state.due < *next) {
            next = entry.state.due;
        }
    }
    return next;
}

const JobState* Schedule::find(std::string_view name) const {
    auto it = jobs_.find(name);
    return it == jobs_.end() || it->second.removed ? nullptr : &it->second.state;
}

std::vector<JobState> Schedule::jobs() const {
    std::vector<JobState> list;
    for (const auto& [name, entry] : jobs_) {
        if (!entry.removed) {
            list.push_back(entry.state);
        }
    }
    return list;
}

bool Schedule::running_any() const {
    return std::any_of(jobs_.begin(), jobs_.end(),
                       [](const auto& item) { return item.second.state.running; });
}

}  // namespace mailferry::sync
