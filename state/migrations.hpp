#pragma once
// The state file's schema: numbered, forward-only migrations tracked with
// PRAGMA user_version, and PRAGMA application_id marking the file as a
// mailferry state. A file is never migrated backwards; one written by a newer
// mailferry is refused untouched.
//
//   1  account_pair, folder, message: what was copied where
//   2  run, run_error: the history behind `mailferry status`
//   3  job: the configured jobs of `sync` and `daemon`, their last run,
//      schedule and totals

#include "state/error.hpp"

#include <SQLiteCpp/Database.h>

#include <cstdint>
#include <filesystem>

namespace mailferry::state {

// The schema version this program writes.
inline constexpr int latest_schema_version = 5;

// PRAGMA application_id of a mailferry state file ("MFst").
inline constexpr std::int32_t application_id = 0x4d467374;

// Applies the migrations from the file's user_version up to `target`
// (latest_schema_version unless a test wants an older schema), all in one
// transaction, so a failure leaves the file as it was. `file` only names the
// database in messages. Fails with
// - error::newer_schema: user_version above latest_schema_version ("state
//   file F was written by a newer mailferry (schema 7, this one knows 2); use
//   a newer mailferry or another --state");
// - error::corrupt: a SQLite file of another program (foreign tables at
//   version 0, or another application_id);
// - the SQLite failures of detail::sqlite_failure.
Result<void> migrate(SQLite::Database& db, const std::filesystem::path& file,
                     int target = latest_schema_version);

// PRAGMA user_version of `db`; throws SQLite::Exception.
int schema_version(SQLite::Database& db);

// The schema version of `db` after checking that this program can read it:
// error::newer_schema and error::corrupt as for migrate(). Changes nothing
// (a read-only store opens with it); throws SQLite::Exception.
Result<int> readable_schema_version(SQLite::Database& db, const std::filesystem::path& file);

}  // namespace mailferry::state
