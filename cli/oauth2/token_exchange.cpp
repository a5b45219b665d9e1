#include "cli/oauth2/token_exchange.hpp"

#include "clients/net/plaintext_policy.hpp"
#include "clients/net/tls_client.hpp"
#include "mailferry/version.hpp"

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <optional>

namespace mailferry::cli::oauth2 {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using Answer = boost::system::result<HttpAnswer, std::string>;

namespace {

constexpr auto awaitable_tuple = asio::as_tuple(asio::use_awaitable);

Answer failed(std::string message) {
    return {boost::system::in_place_error, std::move(message)};
}

std::string what_failed(const TokenUrl& url, std::string_view step,
                        const boost::system::error_code& ec) {
    if (ec == beast::error::timeout) {
        return fmt::format("the OAuth2 token endpoint {} did not answer in time ({})", url.text,
                           step);
    }
    return fmt::format("the OAuth2 token endpoint {}: {} failed: {}", url.text, step, ec.message());
}

// Sends the request and reads the answer on an open stream.
template <class Stream>
asio::awaitable<Answer> request(Stream& stream, const TokenUrl& url, const std::string& form,
                                const ExchangeOptions& options) {
    http::request<http::string_body> req{http::verb::post, url.target, 11};
    req.set(http::field::host, url.host_header());
    req.set(http::field::user_agent, std::string("mailferry/") + mailferry::version);
    req.set(http::field::accept, "application/json");
    req.set(http::field::content_type, "application/x-www-form-urlencoded");
    req.set(http::field::cache_control, "no-store");
    req.body() = form;
    req.prepare_payload();
    auto [write_ec, written] = co_await http::async_write(stream, req, awaitable_tuple);
    if (write_ec) {
        co_return failed(what_failed(url, "sending the request", write_ec));
    }
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(options.max_answer_bytes);
    auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, awaitable_tuple);
    if (read_ec == http::error::body_limit || read_ec == http::error::header_limit) {
        co_return failed(
            fmt::format("the OAuth2 token endpoint {} answered with more than {} "
                        "bytes; is token_url the token endpoint?",
                        url.text, options.max_answer_bytes));
    }
    if (read_ec) {
        co_return failed(what_failed(url, "reading the answer", read_ec));
    }
    HttpAnswer answer;
    answer.status = parser.get().result_int();
    answer.body = std::move(parser.get().body());
    if (answer.status >= 300 && answer.status < 400) {
        co_return failed(fmt::format(
            "the OAuth2 token endpoint {} redirects (HTTP {}){}; set token_url to the final "
            "address",
            url.text, answer.status,
            parser.get().count(http::field::location) != 0 ? " elsewhere" : ""));
    }
    co_return answer;
}

asio::awaitable<Answer> exchange(const TokenUrl& url, const std::string& form,
                                 const ExchangeOptions& options) {
    auto executor = co_await asio::this_coro::executor;
    tcp::resolver resolver(executor);
    auto [resolve_ec, endpoints] =
        co_await resolver.async_resolve(url.host, url.port, awaitable_tuple);
    if (resolve_ec) {
        co_return failed(what_failed(url, "looking up " + url.host, resolve_ec));
    }
    beast::tcp_stream stream(executor);
    stream.expires_after(options.timeout);
    auto [connect_ec, peer] = co_await stream.async_connect(endpoints, awaitable_tuple);
    if (connect_ec) {
        co_return failed(what_failed(url, "connecting", connect_ec));
    }
    if (!url.https) {
        // parse_token_url() accepts http for loopback names; the address
        // they resolved to must be loopback too.
        if (!net::is_loopback(peer)) {
            co_return failed(fmt::format(
                "the OAuth2 token endpoint {} is plain http to {}, which is not a loopback "
                "address; use https://",
                url.text, peer.address().to_string()));
        }
        Answer answer = co_await request(stream, url, form, options);
        boost::system::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        co_return answer;
    }
    beast::ssl_stream<beast::tcp_stream> tls(std::move(stream), *options.tls);
    // SNI and the host name check, as for the mail connections.
    if (const auto problem =
            net::prepare_client_tls(tls.native_handle(), url.host, options.verify)) {
        co_return failed(fmt::format("the OAuth2 token endpoint {}: cannot set up TLS: {}",
                                     url.text, problem.message()));
    }
    auto [handshake_ec] =
        co_await tls.async_handshake(asio::ssl::stream_base::client, awaitable_tuple);
    if (handshake_ec) {
        std::string why = handshake_ec.message();
        std::string hint;
        const long verified = SSL_get_verify_result(tls.native_handle());
        if (verified == X509_V_ERR_HOSTNAME_MISMATCH ||
            verified == X509_V_ERR_IP_ADDRESS_MISMATCH) {
            why = fmt::format("the certificate is not for {} ({})", url.host,
                              X509_verify_cert_error_string(verified));
            hint = "; token_url must name a host the certificate is for";
        } else if (verified != X509_V_OK) {
            why = fmt::format("the certificate was not accepted: {}",
                              X509_verify_cert_error_string(verified));
            hint = "; if the provider's CA is not in the system store, pass it with --ca-file";
        }
        co_return failed(
            fmt::format("the OAuth2 token endpoint {}: TLS failed: {}{}", url.text, why, hint));
    }
    Answer answer = co_await request(tls, url, form, options);
    // The answer is complete; a peer that closes without close_notify
    // changes nothing.
    beast::get_lowest_layer(tls).expires_after(std::chrono::seconds(2));
    auto [shutdown_ec] = co_await tls.async_shutdown(awaitable_tuple);
    (void)shutdown_ec;
    co_return answer;
}

}  // namespace

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
    std::string out;
    const auto encode = [&](std::string_view text) {
        for (const char c : text) {
            const auto u = static_cast<unsigned char>(c);
            if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') ||
                c == '-' || c == '.' || c == '_' || c == '~') {
                out += c;
            } else {
                out += fmt::format("%{:02X}", u);
            }
        }
    };
    for (const auto& [name, value] : fields) {
        if (!out.empty()) {
            out += '&';
        }
        encode(name);
        out += '=';
        encode(value);
    }
    return out;
}

Answer post_form(const TokenUrl& url, const std::string& form, const ExchangeOptions& options) {
    if (url.https && !options.tls) {
        return failed("no TLS context for the OAuth2 token endpoint " + url.text);
    }
    std::optional<Answer> result;
    asio::io_context io;
    asio::co_spawn(
        io, exchange(url, form, options), [&result, &url](std::exception_ptr error, Answer answer) {
            if (error) {
                result = failed(
                    fmt::format("the OAuth2 token endpoint {}: the exchange failed", url.text));
                return;
            }
            result = std::move(answer);
        });
    // The stream's deadline covers connecting and talking; this one also
    // covers the name lookup.
    io.run_for(options.timeout + std::chrono::seconds(3));
    if (!result) {
        return failed(fmt::format("the OAuth2 token endpoint {} did not answer in time", url.text));
    }
    return std::move(*result);
}

}  // namespace mailferry::cli::oauth2
