#pragma once
// The state's SQLite connection: opened with the state's lock held, set up
// for crash safety and migrated to the latest schema; or opened read-only,
// without the lock, to look at what another run is writing.
//
// Setup (STYLE §6): journal_mode=WAL, synchronous=FULL (a commit is on the
// disk when it returns, so a kill -9 or a power loss keeps every committed
// transaction; RelaxedDurability below for what may wait), foreign_keys=ON
// and a short busy timeout. The lock file
// (LockFile, "<file>.lock") is taken before the database is touched and
// released after the connection is closed.
//
// Read-only (OpenOptions::read_only): no lock file is taken or created and
// nothing is migrated, so it works while a run holds the lock and writes;
// WAL mode lets it read the last committed state meanwhile. The schema stays
// what the file has: the store treats tables of later schemas as empty.
//
// Not thread-safe: one Database is used by one thread at a time.

#include "state/error.hpp"
#include "state/lock_file.hpp"

#include <SQLiteCpp/Database.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>

namespace mailferry::state {

struct OpenOptions {
    // How long a statement waits for a SQLite lock held by another program's
    // connection before failing with error::busy. Other mailferry runs are
    // kept out by the lock file, so this stays short.
    std::chrono::milliseconds busy_timeout{250};
    // PRAGMA max_page_count of this connection; 0 keeps SQLite's limit. A
    // low value makes the file "full" early (how tests simulate a full disk).
    std::int64_t max_page_count = 0;
    // Opens an existing file for reading only (see above). Every write fails
    // with error::read_only.
    bool read_only = false;
};

class Database {
  public:
    // Creates the parent directories of `file`, takes the lock, opens or
    // creates the database and migrates it. Fails with error::locked,
    // error::newer_schema, error::corrupt, error::io_error, error::read_only,
    // error::disk_full; the message names `file`.
    // Read-only: opens `file` as it is, creating nothing. Fails with
    // error::not_found when it does not exist, error::newer_schema,
    // error::corrupt, error::io_error.
    static Result<std::unique_ptr<Database>> open(const std::filesystem::path& file,
                                                  const OpenOptions& options = {});

    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    ~Database();

    SQLite::Database& sql() noexcept { return db_; }
    const std::filesystem::path& file() const noexcept { return file_; }
    bool read_only() const noexcept { return !lock_; }
    // The schema the connection works with: latest_schema_version, or for a
    // read-only one the file's version when it was opened (0: empty file).
    int schema_version() const noexcept { return schema_version_; }

  private:
    // `sqlite_name`: what SQLite opens when it is not `file` (a URI).
    Database(std::optional<LockFile> lock, std::filesystem::path file, int flags,
             const OpenOptions& options, const std::string& sqlite_name = {});

    static Result<std::unique_ptr<Database>> open_read_only(const std::filesystem::path& file,
                                                            const OpenOptions& options);

    // Declared first so it is released last, after the connection closed;
    // none when read-only.
    std::optional<LockFile> lock_;
    std::filesystem::path file_;
    SQLite::Database db_;
    int schema_version_ = 0;
};

// While alive, commits on `db` return without waiting for fsync
// (synchronous=NORMAL instead of FULL): for what a power loss may take back
// without losing or duplicating mail. That is run bookkeeping (run rows,
// their errors, exit status, job schedule), and what the sync engine records
// after it acted or before an act that does not rely on it: messages
// confirmed copied, flags stored, a folder's marks and its settlement made
// or withdrawn; lost, the next run finds out again what they said (a pending
// row is looked for on the target, a flag stored again, a folder listed
// again). A kill -9 keeps them all the same (in WAL mode the commit is
// written before it returns), and the next FULL commit makes them durable
// with it, in order. Never for an intent (a pending row, a deletion from the
// source): it is committed FULL before its act, and so is everything before
// it.
class RelaxedDurability {
  public:
    explicit RelaxedDurability(Database& db);
    ~RelaxedDurability();  // back to synchronous=FULL
    RelaxedDurability(const RelaxedDurability&) = delete;
    RelaxedDurability& operator=(const RelaxedDurability&) = delete;

  private:
    Database& db_;
};

// The lock file guarding `file`: the same path with ".lock" appended.
std::filesystem::path lock_path_for(const std::filesystem::path& file);

}  // namespace mailferry::state
