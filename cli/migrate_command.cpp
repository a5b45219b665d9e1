// `mailferry migrate SOURCE TARGET`: one account pair, once (SPEC.md,
// "Commands and options", "Exit status"). Prints progress on stderr, the
// report table on stdout, and writes the JSON report with --report.
//
// Exit status: the migration's outcome (migration_runner.hpp). A state file
// locked by another run is a configuration problem (2): nothing was
// attempted and the message names the other run's pid; 4 would suggest a
// re-run resumes something this run started.

#include "cli/account_pair.hpp"
#include "cli/app.hpp"
#include "cli/commands.hpp"
#include "cli/copied_verification.hpp"
#include "cli/logging.hpp"
#include "cli/migrate_options.hpp"
#include "cli/migration_runner.hpp"
#include "cli/opened_state.hpp"
#include "cli/password_source.hpp"
#include "cli/progress.hpp"
#include "cli/state_path.hpp"
#include "clients/wire/account_url.hpp"
#include "state/state_store.hpp"
#include "sync/verify_report.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace mailferry::cli {

namespace {

int fail(ExitCode code, const std::string& message) {
    report_failure("migrate", message);
    return static_cast<int>(code);
}

int run_migrate(const MigrateArgs& args) {
    configure_logging(args.log);

    sync::MigrationOptions options;
    std::filesystem::path state_path;
    AccountPair accounts;
    try {
        options = to_migration_options(args);
        state_path = resolve_state_path(args.state);
        accounts = resolve_account_pair(args);
    } catch (const std::invalid_argument& e) {
        return fail(ExitCode::usage, e.what());
    }
    sync::AccountAccess& source = accounts.source;
    sync::AccountAccess& target = accounts.target;

    OpenedState opened;
    if (auto r = open_state(opened, state_path, args.dry_run); !r) {
        return fail(open_failure_exit_code(r.error()), r.error().message);
    }
    spdlog::info("{} {} -> {} (state {})", args.dry_run ? "dry run" : "migrating", source.url,
                 target.url, state_path.string());

    options.list_copied = args.verify;
    const sync::MigrationOptions run_options = options;
    ProgressDisplay display(ProgressDisplay::detect(args.log.quiet));
    sync::MigrationResult result = run_migration_blocking(
        source, target, *opened.store, std::move(options),
        [&display](const sync::Progress& p) { display.update(p); }, true);
    display.finish();

    // --verify: what this run copied, read back from both sides.
    std::optional<sync::Verification> verification;
    if (args.verify && verifiable(result, args.dry_run)) {
        verification =
            fold_verification(result,
                              run_verify_blocking(source, target, &*opened.store,
                                                  copied_verify_options(run_options, result)),
                              *spdlog::default_logger());
        record_exit_code(*opened.store, result);
    }

    if (result.report) {
        std::fputs(result.report->to_table().c_str(), stdout);
        if (verification) {
            std::fputs(sync::to_table(*verification).c_str(), stdout);
        }
        std::fflush(stdout);
        if (!args.report.empty()) {
            try {
                nlohmann::json document = result.report->to_json();
                if (verification) {
                    document["verify"] = sync::to_json(*verification);
                }
                write_json_file(args.report, document);
            } catch (const std::runtime_error& e) {
                spdlog::error("{}", e.what());
                if (result.outcome == sync::Outcome::ok) {
                    return fail(ExitCode::usage, e.what());
                }
            }
        }
    }
    if (result.outcome != sync::Outcome::ok) {
        return fail(exit_code_for(result.outcome), result.message);
    }
    return static_cast<int>(ExitCode::ok);
}

}  // namespace

void add_migrate_command(CLI::App& app, CommandRunner& runner) {
    auto args = std::make_shared<MigrateArgs>();
    CLI::App* cmd =
        app.add_subcommand("migrate", "Copy one account's mail into another (IMAP) account");
    add_account_pair_options(*cmd, *args);
    cmd->add_flag("--dry-run", args->dry_run,
                  "Connect, read and print the plan; change nothing anywhere");
    cmd->add_flag("--delete-source", args->delete_source,
                  "Delete each message from the source once it is safely on the target");
    cmd->add_flag(
        "--sync-deletions", args->sync_deletions,
        "IMAP source: delete from the target what was copied and is gone from the source");
    cmd->add_option("--max-deletions", args->max_deletions,
                    "Delete at most N messages or P% of a folder's in one run (default 10%, "
                    "never a whole folder); a folder over it deletes nothing");
    cmd->add_flag("--verify", args->verify,
                  "After the run, verify what it copied (as `mailferry verify` does) and add "
                  "the counts to the report");
    cmd->add_option("--connections", args->connections,
                    "Parallel connections per side (default 4; one more pair per 100 messages "
                    "to copy)")
        ->check(CLI::Range(1U, 64U));
    cmd->footer(
        "Passwords: --*-password-file, then --*-password-command, then the environment "
        "variables MAILFERRY_SOURCE_PASSWORD / MAILFERRY_TARGET_PASSWORD.\n"
        "Exit status: 0 done, 1 some messages failed, 2 usage or configuration error, "
        "3 could not connect or log in, 4 interrupted (a re-run resumes).");
    cmd->callback([args, &runner] { runner = [args] { return run_migrate(*args); }; });
}

}  // namespace mailferry::cli
