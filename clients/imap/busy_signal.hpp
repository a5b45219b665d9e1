#pragma once
// Whether a failed IMAP operation is the server shedding load (a provider's
// throttling) rather than refusing the request itself: then waiting and
// trying again, with fewer connections, is the cure, and the messages
// involved have not failed.
//
// Recognised: a NO or BYE with the response code THROTTLED or UNAVAILABLE
// (RFC 5530 §3: "temporary failure because a subsystem is down"); LIMIT
// only at login or with words about load (RFC 5530 gives LIMIT to
// permanent limits too, such as too many keywords on a message); a BYE, a
// greeting BYE or a refused login whose text says the server is busy or the
// account has too many connections (wire::sounds_busy). Not recognised:
// SERVERBUG, which Gmail gives for messages it cannot store; such a message
// keeps to its own retries so one bad message cannot hold a run in
// back-off. AUTHENTICATIONFAILED is never a busy signal.

#include "clients/imap/client_error.hpp"

#include <optional>
#include <string>

namespace mailferry::imap {

// The server's words when `e` is a busy signal ("NO [THROTTLED] Too many
// requests", "* BYE Server busy"), for the log; nullopt when it is not.
std::optional<std::string> busy_signal(const Error& e);

}  // namespace mailferry::imap
