// StateStore: the history of runs and the summary behind `mailferry status`.
#include "state/state_store.hpp"

#include "state/detail/sql_values.hpp"
#include "state/detail/sqlite_failure.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <string>
#include <utility>

namespace mailferry::state {

using detail::raw;

namespace {

constexpr const char* run_columns =
    "id, pair_id, command, started, finished, dry_run, messages_source, messages_to_copy, "
    "messages_copied, messages_already_there, messages_filtered, messages_failed, bytes_to_copy, "
    "bytes_copied, flag_updates, deletions, folders_created, exit_code, outcome";

RunRecord read_run(SQLite::Statement& q) {
    RunRecord r;
    r.id = RunId{q.getColumn(0).getInt64()};
    r.pair = PairId{q.getColumn(1).getInt64()};
    r.command = q.getColumn(2).getString();
    r.started = q.getColumn(3).getInt64();
    if (!q.getColumn(4).isNull()) {
        r.finished = q.getColumn(4).getInt64();
    }
    r.dry_run = q.getColumn(5).getInt() != 0;
    RunTotals& t = r.totals;
    t.messages_source = detail::u64(q.getColumn(6));
    t.messages_to_copy = detail::u64(q.getColumn(7));
    t.messages_copied = detail::u64(q.getColumn(8));
    t.messages_already_there = detail::u64(q.getColumn(9));
    t.messages_filtered = detail::u64(q.getColumn(10));
    t.messages_failed = detail::u64(q.getColumn(11));
    t.bytes_to_copy = detail::u64(q.getColumn(12));
    t.bytes_copied = detail::u64(q.getColumn(13));
    t.flag_updates = detail::u64(q.getColumn(14));
    t.deletions = detail::u64(q.getColumn(15));
    t.folders_created = detail::u64(q.getColumn(16));
    if (!q.getColumn(17).isNull()) {
        r.exit_code = q.getColumn(17).getInt();
    }
    r.outcome = q.getColumn(18).getString();
    return r;
}

std::vector<RunRecord> select_runs(SQLite::Database& db, PairId pair, std::size_t limit) {
    // Ids grow with time, so the highest id is the last run even when two
    // started in the same second.
    SQLite::Statement q(db, std::string("SELECT ") + run_columns +
                                " FROM run WHERE pair_id = ? ORDER BY id DESC LIMIT ?");
    q.bind(1, raw(pair));
    q.bind(2, limit == 0 ? std::int64_t{-1} : detail::clamp_counter(limit));
    std::vector<RunRecord> out;
    while (q.executeStep()) {
        out.push_back(read_run(q));
    }
    return out;
}

}  // namespace

Result<RunId> StateStore::begin_run(PairId pair, std::string_view command, bool dry_run,
                                    std::int64_t started) {
    return detail::guarded(*db_, "recording the start of a run", [&]() -> Result<RunId> {
        const RelaxedDurability bookkeeping(*db_);
        SQLite::Database& db = db_->sql();
        SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
        if (!detail::row_exists(db, "account_pair", raw(pair))) {
            return detail::not_found(file(), detail::row_name("account pair", pair));
        }
        SQLite::Statement insert(db,
                                 "INSERT INTO run (pair_id, command, started, dry_run) "
                                 "VALUES (?, ?, ?, ?)");
        insert.bind(1, raw(pair));
        insert.bind(2, std::string(command));
        insert.bind(3, started);
        insert.bind(4, dry_run ? 1 : 0);
        insert.exec();
        const RunId id{db.getLastInsertRowid()};
        transaction.commit();
        return id;
    });
}

Result<void> StateStore::add_run_errors(RunId run, std::span<const RunError> errors) {
    return detail::guarded(*db_, "recording the errors of a run", [&]() -> Result<void> {
        const RelaxedDurability bookkeeping(*db_);
        SQLite::Database& db = db_->sql();
        SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
        if (!detail::row_exists(db, "run", raw(run))) {
            return detail::not_found(file(), detail::row_name("run", run));
        }
        SQLite::Statement insert(
            db, "INSERT INTO run_error (run_id, folder, source_id, text) VALUES (?, ?, ?, ?)");
        for (const RunError& e : errors) {
            insert.reset();
            insert.bind(1, raw(run));
            insert.bind(2, e.folder);
            insert.bind(3, e.source_id);
            insert.bind(4, e.text);
            insert.exec();
        }
        transaction.commit();
        return {};
    });
}

Result<void> StateStore::finish_run(RunId run, std::int64_t finished, const RunTotals& totals,
                                    std::string_view outcome) {
    return detail::guarded(*db_, "recording the end of a run", [&]() -> Result<void> {
        // Not relaxed: the run's last write puts everything it committed
        // relaxed (its bookkeeping, its confirmations) on the disk with it.
        SQLite::Statement update(
            db_->sql(),
            "UPDATE run SET finished = ?, messages_source = ?, messages_to_copy = ?, "
            "messages_copied = ?, messages_already_there = ?, messages_filtered = ?, "
            "messages_failed = ?, bytes_to_copy = ?, bytes_copied = ?, flag_updates = ?, "
            "deletions = ?, folders_created = ?, outcome = ? WHERE id = ?");
        int i = 1;
        update.bind(i++, finished);
        for (const std::uint64_t v :
             {totals.messages_source, totals.messages_to_copy, totals.messages_copied,
              totals.messages_already_there, totals.messages_filtered, totals.messages_failed,
              totals.bytes_to_copy, totals.bytes_copied, totals.flag_updates, totals.deletions,
              totals.folders_created}) {
            update.bind(i++, detail::clamp_counter(v));
        }
        update.bind(i++, std::string(outcome));
        update.bind(i, raw(run));
        if (update.exec() != 1) {
            return detail::not_found(file(), detail::row_name("run", run));
        }
        return {};
    });
}

Result<void> StateStore::record_exit_code(RunId run, int exit_code) {
    return detail::guarded(*db_, "recording a run's exit status", [&]() -> Result<void> {
        const RelaxedDurability bookkeeping(*db_);
        SQLite::Statement update(db_->sql(), "UPDATE run SET exit_code = ? WHERE id = ?");
        update.bind(1, exit_code);
        update.bind(2, raw(run));
        if (update.exec() != 1) {
            return detail::not_found(file(), detail::row_name("run", run));
        }
        return {};
    });
}

Result<std::vector<RunRecord>> StateStore::runs(PairId pair, std::size_t limit) {
    return detail::guarded(*db_, "reading runs", [&]() -> Result<std::vector<RunRecord>> {
        if (!has_schema(2)) {
            return std::vector<RunRecord>();
        }
        return select_runs(db_->sql(), pair, limit);
    });
}

Result<std::vector<RunError>> StateStore::run_errors(RunId run) {
    return detail::guarded(
        *db_, "reading the errors of a run", [&]() -> Result<std::vector<RunError>> {
            std::vector<RunError> out;
            if (!has_schema(2)) {
                return out;
            }
            SQLite::Statement q(db_->sql(),
                                "SELECT folder, source_id, text FROM run_error WHERE run_id = ? "
                                "ORDER BY id");
            q.bind(1, raw(run));
            while (q.executeStep()) {
                out.push_back(RunError{q.getColumn(0).getString(), q.getColumn(1).getString(),
                                       q.getColumn(2).getString()});
            }
            return out;
        });
}

Result<std::vector<PairSummary>> StateStore::summary() {
    return detail::guarded(*db_, "reading the summary", [&]() -> Result<std::vector<PairSummary>> {
        SQLite::Database& db = db_->sql();
        // One read transaction, so the figures of all pairs agree.
        SQLite::Transaction transaction(db, SQLite::TransactionBehavior::DEFERRED);
        std::vector<PairSummary> out;
        if (!has_schema(1)) {
            return out;
        }
        {
            SQLite::Statement q(db, "SELECT id, source, target FROM account_pair ORDER BY id");
            while (q.executeStep()) {
                PairSummary s;
                s.pair = AccountPair{PairId{q.getColumn(0).getInt64()}, q.getColumn(1).getString(),
                                     q.getColumn(2).getString()};
                out.push_back(std::move(s));
            }
        }
        SQLite::Statement folders(db, "SELECT count(*) FROM folder WHERE pair_id = ?");
        SQLite::Statement counts(db,
                                 "SELECT m.status, count(*) FROM message m JOIN folder f ON "
                                 "m.folder_id = f.id WHERE f.pair_id = ? GROUP BY m.status");
        for (PairSummary& s : out) {
            auto last = has_schema(2) ? select_runs(db, s.pair.id, 1) : std::vector<RunRecord>();
            if (!last.empty()) {
                s.last_run = std::move(last.front());
            }
            folders.reset();
            folders.bind(1, raw(s.pair.id));
            folders.executeStep();
            s.folders = detail::u64(folders.getColumn(0));
            counts.reset();
            counts.bind(1, raw(s.pair.id));
            while (counts.executeStep()) {
                const std::uint64_t n = detail::u64(counts.getColumn(1));
                switch (parse_message_status(counts.getColumn(0).getString())
                            .value_or(MessageStatus::pending)) {
                    case MessageStatus::pending:
                        s.messages.pending = n;
                        break;
                    case MessageStatus::copied:
                        s.messages.copied = n;
                        break;
                    case MessageStatus::deleted_on_source:
                        s.messages.deleted_on_source = n;
                        break;
                    case MessageStatus::deleted_on_target:
                        s.messages.deleted_on_target = n;
                        break;
                    case MessageStatus::stale:
                        s.messages.stale = n;
                        break;
                }
            }
        }
        transaction.commit();
        return out;
    });
}

}  // namespace mailferry::state
