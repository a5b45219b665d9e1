// StateStore: the configured jobs of `sync` and `daemon` (schema 3).
#include "state/state_store.hpp"

#include "state/account_identity.hpp"
#include "state/detail/sql_values.hpp"
#include "state/detail/sqlite_failure.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <algorithm>
#include <optional>
#include <string>

namespace mailferry::state {

namespace {

// The schema that added the job table. Only a read-only store can be behind
// it, so a change asked of one that is gets the read-only store's answer.
constexpr int jobs_schema = 3;

constexpr const char* job_columns =
    "name, source, target, last_started, last_finished, last_success, last_outcome, "
    "last_exit_code, last_messages_copied, last_bytes_copied, last_error, next_run, backoff_s, "
    "consecutive_failures, runs, failures, messages_copied, bytes_copied";

std::optional<std::int64_t> optional_i64(const SQLite::Column& c) {
    if (c.isNull()) {
        return std::nullopt;
    }
    return c.getInt64();
}

void bind_optional_i64(SQLite::Statement& s, int index, std::optional<std::int64_t> v) {
    if (v) {
        s.bind(index, *v);
    } else {
        s.bind(index);
    }
}

JobRecord read_job(SQLite::Statement& q) {
    JobRecord j;
    j.name = q.getColumn(0).getString();
    j.source = q.getColumn(1).getString();
    j.target = q.getColumn(2).getString();
    j.last_started = optional_i64(q.getColumn(3));
    j.last_finished = optional_i64(q.getColumn(4));
    j.last_success = optional_i64(q.getColumn(5));
    j.last_outcome = q.getColumn(6).getString();
    j.last_exit_code = q.getColumn(7).getInt();
    j.last_messages_copied = detail::u64(q.getColumn(8));
    j.last_bytes_copied = detail::u64(q.getColumn(9));
    j.last_error = q.getColumn(10).getString();
    j.next_run = optional_i64(q.getColumn(11));
    j.backoff_s = q.getColumn(12).getInt64();
    j.consecutive_failures = static_cast<std::uint32_t>(detail::u64(q.getColumn(13)));
    j.runs = detail::u64(q.getColumn(14));
    j.failures = detail::u64(q.getColumn(15));
    j.messages_copied = detail::u64(q.getColumn(16));
    j.bytes_copied = detail::u64(q.getColumn(17));
    return j;
}

Result<void> check_job(const JobRun& run) {
    if (run.name.empty()) {
        return Failure(error::invalid_argument, "a job needs a name");
    }
    // "" stands for an account URL that could not be parsed: the run is
    // still recorded (it failed with a usage error).
    for (const std::string* identity : {&run.source, &run.target}) {
        if (identity->empty()) {
            continue;
        }
        if (auto checked = check_account_identity(*identity); !checked) {
            return checked.error();
        }
    }
    return {};
}

// Totals add up and saturate at 2^63-1 like the store's other counters.
std::int64_t add_counter(std::uint64_t total, std::uint64_t more) {
    const std::uint64_t room = detail::max_sql_integer - std::min(total, detail::max_sql_integer);
    return detail::clamp_counter(total + std::min(more, room));
}

}  // namespace

Result<void> StateStore::record_job_run(const JobRun& run, const JobSchedule& schedule) {
    if (auto checked = check_job(run); !checked) {
        return checked.error();
    }
    return detail::guarded(*db_, "recording a job run", [&]() -> Result<void> {
        const RelaxedDurability bookkeeping(*db_);
        if (!has_schema(jobs_schema)) {
            return detail::opened_read_only(file(), "recording a job run");
        }
        SQLite::Database& db = db_->sql();
        SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
        JobRecord job;
        {
            SQLite::Statement q(db,
                                std::string("SELECT ") + job_columns + " FROM job WHERE name = ?");
            q.bind(1, run.name);
            if (q.executeStep()) {
                job = read_job(q);
            }
        }
        std::uint32_t consecutive = 0;
        std::optional<std::int64_t> last_success = job.last_success;
        if (run.failed) {
            // The stored count survives a restart of the scheduler, whose
            // own count starts again at 0.
            consecutive = std::max(job.consecutive_failures + 1, schedule.consecutive_failures);
        } else {
            last_success = run.finished;
        }
        SQLite::Statement upsert(
            db,
            "INSERT INTO job (name, source, target, last_started, last_finished, last_success, "
            "last_outcome, last_exit_code, last_messages_copied, last_bytes_copied, last_error, "
            "next_run, backoff_s, consecutive_failures, runs, failures, messages_copied, "
            "bytes_copied) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET source = excluded.source, target = "
            "excluded.target, last_started = excluded.last_started, last_finished = "
            "excluded.last_finished, last_success = excluded.last_success, last_outcome = "
            "excluded.last_outcome, last_exit_code = excluded.last_exit_code, "
            "last_messages_copied = excluded.last_messages_copied, last_bytes_copied = "
            "excluded.last_bytes_copied, last_error = excluded.last_error, next_run = "
            "excluded.next_run, backoff_s = excluded.backoff_s, consecutive_failures = "
            "excluded.consecutive_failures, runs = excluded.runs, failures = "
            "excluded.failures, messages_copied = excluded.messages_copied, bytes_copied = "
            "excluded.bytes_copied");
        int i = 1;
        upsert.bind(i++, run.name);
        upsert.bind(i++, run.source);
        upsert.bind(i++, run.target);
        upsert.bind(i++, run.started);
        upsert.bind(i++, run.finished);
        bind_optional_i64(upsert, i++, last_success);
        upsert.bind(i++, run.outcome);
        upsert.bind(i++, run.exit_code);
        upsert.bind(i++, detail::clamp_counter(run.messages_copied));
        upsert.bind(i++, detail::clamp_counter(run.bytes_copied));
        upsert.bind(i++, run.error);
        bind_optional_i64(upsert, i++, schedule.next_run);
        upsert.bind(i++, schedule.backoff_s);
        upsert.bind(i++, static_cast<std::int64_t>(consecutive));
        upsert.bind(i++, add_counter(job.runs, 1));
        upsert.bind(i++, add_counter(job.failures, run.failed ? 1 : 0));
        upsert.bind(i++, add_counter(job.messages_copied, run.messages_copied));
        upsert.bind(i, add_counter(job.bytes_copied, run.bytes_copied));
        upsert.exec();
        transaction.commit();
        return {};
    });
}

Result<void> StateStore::update_job_schedule(std::string_view name, const JobSchedule& schedule) {
    return detail::guarded(*db_, "recording a job's schedule", [&]() -> Result<void> {
        if (!has_schema(jobs_schema)) {
            return detail::opened_read_only(file(), "recording a job's schedule");
        }
        SQLite::Statement update(db_->sql(),
                                 "UPDATE job SET next_run = ?, backoff_s = ?, "
                                 "consecutive_failures = ? WHERE name = ?");
        bind_optional_i64(update, 1, schedule.next_run);
        update.bind(2, schedule.backoff_s);
        update.bind(3, static_cast<std::int64_t>(schedule.consecutive_failures));
        update.bind(4, std::string(name));
        update.exec();
        return {};
    });
}

Result<std::vector<JobRecord>> StateStore::jobs() {
    return detail::guarded(*db_, "reading jobs", [&]() -> Result<std::vector<JobRecord>> {
        std::vector<JobRecord> out;
        if (!has_schema(jobs_schema)) {
            return out;
        }
        SQLite::Statement q(db_->sql(),
                            std::string("SELECT ") + job_columns + " FROM job ORDER BY name");
        while (q.executeStep()) {
            out.push_back(read_job(q));
        }
        return out;
    });
}

Result<void> StateStore::forget_job(std::string_view name) {
    return detail::guarded(*db_, "forgetting a job", [&]() -> Result<void> {
        if (!has_schema(jobs_schema)) {
            return detail::opened_read_only(file(), "forgetting a job");
        }
        SQLite::Statement drop(db_->sql(), "DELETE FROM job WHERE name = ?");
        drop.bind(1, std::string(name));
        drop.exec();
        return {};
    });
}

}  // namespace mailferry::state
