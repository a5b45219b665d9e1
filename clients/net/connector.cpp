#include "clients/net/connector.hpp"

#include "clients/net/deadline.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <openssl/x509_vfy.h>

#include <optional>
#include <tuple>
#include <utility>
#include <vector>

namespace mailferry::net {

namespace asio = boost::asio;
using asio::as_tuple;
using asio::use_awaitable;

namespace {

// getaddrinfo runs on Asio's private resolver thread and cannot be
// interrupted, and `op || timer` waits for the loser to finish, so racing
// the resolve with with_deadline would not bound it. Instead the resolve
// runs detached from this coroutine: its handler stores the outcome in
// shared state and wakes the waiting timer. On a timeout the state stays
// alive until getaddrinfo returns and nobody reads it.
struct ResolveState {
    explicit ResolveState(const asio::any_io_executor& ex)
        : resolver(ex), wake(ex, asio::steady_timer::time_point::max()) {}

    tcp::resolver resolver;
    asio::steady_timer wake;
    bool finished = false;
    error_code ec;
    tcp::resolver::results_type results;
};

struct Resolved {
    std::optional<NetError> failure;
    std::vector<tcp::endpoint> endpoints;
};

awaitable<Resolved> resolve(std::string host, std::uint16_t port,
                            std::chrono::steady_clock::duration timeout, std::string server) {
    auto state = std::make_shared<ResolveState>(co_await asio::this_coro::executor);
    state->wake.expires_after(timeout);
    state->resolver.async_resolve(host, std::to_string(port), tcp::resolver::numeric_service,
                                  [state](error_code ec, tcp::resolver::results_type results) {
                                      state->ec = ec;
                                      state->results = std::move(results);
                                      state->finished = true;
                                      state->wake.cancel();
                                  });
    error_code wait_ec;
    if (!state->finished) {
        auto [ec] = co_await state->wake.async_wait(as_tuple(use_awaitable));
        wait_ec = ec;
    }
    Resolved out;
    if (!state->finished) {
        state->resolver.cancel();
        if (wait_ec == asio::error::operation_aborted) {
            out.failure = make_net_error(error::cancelled, server, Step::resolve);
        } else {
            out.failure = make_net_error(error::timed_out, server, Step::resolve,
                                         "no answer within " + describe_duration(timeout));
        }
        co_return out;
    }
    if (state->ec || state->results.empty()) {
        const std::string reason =
            state->ec ? state->ec.message() : std::string("no address for this name");
        out.failure =
            make_net_error(error::resolve_failed, server, Step::resolve, host + ": " + reason);
        co_return out;
    }
    for (const auto& entry : state->results) {
        out.endpoints.push_back(entry.endpoint());
    }
    co_return out;
}

std::string endpoint_text(const tcp::endpoint& ep) {
    return server_name(ep.address().to_string(), ep.port());
}

}  // namespace

awaitable<ConnectResult> connect(ConnectOptions options) {
    // Cancellation arrives as operation_aborted values, mapped to
    // error::cancelled, rather than as exceptions from the next co_await.
    co_await asio::this_coro::throw_if_cancelled(false);
    const std::string server = server_name(options.host, options.port);

    Resolved resolved =
        co_await resolve(options.host, options.port, options.resolve_timeout, server);
    if (resolved.failure) {
        co_return std::move(*resolved.failure);
    }

    const auto executor = co_await asio::this_coro::executor;
    std::optional<tcp::socket> connected;
    std::vector<std::string> attempts;
    bool all_refused = true;
    bool all_timed_out = true;
    for (const tcp::endpoint& endpoint : resolved.endpoints) {
        tcp::socket socket(executor);
        auto outcome = co_await with_deadline(
            socket.async_connect(endpoint, as_tuple(use_awaitable)), options.connect_timeout);
        if (outcome && !std::get<0>(*outcome)) {
            // Every write is a whole batch of commands or a piece of a
            // literal, so Nagle's algorithm saves nothing; it would hold back
            // a short last piece (an APPEND's closing CRLF) until the server
            // acknowledged the bytes before it, which a delayed ACK makes
            // 40 ms. Left on where the option cannot be set: still correct.
            error_code ignored;
            socket.set_option(tcp::no_delay(true), ignored);
            connected.emplace(std::move(socket));
            break;
        }
        std::string why;
        if (!outcome) {
            why = "timed out after " + describe_duration(options.connect_timeout);
            all_refused = false;
        } else {
            const error_code ec = std::get<0>(*outcome);
            if (ec == asio::error::operation_aborted) {
                co_return make_net_error(error::cancelled, server, Step::connect);
            }
            all_timed_out = false;
            if (ec == asio::error::connection_refused) {
                why = "refused";
            } else {
                all_refused = false;
                why = ec.message();
            }
        }
        attempts.push_back(endpoint_text(endpoint) + " " + why);
    }
    if (!connected) {
        std::string detail = "tried ";
        for (std::size_t i = 0; i < attempts.size(); ++i) {
            detail += (i == 0 ? "" : "; ") + attempts[i];
        }
        const error e = all_refused     ? error::connection_refused
                        : all_timed_out ? error::timed_out
                                        : error::connect_failed;
        co_return make_net_error(e, server, Step::connect, detail);
    }

    Stream stream(std::move(*connected));
    if (!options.implicit_tls) {
        co_return std::move(stream);
    }
    if (!options.tls_context) {
        co_return make_net_error(error::tls_handshake_failed, server, Step::tls,
                                 "no TLS context was configured");
    }
    const std::string name = options.tls_name.empty() ? options.host : options.tls_name;
    auto handshake = co_await with_deadline(
        stream.handshake_client(*options.tls_context, name, options.verify), options.tls_timeout);
    if (!handshake) {
        co_return make_net_error(
            error::timed_out, server, Step::tls,
            "no TLS handshake within " + describe_duration(options.tls_timeout));
    }
    if (const error_code ec = *handshake; ec) {
        if (ec == asio::error::operation_aborted) {
            co_return make_net_error(error::cancelled, server, Step::tls);
        }
        const long verify_result = options.verify ? stream.verify_result() : X509_V_OK;
        co_return tls_handshake_error(server, name, ec, verify_result);
    }
    co_return std::move(stream);
}

}  // namespace mailferry::net
