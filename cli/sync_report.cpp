#include "cli/sync_report.hpp"

#include "cli/migration_runner.hpp"
#include "sync/verify_report.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace mailferry::cli {

namespace {

sync::ReportTotals totals_of(const std::vector<JobRunResult>& runs) {
    sync::ReportTotals sum;
    for (const JobRunResult& r : runs) {
        if (r.migration.report) {
            sum += r.migration.report->totals();
        }
    }
    return sum;
}

int exit_code_of(const JobRunResult& r) noexcept {
    return static_cast<int>(exit_code_for(r.migration.outcome));
}

}  // namespace

nlohmann::json sync_report_json(const std::vector<JobRunResult>& runs, bool dry_run,
                                std::chrono::system_clock::time_point started, double duration_s) {
    nlohmann::json jobs = nlohmann::json::array();
    std::size_t ok = 0, partial = 0, failed = 0;
    for (const JobRunResult& r : runs) {
        switch (r.migration.outcome) {
            case sync::Outcome::ok:
                ++ok;
                break;
            case sync::Outcome::partial:
                ++partial;
                break;
            default:
                ++failed;
                break;
        }
        jobs.push_back(
            {{"name", r.name},
             {"source", r.source},
             {"target", r.target},
             {"outcome", std::string(to_string(r.migration.outcome))},
             {"exit_code", exit_code_of(r)},
             {"message", r.migration.outcome == sync::Outcome::ok
                             ? nlohmann::json()
                             : nlohmann::json(r.migration.message)},
             {"report", r.migration.report ? r.migration.report->to_json() : nlohmann::json()}});
        if (r.verification) {
            jobs.back()["verify"] = sync::to_json(*r.verification);
        }
    }
    nlohmann::json totals = sync::to_json(totals_of(runs));
    totals["jobs"] = {{"total", runs.size()}, {"ok", ok}, {"partial", partial}, {"failed", failed}};
    return {{"dry_run", dry_run},
            {"started", sync::format_utc(started)},
            {"duration_s", duration_s},
            {"jobs", jobs},
            {"totals", totals}};
}

std::string sync_report_table(const std::vector<JobRunResult>& runs, bool dry_run) {
    std::string text;
    for (const JobRunResult& r : runs) {
        text += fmt::format(
            "Job {}: {} -> {} ({})\n", r.name, r.source, r.target,
            r.migration.outcome == sync::Outcome::ok
                ? std::string(dry_run ? "planned" : "ok")
                : fmt::format("{}, exit {}", to_string(r.migration.outcome), exit_code_of(r)));
        if (r.migration.report) {
            text += r.migration.report->to_table();
        }
        if (r.verification) {
            text += sync::to_table(*r.verification);
        }
        if (r.migration.outcome != sync::Outcome::ok) {
            text += "  " + r.migration.message + "\n";
        }
        text += "\n";
    }
    const sync::ReportTotals t = totals_of(runs);
    const auto failed = std::count_if(runs.begin(), runs.end(), [](const JobRunResult& r) {
        return r.migration.outcome != sync::Outcome::ok;
    });
    text += fmt::format(
        "{} job(s), {} with problems: {} message(s) {}, {} already there, {} failed; {} bytes {}\n",
        runs.size(), failed, dry_run ? t.messages.to_copy : t.messages.copied,
        dry_run ? "to copy" : "copied", t.messages.already_there, t.messages.failed,
        dry_run ? t.bytes.to_copy : t.bytes.copied, dry_run ? "to copy" : "copied");
    return text;
}

int worst_exit_code(const std::vector<JobRunResult>& runs) noexcept {
    int worst = 0;
    for (const JobRunResult& r : runs) {
        worst = std::max(worst, exit_code_of(r));
    }
    return worst;
}

}  // namespace mailferry::cli
