#pragma once
// What Client::idle() saw (RFC 2177 IDLE, or one NOOP poll without it).

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
    std::uint32_t expunged = 0;           // `* n EXPUNGE` responses seen
    std::vector<FlagChange> flag_changes;
    // Nothing changed: the wait ran out (or the NOOP reported nothing).
    bool nothing_changed() const noexcept {
        return !exists && expunged == 0 && flag_changes.empty();
    }
};

}  // namespace mailferry::imap
