// What verifying a run's copies (`migrate --verify`, `verify = true`) does
// to the run's outcome: a missing or different copy makes the run partial
// (exit status 1); a verification that cannot run makes an ok run fail the
// same way; a run already failed keeps its own outcome and message.

#include "cli/copied_verification.hpp"

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <memory>

namespace mailferry::cli {
namespace {

sync::MigrationResult finished_run(sync::Outcome outcome) {
    sync::MigrationResult run;
    run.outcome = outcome;
    run.message = outcome == sync::Outcome::ok ? "" : "2 messages failed";
    run.copied["INBOX"] = {"7", "8"};
    return run;
}

sync::VerifyResult verification_of(std::size_t verified, std::size_t missing) {
    sync::FolderVerification folder;
    folder.source = folder.target = "INBOX";
    folder.messages.source = verified + missing;
    folder.messages.verified = verified;
    folder.messages.missing = missing;
    sync::VerifyResult result;
    result.verification.emplace();
    result.verification->folders.push_back(folder);
    return result;
}

spdlog::logger& quiet_log() {
    static spdlog::logger log("test", std::make_shared<spdlog::sinks::null_sink_mt>());
    return log;
}

TEST(CopiedVerification, EveryCopyFoundLeavesTheRunOk) {
    sync::MigrationResult run = finished_run(sync::Outcome::ok);
    const auto verification = fold_verification(run, verification_of(2, 0), quiet_log());
    ASSERT_TRUE(verification.has_value());
    EXPECT_EQ(verification->totals().verified, 2u);
    EXPECT_EQ(run.outcome, sync::Outcome::ok);
    EXPECT_EQ(run.message, "");
}

TEST(CopiedVerification, AMissingCopyMakesTheRunPartial) {
    sync::MigrationResult run = finished_run(sync::Outcome::ok);
    const auto verification = fold_verification(run, verification_of(1, 1), quiet_log());
    ASSERT_TRUE(verification.has_value());
    EXPECT_FALSE(verification->complete());
    EXPECT_EQ(run.outcome, sync::Outcome::partial);
    EXPECT_NE(run.message.find("missing or different on the target"), std::string::npos);
}

TEST(CopiedVerification, AFailedVerificationFailsAnOkRunWithItsReason) {
    sync::MigrationResult run = finished_run(sync::Outcome::ok);
    sync::VerifyResult failed;
    failed.outcome = sync::Outcome::connect_failed;
    failed.message = "target: connection refused";
    EXPECT_FALSE(fold_verification(run, failed, quiet_log()).has_value());
    EXPECT_EQ(run.outcome, sync::Outcome::connect_failed);
    EXPECT_EQ(run.message, "verifying what the run copied failed: target: connection refused");
}

TEST(CopiedVerification, ARunWithFailuresKeepsItsOwnOutcomeAndMessage) {
    sync::MigrationResult run = finished_run(sync::Outcome::partial);
    fold_verification(run, verification_of(1, 1), quiet_log());
    EXPECT_EQ(run.outcome, sync::Outcome::partial);
    EXPECT_EQ(run.message, "2 messages failed");
}

TEST(CopiedVerification, OnlyRunsThatGotThroughAreVerified) {
    sync::MigrationResult run = finished_run(sync::Outcome::ok);
    EXPECT_FALSE(verifiable(run, false));  // no report: the run never planned
    run.report.emplace(sync::Report::from_plan({}, "imap://a@x", "imap://b@y", false, {}));
    EXPECT_TRUE(verifiable(run, false));
    EXPECT_FALSE(verifiable(run, true));  // a dry run copies nothing
    run.outcome = sync::Outcome::interrupted;
    EXPECT_FALSE(verifiable(run, false));
}

TEST(CopiedVerification, OptionsNameExactlyTheCopiedMessages) {
    sync::MigrationResult run = finished_run(sync::Outcome::ok);
    sync::MigrationOptions options;
    options.plan.include = {"INBOX"};
    const sync::VerifyOptions verify = copied_verify_options(options, run);
    ASSERT_TRUE(verify.only.has_value());
    EXPECT_EQ(*verify.only, run.copied);
    EXPECT_EQ(verify.migration.plan.include, options.plan.include);
    EXPECT_EQ(verify.sample, 0u);
}

}  // namespace
}  // namespace mailferry::cli
