#include "state/database.hpp"

#include "state/detail/sqlite_failure.hpp"
#include "state/migrations.hpp"

#include <string>
#include <system_error>
#include <utility>

namespace mailferry::state {

std::filesystem::path lock_path_for(const std::filesystem::path& file) {
    std::filesystem::path lock = file;
    lock += ".lock";
    return lock;
}

Database::Database(LockFile lock, std::filesystem::path file, const OpenOptions& options)
    : lock_(std::move(lock)),
      file_(std::move(file)),
      db_(file_.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE,
          static_cast<int>(options.busy_timeout.count())) {}

Database::~Database() = default;

Result<std::unique_ptr<Database>> Database::open(const std::filesystem::path& file,
                                                 const OpenOptions& options) {
    if (file.empty() || !file.has_filename()) {
        return Failure(error::invalid_argument, "state file \"" + file.string() +
                                                    "\" is not a file name; give --state PATH");
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
        std::unique_ptr<Database> db(new Database(std::move(*lock), file, options));
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
        return db;
    });
}

}  // namespace mailferry::state
