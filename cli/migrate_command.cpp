// `mailferry migrate SOURCE TARGET`: one account pair, once (SPEC.md,
// "Commands and options", "Exit status"). Prints progress on stderr, the
// report table on stdout, and writes the JSON report with --report.
//
// Exit status: the migration's outcome (migration_runner.hpp). A state file
// locked by another run is a configuration problem (2): nothing was
// attempted and the message names the other run's pid; 4 would suggest a
// re-run resumes something this run started.

#include "cli/app.hpp"
#include "cli/commands.hpp"
#include "cli/logging.hpp"
#include "cli/migrate_options.hpp"
#include "cli/migration_runner.hpp"
#include "cli/opened_state.hpp"
#include "cli/password_source.hpp"
#include "cli/progress.hpp"
#include "cli/state_path.hpp"
#include "clients/wire/account_url.hpp"
#include "state/state_store.hpp"

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

// The account's URL, parsed; throws std::invalid_argument naming the side.
wire::AccountUrl parse_account(std::string_view side, const std::string& text) {
    auto parsed = wire::parse_account_url(text);
    if (!parsed.url) {
        throw std::invalid_argument(fmt::format("{} account: {}", side, parsed.error));
    }
    return *parsed.url;
}

PasswordSpec password_spec(const std::string& side, const std::string& file,
                           const std::string& command) {
    PasswordSpec spec;
    spec.side = side;
    spec.file = file;
    spec.command = command;
    spec.env_var = side == "source" ? "MAILFERRY_SOURCE_PASSWORD" : "MAILFERRY_TARGET_PASSWORD";
    return spec;
}

int run_migrate(const MigrateArgs& args) {
    configure_logging(args.log);

    sync::MigrationOptions options;
    wire::AccountUrl source_url, target_url;
    std::filesystem::path state_path;
    try {
        source_url = parse_account("source", args.source);
        target_url = parse_account("target", args.target);
        options = to_migration_options(args);
        state_path = resolve_state_path(args.state);
    } catch (const std::invalid_argument& e) {
        return fail(ExitCode::usage, e.what());
    }
    if (!target_url.is_imap()) {
        return fail(ExitCode::usage,
                    fmt::format("the target {} is not IMAP: a target must be imap:// or imaps://",
                                target_url.to_string()));
    }
    if (!args.folder.empty() && source_url.is_imap()) {
        spdlog::warn("--folder only applies to a POP3 source; ignored for {}",
                     source_url.to_string());
    }
    if (args.sync_deletions && !source_url.is_imap()) {
        spdlog::warn("--sync-deletions only applies to an IMAP source; ignored for {}",
                     source_url.to_string());
    }
    if (args.insecure) {
        warn_insecure();
    }

    sync::AccountAccess source, target;
    source.url = source_url.to_string();
    target.url = target_url.to_string();
    for (sync::AccountAccess* access : {&source, &target}) {
        access->ca_file = args.ca_file;
        access->insecure = args.insecure;
        access->allow_plaintext = args.allow_plaintext;
    }
    try {
        source.password = read_password(password_spec("source", args.source_password_file,
                                                      args.source_password_command),
                                        source_url)
                              .reveal();
        target.password = read_password(password_spec("target", args.target_password_file,
                                                      args.target_password_command),
                                        target_url)
                              .reveal();
    } catch (const std::invalid_argument& e) {
        return fail(ExitCode::usage, e.what());
    }

    OpenedState opened;
    if (auto r = open_state(opened, state_path, args.dry_run); !r) {
        return fail(open_failure_exit_code(r.error()), r.error().message);
    }
    spdlog::info("{} {} -> {} (state {})", args.dry_run ? "dry run" : "migrating", source.url,
                 target.url, state_path.string());

    ProgressDisplay display(ProgressDisplay::detect(args.log.quiet));
    sync::MigrationResult result = run_migration_blocking(
        std::move(source), std::move(target), *opened.store, std::move(options),
        [&display](const sync::Progress& p) { display.update(p); }, true);
    display.finish();

    if (result.report) {
        std::fputs(result.report->to_table().c_str(), stdout);
        std::fflush(stdout);
        if (!args.report.empty()) {
            try {
                write_report_file(args.report, *result.report);
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
    cmd->add_option("SOURCE", args->source,
                    "Source account: imap[s]://USER@HOST[:PORT] or pop3[s]://USER@HOST[:PORT]")
        ->required();
    cmd->add_option("TARGET", args->target, "Target account: imap[s]://USER@HOST[:PORT]")
        ->required();
    cmd->add_option("--state", args->state,
                    "State database (default $XDG_STATE_HOME/mailferry/state.db, else "
                    "~/.local/state/mailferry/state.db)");
    cmd->add_flag("--dry-run", args->dry_run,
                  "Connect, read and print the plan; change nothing anywhere");
    cmd->add_option("--report", args->report, "Also write the report as JSON to this file");
    cmd->add_option(
        "--include", args->include,
        "Only source folders matching GLOB ('/' separated, * spans levels); repeatable");
    cmd->add_option("--exclude", args->exclude,
                    "Skip source folders matching GLOB; repeatable, wins");
    cmd->add_option("--map", args->map,
                    "Rename folder SRC to DST on the target (SRC=DST); repeatable");
    cmd->add_option("--folder", args->folder, "POP3 source: the target folder (default INBOX)");
    cmd->add_flag("--delete-source", args->delete_source,
                  "Delete each message from the source once it is safely on the target");
    cmd->add_flag(
        "--sync-deletions", args->sync_deletions,
        "IMAP source: delete from the target what was copied and is gone from the source");
    cmd->add_option("--max-deletions", args->max_deletions,
                    "Delete at most N messages or P% of a folder's in one run (default 10%, "
                    "never a whole folder); a folder over it deletes nothing");
    cmd->add_option("--connections", args->connections, "Parallel connections per side")
        ->check(CLI::Range(1U, 64U));
    cmd->add_option("--max-size", args->max_size,
                    "Skip messages larger than BYTES (K, M, G suffixes allowed)");
    cmd->add_option("--since", args->since, "Skip messages with an INTERNALDATE before YYYY-MM-DD");
    cmd->add_flag("--allow-plaintext", args->allow_plaintext,
                  "Allow passwords over unencrypted connections to non-loopback hosts");
    cmd->add_flag("--insecure", args->insecure, "Do not verify TLS certificates (warned about)");
    cmd->add_option("--ca-file", args->ca_file, "Also trust this CA certificate (PEM)")
        ->check(CLI::ExistingFile);
    cmd->add_option("--source-password-file", args->source_password_file,
                    "Source password: first line of this file");
    cmd->add_option("--source-password-command", args->source_password_command,
                    "Source password: first line of this command's output");
    cmd->add_option("--target-password-file", args->target_password_file,
                    "Target password: first line of this file");
    cmd->add_option("--target-password-command", args->target_password_command,
                    "Target password: first line of this command's output");
    add_log_options(*cmd, args->log);
    cmd->footer(
        "Passwords: --*-password-file, then --*-password-command, then the environment "
        "variables MAILFERRY_SOURCE_PASSWORD / MAILFERRY_TARGET_PASSWORD.\n"
        "Exit status: 0 done, 1 some messages failed, 2 usage or configuration error, "
        "3 could not connect or log in, 4 interrupted (a re-run resumes).");
    cmd->callback([args, &runner] { runner = [args] { return run_migrate(*args); }; });
}

}  // namespace mailferry::cli
