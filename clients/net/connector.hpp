#pragma once
// Opening a connection to a mail server: resolve the host, try each of its
// addresses in turn (IPv6 and IPv4, in the resolver's order), and for
// implicit TLS (imaps, pop3s) run the handshake with SNI and host-name
// verification. Every step has a deadline.

#include "clients/net/error.hpp"
#include "clients/net/stream.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace mailferry::net {

struct ConnectOptions {
    std::string host{};  // name or IP literal ("imap.example.org", "::1")
    std::uint16_t port = 0;
    // Start TLS right after TCP connect (imaps 993, pop3s 995). STARTTLS/STLS
    // is the engine's business: it upgrades the returned Stream later.
    bool implicit_tls = false;
    // Required when implicit_tls (see tls_client.hpp).
    std::shared_ptr<boost::asio::ssl::context> tls_context{};
    // Verify the certificate chain and name; false only for --insecure.
    bool verify = true;
    // The name the certificate must match and SNI carries; empty means
    // `host`. SNI is not sent for IP literals (RFC 6066 §3).
    std::string tls_name{};
    // Deadline for resolving the host name.
    std::chrono::steady_clock::duration resolve_timeout = std::chrono::seconds(30);
    // Deadline for each address's TCP connect.
    std::chrono::steady_clock::duration connect_timeout = std::chrono::seconds(30);
    // Deadline for the TLS handshake.
    std::chrono::steady_clock::duration tls_timeout = std::chrono::seconds(30);
};

using ConnectResult = boost::system::result<Stream, NetError>;

// Connects as `options` says. Errors (NetError::step says where):
//   resolve_failed          the name has no address;
//   timed_out               resolve, every address's connect, or the TLS
//                           handshake ran past its deadline;
//   connection_refused      every address refused;
//   connect_failed          other or mixed failures; the message names every
//                           address tried and why it failed;
//   tls_handshake_failed, certificate_untrusted, certificate_name_mismatch,
//   certificate_expired     the implicit-TLS handshake failed;
//   cancelled               the awaiting coroutine was cancelled.
//
// Executor: runs on the awaiting coroutine's executor; the Stream belongs to
// it. Cancellation: safe at every step; no socket is left open. A resolve
// that outlives its deadline is abandoned (getaddrinfo cannot be
// interrupted) and finishes in the background on Asio's resolver thread.
//
// Pass a named ConnectOptions, not a braced temporary
// (`co_await connect({.host = ...})`): GCC 12 destroys such a temporary
// argument of a coroutine twice (free(): invalid pointer).
boost::asio::awaitable<ConnectResult> connect(ConnectOptions options);

}  // namespace mailferry::net
