#pragma once
// What Client::idle() saw (RFC 2177 IDLE, or one NOOP poll without it).

#include "clients/imap/response_views.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mailferry::imap {

// RFC 2177 §3: a client should re-issue IDLE at least every 29 minutes to
// avoid being logged off; Client::idle() never waits longer.
inline constexpr std::chrono::seconds max_idle_wait = std::chrono::minutes(29);

// One `* n FETCH (... FLAGS (...))` another session caused.
struct FlagChange {
    std::uint32_t sequence = 0;
    std::optional<std::uint32_t> uid;  // when the server included UID
    std::vector<std::string> flags;    // the message's flags now
};

struct IdleOutcome {
    bool used_idle = false;               // false: the server lacks IDLE, one NOOP was sent
    std::optional<std::uint32_t> exists;  // the last `* n EXISTS` seen
    // Messages expunged: one per `* n EXPUNGE`, and with QRESYNC one per UID
    // of `* VANISHED uids` (RFC 7162 §3.2.10.2).
    std::uint32_t expunged = 0;
    // With QRESYNC: the UIDs of those `* VANISHED` responses.
    UidRanges vanished;
    std::vector<FlagChange> flag_changes;
    // Nothing changed: the wait ran out (or the NOOP reported nothing).
    bool nothing_changed() const noexcept {
        return !exists && expunged == 0 && flag_changes.empty();
    }
};

}  // namespace mailferry::imap
