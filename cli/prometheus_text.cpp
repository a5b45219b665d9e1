#include "cli/prometheus_text.hpp"

#include <fmt/format.h>

#include <cmath>
#include <iterator>

namespace mailferry::cli {

namespace {

void family_header(std::string& out, std::string_view name, std::string_view type,
                   std::string_view help) {
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

// One family: the header, then the sample of every job that has one.
template <typename ValueOf>
void family(std::string& out, std::span<const JobMetrics> jobs, std::string_view name,
            std::string_view type, std::string_view help, ValueOf value_of) {
    family_header(out, name, type, help);
    for (const JobMetrics& job : jobs) {
        const std::optional<std::string> value = value_of(job);
        if (value) {
            fmt::format_to(std::back_inserter(out), "{}{{job=\"{}\"}} {}\n", name,
                           escape_label_value(job.job), *value);
        }
    }
}

// The text format spells the special values as Go's ParseFloat reads them.
std::string float_text(double value) {
    if (std::isnan(value)) {
        return "NaN";
    }
    if (std::isinf(value)) {
        return value > 0 ? "+Inf" : "-Inf";
    }
    return fmt::format("{}", value);
}

}  // namespace

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '"':
                out += "\\\"";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string render_prometheus(std::span<const JobMetrics> jobs) {
    std::string out;
    family(out, jobs, "mailferry_job_runs_total", "counter", "Job runs finished.",
           [](const JobMetrics& j) { return std::optional(fmt::format("{}", j.runs)); });
    family(out, jobs, "mailferry_job_failures_total", "counter", "Job runs that failed.",
           [](const JobMetrics& j) { return std::optional(fmt::format("{}", j.failures)); });
    family(out, jobs, "mailferry_job_messages_copied_total", "counter",
           "Messages copied to the target.",
           [](const JobMetrics& j) { return std::optional(fmt::format("{}", j.messages_copied)); });
    family(out, jobs, "mailferry_job_bytes_copied_total", "counter",
           "Message bytes copied to the target.",
           [](const JobMetrics& j) { return std::optional(fmt::format("{}", j.bytes_copied)); });
    family(out, jobs, "mailferry_job_last_success_timestamp_seconds", "gauge",
           "Unix time of the end of the last successful run.",
           [](const JobMetrics& j) -> std::optional<std::string> {
               if (!j.last_success) {
                   return std::nullopt;
               }
               return fmt::format("{}", *j.last_success);
           });
    family(out, jobs, "mailferry_job_backoff_seconds", "gauge",
           "Current back-off after failures, 0 when none.",
           [](const JobMetrics& j) { return std::optional(float_text(j.backoff_seconds)); });
    family(out, jobs, "mailferry_job_running", "gauge", "1 while a run of the job is in progress.",
           [](const JobMetrics& j) { return std::optional<std::string>(j.running ? "1" : "0"); });
    family_header(out, "mailferry_jobs", "gauge", "Jobs configured.");
    fmt::format_to(std::back_inserter(out), "mailferry_jobs {}\n", jobs.size());
    return out;
}

}  // namespace mailferry::cli
