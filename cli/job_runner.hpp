#pragma once
// One run of one configured job, as `sync` and `daemon` start it: the
// job's passwords are read (afresh every run, so a rotated password or a
// password command's new answer is picked up), the migration runs with the
// job's own logger, what it copied is verified when the job says
// `verify = true`, and one log line sums the run up.

#include "cli/config.hpp"
#include "state/records.hpp"
#include "state/state_store.hpp"
#include "sync/migration.hpp"
#include "sync/scheduler/schedule.hpp"
#include "sync/verify.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailferry::cli {

struct JobRunResult {
    std::string name;
    std::string source, target;                    // account URLs without passwords
    std::string source_identity, target_identity;  // how the state knows them; "" if unparsable
    sync::MigrationResult migration;
    std::optional<sync::Verification> verification;  // `verify = true`, when the run copied
    std::int64_t started = 0, finished = 0;          // unix seconds
};

// What the schedule makes of an outcome: a run that got through (even with
// some messages failed, which the next run retries) keeps the interval; one
// that could not log in, lost its connection or was misconfigured backs off.
sync::RunVerdict verdict_for(sync::Outcome outcome) noexcept;

// One side ("source" or "target") of a job as the engine takes it: the URL
// without its password, the password read now from the job's sources, the
// TLS settings. A message naming the password source when it fails.
boost::system::result<sync::AccountAccess, std::string> account_access(const JobConfig& job,
                                                                       std::string_view side);

struct JobRunSettings {
    bool dry_run = false;
    std::string command = "sync";  // recorded in the state's run rows
    unsigned connections = 1;      // granted by the schedule
};

// Runs the job once on the caller's executor. Never throws for wire, server,
// password or state failures: they come back in `migration`.
boost::asio::awaitable<JobRunResult> run_job(JobConfig job, JobRunSettings settings,
                                             state::StateStore& store);

// The state's record of a finished run.
state::JobRun to_job_run(const JobRunResult& result);

}  // namespace mailferry::cli
