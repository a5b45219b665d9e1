#pragma once
// Runs one sync::run_migration (or sync::verify) to completion on a fresh
// io_context, for the commands that move mail (`migrate`, `demo`) or check
// it (`verify`), and what they do with the result: the exit status and the
// JSON report file.

#include "cli/app.hpp"
#include "state/state_store.hpp"
#include "sync/migration.hpp"
#include "sync/report.hpp"
#include "sync/verify.hpp"

#include <filesystem>

namespace mailferry::cli {

// Blocks until the migration returns. With `stop_on_signals`, the first
// SIGINT or SIGTERM emits a terminal cancellation to the migration (it
// settles the message in flight, commits state and returns interrupted); a
// second one ends the process at once with exit status 4, which the state
// survives like any crash. Exceptions from the migration (bugs) are
// rethrown.
sync::MigrationResult run_migration_blocking(sync::AccountAccess source, sync::AccountAccess target,
                                             state::StateStore& store,
                                             sync::MigrationOptions options,
                                             sync::ProgressCallback progress, bool stop_on_signals);

// Blocks until sync::verify returns (read-only: a signal simply ends the
// process). Exceptions from it (bugs) are rethrown.
sync::VerifyResult run_verify_blocking(sync::AccountAccess source, sync::AccountAccess target,
                                       state::StateStore* store, sync::VerifyOptions options);

// SPEC.md "Exit status" for an outcome.
ExitCode exit_code_for(sync::Outcome outcome) noexcept;

// Adds the exit status of `result` to its run's record in the state, for
// `status`; a failure to write it is logged, never fatal (the run is done).
void record_exit_code(state::StateStore& store, const sync::MigrationResult& result);

// Writes the report's JSON to `path` atomically: a temporary file in the
// same directory, flushed and fsynced, then renamed over `path`. Throws
// std::runtime_error naming the file on failure (the old file, if any,
// stays as it was).
void write_report_file(const std::filesystem::path& path, const sync::Report& report);
// The same for any JSON document (the report of `sync`).
void write_json_file(const std::filesystem::path& path, const nlohmann::json& document);

}  // namespace mailferry::cli
