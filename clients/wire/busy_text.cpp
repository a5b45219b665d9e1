#include "clients/wire/busy_text.hpp"

#include "clients/wire/ascii.hpp"

#include <string>

namespace mailferry::wire {

bool sounds_busy(std::string_view text) {
    // Phrases seen from Gmail, Microsoft 365, Yahoo and Dovecot/Cyrus
    // proxies when they shed load; each names load or a limit, not a
    // problem with the request itself.
    static constexpr std::string_view phrases[] = {
        "server busy",          "server is busy",
        "too many connections", "too many simultaneous",
        "too many concurrent",  "connection limit",
        "too many requests",    "rate limit",
        "bandwidth limit",      "throttl",
        "try again later",      "temporarily unavailable",
    };
    const std::string lower = to_ascii_lower(text);
    for (std::string_view p : phrases) {
        if (lower.find(p) != std::string::npos) {
            return true;
        }
    }
    return false;
}

}  // namespace mailferry::wire
