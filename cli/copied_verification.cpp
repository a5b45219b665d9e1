#include "cli/copied_verification.hpp"

namespace mailferry::cli {

bool verifiable(const sync::MigrationResult& result, bool dry_run) noexcept {
    return !dry_run && result.report &&
           (result.outcome == sync::Outcome::ok || result.outcome == sync::Outcome::partial);
}

sync::VerifyOptions copied_verify_options(const sync::MigrationOptions& run_options,
                                          const sync::MigrationResult& result) {
    sync::VerifyOptions options;
    options.migration = run_options;
    options.only = result.copied;
    return options;
}

std::optional<sync::Verification> fold_verification(sync::MigrationResult& result,
                                                    sync::VerifyResult verified,
                                                    spdlog::logger& log) {
    if (!verified.verification) {
        log.error("verifying what the run copied failed: {}", verified.message);
        if (result.outcome == sync::Outcome::ok) {
            result.outcome = verified.outcome;
            result.message = "verifying what the run copied failed: " + verified.message;
        }
        return std::nullopt;
    }
    if (!verified.verification->complete() && result.outcome == sync::Outcome::ok) {
        result.outcome = sync::Outcome::partial;
        result.message =
            "the verification found messages this run copied missing or different on the "
            "target (listed in the report); the next run copies what is missing";
    }
    return std::move(verified.verification);
}

}  // namespace mailferry::cli
