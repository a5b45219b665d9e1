#include "contrib/testserver/store/schema.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace mailferry::testserver::store {

namespace {

// Version 1. Bodies sit in the last column of `messages` so that loading the
// metadata never reads a body's overflow pages. `recent` is 1 until a session
// claims the message as \Recent (RFC 3501 §2.3.2).
constexpr const char* schema_v1 = R"sql(
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE users (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE,
    password TEXT NOT NULL
);
CREATE TABLE mailboxes (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    special_use    TEXT NOT NULL DEFAULT '',
    subscribed     INTEGER NOT NULL DEFAULT 0,
    uidvalidity    INTEGER NOT NULL,
    uidnext        INTEGER NOT NULL DEFAULT 1,
    highest_modseq INTEGER NOT NULL DEFAULT 1,
    UNIQUE (user_id, name)
);
CREATE TABLE messages (
    mailbox_id     INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    uid            INTEGER NOT NULL,
    modseq         INTEGER NOT NULL,
    size           INTEGER NOT NULL,
    internal_date  INTEGER NOT NULL,
    date_offset    INTEGER NOT NULL,
    flags          TEXT NOT NULL,
    recent         INTEGER NOT NULL DEFAULT 1,
    body           BLOB NOT NULL,
    UNIQUE (mailbox_id, uid)
);
)sql";

}  // namespace

void migrate(SQLite::Database& db, std::int64_t now) {
    const int version = db.execAndGet("PRAGMA user_version").getInt();
    if (version > schema_version) {
        throw std::runtime_error("the store's schema version " + std::to_string(version) +
                                 " is newer than this program's (" +
                                 std::to_string(schema_version) + ")");
    }
    if (version == schema_version) {
        return;
    }
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    if (version < 1) {
        db.exec(schema_v1);
        SQLite::Statement seed(db, "INSERT INTO counters (name, value) VALUES ('uidvalidity', ?)");
        // The first mailbox gets `now`: the counter holds the last value given.
        seed.bind(1, std::max<std::int64_t>(now, 2) - 1);
        seed.exec();
    }
    db.exec("PRAGMA user_version = " + std::to_string(schema_version));
    transaction.commit();
}

std::uint32_t next_uidvalidity(SQLite::Database& db, std::int64_t now) {
    const std::int64_t last =
        db.execAndGet("SELECT value FROM counters WHERE name = 'uidvalidity'").getInt64();
    const std::int64_t next = std::max(last + 1, now);
    if (next > std::numeric_limits<std::uint32_t>::max()) {
        throw std::runtime_error("the store's UIDVALIDITY counter is exhausted");
    }
    SQLite::Statement update(db, "UPDATE counters SET value = ? WHERE name = 'uidvalidity'");
    update.bind(1, next);
    update.exec();
    return static_cast<std::uint32_t>(next);
}

}  // namespace mailferry::testserver::store
