#pragma once
// Whether a server's free text says it is overloaded or limiting this
// account. Providers do not always put a response code on these refusals
// (Gmail answers a login over its connection limit "NO [ALERT] Too many
// simultaneous connections."), so the words are all a client has to go by.

#include <string_view>

namespace mailferry::wire {

// True for texts such as "Server busy, try again later", "Too many
// simultaneous connections", "rate limit exceeded", "bandwidth limit
// exceeded", "throttled". Compared case-insensitively.
bool sounds_busy(std::string_view text);

}  // namespace mailferry::wire
