// `mailferry status [--state PATH] [--json]`: what the state file knows, per
// account pair: the last run (when, which command, dry run or not, how long,
// its outcome and totals) and how many folders and messages are tracked;
// then per job of `sync` and `daemon`: its last run, next run, back-off and
// totals. Reads only; a missing state file is not an error ("no runs yet").
//
// The store is opened read-only, without its lock, so `status` works while
// a run or a daemon holds the state file: it shows what they last committed.

#include "cli/app.hpp"
#include "cli/commands.hpp"
#include "cli/logging.hpp"
#include "cli/state_path.hpp"
#include "state/state_store.hpp"
#include "sync/report.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::cli {

namespace {

struct StatusArgs {
    std::string state;
    bool json = false;
    LogOptions log;
};

std::string utc(std::int64_t seconds) {
    return sync::format_utc(sync::Report::Clock::time_point(std::chrono::seconds(seconds)));
}

nlohmann::json totals_json(const state::RunTotals& t) {
    return {{"messages",
             {{"source", t.messages_source},
              {"to_copy", t.messages_to_copy},
              {"copied", t.messages_copied},
              {"already_there", t.messages_already_there},
              {"filtered", t.messages_filtered},
              {"failed", t.messages_failed}}},
            {"bytes", {{"to_copy", t.bytes_to_copy}, {"copied", t.bytes_copied}}},
            {"flag_updates", t.flag_updates},
            {"deletions", t.deletions},
            {"folders_created", t.folders_created}};
}

nlohmann::json run_json(const state::RunRecord& run) {
    nlohmann::json j = {{"command", run.command},      {"dry_run", run.dry_run},
                        {"started", utc(run.started)}, {"finished", nullptr},
                        {"duration_s", nullptr},       {"exit_code", nullptr},
                        {"outcome", run.outcome},      {"totals", totals_json(run.totals)}};
    if (run.finished) {
        j["finished"] = utc(*run.finished);
        j["duration_s"] = *run.finished - run.started;
    }
    if (run.exit_code) {
        j["exit_code"] = *run.exit_code;
    }
    return j;
}

nlohmann::json optional_utc(const std::optional<std::int64_t>& seconds) {
    return seconds ? nlohmann::json(utc(*seconds)) : nlohmann::json();
}

nlohmann::json job_json(const state::JobRecord& job) {
    return {{"name", job.name},
            {"source", job.source},
            {"target", job.target},
            {"last_started", optional_utc(job.last_started)},
            {"last_finished", optional_utc(job.last_finished)},
            {"last_success", optional_utc(job.last_success)},
            {"last_outcome", job.last_outcome},
            {"last_exit_code", job.last_exit_code},
            {"last_messages_copied", job.last_messages_copied},
            {"last_bytes_copied", job.last_bytes_copied},
            {"last_error", job.last_error},
            {"next_run", optional_utc(job.next_run)},
            {"backoff_s", job.backoff_s},
            {"consecutive_failures", job.consecutive_failures},
            {"runs", job.runs},
            {"failures", job.failures},
            {"messages_copied", job.messages_copied},
            {"bytes_copied", job.bytes_copied}};
}

nlohmann::json summary_json(const std::filesystem::path& file,
                            const std::vector<state::PairSummary>& pairs,
                            const std::vector<state::JobRecord>& jobs) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& s : pairs) {
        list.push_back({{"source", s.pair.source},
                        {"target", s.pair.target},
                        {"folders", s.folders},
                        {"messages",
                         {{"total", s.messages.total()},
                          {"copied", s.messages.copied},
                          {"pending", s.messages.pending},
                          {"deleted_on_source", s.messages.deleted_on_source},
                          {"deleted_on_target", s.messages.deleted_on_target},
                          {"stale", s.messages.stale}}},
                        {"last_run", s.last_run ? run_json(*s.last_run) : nlohmann::json()}});
    }
    nlohmann::json job_list = nlohmann::json::array();
    for (const auto& job : jobs) {
        job_list.push_back(job_json(job));
    }
    return {{"state", file.string()}, {"pairs", list}, {"jobs", job_list}};
}

std::string run_text(const state::RunRecord& run) {
    std::string text = fmt::format("  last run   {}{}, started {}", run.command,
                                   run.dry_run ? " --dry-run" : "", utc(run.started));
    if (run.finished) {
        const std::int64_t took = *run.finished - run.started;
        text += took < 1 ? std::string(", took under 1 s") : fmt::format(", took {} s", took);
    } else {
        text += ", did not finish (interrupted, or still running)";
    }
    text += "\n";
    if (run.exit_code || !run.outcome.empty()) {
        text += fmt::format("  outcome    {}{}\n",
                            run.exit_code ? fmt::format("exit {} ", *run.exit_code) : "",
                            run.outcome.empty() ? "" : "(" + run.outcome + ")");
    }
    const state::RunTotals& t = run.totals;
    text += fmt::format(
        "  totals     {} source messages, {} to copy, {} copied, {} already there, {} filtered, "
        "{} failed; {} of {} bytes copied; {} flag updates, {} deletions, {} folders created\n",
        t.messages_source, t.messages_to_copy, t.messages_copied, t.messages_already_there,
        t.messages_filtered, t.messages_failed, t.bytes_copied, t.bytes_to_copy, t.flag_updates,
        t.deletions, t.folders_created);
    return text;
}

std::string plural(std::uint64_t n, std::string_view word) {
    return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

// One line: the last run, what it copied, what comes next, the totals.
std::string job_text(const state::JobRecord& job, std::size_t name_width) {
    std::string last = "never run";
    if (job.last_started) {
        last = fmt::format("last run {} {} (exit {}), copied {} ({})", utc(*job.last_started),
                           job.last_outcome.empty() ? "unknown" : job.last_outcome,
                           job.last_exit_code, plural(job.last_messages_copied, "message"),
                           plural(job.last_bytes_copied, "byte"));
    }
    return fmt::format(
        "  {:<{}}  {}; next run {}; back-off {} s; {} consecutive failure{}; totals {}, {}, {} "
        "({}) copied\n",
        job.name, name_width, last, job.next_run ? utc(*job.next_run) : std::string("none"),
        job.backoff_s, job.consecutive_failures, job.consecutive_failures == 1 ? "" : "s",
        plural(job.runs, "run"), plural(job.failures, "failure"),
        plural(job.messages_copied, "message"), plural(job.bytes_copied, "byte"));
}

std::string jobs_text(const std::vector<state::JobRecord>& jobs) {
    if (jobs.empty()) {
        return {};
    }
    std::size_t width = 0;
    for (const auto& job : jobs) {
        width = std::max(width, job.name.size());
    }
    std::string text = fmt::format("\n{}\n", plural(jobs.size(), "job"));
    for (const auto& job : jobs) {
        text += job_text(job, width);
    }
    return text;
}

std::string summary_text(const std::filesystem::path& file,
                         const std::vector<state::PairSummary>& pairs,
                         const std::vector<state::JobRecord>& jobs) {
    std::string text = fmt::format("state {}: {} account pair{}\n", file.string(), pairs.size(),
                                   pairs.size() == 1 ? "" : "s");
    for (const auto& s : pairs) {
        text += fmt::format("\n{} -> {}\n", s.pair.source, s.pair.target);
        text += s.last_run ? run_text(*s.last_run) : "  last run   none\n";
        text += fmt::format(
            "  tracked    {} folder(s), {} message(s) ({} copied, {} pending, "
            "{} deleted on source, {} deleted on target, {} stale)\n",
            s.folders, s.messages.total(), s.messages.copied, s.messages.pending,
            s.messages.deleted_on_source, s.messages.deleted_on_target, s.messages.stale);
    }
    return text + jobs_text(jobs);
}

int run_status(const StatusArgs& args) {
    configure_logging(args.log);
    std::filesystem::path file;
    try {
        file = resolve_state_path(args.state);
    } catch (const std::invalid_argument& e) {
        report_failure("status", e.what());
        return static_cast<int>(ExitCode::usage);
    }
    state::OpenOptions options;
    options.read_only = true;
    auto store = state::StateStore::open(file, options);
    if (!store && store.error().code == state::error::not_found) {
        if (args.json) {
            std::puts(summary_json(file, {}, {}).dump(2).c_str());
        } else {
            std::printf("no runs yet: there is no state file at %s\n", file.c_str());
        }
        return static_cast<int>(ExitCode::ok);
    }
    if (!store) {
        report_failure("status", store.error().message);
        return static_cast<int>(ExitCode::usage);
    }
    auto pairs = store->summary();
    if (!pairs) {
        report_failure("status", pairs.error().message);
        return static_cast<int>(ExitCode::usage);
    }
    auto jobs = store->jobs();
    if (!jobs) {
        report_failure("status", jobs.error().message);
        return static_cast<int>(ExitCode::usage);
    }
    if (args.json) {
        std::puts(summary_json(file, *pairs, *jobs).dump(2).c_str());
    } else {
        std::fputs(summary_text(file, *pairs, *jobs).c_str(), stdout);
    }
    return static_cast<int>(ExitCode::ok);
}

}  // namespace

void add_status_command(CLI::App& app, CommandRunner& runner) {
    auto args = std::make_shared<StatusArgs>();
    CLI::App* cmd = app.add_subcommand("status", "Show what the state file knows: runs and totals");
    cmd->add_option("--state", args->state,
                    "State database (default $XDG_STATE_HOME/mailferry/state.db, else "
                    "~/.local/state/mailferry/state.db)");
    cmd->add_flag("--json", args->json, "Print one JSON document");
    add_log_options(*cmd, args->log);
    cmd->callback([args, &runner] { runner = [args] { return run_status(*args); }; });
}

}  // namespace mailferry::cli
