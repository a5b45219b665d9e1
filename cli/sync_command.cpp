// `mailferry sync --config FILE`: every job of the config (or those named
// with --job, or this shard's) once, several in parallel under the config's
// connection caps, then one report (SPEC.md "The config file").
//
// Exit status: 2 for a config problem (before any connection is made),
// otherwise the worst of the jobs' exit codes. `--check` validates the
// config and what it refers to without connecting.

#include "cli/app.hpp"
#include "cli/commands.hpp"
#include "cli/config.hpp"
#include "cli/job_runner.hpp"
#include "cli/job_selection.hpp"
#include "cli/logging.hpp"
#include "cli/migration_runner.hpp"
#include "cli/opened_state.hpp"
#include "cli/state_path.hpp"
#include "cli/sync_report.hpp"
#include "sync/scheduler/job_loop.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mailferry::cli {

namespace {

namespace asio = boost::asio;

struct SyncArgs {
    std::string config;
    std::vector<std::string> jobs;
    bool dry_run = false;
    std::string report;
    std::string shard;
    bool check = false;
    LogOptions log;
};

int fail(ExitCode code, const std::string& message) {
    report_failure("sync", message);
    return static_cast<int>(code);
}

int run_check(const Config& config, const std::vector<JobConfig>& jobs,
              const std::optional<Shard>& shard) {
    const std::vector<std::string> problems = check_job_environment(config);
    for (const std::string& p : problems) {
        report_failure("sync", p);
    }
    if (!problems.empty()) {
        return static_cast<int>(ExitCode::usage);
    }
    std::printf("%s: %zu job(s) valid", config.file.c_str(), config.jobs.size());
    if (shard) {
        std::printf("; shard %u/%u runs %zu of them", shard->index, shard->count, jobs.size());
    }
    std::printf("\n");
    for (const JobConfig& job : jobs) {
        std::printf("  %s: every %llds\n", job.name.c_str(),
                    static_cast<long long>(job.interval.count()));
    }
    return static_cast<int>(ExitCode::ok);
}

// SIGINT/SIGTERM: the jobs settle the message in flight and stop; a second
// one ends the process at once (the state survives that like a crash).
void stop_on_signals(asio::signal_set& signals, sync::JobLoop& loop) {
    signals.async_wait([&signals, &loop](const boost::system::error_code& ec, int sig) {
        if (ec) {
            return;
        }
        if (loop.stopping()) {
            spdlog::warn("second {}: stopping now; a re-run resumes", strsignal(sig));
            std::_Exit(static_cast<int>(ExitCode::interrupted));
        }
        spdlog::warn("{}: finishing the messages in flight, then stopping", strsignal(sig));
        loop.stop();
        stop_on_signals(signals, loop);
    });
}

int run_sync(const SyncArgs& args) {
    configure_logging(args.log);
    Config config;
    std::vector<JobConfig> jobs;
    std::optional<Shard> shard;
    std::filesystem::path state_path;
    try {
        config = load_config(args.config);
        if (!args.shard.empty()) {
            shard = parse_shard(args.shard);
        }
        jobs = select_jobs(config, args.jobs, shard);
        state_path = resolve_state_path(config.state.string());
    } catch (const std::exception& e) {
        return fail(ExitCode::usage, e.what());
    }
    if (args.check) {
        return run_check(config, jobs, shard);
    }
    if (jobs.empty()) {
        std::printf("no job to run%s\n", shard ? " in this shard" : "");
        return static_cast<int>(ExitCode::ok);
    }

    OpenedState opened;
    if (auto r = open_state(opened, state_path, args.dry_run); !r) {
        return fail(open_failure_exit_code(r.error()), r.error().message);
    }
    spdlog::info("{} {} job(s) of {} (state {})", args.dry_run ? "planning" : "syncing",
                 jobs.size(), config.file.string(), state_path.string());
    for (const JobConfig& job : jobs) {
        if (job.insecure) {
            warn_insecure(job.name);
        }
    }

    sync::ScheduleLimits limits;
    limits.max_connections = config.max_connections;
    limits.max_connections_per_server = config.max_connections_per_server;
    sync::Schedule schedule(limits);
    std::map<std::string, JobConfig, std::less<>> by_name;
    for (const JobConfig& job : jobs) {
        by_name.emplace(job.name, job);
        schedule.add(job_spec(job), sync::ScheduleClock::now());
    }
    std::vector<JobRunResult> results;
    state::StateStore& store = *opened.store;
    asio::io_context io;
    sync::JobLoop loop(
        io.get_executor(), schedule,
        [&](sync::JobStart start) -> asio::awaitable<sync::RunVerdict> {
            JobRunSettings settings;
            settings.dry_run = args.dry_run;
            settings.connections = start.connections;
            const JobConfig& job = by_name.at(start.name);
            JobRunResult result = co_await run_job(job, settings, store);
            if (!args.dry_run) {
                // No next run (sync runs once); the store counts failures in a row.
                const state::JobSchedule next;
                if (auto r = store.record_job_run(to_job_run(result), next); !r) {
                    job_logger(result.name)
                        ->warn("recording the run in the state failed: {}", r.error().message);
                }
            }
            const sync::RunVerdict verdict = verdict_for(result.migration.outcome);
            results.push_back(std::move(result));
            co_return verdict;
        },
        sync::JobLoop::Mode::once);

    asio::signal_set signals(io, SIGINT, SIGTERM);
    stop_on_signals(signals, loop);
    const auto started = std::chrono::system_clock::now();
    const auto clock_start = std::chrono::steady_clock::now();
    std::exception_ptr failure;
    asio::co_spawn(io, loop.run(), [&](std::exception_ptr e) {
        failure = e;
        signals.cancel();
    });
    io.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
    // Jobs a stop kept from starting count as interrupted.
    for (const sync::JobState& waiting : schedule.jobs()) {
        JobRunResult r;
        r.name = waiting.spec.name;
        r.source = by_name.at(r.name).source;
        r.target = by_name.at(r.name).target;
        r.migration.outcome = sync::Outcome::interrupted;
        r.migration.message = "not started: the run was stopped; run again";
        results.push_back(std::move(r));
    }
    std::sort(results.begin(), results.end(),
              [](const JobRunResult& a, const JobRunResult& b) { return a.name < b.name; });
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - clock_start).count();
    std::fputs(sync_report_table(results, args.dry_run).c_str(), stdout);
    std::fflush(stdout);
    if (!args.report.empty()) {
        try {
            write_json_file(args.report, sync_report_json(results, args.dry_run, started, took));
        } catch (const std::runtime_error& e) {
            return fail(ExitCode::usage, e.what());
        }
    }
    return worst_exit_code(results);
}

}  // namespace

void add_sync_command(CLI::App& app, CommandRunner& runner) {
    auto args = std::make_shared<SyncArgs>();
    CLI::App* cmd =
        app.add_subcommand("sync", "Run the jobs of a config file once (many account pairs)");
    cmd->add_option("--config", args->config, "The config file (TOML)")->required();
    cmd->add_option("--job", args->jobs, "Run only this job; repeatable");
    cmd->add_flag("--dry-run", args->dry_run,
                  "Connect, read and print the plan of every job; change nothing anywhere");
    cmd->add_option("--report", args->report, "Also write the report as JSON to this file");
    cmd->add_option("--shard", args->shard,
                    "K/N: run only the jobs whose name hashes to shard K of N (0 <= K < N)");
    cmd->add_flag("--check", args->check, "Validate the config without connecting, then exit");
    add_log_options(*cmd, args->log);
    cmd->footer(
        "Exit status: the worst of the jobs' (0 done, 1 some messages failed, 3 could not "
        "connect or log in, 4 interrupted); 2 for a config or usage error.");
    cmd->callback([args, &runner] { runner = [args] { return run_sync(*args); }; });
}

}  // namespace mailferry::cli
