#pragma once
// `mailferry verify SOURCE TARGET`: an independent, read-only check that the
// target holds what a migration of the source puts there (SPEC.md
// "verify"). Both accounts are read as sources are (IMAP EXAMINE and
// BODY.PEEK; POP3 UIDL and RETR, never DELE), with the folder selection,
// mapping and filters of `migrate`; the state file, when given, is only
// read, for the target UIDs it recorded. The bytes of each message are
// hashed as they stream past (SHA-256), never held whole; with `sample`
// only that many randomly chosen source messages per folder (and their
// candidates on the target) are read, the rest compared by metadata.
// verify_compare.hpp says how messages are judged.

#include "state/state_store.hpp"
#include "sync/migration.hpp"
#include "sync/verify_compare.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace mailferry::sync {

struct VerifyOptions {
    MigrationOptions migration;  // folder selection, filters, POP3 folder, timeouts, logger
    std::size_t sample = 0;      // bytes of this many messages per folder; 0: of all
    std::uint64_t seed = 0;      // chooses the sample
    // `migrate --verify`: only these source messages (source folder ->
    // source keys), the ones a run just copied; other target messages are
    // then not reported as extra.
    std::optional<std::map<std::string, std::set<std::string>>> only;
};

struct Verification {
    std::string source;  // account URLs, without passwords
    std::string target;
    std::vector<FolderVerification> folders;
    std::vector<VerifyProblem> problems;
    bool sampled = false;
    std::string digest;  // over every folder's target name and digest

    VerifyCounts totals() const;
    // Nothing missing, differing or duplicated (extra messages are fine).
    bool complete() const;
};

struct VerifyResult {
    // ok: the verification ran (complete() or not); otherwise why it could
    // not (usage, connect_failed, interrupted) with `message`.
    Outcome outcome = Outcome::ok;
    std::string message;
    std::optional<Verification> verification;
};

// `state` may be null (no state file); it is only read.
boost::asio::awaitable<VerifyResult> verify(AccountAccess source, AccountAccess target,
                                            state::StateStore* state, VerifyOptions options);

}  // namespace mailferry::sync
