#include "state/database.hpp"

#include "state/detail/sqlite_failure.hpp"
#include "state/migrations.hpp"

#include <SQLiteCpp/Transaction.h>

#include <string>
#include <system_error>
#include <utility>

namespace mailferry::state {

std::filesystem::path lock_path_for(const std::filesystem::path& file) {
    std::filesystem::path lock = file;
    lock += ".lock";
    return lock;
}

Database::Database(std::optional<LockFile> lock, std::filesystem::path file, int flags,
                   const OpenOptions& options)
    : lock_(std::move(lock)),
      file_(std::move(file)),
      db_(file_.string(), flags, static_cast<int>(options.busy_timeout.count())) {}

Database::~Database() = default;

Result<std::unique_ptr<Database>> Database::open(const std::filesystem::path& file,
                                                 const OpenOptions& options) {
    if (file.empty() || !file.has_filename()) {
        return Failure(error::invalid_argument, "state file \"" + file.string() +
                                                    "\" is not a file name; give --state PATH");
    }
    if (options.read_only) {
        return open_read_only(file, options);
    }
    if (file.has_parent_path()) {
        std::error_code ec;
        std::filesystem::create_directories(file.parent_path(), ec);
        if (ec) {
            return Failure(error::io_error, "state file " + file.string() +
                                                ": cannot create directory " +
                                                file.parent_path().string() + " (" + ec.message() +
                                                "); check the path or use another --state");
        }
    }
    auto lock = LockFile::acquire(lock_path_for(file), file);
    if (!lock) {
        return lock.error();
    }
    return detail::guarded(file, "opening", [&]() -> Result<std::unique_ptr<Database>> {
        std::unique_ptr<Database> db(new Database(
            std::move(*lock), file, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, options));
        SQLite::Database& sql = db->db_;
        const std::string mode = sql.execAndGet("PRAGMA journal_mode = WAL").getString();
        if (mode != "wal") {
            return Failure(error::io_error, "state file " + file.string() +
                                                ": cannot switch to WAL mode (SQLite kept " + mode +
                                                "); put the file on a local file system");
        }
        sql.exec("PRAGMA synchronous = FULL");
        sql.exec("PRAGMA foreign_keys = ON");
        if (options.max_page_count > 0) {
            sql.exec("PRAGMA max_page_count = " + std::to_string(options.max_page_count));
        }
        auto migrated = migrate(sql, file);
        if (!migrated) {
            return migrated.error();
        }
        db->schema_version_ = latest_schema_version;
        return db;
    });
}

Result<std::unique_ptr<Database>> Database::open_read_only(const std::filesystem::path& file,
                                                           const OpenOptions& options) {
    // Checked first so that a missing file gets a plain answer; SQLite's own
    // (SQLITE_CANTOPEN) would still cover a file removed in between.
    std::error_code ec;
    const bool exists = std::filesystem::exists(file, ec);
    if (ec) {
        return Failure(error::io_error, "state file " + file.string() + " cannot be read (" +
                                            ec.message() + "); check the path");
    }
    if (!exists) {
        return Failure(error::not_found, "state file " + file.string() +
                                             " does not exist; check --state (nothing has run "
                                             "with this state file yet)");
    }
    return detail::guarded(file, "opening read-only", [&]() -> Result<std::unique_ptr<Database>> {
        std::unique_ptr<Database> db(
            new Database(std::nullopt, file, SQLite::OPEN_READONLY, options));
        // One read transaction: a run creating the file meanwhile commits
        // its whole schema at once, and the checks see it all or nothing.
        SQLite::Transaction transaction(db->db_, SQLite::TransactionBehavior::DEFERRED);
        auto version = readable_schema_version(db->db_, file);
        if (!version) {
            return version.error();
        }
        transaction.commit();
        db->schema_version_ = *version;
        return db;
    });
}

}  // namespace mailferry::state
