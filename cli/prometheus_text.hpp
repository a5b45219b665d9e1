#pragma once
// Prometheus text exposition (format 0.0.4) of the daemon's per-job counters,
// served at /metrics. Pure: no I/O, no clock.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mailferry::cli {

// One job's numbers since the daemon started.
struct JobMetrics {
    std::string job;  // the job's name from the config; any bytes (escaped on output)
    std::uint64_t runs = 0;
    std::uint64_t failures = 0;
    std::uint64_t messages_copied = 0;
    std::uint64_t bytes_copied = 0;
    std::optional<std::int64_t> last_success;  // unix seconds; none before the first success
    double backoff_seconds = 0;                // current back-off, 0 when none
    bool running = false;
};

// Every metric family once, with # HELP and # TYPE, one sample per job in the
// order given (the families of a job that never succeeded have no
// last-success sample), followed by mailferry_jobs.
std::string render_prometheus(std::span<const JobMetrics> jobs);

// A label value escaped for the text format: backslash, double quote and
// newline become \\, \" and \n.
std::string escape_label_value(std::string_view value);

}  // namespace mailferry::cli
