#pragma once
// Which of a config's jobs a `sync` or `daemon` process runs: all of them,
// those named with --job, and of those the ones of this process's shard
// (--shard K/N: FNV-1a 64 of the name modulo N, see config.hpp).

#include "cli/config.hpp"
#include "sync/scheduler/schedule.hpp"

#include <optional>
#include <string>
#include <vector>

namespace mailferry::cli {

// Throws std::invalid_argument for a --job name the config does not have
// (naming the jobs it has).
std::vector<JobConfig> select_jobs(const Config& config, const std::vector<std::string>& names,
                                   const std::optional<Shard>& shard);

// The scheduler's view of a job: its interval, connections and servers.
sync::JobSpec job_spec(const JobConfig& job);

}  // namespace mailferry::cli
