// `mailferry daemon --config FILE [--shard K/N] [--metrics ADDR:PORT]`: the
// command line of the daemon (daemon.hpp). A config that does not load is a
// usage error (exit 2) before anything starts.

#include "cli/app.hpp"
#include "cli/commands.hpp"
#include "cli/config.hpp"
#include "cli/daemon.hpp"
#include "cli/logging.hpp"

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

namespace mailferry::cli {

namespace {

struct DaemonArgs {
    std::string config;
    std::string shard;
    std::string metrics;
    LogOptions log;
};

int run_daemon_command(const DaemonArgs& args) {
    configure_logging(args.log);
    DaemonSettings settings;
    settings.config_file = args.config;
    settings.metrics = args.metrics;
    Config config;
    try {
        config = load_config(settings.config_file);
        if (!args.shard.empty()) {
            settings.shard = parse_shard(args.shard);
        }
    } catch (const std::exception& e) {
        report_failure("daemon", e.what());
        return static_cast<int>(ExitCode::usage);
    }
    return run_daemon(settings, std::move(config));
}

}  // namespace

void add_daemon_command(CLI::App& app, CommandRunner& runner) {
    auto args = std::make_shared<DaemonArgs>();
    CLI::App* cmd = app.add_subcommand(
        "daemon", "Run the jobs of a config file on their intervals until stopped");
    cmd->add_option("--config", args->config, "The config file (TOML)")->required();
    cmd->add_option("--shard", args->shard,
                    "K/N: run only the jobs whose name hashes to shard K of N (0 <= K < N)");
    cmd->add_option("--metrics", args->metrics,
                    "Serve Prometheus metrics at http://ADDR:PORT/metrics (e.g. 127.0.0.1:9464)");
    add_log_options(*cmd, args->log);
    cmd->footer(
        "Signals: SIGTERM/SIGINT finish the messages in flight and exit 0; SIGHUP re-reads the "
        "config (an invalid one is logged and the running one kept).\n"
        "Exit status: 0 after a stop signal, 2 for a config or usage error (a second daemon on "
        "the same state file included), 4 when jobs did not stop within 30 s.");
    cmd->callback([args, &runner] { runner = [args] { return run_daemon_command(*args); }; });
}

}  // namespace mailferry::cli
