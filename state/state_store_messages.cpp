// StateStore: message rows, the heart of crash consistency (see the header).
#include "state/state_store.hpp"

#include "state/detail/sql_values.hpp"
#include "state/detail/sqlite_failure.hpp"
#include "state/flag_string.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <string>
#include <utility>

namespace mailferry::state {

using detail::raw;

namespace {

constexpr const char* message_columns =
    "id, folder_id, source_key, source_uid, source_uidvalidity, target_uid, target_uidvalidity, "
    "message_id, size, internal_date, content_hash, source_flags, target_flags, status";

MessageRecord read_message(SQLite::Statement& q) {
    MessageRecord m;
    m.id = MessageRowId{q.getColumn(0).getInt64()};
    m.folder = FolderId{q.getColumn(1).getInt64()};
    m.source_key = q.getColumn(2).getString();
    m.source_uid = detail::optional_u32(q.getColumn(3));
    m.source_uidvalidity = detail::optional_u32(q.getColumn(4));
    m.target_uid = detail::optional_u32(q.getColumn(5));
    m.target_uidvalidity = detail::optional_u32(q.getColumn(6));
    m.message_id = q.getColumn(7).getString();
    m.size = detail::u64(q.getColumn(8));
    m.internal_date = q.getColumn(9).getInt64();
    m.content_hash = q.getColumn(10).getString();
    m.source_flags = q.getColumn(11).getString();
    m.target_flags = q.getColumn(12).getString();
    // The CHECK constraint admits only known statuses.
    m.status = parse_message_status(q.getColumn(13).getString()).value_or(MessageStatus::pending);
    return m;
}

std::vector<MessageRecord> select_messages(SQLite::Database& db, FolderId folder,
                                           const char* condition) {
    SQLite::Statement q(db, std::string("SELECT ") + message_columns +
                                " FROM message WHERE folder_id = ?" + condition + " ORDER BY id");
    q.bind(1, raw(folder));
    std::vector<MessageRecord> out;
    while (q.executeStep()) {
        out.push_back(read_message(q));
    }
    return out;
}

// The content hash in lowercase, or a failure when it is not hex SHA-256.
Result<std::string> normalize_hash(std::string_view hash) {
    std::string out(hash);
    std::transform(out.begin(), out.end(), out.begin(), [](char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    const bool hex = std::all_of(out.begin(), out.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    });
    if (!(out.empty() || (out.size() == 64 && hex))) {
        return Failure(error::invalid_argument, "content hash \"" + std::string(hash) +
                                                    "\" is not 64 hex digits of SHA-256");
    }
    return out;
}

Result<PendingMessage> normalize(const PendingMessage& in) {
    PendingMessage m = in;
    if (m.source_key.empty() && m.source_uid) {
        m.source_key = std::to_string(*m.source_uid);
    }
    if (m.source_key.empty()) {
        return Failure(error::invalid_argument, "a pending message needs a source key or UID");
    }
    if (m.size > detail::max_sql_integer) {
        return Failure(error::invalid_argument,
                       "message size " + std::to_string(m.size) + " is beyond 2^63-1");
    }
    auto hash = normalize_hash(m.content_hash);
    if (!hash) {
        return hash.error();
    }
    m.content_hash = std::move(*hash);
    m.flags = normalize_flags(m.flags);
    return m;
}

// Why a per-row UPDATE touched no row: unknown id or another status.
Failure row_failure(SQLite::Database& db, const std::filesystem::path& file, MessageRowId id,
                    std::string_view needed) {
    SQLite::Statement q(db, "SELECT status FROM message WHERE id = ?");
    q.bind(1, raw(id));
    if (!q.executeStep()) {
        return detail::not_found(file, detail::row_name("message row", id));
    }
    return Failure(error::wrong_status,
                   "state file " + file.string() + ": " + detail::row_name("message row", id) +
                       " is " + q.getColumn(0).getString() + ", not " + std::string(needed) +
                       "; nothing of the batch was stored");
}

// The folder's source name, for messages; empty when there is no such folder.
std::optional<std::string> folder_name(SQLite::Database& db, FolderId folder) {
    SQLite::Statement q(db, "SELECT source_name FROM folder WHERE id = ?");
    q.bind(1, raw(folder));
    if (!q.executeStep()) {
        return std::nullopt;
    }
    return q.getColumn(0).getString();
}

}  // namespace

Result<std::vector<MessageRowId>> StateStore::record_pending(
    FolderId folder, std::span<const PendingMessage> messages) {
    std::vector<PendingMessage> rows;
    rows.reserve(messages.size());
    for (const PendingMessage& m : messages) {
        auto normalized = normalize(m);
        if (!normalized) {
            return normalized.error();
        }
        rows.push_back(std::move(*normalized));
    }
    return detail::guarded(
        *db_, "recording pending messages", [&]() -> Result<std::vector<MessageRowId>> {
            SQLite::Database& db = db_->sql();
            SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
            const auto name = folder_name(db, folder);
            if (!name) {
                return detail::not_found(file(), detail::row_name("folder", folder));
            }
            SQLite::Statement find(db,
                                   "SELECT id, status FROM message WHERE folder_id = ? AND "
                                   "source_key = ? AND status <> 'stale'");
            SQLite::Statement insert(
                db,
                "INSERT INTO message (folder_id, source_key, source_uid, source_uidvalidity, "
                "message_id, size, internal_date, content_hash, source_flags, status) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')");
            SQLite::Statement update(
                db,
                "UPDATE message SET source_uid = ?, source_uidvalidity = ?, message_id = ?, size = "
                "?, "
                "internal_date = ?, content_hash = ?, source_flags = ? WHERE id = ?");
            std::vector<MessageRowId> ids;
            ids.reserve(rows.size());
            for (const PendingMessage& m : rows) {
                find.reset();
                find.bind(1, raw(folder));
                find.bind(2, m.source_key);
                if (find.executeStep()) {
                    const MessageRowId id{find.getColumn(0).getInt64()};
                    const std::string status = find.getColumn(1).getString();
                    if (status != "pending") {
                        return Failure(error::already_tracked,
                                       "state file " + file().string() + ": folder " + *name +
                                           " already tracks source message " + m.source_key +
                                           " as " + status + "; nothing of the batch was stored");
                    }
                    update.reset();
                    detail::bind_optional(update, 1, m.source_uid);
                    detail::bind_optional(update, 2, m.source_uidvalidity);
                    update.bind(3, m.message_id);
                    update.bind(4, static_cast<std::int64_t>(m.size));
                    update.bind(5, m.internal_date);
                    update.bind(6, m.content_hash);
                    update.bind(7, m.flags);
                    update.bind(8, raw(id));
                    update.exec();
                    ids.push_back(id);
                    continue;
                }
                insert.reset();
                insert.bind(1, raw(folder));
                insert.bind(2, m.source_key);
                detail::bind_optional(insert, 3, m.source_uid);
                detail::bind_optional(insert, 4, m.source_uidvalidity);
                insert.bind(5, m.message_id);
                insert.bind(6, static_cast<std::int64_t>(m.size));
                insert.bind(7, m.internal_date);
                insert.bind(8, m.content_hash);
                insert.bind(9, m.flags);
                insert.exec();
                ids.push_back(MessageRowId{db.getLastInsertRowid()});
            }
            transaction.commit();
            return ids;
        });
}

Result<MessageRowId> StateStore::record_pending(FolderId folder, const PendingMessage& message) {
    auto ids = record_pending(folder, std::span<const PendingMessage>(&message, 1));
    if (!ids) {
        return ids.error();
    }
    return ids->front();
}

Result<void> StateStore::confirm_copied(FolderId folder,
                                        std::span<const Confirmation> confirmations,
                                        const FolderProgress& progress) {
    if (auto ok = detail::check_modseq(progress.source_highestmodseq.value_or(0)); !ok) {
        return ok;
    }
    return detail::guarded(*db_, "recording copied messages", [&]() -> Result<void> {
        const RelaxedDurability after_the_act(*db_);
        SQLite::Database& db = db_->sql();
        SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
        if (!detail::row_exists(db, "folder", raw(folder))) {
            return detail::not_found(file(), detail::row_name("folder", folder));
        }
        SQLite::Statement update(db,
                                 "UPDATE message SET status = 'copied', target_uid = ?, "
                                 "target_uidvalidity = ?, target_flags = ? "
                                 "WHERE id = ? AND folder_id = ? AND status = 'pending'");
        for (const Confirmation& c : confirmations) {
            update.reset();
            detail::bind_optional(update, 1, c.target_uid);
            detail::bind_optional(update, 2, c.target_uidvalidity);
            update.bind(3, normalize_flags(c.flags));
            update.bind(4, raw(c.pending));
            update.bind(5, raw(folder));
            if (update.exec() != 1) {
                return row_failure(db, file(), c.pending,
                                   "pending in folder " + std::to_string(raw(folder)));
            }
        }
        // The high-water mark moves in the same transaction as the rows it
        // covers (STYLE §6), so it never claims a message that is not stored.
        SQLite::Statement marks(db,
                                "UPDATE folder SET source_uidnext = coalesce(?, source_uidnext), "
                                "source_highestmodseq = coalesce(?, source_highestmodseq) "
                                "WHERE id = ?");
        detail::bind_optional(marks, 1, progress.source_uidnext);
        detail::bind_optional(marks, 2, progress.source_highestmodseq);
        marks.bind(3, raw(folder));
        marks.exec();
        transaction.commit();
        return {};
    });
}

Result<void> StateStore::confirm_copied(FolderId folder, const Confirmation& confirmation) {
    return confirm_copied(folder, std::span<const Confirmation>(&confirmation, 1));
}

Result<std::vector<MessageRecord>> StateStore::pending_messages(FolderId folder) {
    return detail::guarded(
        *db_, "reading pending messages", [&]() -> Result<std::vector<MessageRecord>> {
            if (!has_schema(1)) {
                return std::vector<MessageRecord>();
            }
            return select_messages(db_->sql(), folder, " AND status = 'pending'");
        });
}

Result<std::vector<MessageRecord>> StateStore::messages(FolderId folder) {
    return detail::guarded(*db_, "reading messages", [&]() -> Result<std::vector<MessageRecord>> {
        if (!has_schema(1)) {
            return std::vector<MessageRecord>();
        }
        return select_messages(db_->sql(), folder, "");
    });
}

Result<std::vector<MessageRecord>> StateStore::messages(FolderId folder,
                                                        std::span<const std::string> source_keys) {
    return detail::guarded(*db_, "reading messages", [&]() -> Result<std::vector<MessageRecord>> {
        std::vector<MessageRecord> out;
        if (!has_schema(1) || source_keys.empty()) {
            return out;
        }
        // The status term lets SQLite use the partial unique index
        // message_source_key; without it each look-up scans the folder.
        SQLite::Statement q(db_->sql(),
                            std::string("SELECT ") + message_columns +
                                " FROM message WHERE folder_id = ? AND source_key = ? AND "
                                "status <> 'stale'");
        q.bind(1, raw(folder));
        for (const std::string& key : source_keys) {
            q.bind(2, key);
            if (q.executeStep()) {
                out.push_back(read_message(q));
            }
            q.reset();
        }
        return out;
    });
}

Result<std::vector<std::uint32_t>> StateStore::live_source_uids(FolderId folder) {
    return select_uids(folder,
                       "SELECT source_uid FROM message WHERE folder_id = ? AND status IN "
                       "('pending', 'copied', 'deleted_on_source') AND source_uid IS NOT NULL "
                       "ORDER BY source_uid");
}

Result<std::uint64_t> StateStore::live_message_count(FolderId folder) {
    return detail::guarded(*db_, "counting messages", [&]() -> Result<std::uint64_t> {
        if (!has_schema(1)) {
            return std::uint64_t{0};
        }
        SQLite::Statement q(db_->sql(),
                            "SELECT count(*) FROM message WHERE folder_id = ? AND status IN "
                            "('pending', 'copied', 'deleted_on_source')");
        q.bind(1, raw(folder));
        q.executeStep();
        return static_cast<std::uint64_t>(q.getColumn(0).getInt64());
    });
}

Result<std::vector<MessageRecord>> StateStore::messages_in_uid_range(FolderId folder,
                                                                     std::uint32_t first,
                                                                     std::uint32_t last) {
    return detail::guarded(*db_, "reading messages", [&]() -> Result<std::vector<MessageRecord>> {
        std::vector<MessageRecord> out;
        if (!has_schema(1)) {
            return out;
        }
        // `status <> 'stale'` lets SQLite use the partial index
        // message_source_uid.
        SQLite::Statement q(db_->sql(),
                            std::string("SELECT ") + message_columns +
                                " FROM message WHERE folder_id = ? AND status <> 'stale' AND "
                                "source_uid BETWEEN ? AND ? AND status IN "
                                "('pending', 'copied', 'deleted_on_source') ORDER BY source_uid");
        q.bind(1, raw(folder));
        q.bind(2, static_cast<std::int64_t>(first));
        q.bind(3, last == 0 ? std::numeric_limits<std::int64_t>::max()
                            : static_cast<std::int64_t>(last));
        while (q.executeStep()) {
            out.push_back(read_message(q));
        }
        return out;
    });
}

Result<std::vector<std::uint32_t>> StateStore::copied_target_uids(FolderId folder) {
    return select_uids(folder,
                       "SELECT target_uid FROM message WHERE folder_id = ? AND status IN "
                       "('copied', 'deleted_on_source') AND target_uid IS NOT NULL "
                       "ORDER BY target_uid");
}

Result<std::vector<std::uint32_t>> StateStore::select_uids(FolderId folder, const char* sql) {
    return detail::guarded(
        *db_, "reading message UIDs", [&]() -> Result<std::vector<std::uint32_t>> {
            std::vector<std::uint32_t> out;
            if (!has_schema(1)) {
                return out;
            }
            SQLite::Statement q(db_->sql(), sql);
            q.bind(1, raw(folder));
            while (q.executeStep()) {
                out.push_back(static_cast<std::uint32_t>(q.getColumn(0).getInt64()));
            }
            return out;
        });
}

Result<void> StateStore::forget_pending(std::span<const MessageRowId> rows) {
    return detail::guarded(*db_, "forgetting pending messages", [&]() -> Result<void> {
        SQLite::Database& db = db_->sql();
        SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
        SQLite::Statement drop(db, "DELETE FROM message WHERE id = ? AND status = 'pending'");
        for (const MessageRowId id : rows) {
            drop.reset();
            drop.bind(1, raw(id));
            if (drop.exec() != 1) {
                return row_failure(db, file(), id, "pending");
            }
        }
        transaction.commit();
        return {};
    });
}

Result<void> StateStore::forget_pending(MessageRowId row) {
    return forget_pending(std::span<const MessageRowId>(&row, 1));
}

Result<void> StateStore::record_flags(std::span<const FlagSync> updates) {
    return detail::guarded(*db_, "recording flags", [&]() -> Result<void> {
        const RelaxedDurability after_the_act(*db_);
        SQLite::Database& db = db_->sql();
        SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
        SQLite::Statement update(db,
                                 "UPDATE message SET source_flags = ?, target_flags = ? "
                                 "WHERE id = ? AND status = 'copied'");
        for (const FlagSync& f : updates) {
            update.reset();
            update.bind(1, normalize_flags(f.source_flags));
            update.bind(2, normalize_flags(f.target_flags));
            update.bind(3, raw(f.message));
            if (update.exec() != 1) {
                return row_failure(db, file(), f.message, "copied");
            }
        }
        transaction.commit();
        return {};
    });
}

Result<void> StateStore::mark_deleted(std::span<const MessageRowId> rows, MessageStatus status) {
    if (status != MessageStatus::deleted_on_source && status != MessageStatus::deleted_on_target) {
        return Failure(error::invalid_argument,
                       "mark_deleted takes deleted_on_source or "
                       "deleted_on_target, not " +
                           std::string(to_string(status)));
    }
    return detail::guarded(*db_, "recording deleted messages", [&]() -> Result<void> {
        SQLite::Database& db = db_->sql();
        SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
        // A message deleted from the source after the copy may later be
        // deleted from the target too (--sync-deletions), not the reverse.
        SQLite::Statement update(
            db, status == MessageStatus::deleted_on_source
                    ? "UPDATE message SET status = 'deleted_on_source' WHERE id = ? AND status = "
                      "'copied'"
                    : "UPDATE message SET status = 'deleted_on_target' WHERE id = ? AND status IN "
                      "('copied', 'deleted_on_source')");
        for (const MessageRowId id : rows) {
            update.reset();
            update.bind(1, raw(id));
            if (update.exec() != 1) {
                return row_failure(db, file(), id, "copied");
            }
        }
        transaction.commit();
        return {};
    });
}

Result<void> StateStore::rematch(std::span<const Rematch> matches) {
    for (const Rematch& m : matches) {
        if (m.source_key.empty() && !m.source_uid) {
            return Failure(error::invalid_argument,
                           "a re-matched message needs a source key or UID");
        }
    }
    return detail::guarded(*db_, "recording re-matched messages", [&]() -> Result<void> {
        SQLite::Database& db = db_->sql();
        SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
        SQLite::Statement live(db,
                               "SELECT 1 FROM message WHERE folder_id = (SELECT folder_id FROM "
                               "message WHERE id = ?) AND source_key = ? AND status <> 'stale'");
        SQLite::Statement update(
            db,
            "UPDATE message SET source_key = ?, source_uid = ?, source_uidvalidity = ?, "
            "target_uid = ?, target_uidvalidity = ?, source_flags = ?, target_flags = ?, "
            "status = 'copied' WHERE id = ? AND status = 'stale'");
        for (const Rematch& m : matches) {
            const std::string key =
                m.source_key.empty() ? std::to_string(*m.source_uid) : m.source_key;
            live.reset();
            live.bind(1, raw(m.stale));
            live.bind(2, key);
            if (live.executeStep()) {
                return Failure(error::already_tracked,
                               "state file " + file().string() + ": source message " + key +
                                   " is already tracked in the folder of " +
                                   detail::row_name("message row", m.stale) +
                                   "; nothing of the batch was stored");
            }
            update.reset();
            update.bind(1, key);
            detail::bind_optional(update, 2, m.source_uid);
            detail::bind_optional(update, 3, m.source_uidvalidity);
            detail::bind_optional(update, 4, m.target_uid);
            detail::bind_optional(update, 5, m.target_uidvalidity);
            update.bind(6, normalize_flags(m.source_flags));
            update.bind(7, normalize_flags(m.target_flags));
            update.bind(8, raw(m.stale));
            if (update.exec() != 1) {
                return row_failure(db, file(), m.stale, "stale");
            }
        }
        transaction.commit();
        return {};
    });
}

Result<std::uint64_t> StateStore::drop_stale(FolderId folder) {
    return detail::guarded(*db_, "dropping stale messages", [&]() -> Result<std::uint64_t> {
        SQLite::Statement drop(db_->sql(),
                               "DELETE FROM message WHERE folder_id = ? AND status = 'stale'");
        drop.bind(1, raw(folder));
        return static_cast<std::uint64_t>(drop.exec());
    });
}

}  // namespace mailferry::state
