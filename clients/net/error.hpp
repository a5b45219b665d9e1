#pragma once
// Errors of the client connection layer (resolve, connect, TLS, reads and
// writes), as boost::system::error_code values in category "mailferry.net",
// plus NetError: the code with the server, the step and a message for the
// user that says what happened and what to do.

#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace mailferry::net {

enum class error {
    // The host name did not resolve to any address (unknown name, no DNS).
    resolve_failed = 1,
    // Every address of the host actively refused the TCP connection
    // (nothing listens on that port).
    connection_refused,
    // A step did not finish within its deadline; NetError::step says which
    // (resolve, connect, tls, greeting, read, write).
    timed_out,
    // TCP connect failed for another reason (network or host unreachable,
    // mixed failures across the host's addresses).
    connect_failed,
    // The TLS handshake failed for a reason other than certificate
    // verification (the port does not speak TLS, no common protocol version).
    tls_handshake_failed,
    // The server certificate does not chain to a trusted CA (self-signed,
    // unknown issuer, incomplete chain).
    certificate_untrusted,
    // The certificate is valid but not for the host name (or IP address) we
    // connected to (RFC 6125).
    certificate_name_mismatch,
    // The certificate has expired or is not valid yet.
    certificate_expired,
    // The server closed the connection (EOF or reset) during a step.
    connection_closed,
    // A password would cross an unencrypted, non-loopback connection and
    // plain text was not allowed (see plaintext_policy.hpp).
    plaintext_refused,
    // A read or write failed with an operating system error other than a
    // hang-up (NetError::message carries the system's text).
    io_failed,
    // The operation was cancelled from outside (the run is stopping).
    cancelled,
};

const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(error e) noexcept {
    return {static_cast<int>(e), error_category()};
}

// The step of a connection during which an error happened.
enum class Step { resolve, connect, tls, greeting, read, write, login };

// "resolve", "connect", "tls", "greeting", "read", "write", "login".
std::string_view step_name(Step step) noexcept;

// "host:port", with IPv6 literals bracketed: "[::1]:993".
std::string server_name(std::string_view host, std::uint16_t port);

// "250 ms", "2 s", "1.5 s": a deadline as people read it.
std::string describe_duration(std::chrono::steady_clock::duration d);

struct NetError {
    boost::system::error_code code;
    std::string server;  // "host:port"
    Step step = Step::connect;
    // "<server>: <what happened>. <what to do>."
    std::string message;
};
using ConnectError = NetError;

// Builds a NetError whose message is composed from `e`, the server, the step
// and `detail` (a reason inserted into the text: the resolver's message, the
// addresses tried, the certificate verify reason, the deadline).
NetError make_net_error(error e, std::string server, Step step, std::string_view detail = {});

// Maps an OpenSSL X509 verify result (SSL_get_verify_result) to the error a
// user can act on: name mismatch, expired/not yet valid, or untrusted.
error classify_verify_result(long verify_result) noexcept;

// The NetError for a failed client handshake: when `verify_result` is not
// X509_V_OK the certificate was rejected and its reason
// (X509_verify_cert_error_string) is quoted; otherwise `handshake_error` is.
// `verified_name` is the name the certificate was checked against.
NetError tls_handshake_error(std::string server, std::string_view verified_name,
                             boost::system::error_code handshake_error, long verify_result);

// The NetError for a failed read or write: EOF and reset become
// connection_closed, cancellation cancelled, anything else io_failed.
NetError io_error(std::string server, Step step, boost::system::error_code ec);

}  // namespace mailferry::net

template <>
struct boost::system::is_error_code_enum<mailferry::net::error> : std::true_type {};
