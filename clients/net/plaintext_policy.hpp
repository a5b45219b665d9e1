#pragma once
// When a password may cross a connection: over TLS, on loopback, or when
// the user explicitly allowed plain text (--allow-plaintext). Everything
// else is refused before LOGIN, USER/PASS or AUTHENTICATE is sent.

#include "clients/net/error.hpp"
#include "clients/net/stream.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <optional>
#include <string>

namespace mailferry::net {

// True for 127.0.0.0/8, ::1, and IPv4-mapped loopback (::ffff:127.x.y.z).
bool is_loopback(const boost::asio::ip::tcp::endpoint& peer) noexcept;

// Whether a password may be sent: TLS, or a loopback peer, or allow_plaintext.
bool may_send_password(bool tls, const boost::asio::ip::tcp::endpoint& peer,
                       bool allow_plaintext) noexcept;

// std::nullopt when may_send_password() allows it; otherwise a
// plaintext_refused NetError (step login) for `server` ("host:port") that
// tells the user to use imaps/pop3s, STARTTLS/STLS, or --allow-plaintext.
std::optional<NetError> check_password_allowed(bool tls, const boost::asio::ip::tcp::endpoint& peer,
                                               bool allow_plaintext, std::string server);

// The same for an open connection.
std::optional<NetError> check_password_allowed(const Stream& stream, bool allow_plaintext,
                                               std::string server);

}  // namespace mailferry::net
