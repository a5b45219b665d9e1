#pragma once
// `mailferry daemon`: every job of a config on its interval, for as long as
// the process lives (SPEC.md "The config file").
//
// - The state file's lock is held for the daemon's life: one daemon per
//   state file; `status` reads it meanwhile through a read-only open.
// - Each run's outcome, next run and back-off are recorded in the state
//   (state::JobRun), which is what `status` and the metrics show.
// - A job with `idle = true` and an IMAP source also keeps an IDLE on the
//   source INBOX and runs as soon as it reports a change.
// - SIGTERM/SIGINT: nothing new starts, running jobs settle the message in
//   flight and commit, the daemon exits 0; if they have not within
//   `stop_bound`, it exits 4 at once (a re-run resumes, as after a crash).
// - SIGHUP: the config is read again; added jobs start, removed ones stop,
//   changed ones restart; a config that does not load is logged and the
//   old one kept.
// - Under systemd (Type=notify) it reports READY, RELOADING and STOPPING.

#include "cli/config.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace mailferry::cli {

struct DaemonSettings {
    std::filesystem::path config_file;
    std::optional<Shard> shard;
    std::string metrics;  // "ADDR:PORT", "" for none
    std::chrono::seconds stop_bound{30};
};

// Runs until stopped by a signal; returns the exit status. `config` is the
// already loaded and validated config.
int run_daemon(const DaemonSettings& settings, Config config);

}  // namespace mailferry::cli
