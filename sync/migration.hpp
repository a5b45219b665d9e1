#pragma once
// One migration run: SOURCE account into TARGET account, planned from both
// listings and the stored state, then (unless dry_run) carried out. This is
// what `mailferry migrate`, `sync` and `daemon` call for each account pair.
//
// Executor: runs on the caller's io_context (one thread). Cancellation: a
// terminal cancellation of the awaiting coroutine (SIGINT/SIGTERM in the CLI)
// lets the message in flight settle, commits state, logs out, and returns
// Outcome::interrupted. Never throws for wire, server or state failures:
// they come back in the result.

#include "state/state_store.hpp"
#include "sync/planner.hpp"
#include "sync/report.hpp"
#include "sync/throttle.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace spdlog {
class logger;
}

namespace mailferry::sync {

// An OAuth2 access token, or why none could be had (a message for the
// user, without the token). Called for every login with `refused` empty,
// and once more when the server refuses the token it gave, then with that
// token in `refused` (a source that caches tokens must not give it again).
using TokenSource =
    std::function<boost::system::result<std::string, std::string>(std::string_view refused)>;

// How to reach and log in to one account. The password (or token) is used
// for login and never logged, reported or stored.

struct AccountAccess {
    std::string url;        // "imaps://alice@host" etc. (SPEC.md "Accounts"), without password
    std::string password;   // from the CLI's password sources
    std::string ca_file;    // extra trusted CA (PEM), "" for the system store only
    bool insecure = false;  // skip certificate verification (warned about)
    bool allow_plaintext = false;  // allow a password over an unencrypted non-loopback link
    // When set, the account logs in with OAuth2 (OAUTHBEARER where offered,
    // else XOAUTH2) with the tokens it gives; `password` is not used.
    TokenSource oauth2_token = {};
};

struct MigrationOptions {
    PlanOptions plan;      // include/exclude/map/max_size/since/deletions/pop3 folder
    bool dry_run = false;  // EXAMINE + BODY.PEEK only; nothing changes anywhere, state untouched
    unsigned connections =
        1;                 // parallel connection pairs (folders and UID ranges spread over them)
    unsigned retries = 2;  // per failed message, before it is reported
    std::string command = "migrate";  // recorded in the state's run row
    // Timeouts for each network step.
    std::chrono::seconds connect_timeout{30};
    std::chrono::seconds command_timeout{120};
    // How the run backs off when a server throttles it (throttle.hpp).
    BackoffPolicy backoff;
    // A source folder of more messages than this, copied for the first time
    // into an empty target folder, is listed, planned and copied in windows
    // of this many messages, so memory does not grow with the folder; 0:
    // every folder whole. Not with --sync-deletions or --delete-source
    // (their limit is judged on the whole folder) nor with Gmail (a
    // message's labels span folders).
    std::size_t window_messages = 4000;
    // Fill MigrationResult::copied (for verifying what the run copied);
    // off, nothing per copied message is kept beyond its batch.
    bool list_copied = false;
    // Where the run's log lines go; null: the default logger. The scheduler
    // gives each job its own, so every line names the job.
    std::shared_ptr<spdlog::logger> logger;
};

// Progress for the terminal or periodic log lines. Called on the io_context
// thread; must be quick.
struct Progress {
    std::uint64_t messages_done = 0, messages_total = 0;
    std::uint64_t bytes_done = 0, bytes_total = 0;
    std::string folder;  // source folder being worked on
};
using ProgressCallback = std::function<void(const Progress&)>;

enum class Outcome {
    ok,              // everything planned was done (or planned, with dry_run)       -> exit 0
    partial,         // finished, but some messages failed (listed in report.errors) -> exit 1
    usage,           // bad URL or options (message says which)                      -> exit 2
    connect_failed,  // could not connect, negotiate TLS or log in                   -> exit 3
    interrupted,     // cancelled, or a connection lost beyond retries; re-run resumes -> exit 4
};

// "ok", "partial", "usage", "connect_failed", "interrupted": the name a
// report, a log line or the state gives the outcome.
std::string_view to_string(Outcome outcome) noexcept;

struct MigrationResult {
    Outcome outcome = Outcome::ok;
    std::string message;           // for anything but ok: what happened and what to do
    std::optional<Report> report;  // present once planning succeeded
    // The run's record in the state (a real run that got that far); the
    // caller adds the exit status it gives for `outcome`.
    std::optional<state::RunId> run;
    // What this run stored on the target: source folder -> source keys
    // (for `migrate --verify`); only with MigrationOptions::list_copied.
    std::map<std::string, std::set<std::string>> copied;
};

// Runs one migration. `state` must be open (its lock held) for the whole run.
boost::asio::awaitable<MigrationResult> run_migration(AccountAccess source, AccountAccess target,
                                                      state::StateStore& state,
                                                      MigrationOptions options,
                                                      ProgressCallback progress);

}  // namespace mailferry::sync
