#pragma once
// The store's tables and their forward-only migrations, tracked with
// PRAGMA user_version.

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>

namespace mailferry::testserver::store {

// The schema version this program writes.
inline constexpr int schema_version = 1;

// Brings `db` up to schema_version in one transaction. A new database gets
// its UIDVALIDITY counter seeded with `now` (seconds since the epoch).
// Throws std::runtime_error when the database is newer than this program,
// SQLite::Exception when it cannot be read or written.
void migrate(SQLite::Database& db, std::int64_t now);

// The next UIDVALIDITY of the store: above every value handed out before
// (also across restarts and deletions) and at least `now` (the scheme of
// Dovecot's mailbox_uidvalidity_next). Must run inside the caller's
// transaction, so a rolled-back create hands the value out again.
std::uint32_t next_uidvalidity(SQLite::Database& db, std::int64_t now);

}  // namespace mailferry::testserver::store
