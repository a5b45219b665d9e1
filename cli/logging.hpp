#pragma once
// Log options shared by every command: -v/-q and --log-format. Logs go to
// stderr so stdout stays for results and reports.

#include <CLI/App.hpp>

namespace mailferry::cli {

struct LogOptions {
    int verbose = 0;  // -v: debug, -vv: trace
    bool quiet = false;
    std::string format = "text";  // or "json"
};

void add_log_options(CLI::App& cmd, LogOptions& options);
void configure_logging(const LogOptions& options);

}  // namespace mailferry::cli
