#pragma once
// `migrate --verify` and the job key `verify = true`: right after a run,
// the messages it copied are read back from both accounts and compared (as
// `mailferry verify` does), and the run's outcome says when a copy is
// missing or differs.

#include "sync/migration.hpp"
#include "sync/verify.hpp"

#include <spdlog/logger.h>

#include <optional>

namespace mailferry::cli {

// Whether a finished run is verified: it copied (or could have copied)
// something, and got through (ok or partial) with a report.
bool verifiable(const sync::MigrationResult& result, bool dry_run) noexcept;

// The verification of what `result` copied, with the run's own folder
// selection, mapping and filters.
sync::VerifyOptions copied_verify_options(const sync::MigrationOptions& run_options,
                                          const sync::MigrationResult& result);

// Folds a verification into the run's result: a verification that could
// not run turns an ok run into its failure; one that found a copy missing
// or different turns it into `partial` (exit status 1). Returns the
// verification for the report, when it ran.
std::optional<sync::Verification> fold_verification(sync::MigrationResult& result,
                                                    sync::VerifyResult verified,
                                                    spdlog::logger& log);

}  // namespace mailferry::cli
