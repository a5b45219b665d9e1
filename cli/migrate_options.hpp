#pragma once
// `mailferry migrate` options as typed on the command line, and their
// translation into sync::MigrationOptions (SPEC.md, "Commands and options").
//
// The parse functions throw std::invalid_argument with a message that names
// the option, quotes the value and says what is expected; the command turns
// that into exit status 2.

#include "cli/logging.hpp"
#include "sync/migration.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::cli {

struct MigrateArgs {
    std::string source, target;  // account URLs
    std::string state;           // "" for the default (state_path.hpp)
    bool dry_run = false;
    bool verify = false;  // --verify: verify what the run copied
    std::string report;   // JSON report file, "" for none
    std::vector<std::string> include, exclude, map;
    std::string folder;  // POP3 source: target folder, "" for INBOX
    bool delete_source = false;
    bool sync_deletions = false;
    std::string max_deletions;  // "" for the default (10%)
    // Measured (README "Performance"): 4 pairs copy fastest over a real
    // link and cost nothing on a small run, which opens one pair per 100
    // messages to copy.
    unsigned connections = 4;
    unsigned timeout = 0;                   // --timeout in seconds, 0 for the default
    std::string max_size;                   // "" for no limit
    std::string since;                      // "" for no limit
    std::string gmail_labels = "keywords";  // --gmail-labels keywords|copy
    bool allow_plaintext = false;
    bool insecure = false;
    std::string ca_file;
    std::string source_password_file, source_password_command;
    std::string target_password_file, target_password_command;
    // OAuth2: the first line of this command's output is an access token.
    std::string source_oauth2_token_command, target_oauth2_token_command;
    // OAuth2: a refresh-token file (cli/oauth2/refresh_file.hpp).
    std::string source_oauth2_file, target_oauth2_file;
    LogOptions log;
};

// "SRC=DST" (split at the first '='; both sides non-empty) for --map.
sync::FolderMap parse_folder_map(std::string_view text);

// A size in octets for --max-size: digits, optionally followed by K, M, G
// or T (powers of 1024, any case, an optional trailing "B" or "iB"), at
// least 1 and below 2^63.
std::uint64_t parse_size(std::string_view text);

// "YYYY-MM-DD" (a real calendar date, year 1970-9999) for --since: midnight
// UTC of that day in seconds since the epoch.
std::int64_t parse_since(std::string_view text);

// --max-deletions: "N" (a number of messages, 0 for none) or "P%" (a share
// of each folder's messages, 0 to 100).
sync::DeletionLimit parse_deletion_limit(std::string_view text);

// Everything but the accounts and passwords: plan filters, dry run,
// connections. Throws std::invalid_argument for a bad value.
sync::MigrationOptions to_migration_options(const MigrateArgs& args);

}  // namespace mailferry::cli
