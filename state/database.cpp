#include "state/database.hpp"

#include "state/detail/sqlite_failure.hpp"
#include "state/migrations.hpp"

#include <SQLiteCpp/Transaction.h>

#include <sys/statvfs.h>

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
                   const OpenOptions& options, const std::string& sqlite_name)
    : lock_(std::move(lock)),
      file_(std::move(file)),
      db_(sqlite_name.empty() ? file_.string() : sqlite_name, flags,
          static_cast<int>(options.busy_timeout.count())) {}

Database::~Database() = default;

namespace {

bool on_read_only_file_system(const std::filesystem::path& file) {
    struct statvfs fs {};
    const std::filesystem::path dir =
        file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    return ::statvfs(dir.c_str(), &fs) == 0 && (fs.f_flag & ST_RDONLY) != 0;
}

// "file:PATH?immutable=1", with the characters a URI path cannot hold
// escaped (https://www.sqlite.org/uri.html).
std::string immutable_uri(const std::filesystem::path& file) {
    std::error_code ec;
    std::filesystem::path path = std::filesystem::absolute(file, ec);
    if (ec) {
        path = file;
    }
    std::string uri = "file:";
    for (const char c : path.string()) {
        if (c == '?' || c == '#' || c == '%') {
            constexpr const char* hex = "0123456789ABCDEF";
            const auto byte = static_cast<unsigned char>(c);
            uri += '%';
            uri += hex[byte >> 4];
            uri += hex[byte & 0x0f];
        } else {
            uri += c;
        }
    }
    return uri + "?immutable=1";
}

}  // namespace

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
    auto open_as = [&](const std::string& sqlite_name, int flags) {
        return detail::guarded(
            file, "opening read-only", [&]() -> Result<std::unique_ptr<Database>> {
                std::unique_ptr<Database> db(
                    new Database(std::nullopt, file, flags, options, sqlite_name));
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
    };
    auto opened = open_as({}, SQLite::OPEN_READONLY);
    if (!opened && opened.error().code == error::io_error && on_read_only_file_system(file)) {
        // A WAL database needs its shared-memory file, which SQLite cannot
        // create there; nothing can change the file either, so it is read
        // as immutable (https://www.sqlite.org/uri.html#uriimmutable).
        return open_as(immutable_uri(file), SQLite::OPEN_READONLY | SQLite::OPEN_URI);
    }
    return opened;
}

RelaxedDurability::RelaxedDurability(Database& db) : db_(db) {
    if (!db_.read_only()) {
        db_.sql().exec("PRAGMA synchronous = NORMAL");
    }
}

RelaxedDurability::~RelaxedDurability() {
    if (db_.read_only()) {
        return;
    }
    try {
        db_.sql().exec("PRAGMA synchronous = FULL");
    } catch (const SQLite::Exception&) {
        // Setting a pragma reads nothing from the file and cannot fail while
        // the connection is open; should it, the next open sets FULL again.
    }
}

}  // namespace mailferry::state
