#include "clients/net/stream.hpp"

#include "clients/net/tls_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

namespace mailferry::net {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::as_tuple;
using asio::use_awaitable;

Stream::Stream(tcp::socket socket) : plain_(std::move(socket)) {}
Stream::Stream(Stream&&) noexcept = default;
Stream& Stream::operator=(Stream&&) noexcept = default;
Stream::~Stream() = default;

tcp::socket& Stream::socket() noexcept {
    return tls_ ? tls_->next_layer() : plain_;
}
const tcp::socket& Stream::socket() const noexcept {
    return tls_ ? tls_->next_layer() : plain_;
}

awaitable<error_code> Stream::handshake_client(ssl::context& ctx, std::string sni_host,
                                               bool verify) {
    tls_ = std::make_unique<ssl::stream<tcp::socket>>(std::move(plain_), ctx);
    if (const error_code prepared = prepare_client_tls(tls_->native_handle(), sni_host, verify)) {
        co_return prepared;
    }
    auto [ec] = co_await tls_->async_handshake(ssl::stream_base::client, as_tuple(use_awaitable));
    co_return ec;
}

awaitable<error_code> Stream::handshake_server(ssl::context& ctx) {
    tls_ = std::make_unique<ssl::stream<tcp::socket>>(std::move(plain_), ctx);
    auto [ec] = co_await tls_->async_handshake(ssl::stream_base::server, as_tuple(use_awaitable));
    co_return ec;
}

awaitable<std::pair<error_code, std::size_t>> Stream::read_some(std::span<char> buffer) {
    auto buf = asio::buffer(buffer.data(), buffer.size());
    if (tls_) {
        auto [ec, n] = co_await tls_->async_read_some(buf, as_tuple(use_awaitable));
        co_return std::pair{ec, n};
    }
    auto [ec, n] = co_await plain_.async_read_some(buf, as_tuple(use_awaitable));
    co_return std::pair{ec, n};
}

awaitable<error_code> Stream::write(std::string_view data) {
    auto buf = asio::buffer(data.data(), data.size());
    if (tls_) {
        auto [ec, n] = co_await asio::async_write(*tls_, buf, as_tuple(use_awaitable));
        co_return ec;
    }
    auto [ec, n] = co_await asio::async_write(plain_, buf, as_tuple(use_awaitable));
    co_return ec;
}

awaitable<void> Stream::shutdown() {
    if (tls_ && socket().is_open()) {
        // A peer that already hung up makes this fail; that is fine.
        auto [ec] = co_await tls_->async_shutdown(as_tuple(use_awaitable));
        (void)ec;
    }
    close();
}

void Stream::close() noexcept {
    error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
}

bool Stream::is_open() const noexcept {
    return socket().is_open();
}

tcp::endpoint Stream::remote_endpoint() const {
    error_code ignored;
    return socket().remote_endpoint(ignored);
}

tcp::endpoint Stream::local_endpoint() const {
    error_code ignored;
    return socket().local_endpoint(ignored);
}

bool Stream::sends_without_delay() const {
    tcp::no_delay option;
    error_code ignored;
    socket().get_option(option, ignored);
    return option.value();
}

asio::any_io_executor Stream::get_executor() {
    return socket().get_executor();
}

long Stream::verify_result() const noexcept {
    if (!tls_) {
        return X509_V_OK;
    }
    return SSL_get_verify_result(const_cast<ssl::stream<tcp::socket>&>(*tls_).native_handle());
}

std::string Stream::tls_description() const {
    if (!tls_) {
        return {};
    }
    SSL* ssl = const_cast<ssl::stream<tcp::socket>&>(*tls_).native_handle();
    std::string out = SSL_get_version(ssl);
    if (const char* cipher = SSL_get_cipher_name(ssl)) {
        out += ' ';
        out += cipher;
    }
    return out;
}

}  // namespace mailferry::net
