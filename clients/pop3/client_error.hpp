#pragma once
// Errors of the POP3 client engine (client.hpp): error codes in category
// "mailferry.pop3.client" and ClientError, the code with the server, the
// step, the server's line and a message for the user.
//
// Network failures keep their mailferry::net codes (timed_out,
// connection_closed, plaintext_refused, certificate_untrusted, ...), so a
// caller tells "could not connect" from "the server said no" by category.

#include "clients/net/error.hpp"

#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>
#include <type_traits>

namespace mailferry::pop3 {

enum class client_error {
    // The server answered -ERR to a command outside login (STAT, RETR n,
    // DELE n, QUIT, ...); ClientError::response quotes the line.
    command_rejected = 1,
    // Login (USER/PASS, APOP or AUTH PLAIN) was refused: wrong user name or
    // password, or RFC 3206 [AUTH].
    auth_failed,
    // RFC 2449 §8.1.1 [IN-USE]: another session holds the maildrop lock.
    // Retry once the other client has logged out.
    in_use,
    // RFC 2449 §8.1.2 [LOGIN-DELAY]: the server limits how often the user
    // may log in. Retry later.
    login_delay,
    // RFC 3206 §4 [SYS/TEMP]: a temporary server problem. Retry later.
    server_temporary,
    // RFC 3206 §4 [SYS/PERM]: a permanent server problem; retrying will not
    // help, the administrator must act.
    server_permanent,
    // The server's answer was not POP3, or a reply did not have the shape
    // the RFC gives it (a STAT without numbers); the connection is dropped.
    protocol_error,
    // A RetrSink returned an error; the connection is dropped because the
    // rest of the message is still on the wire.
    sink_failed,
    // A command was issued on a client whose connection was already lost or
    // closed by an earlier error or QUIT.
    not_connected,
};

const boost::system::error_category& client_error_category() noexcept;

inline boost::system::error_code make_error_code(client_error e) noexcept {
    return {static_cast<int>(e), client_error_category()};
}

struct ClientError {
    boost::system::error_code code;
    std::string server;    // "host:port"
    std::string step;      // "greeting", "CAPA", "STLS", "login", "RETR 3", "QUIT", ...
    std::string response;  // the server's status line as received; empty when none
    // "<what happened> ... <what to do>": quotes `response` when there is
    // one, never contains a password.
    std::string message;
};

// A ClientError for a -ERR answer to `step`: the extended response code in
// `code` ("IN-USE", "LOGIN-DELAY", "SYS/TEMP", "SYS/PERM", "AUTH" or empty)
// picks the error, `login` says whether the command was a login command
// (then a plain -ERR means auth_failed).
ClientError rejected(std::string server, std::string step, std::string_view code,
                     std::string response_line, bool login);

// A ClientError carrying a net error; `step` is the POP3 step it happened in.
ClientError from_net_error(const net::NetError& e, std::string step);

// A protocol_error ClientError quoting what the server sent.
ClientError protocol_error(std::string server, std::string step, std::string_view detail);

}  // namespace mailferry::pop3

template <>
struct boost::system::is_error_code_enum<mailferry::pop3::client_error> : std::true_type {};
