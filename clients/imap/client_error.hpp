#pragma once
// Errors of the IMAP client engine (imap::Client), as boost::system codes in
// category "mailferry.imap.client", and imap::Error: the code plus the
// server, the step and the server's own words, composed into a message for
// the user.
//
// Connection-level failures keep the codes of mailferry::net
// (net::error::connection_closed, timed_out, io_failed, cancelled,
// plaintext_refused, certificate_* ...), so callers test one code whatever
// the layer: `err.code == net::error::timed_out`.

#include "clients/net/error.hpp"

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <string_view>
#include <type_traits>

namespace mailferry::imap {

enum class client_error {
    // The server greeted with `* BYE` (RFC 3501 §7.1.5): it refuses this
    // client (overloaded, blocked address). Error::response quotes the BYE.
    greeting_rejected = 1,
    // A command was answered NO (RFC 3501 §7.1.2): the server understood but
    // refused (no such mailbox, quota, ...). Error::response quotes it.
    command_failed,
    // A command was answered BAD (RFC 3501 §7.1.3): the server did not
    // understand it; a client bug or a server quirk worth reporting.
    command_rejected,
    // LOGIN or AUTHENTICATE was answered NO: wrong user name, password or token.
    authentication_failed,
    // The server sent `* BYE` in the middle of a command (RFC 3501 §7.1.5):
    // it is shutting down or dropped this session. The connection is closed.
    server_bye,
    // The server sent something that is not IMAP, or a response this client
    // cannot follow (unknown tag, data in the wrong place). Connection closed.
    protocol_error,
    // An imap:// server that is not on loopback does not offer STARTTLS, so
    // the password would cross the network in clear text.
    starttls_unavailable,
    // The server offers no login method this client can use (LOGINDISABLED
    // without AUTH=PLAIN/LOGIN, or the requested mechanism is not offered).
    no_usable_mechanism,
    // A BodySource gave more or fewer bytes than the size announced for its
    // message; the APPEND cannot be completed and the connection is closed.
    body_size_mismatch,
    // The other end of a body stream failed (the BodySink refused data, the
    // BodySource or AppendBatch reported an error).
    stream_failed,
    // The operation needs a capability the server does not offer
    // (UID EXPUNGE without UIDPLUS).
    not_supported,
    // The operation needs a selected mailbox and none is selected.
    no_mailbox_selected,
};

const boost::system::error_category& client_error_category() noexcept;

inline boost::system::error_code make_error_code(client_error e) noexcept {
    return {static_cast<int>(e), client_error_category()};
}

// One failed client operation.
struct Error {
    boost::system::error_code code;
    // "host:port".
    std::string server;
    // What the client was doing: "greeting", "STARTTLS", "LOGIN",
    // "SELECT INBOX", "UID FETCH", ...
    std::string step;
    // The server's line, without the tag: "NO [AUTHENTICATIONFAILED]
    // Authentication failed.", "* BYE shutting down"; empty when the server
    // said nothing.
    std::string response;
    // For the user: "imap.example.org:993: LOGIN rejected: NO
    // [AUTHENTICATIONFAILED] Authentication failed. Check the user name and
    // password." Never contains a password.
    std::string message;
};

template <class T>
using ClientResult = boost::system::result<T, Error>;

// Builds an Error whose message is composed from the code, server, step,
// the server's response and `detail` (extra explanation from the client).
Error make_client_error(client_error e, std::string server, std::string step,
                        std::string response = {}, std::string_view detail = {});

// An Error from a net::NetError, keeping its code and message; `step` is the
// IMAP step in progress ("UID FETCH"), prefixed to the message when the net
// step alone does not say it.
Error from_net_error(const net::NetError& e, std::string step);

// Required by boost::system::result<T, Error>::value(): throws
// std::runtime_error(e.message). Library code checks results instead.
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

}  // namespace mailferry::imap

template <>
struct boost::system::is_error_code_enum<mailferry::imap::client_error> : std::true_type {};
