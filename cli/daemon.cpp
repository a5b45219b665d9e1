#include "cli/daemon.hpp"

#include "cli/app.hpp"
#include "cli/job_runner.hpp"
#include "cli/job_selection.hpp"
#include "cli/logging.hpp"
#include "cli/metrics_server.hpp"
#include "cli/prometheus_text.hpp"
#include "cli/state_path.hpp"
#include "cli/systemd_notify.hpp"
#include "clients/net/describe.hpp"
#include "clients/wire/account_url.hpp"
#include "state/state_store.hpp"
#include "sync/adapters/inbox_watch.hpp"
#include "sync/scheduler/job_loop.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <set>

#include <unistd.h>

namespace mailferry::cli {

namespace {

namespace asio = boost::asio;

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// A due time of the steady schedule clock as unix seconds, for the state.
std::int64_t to_unix(sync::ScheduleTime due) {
    const auto ahead =
        std::chrono::duration_cast<std::chrono::seconds>(due - sync::ScheduleClock::now());
    return unix_now() + std::max<std::int64_t>(0, ahead.count());
}

// Equal but for where they stand in the file.
bool same_job(JobConfig a, JobConfig b) {
    a.line = b.line = 0;
    a.origins.clear();
    b.origins.clear();
    return a == b;
}

class Daemon {
  public:
    Daemon(asio::io_context& io, DaemonSettings settings, Config config, state::StateStore& store)
        : io_(io),
          settings_(std::move(settings)),
          config_(std::move(config)),
          store_(store),
          schedule_(limits_of(config_)),
          loop_(
              io.get_executor(), schedule_,
              [this](sync::JobStart start) { return run_one(std::move(start)); },
              sync::JobLoop::Mode::periodic),
          signals_(io, SIGINT, SIGTERM, SIGHUP),
          stop_timer_(io) {
        loop_.on_job_end(
            [this](const std::string& name, sync::RunVerdict) { record_schedule(name); });
    }

    // Binds the metrics listener; a message for the user when it cannot.
    std::optional<std::string> open_metrics() {
        if (settings_.metrics.empty()) {
            return std::nullopt;
        }
        auto server = MetricsServer::start(io_.get_executor(), settings_.metrics,
                                           [this] { return render_metrics(); });
        if (!server) {
            return server.error();
        }
        metrics_ = std::move(*server);
        spdlog::info("metrics at http://{}/metrics", net::describe(metrics_->endpoint()));
        return std::nullopt;
    }

    asio::awaitable<void> run(std::vector<JobConfig> jobs) {
        for (JobConfig& job : jobs) {
            add_job(std::move(job));
        }
        wait_for_signals();
        notify_ready(status_text());
        spdlog::info("daemon running {} job(s) of {} (pid {})", jobs_.size(),
                     settings_.config_file.string(), ::getpid());
        co_await loop_.run();
        // Every job has ended: nothing may keep the io_context running.
        stop_all_watches();
        signals_.cancel();
        stop_timer_.cancel();
        if (metrics_) {
            metrics_->stop();
        }
        spdlog::info("daemon stopped");
    }

  private:
    struct FinishedRun {
        JobRunResult result;
        bool cut_short = false;  // interrupted on purpose: not a failure
    };

    // One IDLE watch. Its signal holds the cancellation state of the watch's
    // coroutine, so it lives until that coroutine has ended, which for a
    // stopped watch is after DONE and LOGOUT: a changed job's new watch can
    // start before the old one has ended.
    struct Watch {
        std::string job;
        std::unique_ptr<asio::cancellation_signal> signal;
        bool stopping = false;
    };

    static sync::ScheduleLimits limits_of(const Config& config) {
        sync::ScheduleLimits limits;
        limits.max_connections = config.max_connections;
        limits.max_connections_per_server = config.max_connections_per_server;
        return limits;
    }

    std::string status_text() const {
        return fmt::format("{} job(s), {} running", jobs_.size(), loop_.running());
    }

    void add_job(JobConfig job) {
        const std::string name = job.name;
        if (job.insecure) {
            warn_insecure(name);
        }
        schedule_.add(job_spec(job), sync::ScheduleClock::now());
        jobs_[name] = std::move(job);
        start_watch(jobs_[name]);
        loop_.wake();
    }

    void remove_job(const std::string& name) {
        schedule_.remove(name);
        loop_.cancel(name);
        stop_watch(name);
        jobs_.erase(name);
        if (auto r = store_.forget_job(name); !r) {
            spdlog::warn("forgetting job {} in the state failed: {}", name, r.error().message);
        }
        loop_.wake();
    }

    void change_job(JobConfig job) {
        const std::string name = job.name;
        if (job.insecure) {
            warn_insecure(name);
        }
        if (loop_.is_running(name)) {
            restarting_.insert(name);
        }
        loop_.cancel(name);  // a running one settles, then starts again with the new settings
        stop_watch(name);
        schedule_.add(job_spec(job), sync::ScheduleClock::now());
        schedule_.trigger(name, sync::ScheduleClock::now());
        jobs_[name] = std::move(job);
        start_watch(jobs_[name]);
        loop_.wake();
    }

    asio::awaitable<sync::RunVerdict> run_one(sync::JobStart start) {
        auto found = jobs_.find(start.name);
        if (found == jobs_.end()) {
            co_return sync::RunVerdict::success;  // removed before it started
        }
        JobConfig job = found->second;  // the map may change while it runs
        JobRunSettings settings;
        settings.command = "daemon";
        settings.connections = start.connections;
        JobRunResult result = co_await run_job(std::move(job), settings, store_);
        // A run cut short on purpose (a stop signal, a changed config) is no
        // failure to back off from: the next run resumes it.
        const bool restarted = restarting_.erase(result.name) > 0;
        const bool cut_short = result.migration.outcome == sync::Outcome::interrupted &&
                               (restarted || loop_.stopping());
        const sync::RunVerdict verdict =
            cut_short ? sync::RunVerdict::success : verdict_for(result.migration.outcome);
        const std::string name = result.name;
        last_runs_[name] = FinishedRun{std::move(result), cut_short};
        co_return verdict;
    }

    state::JobSchedule schedule_of(const std::string& name) const {
        state::JobSchedule next;
        if (const sync::JobState* s = schedule_.find(name)) {
            if (!s->running && !loop_.stopping()) {
                next.next_run = to_unix(s->due);
            }
            next.backoff_s = s->backoff.count();
            next.consecutive_failures = s->consecutive_failures;
        }
        return next;
    }

    // After a run: the state learns its outcome and the job's next run.
    void record_schedule(const std::string& name) {
        auto run = last_runs_.find(name);
        if (run == last_runs_.end() || jobs_.count(name) == 0) {
            return;
        }
        state::JobRun record = to_job_run(run->second.result);
        if (run->second.cut_short) {
            record.failed = false;
        }
        if (auto r = store_.record_job_run(record, schedule_of(name)); !r) {
            job_logger(name)->warn("recording the run in the state failed: {}", r.error().message);
        }
        last_runs_.erase(run);
        notify_status(status_text());
    }

    void start_watch(const JobConfig& job) {
        if (!job.idle) {
            return;
        }
        auto log = job_logger(job.name);
        wire::AccountUrlParse url = wire::parse_account_url(job.source);
        if (!url.url || !url.url->is_imap()) {
            log->warn("idle = true needs an IMAP source; this job runs on its interval only");
            return;
        }
        auto access = account_access(job, "source");
        if (!access) {
            log->warn("IDLE not started: {}; this job runs on its interval only", access.error());
            return;
        }
        sync::MigrationOptions options = to_migration_options(job);
        options.logger = log;

        const std::uint64_t id = ++last_watch_id_;
        Watch& watch = watches_[id];
        watch.job = job.name;
        watch.signal = std::make_unique<asio::cancellation_signal>();
        const std::string name = job.name;
        std::function<void()> on_change = [this, name] {
            schedule_.trigger(name, sync::ScheduleClock::now());
            loop_.wake();
        };
        sync::InboxWatchOptions watch_options;
        asio::co_spawn(
            io_,
            sync::watch_inbox(std::move(*access), std::move(options), watch_options,
                              std::move(on_change)),
            asio::bind_cancellation_slot(
                watch.signal->slot(),
                [this, id, log](std::exception_ptr e, sync::InboxWatchEnd end) {
                    if (e) {
                        log->error(
                            "IDLE watch ended with an internal error; the job runs on "
                            "its interval only");
                    } else if (end == sync::InboxWatchEnd::unsupported) {
                        log->info("the source offers no IDLE; the job runs on its interval");
                    }
                    watches_.erase(id);
                }));
    }

    // Asks a watch to end (DONE, LOGOUT) once; it leaves watches_ when it has.
    static void stop_watch(Watch& watch) {
        if (!watch.stopping) {
            watch.stopping = true;
            watch.signal->emit(asio::cancellation_type::terminal);
        }
    }

    void stop_watch(const std::string& name) {
        for (auto& [id, watch] : watches_) {
            if (watch.job == name) {
                stop_watch(watch);
            }
        }
    }

    void stop_all_watches() {
        for (auto& [id, watch] : watches_) {
            stop_watch(watch);
        }
    }

    std::string render_metrics() {
        std::map<std::string, state::JobRecord> records;
        if (auto rows = store_.jobs()) {
            for (state::JobRecord& r : *rows) {
                records[r.name] = std::move(r);
            }
        }
        std::vector<JobMetrics> metrics;
        for (const sync::JobState& s : schedule_.jobs()) {
            JobMetrics m;
            m.job = s.spec.name;
            m.running = s.running;
            m.backoff_seconds = static_cast<double>(s.backoff.count());
            if (auto r = records.find(s.spec.name); r != records.end()) {
                m.runs = r->second.runs;
                m.failures = r->second.failures;
                m.messages_copied = r->second.messages_copied;
                m.bytes_copied = r->second.bytes_copied;
                m.last_success = r->second.last_success;
            }
            metrics.push_back(std::move(m));
        }
        return render_prometheus(metrics);
    }

    void wait_for_signals() {
        signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
            if (ec) {
                return;
            }
            if (sig == SIGHUP) {
                if (!loop_.stopping()) {
                    reload();
                }
            } else if (loop_.stopping()) {
                spdlog::warn("second {}: stopping now; a re-run resumes", strsignal(sig));
                std::_Exit(static_cast<int>(ExitCode::interrupted));
            } else {
                stop(sig);
            }
            wait_for_signals();
        });
    }

    void stop(int sig) {
        spdlog::info("{}: finishing the messages in flight, then stopping", strsignal(sig));
        notify_stopping("stopping: finishing the messages in flight");
        loop_.stop();
        stop_all_watches();
        if (metrics_) {
            metrics_->stop();
        }
        stop_timer_.expires_after(settings_.stop_bound);
        stop_timer_.async_wait([bound = settings_.stop_bound](const boost::system::error_code& ec) {
            if (ec) {
                return;
            }
            spdlog::error(
                "jobs still running {} s after the stop signal; stopping now, a re-run "
                "resumes",
                bound.count());
            std::_Exit(static_cast<int>(ExitCode::interrupted));
        });
    }

    void reload() {
        notify_reloading("reloading " + settings_.config_file.string());
        Config fresh;
        std::vector<JobConfig> selected;
        try {
            fresh = load_config(settings_.config_file);
            selected = select_jobs(fresh, {}, settings_.shard);
        } catch (const std::exception& e) {
            spdlog::error("SIGHUP: the config was not reloaded, the running one stays: {}",
                          e.what());
            notify_ready(status_text());
            return;
        }
        if (fresh.state != config_.state) {
            spdlog::warn("SIGHUP: a new state file takes effect when the daemon restarts");
        }
        if (fresh.max_connections != config_.max_connections ||
            fresh.max_connections_per_server != config_.max_connections_per_server) {
            spdlog::warn("SIGHUP: new connection caps take effect when the daemon restarts");
        }
        std::size_t added = 0, removed = 0, changed = 0;
        std::set<std::string> wanted;
        for (const JobConfig& job : selected) {
            wanted.insert(job.name);
        }
        std::vector<std::string> gone;
        for (const auto& [name, job] : jobs_) {
            if (wanted.count(name) == 0) {
                gone.push_back(name);
            }
        }
        for (const std::string& name : gone) {
            remove_job(name);
            ++removed;
        }
        for (JobConfig& job : selected) {
            auto it = jobs_.find(job.name);
            if (it == jobs_.end()) {
                add_job(std::move(job));
                ++added;
            } else if (!same_job(it->second, job)) {
                change_job(std::move(job));
                ++changed;
            }
        }
        config_ = std::move(fresh);
        spdlog::info("SIGHUP: reloaded {}: {} job(s) added, {} removed, {} changed; {} in all",
                     settings_.config_file.string(), added, removed, changed, jobs_.size());
        notify_ready(status_text());
    }

    asio::io_context& io_;
    DaemonSettings settings_;
    Config config_;
    state::StateStore& store_;
    sync::Schedule schedule_;
    sync::JobLoop loop_;
    asio::signal_set signals_;
    asio::steady_timer stop_timer_;
    std::unique_ptr<MetricsServer> metrics_;
    std::map<std::string, JobConfig> jobs_;
    std::map<std::string, FinishedRun> last_runs_;
    std::set<std::string> restarting_;        // cancelled to start again with a changed config
    std::map<std::uint64_t, Watch> watches_;  // by an id of their own: see Watch
    std::uint64_t last_watch_id_ = 0;
};

}  // namespace

int run_daemon(const DaemonSettings& settings, Config config) {
    std::vector<JobConfig> jobs;
    std::filesystem::path state_path;
    try {
        jobs = select_jobs(config, {}, settings.shard);
        state_path = resolve_state_path(config.state.string());
    } catch (const std::exception& e) {
        report_failure("daemon", e.what());
        return static_cast<int>(ExitCode::usage);
    }
    // One daemon per state file: the lock is held until the process ends.
    auto store = state::StateStore::open(state_path);
    if (!store) {
        report_failure("daemon", store.error().message);
        return static_cast<int>(ExitCode::usage);
    }
    asio::io_context io;
    Daemon daemon(io, settings, std::move(config), *store);
    if (auto problem = daemon.open_metrics()) {
        report_failure("daemon", *problem);
        return static_cast<int>(ExitCode::usage);
    }
    std::exception_ptr failure;
    asio::co_spawn(io, daemon.run(std::move(jobs)), [&](std::exception_ptr e) { failure = e; });
    io.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
    return static_cast<int>(ExitCode::ok);
}

}  // namespace mailferry::cli
