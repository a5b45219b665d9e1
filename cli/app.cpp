#include "cli/app.hpp"

#include "cli/commands.hpp"
#include "cli/logging.hpp"
#include "mailferry/version.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <string>

namespace mailferry::cli {

namespace {

// What went wrong when no command was recognised, for a message better than
// CLI11's "A subcommand is required" (which it also says for an unknown
// command or option, as the missing command is checked first).
std::string missing_command(int argc, char** argv) {
    if (argc < 2) {
        return "a command is required";
    }
    const std::string first = argv[1];
    if (first.starts_with('-')) {
        return fmt::format("unknown option \"{}\" (a command comes first, its options after it)",
                           first);
    }
    return fmt::format("unknown command \"{}\"", first);
}

std::string command_list(CLI::App& app) {
    std::string text;
    // Option groups are nameless subcommands: not commands.
    const auto commands =
        app.get_subcommands([](CLI::App* command) { return !command->get_name().empty(); });
    for (const CLI::App* command : commands) {
        text += fmt::format("  {:<11} {}\n", command->get_name(), command->get_description());
    }
    return text;
}

}  // namespace

int run(int argc, char** argv) noexcept {
    try {
        CLI::App app{"mailferry: move mail between accounts and keep them in step"};
        app.set_version_flag("--version", std::string("mailferry ") + mailferry::version);
        app.require_subcommand(1);
        app.fallthrough();

        CommandRunner runner;
        add_testserver_command(app, runner);
        add_status_command(app, runner);
        add_probe_command(app, runner);
        add_migrate_command(app, runner);
        add_verify_command(app, runner);
        add_sync_command(app, runner);
        add_daemon_command(app, runner);
        add_demo_command(app, runner);
        // further commands: keep this line last in the list

        try {
            app.parse(argc, argv);
        } catch (const CLI::ParseError& e) {
            // --help and --version arrive here too, with exit code 0.
            if (e.get_exit_code() != 0 && app.get_subcommands().empty()) {
                std::fprintf(stderr,
                             "mailferry: %s\nCommands:\n%sRun \"mailferry COMMAND --help\" for "
                             "the options of one.\n",
                             missing_command(argc, argv).c_str(), command_list(app).c_str());
                return static_cast<int>(ExitCode::usage);
            }
            const int code = app.exit(e);
            return code == 0 ? 0 : static_cast<int>(ExitCode::usage);
        }
        return runner ? runner() : static_cast<int>(ExitCode::usage);
    } catch (const std::exception& e) {
        report_failure("", e.what());
        return static_cast<int>(ExitCode::usage);
    } catch (...) {
        report_failure("", "unexpected internal error");
        return static_cast<int>(ExitCode::usage);
    }
}

}  // namespace mailferry::cli
