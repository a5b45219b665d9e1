#pragma once
// What `migrate` and `verify` share on the command line: the two accounts,
// the state file, the report, folder selection and filters, TLS, passwords
// and logging (the same option means the same thing in both), and the
// account pair they name.

#include "cli/migrate_options.hpp"
#include "clients/wire/account_url.hpp"
#include "sync/migration.hpp"

#include <CLI/App.hpp>

namespace mailferry::cli {

// Registers the shared options of `cmd` into `args`.
void add_account_pair_options(CLI::App& cmd, MigrateArgs& args);

struct AccountPair {
    wire::AccountUrl source_url, target_url;
    sync::AccountAccess source, target;  // with their passwords
};

// Parses both URLs (the target must be IMAP), warns about options that do
// not apply and about --insecure, and reads both passwords. Throws
// std::invalid_argument naming what is wrong.
AccountPair resolve_account_pair(const MigrateArgs& args);

}  // namespace mailferry::cli
