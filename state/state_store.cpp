// StateStore: opening, account pairs and folders. Messages are in
// state_store_messages.cpp, runs and the summary in state_store_runs.cpp.
#include "state/state_store.hpp"

#include "state/account_identity.hpp"
#include "state/detail/sql_values.hpp"
#include "state/detail/sqlite_failure.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <string>
#include <utility>

namespace mailferry::state {

using detail::raw;

namespace {

// The folder columns read_folder reads. A read-only store of an older schema
// reads the later columns as NULL.
std::string folder_columns(int schema) {
    std::string columns =
        "id, pair_id, source_name, target_name, source_uidvalidity, target_uidvalidity, "
        "source_uidnext, source_highestmodseq, created_on_target, ";
    columns += schema >= 4 ? "settled_uidnext, settled_highestmodseq, settled_messages, "
                             "settled_filtered, settled_plan"
                           : "NULL, NULL, NULL, NULL, NULL";
    return columns;
}

FolderRecord read_folder(SQLite::Statement& q) {
    FolderRecord f;
    f.id = FolderId{q.getColumn(0).getInt64()};
    f.pair = PairId{q.getColumn(1).getInt64()};
    f.source_name = q.getColumn(2).getString();
    f.target_name = q.getColumn(3).getString();
    f.source_uidvalidity = detail::optional_u32(q.getColumn(4));
    f.target_uidvalidity = detail::optional_u32(q.getColumn(5));
    f.source_uidnext = detail::optional_u32(q.getColumn(6));
    f.source_highestmodseq = detail::optional_u64(q.getColumn(7));
    f.created_on_target = q.getColumn(8).getInt() != 0;
    if (!q.getColumn(13).isNull()) {
        FolderSettlement settled;
        settled.uidnext = detail::optional_u32(q.getColumn(9)).value_or(0);
        settled.highestmodseq = detail::optional_u64(q.getColumn(10)).value_or(0);
        settled.messages = detail::optional_u32(q.getColumn(11)).value_or(0);
        settled.filtered = detail::optional_u32(q.getColumn(12)).value_or(0);
        settled.plan = q.getColumn(13).getString();
        f.settled = std::move(settled);
    }
    return f;
}

std::optional<FolderRecord> load_folder(SQLite::Database& db, int schema, FolderId id) {
    SQLite::Statement q(db, "SELECT " + folder_columns(schema) + " FROM folder WHERE id = ?");
    q.bind(1, raw(id));
    if (!q.executeStep()) {
        return std::nullopt;
    }
    return read_folder(q);
}

// Forgets the folder's settlement: what it recorded no longer holds.
void unsettle(SQLite::Database& db, FolderId id) {
    SQLite::Statement update(db,
                             "UPDATE folder SET settled_uidnext = NULL, settled_highestmodseq = "
                             "NULL, settled_messages = NULL, settled_filtered = NULL, "
                             "settled_plan = NULL WHERE id = ?");
    update.bind(1, raw(id));
    update.exec();
}

// Runs `sql`, whose one parameter is the folder id; the rows changed.
std::uint64_t exec_for_folder(SQLite::Database& db, const std::string& sql, FolderId id) {
    SQLite::Statement statement(db, sql);
    statement.bind(1, raw(id));
    return static_cast<std::uint64_t>(statement.exec());
}

Result<void> check_folder_name(std::string_view name, std::string_view side) {
    if (name.empty()) {
        return Failure(error::invalid_argument, "empty " + std::string(side) + " folder name");
    }
    return {};
}

Failure uidvalidity_changed(const std::filesystem::path& file, const FolderRecord& f,
                            std::string_view side, std::uint32_t stored, std::uint32_t given) {
    return Failure(error::uidvalidity_changed,
                   "state file " + file.string() + ": UIDVALIDITY of " + std::string(side) +
                       " folder " + (side == "source" ? f.source_name : f.target_name) +
                       " changed from " + std::to_string(stored) + " to " + std::to_string(given) +
                       "; its messages must be re-matched");
}

}  // namespace

StateStore::StateStore(std::unique_ptr<Database> db) noexcept : db_(std::move(db)) {}
StateStore::StateStore(StateStore&&) noexcept = default;
StateStore& StateStore::operator=(StateStore&&) noexcept = default;
StateStore::~StateStore() = default;

Result<StateStore> StateStore::open(const std::filesystem::path& file, const OpenOptions& options) {
    auto db = Database::open(file, options);
    if (!db) {
        return db.error();
    }
    return StateStore(std::move(*db));
}

const std::filesystem::path& StateStore::file() const noexcept {
    return db_->file();
}

bool StateStore::has_schema(int version) const noexcept {
    return db_->schema_version() >= version;
}

Result<AccountPair> StateStore::ensure_pair(std::string_view source, std::string_view target) {
    for (const std::string_view identity : {source, target}) {
        if (auto checked = check_account_identity(identity); !checked) {
            return checked.error();
        }
    }
    return detail::guarded(*db_, "recording an account pair", [&]() -> Result<AccountPair> {
        SQLite::Database& db = db_->sql();
        SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
        SQLite::Statement insert(
            db, "INSERT INTO account_pair (source, target) VALUES (?, ?) ON CONFLICT DO NOTHING");
        insert.bind(1, std::string(source));
        insert.bind(2, std::string(target));
        insert.exec();
        SQLite::Statement q(db, "SELECT id FROM account_pair WHERE source = ? AND target = ?");
        q.bind(1, std::string(source));
        q.bind(2, std::string(target));
        q.executeStep();
        AccountPair pair{PairId{q.getColumn(0).getInt64()}, std::string(source),
                         std::string(target)};
        transaction.commit();
        return pair;
    });
}

Result<std::optional<AccountPair>> StateStore::find_pair(std::string_view source,
                                                         std::string_view target) {
    return detail::guarded(
        *db_, "reading account pairs", [&]() -> Result<std::optional<AccountPair>> {
            if (!has_schema(1)) {
                return std::optional<AccountPair>();
            }
            SQLite::Statement q(db_->sql(),
                                "SELECT id FROM account_pair WHERE source = ? AND target = ?");
            q.bind(1, std::string(source));
            q.bind(2, std::string(target));
            if (!q.executeStep()) {
                return std::optional<AccountPair>();
            }
            return std::optional<AccountPair>(AccountPair{
                PairId{q.getColumn(0).getInt64()}, std::string(source), std::string(target)});
        });
}

Result<std::vector<AccountPair>> StateStore::pairs() {
    return detail::guarded(
        *db_, "reading account pairs", [&]() -> Result<std::vector<AccountPair>> {
            std::vector<AccountPair> out;
            if (!has_schema(1)) {
                return out;
            }
            SQLite::Statement q(db_->sql(),
                                "SELECT id, source, target FROM account_pair ORDER BY id");
            while (q.executeStep()) {
                out.push_back(AccountPair{PairId{q.getColumn(0).getInt64()},
                                          q.getColumn(1).getString(), q.getColumn(2).getString()});
            }
            return out;
        });
}

Result<FolderRecord> StateStore::ensure_folder(PairId pair, std::string_view source_name,
                                               std::string_view target_name) {
    if (auto ok = check_folder_name(source_name, "source"); !ok) {
        return ok.error();
    }
    if (auto ok = check_folder_name(target_name, "target"); !ok) {
        return ok.error();
    }
    return detail::guarded(*db_, "recording a folder", [&]() -> Result<FolderRecord> {
        SQLite::Database& db = db_->sql();
        SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
        if (!detail::row_exists(db, "account_pair", raw(pair))) {
            return detail::not_found(file(), detail::row_name("account pair", pair));
        }
        SQLite::Statement insert(db,
                                 "INSERT INTO folder (pair_id, source_name, target_name) "
                                 "VALUES (?, ?, ?) ON CONFLICT DO NOTHING");
        insert.bind(1, raw(pair));
        insert.bind(2, std::string(source_name));
        insert.bind(3, std::string(target_name));
        insert.exec();
        SQLite::Statement q(db, "SELECT " + folder_columns(db_->schema_version()) +
                                    " FROM folder WHERE pair_id = ? AND source_name = ?");
        q.bind(1, raw(pair));
        q.bind(2, std::string(source_name));
        q.executeStep();
        FolderRecord record = read_folder(q);
        transaction.commit();
        return record;
    });
}

Result<FolderRecord> StateStore::folder(FolderId id) {
    return detail::guarded(*db_, "reading a folder", [&]() -> Result<FolderRecord> {
        auto f = has_schema(1) ? load_folder(db_->sql(), db_->schema_version(), id) : std::nullopt;
        if (!f) {
            return detail::not_found(file(), detail::row_name("folder", id));
        }
        return std::move(*f);
    });
}

Result<std::vector<FolderRecord>> StateStore::folders(PairId pair) {
    return detail::guarded(*db_, "reading folders", [&]() -> Result<std::vector<FolderRecord>> {
        std::vector<FolderRecord> out;
        if (!has_schema(1)) {
            return out;
        }
        SQLite::Statement q(db_->sql(), "SELECT " + folder_columns(db_->schema_version()) +
                                            " FROM folder WHERE pair_id = ? ORDER BY source_name");
        q.bind(1, raw(pair));
        while (q.executeStep()) {
            out.push_back(read_folder(q));
        }
        return out;
    });
}

Result<void> StateStore::set_folder_uidvalidity(FolderId id, const UidValidityChange& values) {
    return detail::guarded(*db_, "recording a folder's UIDVALIDITY", [&]() -> Result<void> {
        SQLite::Database& db = db_->sql();
        SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
        auto f = load_folder(db, db_->schema_version(), id);
        if (!f) {
            return detail::not_found(file(), detail::row_name("folder", id));
        }
        if (values.source_uidvalidity && f->source_uidvalidity &&
            *f->source_uidvalidity != *values.source_uidvalidity) {
            return uidvalidity_changed(file(), *f, "source", *f->source_uidvalidity,
                                       *values.source_uidvalidity);
        }
        if (values.target_uidvalidity && f->target_uidvalidity &&
            *f->target_uidvalidity != *values.target_uidvalidity) {
            return uidvalidity_changed(file(), *f, "target", *f->target_uidvalidity,
                                       *values.target_uidvalidity);
        }
        SQLite::Statement update(db,
                                 "UPDATE folder SET source_uidvalidity = coalesce(?, "
                                 "source_uidvalidity), target_uidvalidity = coalesce(?, "
                                 "target_uidvalidity) WHERE id = ?");
        detail::bind_optional(update, 1, values.source_uidvalidity);
        detail::bind_optional(update, 2, values.target_uidvalidity);
        update.bind(3, raw(id));
        update.exec();
        transaction.commit();
        return {};
    });
}

Result<void> StateStore::mark_folder_created(FolderId id) {
    return detail::guarded(*db_, "marking a folder created", [&]() -> Result<void> {
        SQLite::Statement update(db_->sql(),
                                 "UPDATE folder SET created_on_target = 1 WHERE id = ?");
        update.bind(1, raw(id));
        if (update.exec() != 1) {
            return detail::not_found(file(), detail::row_name("folder", id));
        }
        return {};
    });
}

Result<void> StateStore::retarget_folder(FolderId id, std::string_view target_name) {
    if (auto ok = check_folder_name(target_name, "target"); !ok) {
        return ok.error();
    }
    return detail::guarded(*db_, "changing a folder's target", [&]() -> Result<void> {
        SQLite::Database& db = db_->sql();
        SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
        auto f = load_folder(db, db_->schema_version(), id);
        if (!f) {
            return detail::not_found(file(), detail::row_name("folder", id));
        }
        if (f->target_name == target_name) {
            return {};
        }
        SQLite::Statement folder(db,
                                 "UPDATE folder SET target_name = ?, target_uidvalidity = NULL, "
                                 "created_on_target = 0 WHERE id = ?");
        folder.bind(1, std::string(target_name));
        folder.bind(2, raw(id));
        folder.exec();
        unsettle(db, id);
        exec_for_folder(db,
                        "UPDATE message SET status = 'stale', target_uid = NULL, "
                        "target_uidvalidity = NULL WHERE folder_id = ? AND status IN "
                        "('pending', 'copied')",
                        id);
        exec_for_folder(db,
                        "UPDATE message SET target_uid = NULL, target_uidvalidity = NULL "
                        "WHERE folder_id = ? AND status <> 'stale'",
                        id);
        transaction.commit();
        return {};
    });
}

Result<void> StateStore::update_folder_progress(FolderId id, const FolderProgress& progress) {
    if (auto ok = detail::check_modseq(progress.source_highestmodseq.value_or(0)); !ok) {
        return ok;
    }
    return detail::guarded(*db_, "recording a folder's progress", [&]() -> Result<void> {
        const RelaxedDurability after_the_act(*db_);
        SQLite::Statement update(db_->sql(),
                                 "UPDATE folder SET source_uidnext = coalesce(?, source_uidnext), "
                                 "source_highestmodseq = coalesce(?, source_highestmodseq) "
                                 "WHERE id = ?");
        detail::bind_optional(update, 1, progress.source_uidnext);
        detail::bind_optional(update, 2, progress.source_highestmodseq);
        update.bind(3, raw(id));
        if (update.exec() != 1) {
            return detail::not_found(file(), detail::row_name("folder", id));
        }
        return {};
    });
}

Result<void> StateStore::unsettle_folder(FolderId id) {
    return detail::guarded(*db_, "forgetting a folder's settlement", [&]() -> Result<void> {
        const RelaxedDurability before_the_act(*db_);
        unsettle(db_->sql(), id);
        return {};
    });
}

Result<void> StateStore::settle_folder(FolderId id, const FolderSettlement& settlement) {
    if (settlement.filtered > settlement.messages) {
        return Failure(error::invalid_argument,
                       "a settled folder cannot filter " + std::to_string(settlement.filtered) +
                           " of its " + std::to_string(settlement.messages) + " messages");
    }
    if (auto ok = detail::check_modseq(settlement.highestmodseq); !ok) {
        return ok;
    }
    return detail::guarded(*db_, "recording a settled folder", [&]() -> Result<void> {
        const RelaxedDurability after_the_act(*db_);
        SQLite::Statement update(
            db_->sql(),
            "UPDATE folder SET settled_uidnext = ?1, settled_highestmodseq = "
            "?2, settled_messages = ?3, settled_filtered = ?4, settled_plan = "
            "?5, source_uidnext = ?1, source_highestmodseq = ?2 WHERE id = ?6");
        update.bind(1, static_cast<std::int64_t>(settlement.uidnext));
        update.bind(2, static_cast<std::int64_t>(settlement.highestmodseq));
        update.bind(3, static_cast<std::int64_t>(settlement.messages));
        update.bind(4, static_cast<std::int64_t>(settlement.filtered));
        update.bind(5, settlement.plan);
        update.bind(6, raw(id));
        if (update.exec() != 1) {
            return detail::not_found(file(), detail::row_name("folder", id));
        }
        return {};
    });
}

Result<std::uint64_t> StateStore::invalidate_folder_mapping(FolderId id,
                                                            const UidValidityChange& values) {
    return detail::guarded(
        *db_, "invalidating a folder's UID mapping", [&]() -> Result<std::uint64_t> {
            SQLite::Database& db = db_->sql();
            SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
            auto f = load_folder(db, db_->schema_version(), id);
            if (!f) {
                return detail::not_found(file(), detail::row_name("folder", id));
            }
            const bool source_changed = values.source_uidvalidity && f->source_uidvalidity &&
                                        *f->source_uidvalidity != *values.source_uidvalidity;
            const bool target_changed = values.target_uidvalidity && f->target_uidvalidity &&
                                        *f->target_uidvalidity != *values.target_uidvalidity;
            std::uint64_t made_stale = 0;
            if (source_changed || target_changed) {
                // Target UIDs of the old UIDVALIDITY name other messages or none
                // (RFC 3501 §2.3.1.1): clear them rather than keep wrong ones.
                made_stale = exec_for_folder(
                    db,
                    std::string("UPDATE message SET status = 'stale'") +
                        (target_changed ? ", target_uid = NULL, target_uidvalidity = NULL" : "") +
                        " WHERE folder_id = ? AND status IN ('pending', 'copied')",
                    id);
            }
            if (source_changed) {
                // A deleted row's source key would shadow a new message that
                // happens to get the same UID.
                exec_for_folder(db,
                                "DELETE FROM message WHERE folder_id = ? AND status IN "
                                "('deleted_on_source', 'deleted_on_target')",
                                id);
                exec_for_folder(db,
                                "UPDATE folder SET source_uidnext = NULL, "
                                "source_highestmodseq = NULL WHERE id = ?",
                                id);
            } else if (target_changed) {
                exec_for_folder(db,
                                "UPDATE message SET target_uid = NULL, target_uidvalidity = "
                                "NULL WHERE folder_id = ? AND status = 'deleted_on_source'",
                                id);
            }
            SQLite::Statement update(db,
                                     "UPDATE folder SET source_uidvalidity = coalesce(?, "
                                     "source_uidvalidity), target_uidvalidity = coalesce(?, "
                                     "target_uidvalidity) WHERE id = ?");
            detail::bind_optional(update, 1, values.source_uidvalidity);
            detail::bind_optional(update, 2, values.target_uidvalidity);
            update.bind(3, raw(id));
            update.exec();
            if (source_changed || target_changed) {
                unsettle(db, id);
            }
            transaction.commit();
            return made_stale;
        });
}

}  // namespace mailferry::state
