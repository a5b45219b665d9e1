#pragma once
// The config file of `mailferry sync --config F` and `mailferry daemon
// --config F` (SPEC.md, "The config file"): TOML with top-level `state`,
// `max_connections`, `max_connections_per_server`, a `[defaults]` table and
// one `[[job]]` table per account pair. A job inherits every key of
// [defaults] it does not set itself. Job keys mirror the `migrate` options.
//
// Loading validates everything that needs neither the network nor the file
// system: syntax, known keys, types, ranges, account URLs, unique job names,
// a password source for each side. Every problem throws ConfigError whose
// what() is "FILE:LINE: KEY: what is wrong and what is expected", KEY being
// e.g. `state`, `defaults.interval`, `job "alice".connections` or
// `job #3.source` (the third [[job]], when it has no usable name).
//
// A password written in an account URL is accepted (as `migrate` accepts
// it) and stays in the URL only; error messages show such URLs redacted.

#include "cli/interval.hpp"
#include "cli/password_source.hpp"
#include "cli/shard.hpp"
#include "sync/migration.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::cli {

// One side's *_password_file, *_password_command and *_password_env keys;
// empty when not set. `file` is resolved against the config file's
// directory like `ca_file` (a daemon's working directory is rarely the
// config's). *_oauth2_token_command or *_oauth2_file (a refresh-token
// file, resolved like `file`), when set, takes the place of the password:
// the side logs in with OAuth2 tokens the command prints or the file's
// token endpoint issues.
struct PasswordSources {
    std::string file, command, env;
    std::string oauth2_token_command;
    std::string oauth2_file;

    friend bool operator==(const PasswordSources&, const PasswordSources&) = default;
};

// Where a job's key was set: the line and the key as messages name it
// (`job "alice".ca_file`, or `defaults.ca_file` when inherited).
struct KeyOrigin {
    std::size_t line = 0;
    std::string key;

    friend bool operator==(const KeyOrigin&, const KeyOrigin&) = default;
};

struct JobConfig {
    std::string name;
    std::size_t line = 0;        // line of the job's [[job]] header in the file
    std::string source, target;  // account URLs as written (valid, target IMAP)
    PasswordSources source_password, target_password;
    std::vector<std::string> include, exclude;
    std::vector<sync::FolderMap> map;  // in file order
    std::string folder;                // POP3 source: target folder, "" = INBOX
    bool delete_source = false, sync_deletions = false;
    sync::DeletionLimit max_deletions;
    sync::GmailLabelMode gmail_labels = sync::GmailLabelMode::keywords;  // --gmail-labels
    unsigned connections = 1;                                            // 1..64
    std::optional<std::uint64_t> max_size;
    std::optional<std::int64_t> since;  // epoch seconds of midnight UTC
    std::string ca_file;                // resolved against the config file's directory
    bool insecure = false, allow_plaintext = false;
    std::chrono::seconds interval{std::chrono::minutes(15)};
    bool idle = false;
    bool verify = false;  // verify what each run copied, right after it
    // Every key the job has, its own or inherited from [defaults], by key
    // name ("ca_file"): for messages about a value found wrong later.
    std::map<std::string, KeyOrigin, std::less<>> origins;

    friend bool operator==(const JobConfig&, const JobConfig&) = default;
};

struct Config {
    std::filesystem::path file;     // the config file as given
    std::filesystem::path state;    // resolved against the config file's directory; empty = default
    unsigned max_connections = 16;  // all connections of all running jobs together
    unsigned max_connections_per_server = 4;  // per host:port, both sides counted
    std::vector<JobConfig> jobs;              // in file order
};

class ConfigError : public std::runtime_error {
  public:
    using runtime_error::runtime_error;
};

// Reads `file` and parses it. A file that cannot be read throws ConfigError
// too ("FILE: cannot read ...").
Config load_config(const std::filesystem::path& file);

// Parses `text`; `file` names it in messages and anchors relative paths.
Config parse_config(std::string_view text, const std::filesystem::path& file);

// The job's plan filters and connections; command = "sync", no dry run.
sync::MigrationOptions to_migration_options(const JobConfig& job);

// The job's password sources for `side` ("source" or "target"), for
// cli::resolve_password. There is no fallback to MAILFERRY_*_PASSWORD:
// every job names its own sources.
PasswordSpec password_spec(const JobConfig& job, std::string_view side);

// Checks that need the file system but no network (`sync --check`):
// password files readable, ca_file a readable file, password environment
// variables set and not empty. One message per problem, "FILE:LINE: KEY:
// ...", in job order, a problem of an inherited key reported once.
std::vector<std::string> check_job_environment(const Config& config);

}  // namespace mailferry::cli
