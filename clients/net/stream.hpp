#pragma once
// A TCP connection that can be upgraded to TLS in place (STARTTLS, STLS) or
// start as TLS (imaps, pop3s). Servers and clients both speak through it, so
// the protocol code above never cares which transport is underneath.
//
// Executor: every operation runs on the socket's executor; the object must
// only be used from that executor. Operations return errors as values (EOF,
// reset and cancellation are normal on the wire). Cancellation: a pending
// operation is cancelled through the awaiting coroutine's cancellation slot,
// which is how net::with_deadline stops a read that took too long.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace mailferry::net {

using boost::asio::awaitable;
using boost::asio::ip::tcp;
using boost::system::error_code;

class Stream {
  public:
    explicit Stream(tcp::socket socket);
    Stream(Stream&&) noexcept;
    Stream& operator=(Stream&&) noexcept;
    ~Stream();

    // Runs the TLS handshake as a client. `sni_host` is sent as SNI (unless
    // it is an IP address) and, when `verify` is true, the peer certificate
    // must chain to a trusted root and match it (RFC 6125; an IP address is
    // matched against the certificate's IP subjectAltNames). On a
    // verification failure verify_result() says why.
    awaitable<error_code> handshake_client(boost::asio::ssl::context& ctx, std::string sni_host,
                                           bool verify);
    // Runs the TLS handshake as a server with the context's certificate.
    awaitable<error_code> handshake_server(boost::asio::ssl::context& ctx);

    bool is_tls() const noexcept { return tls_ != nullptr; }

    // Reads what is available, at most `buffer.size()` bytes; 0 bytes only
    // with an error.
    awaitable<std::pair<error_code, std::size_t>> read_some(std::span<char> buffer);
    // Writes every byte or fails.
    awaitable<error_code> write(std::string_view data);

    // Sends TLS close_notify (when TLS) and closes the socket. Never throws.
    awaitable<void> shutdown();
    // Closes at once, without TLS close_notify. Never throws.
    void close() noexcept;

    bool is_open() const noexcept;
    tcp::endpoint remote_endpoint() const;
    tcp::endpoint local_endpoint() const;
    // TCP_NODELAY is set: short writes go out at once (connect() sets it).
    bool sends_without_delay() const;
    boost::asio::any_io_executor get_executor();

    // OpenSSL's X509 verify result of the last client handshake
    // (SSL_get_verify_result): X509_V_OK when verified or not TLS.
    long verify_result() const noexcept;

    // The negotiated TLS protocol and cipher, e.g. "TLSv1.3 TLS_AES_256_GCM_SHA384";
    // empty when not TLS.
    std::string tls_description() const;

  private:
    tcp::socket& socket() noexcept;
    const tcp::socket& socket() const noexcept;

    tcp::socket plain_;
    std::unique_ptr<boost::asio::ssl::stream<tcp::socket>> tls_;
};

}  // namespace mailferry::net
