#include "state/migrations.hpp"

#include "state/detail/sqlite_failure.hpp"

#include <SQLiteCpp/Transaction.h>

#include <array>
#include <string>

namespace mailferry::state {
namespace {

struct Migration {
    int version;
    const char* sql;
};

// Never edit a migration once released: files in the field were built by it.
// Add a new one instead.
constexpr std::array<Migration, latest_schema_version> migrations = {{
    {1, R"sql(
        -- An account pair, known by the two accounts' identities
        -- (scheme://user@host:port, never a password).
        CREATE TABLE account_pair (
            id      INTEGER PRIMARY KEY,
            source  TEXT NOT NULL,
            target  TEXT NOT NULL,
            UNIQUE (source, target)
        );
        -- A source folder of a pair and the target folder it goes to, with
        -- the UIDVALIDITY of both sides the mapping is valid for, and the
        -- high-water marks of the last completed pass.
        CREATE TABLE folder (
            id                   INTEGER PRIMARY KEY,
            pair_id              INTEGER NOT NULL REFERENCES account_pair(id) ON DELETE CASCADE,
            source_name          TEXT NOT NULL,
            target_name          TEXT NOT NULL,
            source_uidvalidity   INTEGER,
            target_uidvalidity   INTEGER,
            source_uidnext       INTEGER,
            source_highestmodseq INTEGER,
            created_on_target    INTEGER NOT NULL DEFAULT 0,
            UNIQUE (pair_id, source_name)
        );
        -- One source message: its identity on the source (IMAP UID, POP3
        -- UIDL or content hash as source_key), its place on the target, its
        -- fingerprint (Message-ID, size, date, SHA-256) and the flags last
        -- synced on each side.
        CREATE TABLE message (
            id                 INTEGER PRIMARY KEY,
            folder_id          INTEGER NOT NULL REFERENCES folder(id) ON DELETE CASCADE,
            source_key         TEXT NOT NULL,
            source_uid         INTEGER,
            source_uidvalidity INTEGER,
            target_uid         INTEGER,
            target_uidvalidity INTEGER,
            message_id         TEXT NOT NULL DEFAULT '',
            size               INTEGER NOT NULL,
            internal_date      INTEGER NOT NULL,
            content_hash       TEXT NOT NULL DEFAULT '',
            source_flags       TEXT NOT NULL DEFAULT '',
            target_flags       TEXT NOT NULL DEFAULT '',
            status             TEXT NOT NULL CHECK (status IN
                ('pending', 'copied', 'deleted_on_source', 'deleted_on_target', 'stale'))
        );
        -- A stale row (its folder's UIDVALIDITY changed) no longer owns its
        -- source key, so a re-run may track the same key afresh.
        CREATE UNIQUE INDEX message_source_key ON message (folder_id, source_key)
            WHERE status <> 'stale';
        CREATE INDEX message_folder_status ON message (folder_id, status);
    )sql"},
    {2, R"sql(
        -- One run of a command over a pair, with the report's totals.
        CREATE TABLE run (
            id                     INTEGER PRIMARY KEY,
            pair_id                INTEGER NOT NULL REFERENCES account_pair(id) ON DELETE CASCADE,
            command                TEXT NOT NULL,
            started                INTEGER NOT NULL,
            finished               INTEGER,
            dry_run                INTEGER NOT NULL DEFAULT 0,
            messages_source        INTEGER NOT NULL DEFAULT 0,
            messages_to_copy       INTEGER NOT NULL DEFAULT 0,
            messages_copied        INTEGER NOT NULL DEFAULT 0,
            messages_already_there INTEGER NOT NULL DEFAULT 0,
            messages_filtered      INTEGER NOT NULL DEFAULT 0,
            messages_failed        INTEGER NOT NULL DEFAULT 0,
            bytes_to_copy          INTEGER NOT NULL DEFAULT 0,
            bytes_copied           INTEGER NOT NULL DEFAULT 0,
            flag_updates           INTEGER NOT NULL DEFAULT 0,
            deletions              INTEGER NOT NULL DEFAULT 0,
            folders_created        INTEGER NOT NULL DEFAULT 0,
            exit_code              INTEGER,
            outcome                TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX run_pair ON run (pair_id, id);
        CREATE TABLE run_error (
            id        INTEGER PRIMARY KEY,
            run_id    INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
            folder    TEXT NOT NULL,
            source_id TEXT NOT NULL,
            text      TEXT NOT NULL
        );
        CREATE INDEX run_error_run ON run_error (run_id, id);
    )sql"},
    {3, R"sql(
        -- A job of the config (`sync`, `daemon`), known by its name: the
        -- identities of its accounts, its last run, when it runs next, its
        -- back-off and its running totals. Times are unix seconds.
        CREATE TABLE job (
            name                 TEXT PRIMARY KEY,
            source               TEXT NOT NULL,
            target               TEXT NOT NULL,
            last_started         INTEGER,
            last_finished        INTEGER,
            last_success         INTEGER,
            last_outcome         TEXT NOT NULL DEFAULT '',
            last_exit_code       INTEGER NOT NULL DEFAULT 0,
            last_messages_copied INTEGER NOT NULL DEFAULT 0,
            last_bytes_copied    INTEGER NOT NULL DEFAULT 0,
            last_error           TEXT NOT NULL DEFAULT '',
            next_run             INTEGER,
            backoff_s            INTEGER NOT NULL DEFAULT 0,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            runs                 INTEGER NOT NULL DEFAULT 0,
            failures             INTEGER NOT NULL DEFAULT 0,
            messages_copied      INTEGER NOT NULL DEFAULT 0,
            bytes_copied         INTEGER NOT NULL DEFAULT 0
        );
    )sql"},
    {4, R"sql(
        -- The source folder as a pass left it settled (every message it
        -- listed on the target or filtered; nothing pending, nothing
        -- failed): its STATUS then, how many of its messages the options
        -- filtered, and a key of those options. A later run that finds the
        -- same STATUS under the same options has nothing to do there.
        ALTER TABLE folder ADD COLUMN settled_uidnext INTEGER;
        ALTER TABLE folder ADD COLUMN settled_highestmodseq INTEGER;
        ALTER TABLE folder ADD COLUMN settled_messages INTEGER;
        ALTER TABLE folder ADD COLUMN settled_filtered INTEGER;
        ALTER TABLE folder ADD COLUMN settled_plan TEXT;
    )sql"},
    {5, R"sql(
        -- A folder's rows by source UID: a run resuming a large folder's
        -- first copy reads them one window of UIDs at a time.
        CREATE INDEX message_source_uid ON message (folder_id, source_uid)
            WHERE status <> 'stale';
    )sql"},
}};

std::string not_ours(const std::filesystem::path& file, const std::string& why) {
    return "state file " + file.string() + " is not a mailferry state database (" + why +
           "); use another --state";
}

}  // namespace

int schema_version(SQLite::Database& db) {
    return db.execAndGet("PRAGMA user_version").getInt();
}

Result<int> readable_schema_version(SQLite::Database& db, const std::filesystem::path& file) {
    const int version = schema_version(db);
    if (version > latest_schema_version) {
        return Failure(error::newer_schema, "state file " + file.string() +
                                                " was written by a newer mailferry (schema " +
                                                std::to_string(version) + ", this one knows " +
                                                std::to_string(latest_schema_version) +
                                                "); use a newer mailferry or another --state");
    }
    const int app = db.execAndGet("PRAGMA application_id").getInt();
    if (version == 0) {
        const int tables =
            db.execAndGet("SELECT count(*) FROM sqlite_master WHERE type = 'table'").getInt();
        if (tables > 0 || app != 0) {
            return Failure(error::corrupt, not_ours(file, "it holds tables of another program"));
        }
    } else if (app != application_id) {
        return Failure(error::corrupt, not_ours(file, "application_id " + std::to_string(app)));
    }
    return version;
}

Result<void> migrate(SQLite::Database& db, const std::filesystem::path& file, int target) {
    if (target < 1 || target > latest_schema_version) {
        return Failure(error::invalid_argument, "schema " + std::to_string(target) +
                                                    " does not exist (latest is " +
                                                    std::to_string(latest_schema_version) + ")");
    }
    return detail::guarded(file, "updating the schema", [&]() -> Result<void> {
        // IMMEDIATE: take the write lock before reading the version, so the
        // check and the update see the same file.
        SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
        auto readable = readable_schema_version(db, file);
        if (!readable) {
            return readable.error();
        }
        const int version = *readable;
        if (version >= target) {
            return {};
        }
        for (const Migration& m : migrations) {
            if (m.version > version && m.version <= target) {
                db.exec(m.sql);
            }
        }
        db.exec("PRAGMA application_id = " + std::to_string(application_id));
        db.exec("PRAGMA user_version = " + std::to_string(target));
        transaction.commit();
        return {};
    });
}

}  // namespace mailferry::state
