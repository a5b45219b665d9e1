#pragma once
// The TLS client context for connections to mail servers: TLS 1.2 or later,
// the system's default trust store plus an optional --ca-file.

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace mailferry::net {

struct TlsClientOptions {
    // A PEM file of CA certificates added to the system trust store
    // (--ca-file); empty for none.
    std::string ca_file{};
    // --insecure: the context does not verify certificates. Connections
    // must then also pass verify = false (ConnectOptions::verify), and the
    // engine logs insecure_warning() once.
    bool insecure = false;
};

// A client context for `options`, shared so that it can outlive the code that
// built it (every Stream handshaking with it needs it during the handshake).
// Fails, with a message naming the file and saying what to do, when the CA
// file cannot be read or holds no certificate.
boost::system::result<std::shared_ptr<boost::asio::ssl::context>, std::string>
make_client_tls_context(const TlsClientOptions& options);

// Makes the context a connection uses once it needs one (implicit TLS,
// STARTTLS, STLS): loading the system's CA store costs tens of
// milliseconds, which a plain session never needs.
using TlsContextMaker =
    std::function<boost::system::result<std::shared_ptr<boost::asio::ssl::context>, std::string>()>;

// Leaves `context` as it is when set; else makes it with `maker` or, without
// one, for the system trust store (verifying certificates unless `verify`
// is false). The error is make_client_tls_context()'s.
boost::system::result<void, std::string> ensure_client_tls_context(
    std::shared_ptr<boost::asio::ssl::context>& context, const TlsContextMaker& maker, bool verify);

// Prepares a client connection's TLS session before its handshake: SNI for
// a host name (never for an address literal, RFC 6066 §3) and, with
// `verify`, the certificate check against `host` by OpenSSL's own RFC 6125
// matching, so that a mismatch shows in SSL_get_verify_result() as
// X509_V_ERR_HOSTNAME_MISMATCH (or IP_ADDRESS_MISMATCH). Without `verify`
// the peer is not verified. The error is OpenSSL's.
boost::system::error_code prepare_client_tls(SSL* ssl, const std::string& host, bool verify);

// The warning the engine logs when --insecure is in effect.
std::string_view insecure_warning() noexcept;

}  // namespace mailferry::net
