// `verify` against the test servers: after a migration it verifies every
// message, with counts equal to the migration's; each kind of tampering with
// the target is found and named; it changes nothing on either side nor in
// the state; it needs no state file; its proof digest is stable and moves
// when one byte of one target message does; --sample says it sampled.
#include "sync/verify.hpp"
#include "tests/sync/migration_fixture.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

namespace mailferry::test {
namespace {

using testserver::FlagMode;

constexpr std::int64_t day = 1'700'000'000;

sync::VerifyResult run_verify(const sync::AccountAccess& source, const sync::AccountAccess& target,
                              state::StateStore* state, sync::VerifyOptions options = {}) {
    boost::asio::io_context io;
    std::optional<sync::VerifyResult> out;
    boost::asio::co_spawn(io, sync::verify(source, target, state, std::move(options)),
                          [&](std::exception_ptr e, sync::VerifyResult r) {
                              if (e) {
                                  std::rethrow_exception(e);
                              }
                              out = std::move(r);
                          });
    io.run();
    return std::move(*out);
}

void seed_account(Account& source) {
    source.create("Work/Projects");
    source.add("INBOX", {{make_body(1), {"\\Seen"}, day},
                         {make_body(2), {"\\Flagged", "$Label1"}, day + 60},
                         {make_body(3, 20'000), {}, day + 120}});
    source.add("Work/Projects", {{make_body(4), {"\\Answered"}, day}, {make_body(5), {}, day}});
}

std::string file_bytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> kinds_of(const sync::Verification& v) {
    std::vector<std::string> out;
    for (const sync::VerifyProblem& p : v.problems) {
        out.push_back(std::string(to_string(p.kind)) + " " + p.folder + " " + p.detail);
    }
    return out;
}

TEST(Verify, AfterAMigrationEveryMessageIsVerifiedAndNothingChanges) {
    Account source, target;
    StateFile state;
    seed_account(source);
    const auto migrated = migrate(source.imap(), target.imap(), state.store());
    ASSERT_EQ(migrated.outcome, sync::Outcome::ok) << migrated.message;

    const Mailboxes source_before = source.read(), target_before = target.read();
    const std::string state_before = file_bytes(state.path());
    const auto result = run_verify(source.imap(), target.imap(), &state.store());
    ASSERT_EQ(result.outcome, sync::Outcome::ok) << result.message;
    const sync::Verification& v = *result.verification;
    EXPECT_TRUE(v.complete());
    EXPECT_TRUE(v.problems.empty()) << ::testing::PrintToString(kinds_of(v));
    EXPECT_EQ(v.totals().source, migrated.report->totals().messages.copied);
    EXPECT_EQ(v.totals().verified, 5U);
    EXPECT_FALSE(v.sampled);
    EXPECT_EQ(source.read(), source_before);
    EXPECT_EQ(target.read(), target_before);
    EXPECT_EQ(file_bytes(state.path()), state_before) << "the state file is only read";
    // Every proven message carries its SHA-256; the digest is 64 hex digits.
    for (const sync::FolderVerification& f : v.folders) {
        for (const sync::ProvenMessage& m : f.proof) {
            EXPECT_EQ(m.sha256.size(), 64U);
        }
    }
    EXPECT_EQ(v.digest.size(), 64U);
}

TEST(Verify, EveryKindOfTamperingIsFoundAndNamed) {
    Account source, target;
    StateFile state;
    seed_account(source);
    ASSERT_EQ(migrate(source.imap(), target.imap(), state.store()).outcome, sync::Outcome::ok);
    const auto inbox = target.uids("INBOX");  // 1, 2, 3 as copied
    const auto work = target.uids("Work/Projects");
    ASSERT_EQ(inbox.size(), 3U);
    ASSERT_EQ(work.size(), 2U);
    // A message deleted, flags changed, a keyword removed, a message replaced
    // by one with other bytes and the same Message-ID, a duplicate appended.
    target.expunge("Work/Projects", {work[1]});
    target.set_flags("INBOX", {inbox[0]}, FlagMode::remove, {"\\Seen"});
    target.set_flags("INBOX", {inbox[1]}, FlagMode::remove, {"$Label1"});
    const std::string replaced = make_body(3, 20'000, "X-Changed: yes\r\n");
    target.expunge("INBOX", {inbox[2]});
    target.add("INBOX", {{replaced, {}, day + 120}});
    target.add("Work/Projects", {{make_body(4), {"\\Answered"}, day}});

    const auto result = run_verify(source.imap(), target.imap(), &state.store());
    ASSERT_EQ(result.outcome, sync::Outcome::ok) << result.message;
    const sync::Verification& v = *result.verification;
    EXPECT_FALSE(v.complete());
    const sync::VerifyCounts t = v.totals();
    EXPECT_EQ(t.source, 5U);
    EXPECT_EQ(t.verified, 1U);  // Work/Projects' first message
    EXPECT_EQ(t.missing, 1U);
    EXPECT_EQ(t.differs, 3U);
    EXPECT_EQ(t.duplicate, 1U);
    EXPECT_EQ(t.extra, 0U);
    std::map<std::string, std::string> by_source;  // "folder key" -> "kind detail"
    for (const sync::VerifyProblem& p : v.problems) {
        by_source[p.folder + " " + p.source_id] = std::string(to_string(p.kind)) + ": " + p.detail;
    }
    EXPECT_EQ(by_source["Work/Projects 2"].rfind("missing", 0), 0U) << by_source["Work/Projects 2"];
    EXPECT_NE(by_source["INBOX 1"].find("differs: flags"), std::string::npos)
        << by_source["INBOX 1"];
    EXPECT_NE(by_source["INBOX 2"].find("keywords"), std::string::npos) << by_source["INBOX 2"];
    EXPECT_NE(by_source["INBOX 3"].find("bytes"), std::string::npos) << by_source["INBOX 3"];
    EXPECT_EQ(by_source["Work/Projects "].rfind("duplicate", 0), 0U);
}

TEST(Verify, WithoutAStateFileAnIndependentCopyVerifies) {
    Account source, target;
    seed_account(source);
    // Copied by someone else: the same bytes, flags and dates, other UIDs.
    target.create("Work/Projects");
    for (const auto& [folder, mails] : source.read()) {
        if (!mails.empty()) {
            target.add(folder, mails);
        }
    }
    const auto result = run_verify(source.imap(), target.imap(), nullptr);
    ASSERT_EQ(result.outcome, sync::Outcome::ok) << result.message;
    EXPECT_TRUE(result.verification->complete())
        << ::testing::PrintToString(kinds_of(*result.verification));
    EXPECT_EQ(result.verification->totals().verified, 5U);
}

TEST(Verify, TheProofIsStableAndMovesWithOneByte) {
    Account source, target;
    StateFile state;
    seed_account(source);
    ASSERT_EQ(migrate(source.imap(), target.imap(), state.store()).outcome, sync::Outcome::ok);
    const auto first = run_verify(source.imap(), target.imap(), &state.store());
    const auto again = run_verify(source.imap(), target.imap(), nullptr);
    ASSERT_TRUE(first.verification && again.verification);
    EXPECT_EQ(first.verification->digest, again.verification->digest);

    // One byte of one message changes on both sides (the source's message
    // is replaced, then migrated into a fresh target).
    Account changed_source, changed_target;
    StateFile changed_state;
    seed_account(changed_source);
    const auto uids = changed_source.uids("INBOX");
    changed_source.expunge("INBOX", {uids.back()});
    std::string body = make_body(3, 20'000);
    body.back() = '!';
    changed_source.add("INBOX", {{body, {}, day + 120}});
    ASSERT_EQ(migrate(changed_source.imap(), changed_target.imap(), changed_state.store()).outcome,
              sync::Outcome::ok);
    const auto moved = run_verify(changed_source.imap(), changed_target.imap(), nullptr);
    ASSERT_TRUE(moved.verification);
    EXPECT_TRUE(moved.verification->complete());
    EXPECT_NE(moved.verification->digest, first.verification->digest);
}

TEST(Verify, SampleReadsTheBytesOfSomeAndSaysSo) {
    Account source, target;
    StateFile state;
    std::vector<Mail> mails;
    for (int i = 1; i <= 12; ++i) {
        mails.push_back({make_body(i), {}, day + i});
    }
    source.add("INBOX", mails);
    ASSERT_EQ(migrate(source.imap(), target.imap(), state.store()).outcome, sync::Outcome::ok);
    sync::VerifyOptions options;
    options.sample = 3;
    options.seed = 7;
    const auto result = run_verify(source.imap(), target.imap(), &state.store(), options);
    ASSERT_EQ(result.outcome, sync::Outcome::ok) << result.message;
    const sync::Verification& v = *result.verification;
    EXPECT_TRUE(v.sampled);
    EXPECT_TRUE(v.complete());
    EXPECT_EQ(v.totals().verified, 12U);
    std::size_t hashed = 0;
    for (const sync::ProvenMessage& m : v.folders.front().proof) {
        hashed += m.sha256.empty() ? 0U : 1U;
    }
    EXPECT_EQ(hashed, 3U);
}

TEST(Verify, Pop3SourceIsVerifiedByItsBytes) {
    Account source, target;
    StateFile state;
    source.add("INBOX", {{make_body(1), {}, day}, {make_body(2), {}, day}});
    ASSERT_EQ(migrate(source.pop3(), target.imap(), state.store()).outcome, sync::Outcome::ok);
    const auto result = run_verify(source.pop3(), target.imap(), &state.store());
    ASSERT_EQ(result.outcome, sync::Outcome::ok) << result.message;
    EXPECT_TRUE(result.verification->complete())
        << ::testing::PrintToString(kinds_of(*result.verification));
    EXPECT_EQ(result.verification->totals().verified, 2U);
    EXPECT_EQ(source.read().at("INBOX").size(), 2U) << "POP3 verify deletes nothing";
}

}  // namespace
}  // namespace mailferry::test
