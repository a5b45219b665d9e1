// `mailferry verify SOURCE TARGET`: the read-only check that the target
// holds what a migration of the source puts there (SPEC.md "verify",
// sync/verify.hpp). The same command line as `migrate` with `verify`
// instead; the state file is read when there is one, never written.
//
// Exit status: 0 nothing missing, differing or duplicated; 1 something is
// (listed); 2, 3, 4 as for migrate.

#include "cli/account_pair.hpp"
#include "cli/app.hpp"
#include "cli/commands.hpp"
#include "cli/logging.hpp"
#include "cli/migration_runner.hpp"
#include "cli/state_path.hpp"
#include "state/state_store.hpp"
#include "sync/verify.hpp"
#include "sync/verify_report.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>

namespace mailferry::cli {
namespace {

struct VerifyArgs {
    MigrateArgs pair;
    std::size_t sample = 0;
    std::optional<std::uint64_t> seed;
};

int fail(ExitCode code, const std::string& message) {
    report_failure("verify", message);
    return static_cast<int>(code);
}

// The state file, read-only; none when the default one does not exist yet
// (verify then matches by content). A --state that does not exist is an error.
state::Result<std::optional<state::StateStore>> open_state_read_only(
    const std::string& given, const std::filesystem::path& path) {
    state::OpenOptions options;
    options.read_only = true;
    auto store = state::StateStore::open(path, options);
    if (!store && store.error().code == state::error::not_found && given.empty()) {
        spdlog::info("no state file at {}: every message is matched by its content", path.string());
        return std::optional<state::StateStore>();
    }
    if (!store) {
        return store.error();
    }
    return std::optional<state::StateStore>(std::move(*store));
}

int run_verify(const VerifyArgs& args) {
    configure_logging(args.pair.log);
    sync::VerifyOptions options;
    std::filesystem::path state_path;
    AccountPair accounts;
    try {
        options.migration = to_migration_options(args.pair);
        options.migration.command = "verify";
        state_path = resolve_state_path(args.pair.state);
        accounts = resolve_account_pair(args.pair);
    } catch (const std::invalid_argument& e) {
        return fail(ExitCode::usage, e.what());
    }
    options.sample = args.sample;
    options.seed = args.seed.value_or(std::random_device{}());
    if (args.sample > 0) {
        spdlog::info("reading the bytes of {} message(s) per folder (--seed {})", args.sample,
                     options.seed);
    }
    auto opened = open_state_read_only(args.pair.state, state_path);
    if (!opened) {
        return fail(ExitCode::usage, opened.error().message);
    }
    state::StateStore* store = *opened ? &**opened : nullptr;

    const auto result =
        run_verify_blocking(accounts.source, accounts.target, store, std::move(options));
    if (result.outcome != sync::Outcome::ok || !result.verification) {
        return fail(exit_code_for(result.outcome), result.message);
    }
    const sync::Verification& verification = *result.verification;
    std::fputs(sync::to_table(verification).c_str(), stdout);
    std::fflush(stdout);
    if (!args.pair.report.empty()) {
        try {
            write_json_file(args.pair.report, sync::to_json(verification));
        } catch (const std::runtime_error& e) {
            return fail(ExitCode::usage, e.what());
        }
    }
    return static_cast<int>(verification.complete() ? ExitCode::ok : ExitCode::partial);
}

}  // namespace

void add_verify_command(CLI::App& app, CommandRunner& runner) {
    auto args = std::make_shared<VerifyArgs>();
    CLI::App* cmd = app.add_subcommand(
        "verify", "Prove that the target holds what a migration of the source puts there");
    add_account_pair_options(*cmd, args->pair);
    cmd->add_option("--sample", args->sample,
                    "Read the bytes of N randomly chosen messages per folder (metadata of all)");
    cmd->add_option("--seed", args->seed, "Choose the --sample with this seed (default: random)");
    cmd->footer(
        "Read-only on both accounts and on the state file. Passwords as for migrate.\n"
        "Exit status: 0 nothing missing, differing or duplicated, 1 something is (listed), "
        "2 usage or configuration error, 3 could not connect or log in, 4 interrupted.");
    cmd->callback([args, &runner] { runner = [args] { return run_verify(*args); }; });
}

}  // namespace mailferry::cli
