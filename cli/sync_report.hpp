#pragma once
// The report of `mailferry sync`: one section per job (its migration report
// as `migrate` writes it, with the job's name, accounts and outcome) and
// totals over all jobs; as JSON for --report and as a table per job for
// the terminal.

#include "cli/job_runner.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace mailferry::cli {

nlohmann::json sync_report_json(const std::vector<JobRunResult>& runs, bool dry_run,
                                std::chrono::system_clock::time_point started, double duration_s);

// Per job: a heading line with its name, accounts and outcome, then the
// folder table (or the reason it has none); last, one line of totals.
std::string sync_report_table(const std::vector<JobRunResult>& runs, bool dry_run);

// SPEC.md "Exit status" of the whole run: the highest of the jobs' codes
// (0 when there is no job).
int worst_exit_code(const std::vector<JobRunResult>& runs) noexcept;

}  // namespace mailferry::cli
