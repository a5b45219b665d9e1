#include "clients/net/tls_client.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <filesystem>

namespace mailferry::net {

namespace ssl = boost::asio::ssl;

boost::system::result<std::shared_ptr<ssl::context>, std::string> make_client_tls_context(
    const TlsClientOptions& options) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    // TLS 1.0 and 1.1 are deprecated (RFC 8996); mail servers have offered
    // 1.2 for a decade.
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression);

    boost::system::error_code ec;
    ctx->set_default_verify_paths(ec);
    if (ec) {
        return "cannot load the system's trusted CA certificates: " + ec.message() +
               ". Install the ca-certificates package or pass --ca-file FILE.";
    }
    if (!options.ca_file.empty()) {
        std::error_code fs_ec;
        if (!std::filesystem::is_regular_file(options.ca_file, fs_ec)) {
            return "--ca-file " + options.ca_file +
                   ": no such file. Give the path of the server CA's PEM certificate.";
        }
        ctx->load_verify_file(options.ca_file, ec);
        if (ec) {
            return "--ca-file " + options.ca_file + ": cannot load certificates (" + ec.message() +
                   "). The file must hold one or more PEM certificates "
                   "(-----BEGIN CERTIFICATE-----).";
        }
    }
    ctx->set_verify_mode(options.insecure ? ssl::verify_none : ssl::verify_peer);
    return ctx;
}

std::string_view insecure_warning() noexcept {
    return "TLS certificate verification is disabled (--insecure): the connection is "
           "encrypted, but the server is not authenticated, so anyone on the network path can "
           "pose as it and read passwords and mail.";
}

boost::system::result<void, std::string> ensure_client_tls_context(
    std::shared_ptr<ssl::context>& context, const TlsContextMaker& maker, bool verify) {
    if (context) {
        return {};
    }
    auto made = maker ? maker() : make_client_tls_context(TlsClientOptions{{}, !verify});
    if (!made) {
        return {boost::system::in_place_error, made.error()};
    }
    context = std::move(*made);
    return {};
}

boost::system::error_code prepare_client_tls(SSL* ssl, const std::string& host, bool verify) {
    const auto openssl_error = [] {
        return boost::system::error_code(static_cast<int>(ERR_get_error()),
                                         boost::asio::error::get_ssl_category());
    };
    boost::system::error_code parse_error;
    boost::asio::ip::make_address(host, parse_error);
    const bool is_ip = !parse_error;
    // SSL_set_tlsext_host_name is a macro with a C cast; this is its expansion.
    if (!is_ip && SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                           const_cast<char*>(host.c_str())) != 1) {
        return openssl_error();
    }
    if (!verify) {
        SSL_set_verify(ssl, SSL_VERIFY_NONE, SSL_get_verify_callback(ssl));
        return {};
    }
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    const int set = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                          : X509_VERIFY_PARAM_set1_host(param, host.data(), host.size());
    if (set != 1) {
        return openssl_error();
    }
    SSL_set_verify(ssl, SSL_VERIFY_PEER, SSL_get_verify_callback(ssl));
    return {};
}

}  // namespace mailferry::net
