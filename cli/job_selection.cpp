#include "cli/job_selection.hpp"

#include "clients/wire/account_url.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <stdexcept>

namespace mailferry::cli {

namespace {

// "host:port": the unit providers throttle by. Unparsable URLs were
// rejected when the config was loaded; the text stands in for them.
std::string server_of(const std::string& url) {
    wire::AccountUrlParse parsed = wire::parse_account_url(url);
    if (!parsed.url) {
        return url;
    }
    return parsed.url->host + ":" + std::to_string(parsed.url->port);
}

}  // namespace

std::vector<JobConfig> select_jobs(const Config& config, const std::vector<std::string>& names,
                                   const std::optional<Shard>& shard) {
    for (const std::string& name : names) {
        const bool known = std::any_of(config.jobs.begin(), config.jobs.end(),
                                       [&](const JobConfig& j) { return j.name == name; });
        if (!known) {
            std::vector<std::string> all;
            for (const JobConfig& j : config.jobs) {
                all.push_back(j.name);
            }
            throw std::invalid_argument(fmt::format("--job '{}': {} has no such job (it has: {})",
                                                    name, config.file.string(),
                                                    fmt::join(all, ", ")));
        }
    }
    std::vector<JobConfig> selected;
    for (const JobConfig& job : config.jobs) {
        if (!names.empty() && std::find(names.begin(), names.end(), job.name) == names.end()) {
            continue;
        }
        if (shard && shard_of(job.name, shard->count) != shard->index) {
            continue;
        }
        selected.push_back(job);
    }
    return selected;
}

sync::JobSpec job_spec(const JobConfig& job) {
    sync::JobSpec spec;
    spec.name = job.name;
    spec.interval = job.interval;
    spec.connections = job.connections;
    spec.source_server = server_of(job.source);
    spec.target_server = server_of(job.target);
    return spec;
}

}  // namespace mailferry::cli
