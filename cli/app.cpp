#include "cli/app.hpp"

#include "cli/commands.hpp"
#include "mailferry/version.hpp"

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <string>

namespace mailferry::cli {

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
        add_sync_command(app, runner);
        add_daemon_command(app, runner);
        add_demo_command(app, runner);
        // further commands: keep this line last in the list

        try {
            app.parse(argc, argv);
        } catch (const CLI::ParseError& e) {
            // --help and --version arrive here too, with exit code 0.
            const int code = app.exit(e);
            return code == 0 ? 0 : static_cast<int>(ExitCode::usage);
        }
        return runner ? runner() : static_cast<int>(ExitCode::usage);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "mailferry: %s\n", e.what());
        return static_cast<int>(ExitCode::usage);
    } catch (...) {
        std::fprintf(stderr, "mailferry: unexpected internal error\n");
        return static_cast<int>(ExitCode::usage);
    }
}

}  // namespace mailferry::cli
