#pragma once
// Whether a failed POP3 operation is the server shedding load or holding
// the account for a while, so that waiting and trying again is the cure:
// RFC 3206 [SYS/TEMP], RFC 2449 [IN-USE] (another session, often the one
// just dropped, still holds the maildrop) and [LOGIN-DELAY], or a -ERR whose
// text says the server is busy or the account has too many connections.
// [SYS/PERM] and [AUTH] never are.

#include "clients/pop3/client_error.hpp"

#include <optional>
#include <string>

namespace mailferry::pop3 {

// The server's line when `e` is a busy signal, for the log; else nullopt.
std::optional<std::string> busy_signal(const ClientError& e);

}  // namespace mailferry::pop3
