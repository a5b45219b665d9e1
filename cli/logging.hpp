#pragma once
// Log options shared by every command: -v/-q and --log-format. Logs go to
// stderr so stdout stays for results and reports.

#include <spdlog/logger.h>
#include <CLI/App.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace mailferry::cli {

struct LogOptions {
    int verbose = 0;  // -v: debug, -vv: trace
    bool quiet = false;
    std::string format = "text";  // or "json"
};

void add_log_options(CLI::App& cmd, LogOptions& options);
// Sets up the "mailferry" logger (stderr) as the default logger; calling it
// again changes the format and level of it and of every job logger.
void configure_logging(const LogOptions& options);

// The logger for one job of `sync`/`daemon`: it writes to the default
// logger's sinks at its level, and its lines name the job: "[job NAME] "
// before the message in text, a "job" field in JSON. One logger per name,
// kept for the life of the process, so calling this again is a map look-up.
// Call configure_logging first (before it, jobs log through spdlog's default
// stdout logger). Not safe against logging from other threads while
// configure_logging runs.
std::shared_ptr<spdlog::logger> job_logger(std::string_view job);

// The last line of a command that failed, on stderr: "mailferry COMMAND:
// MESSAGE" (just "mailferry: MESSAGE" without a command) in text, and in
// JSON (--log-format json) one log line of level "error" with that text
// as "msg", so a log collector reads every line of the run. The format is
// the one configure_logging last set (text before any call).
void report_failure(std::string_view command, std::string_view message);

// The warning of --insecure, the same for every command.
void warn_insecure();
// The same for a configured job with `insecure = true`, on the job's logger.
void warn_insecure(std::string_view job);

}  // namespace mailferry::cli
