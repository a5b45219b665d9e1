#include "contrib/testserver/oauth2/http_listener.hpp"

#include "contrib/testserver/oauth2/token_endpoint.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <list>
#include <optional>
#include <stdexcept>
#include <string>

namespace mailferry::testserver::oauth2 {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

struct HttpListener::State {
    State(asio::any_io_executor executor, TokenIssuer& token_issuer, HttpLimits connection_limits)
        : acceptor(executor), issuer(token_issuer), limits(connection_limits) {}

    tcp::acceptor acceptor;
    TokenIssuer& issuer;
    HttpLimits limits;
    std::list<beast::tcp_stream> connections;  // each erased by its coroutine
    bool stopped = false;
};

namespace {

using Connection = std::list<beast::tcp_stream>::iterator;

std::string endpoint_text(const tcp::endpoint& e) {
    const auto address = e.address();
    const std::string host =
        address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    return host + ":" + std::to_string(e.port());
}

std::string what(std::exception_ptr e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& err) {
        return err.what();
    } catch (...) {
        return "unknown exception";
    }
}

// A request Beast's parser refused (bad syntax, too large): a 400-family
// answer, or none when the client is simply gone.
std::optional<HttpResponse> answer_refused(boost::system::error_code ec) {
    if (ec.category() != http::make_error_code(http::error::bad_method).category() ||
        ec == http::error::partial_message) {
        return std::nullopt;
    }
    http::status status = http::status::bad_request;
    if (ec == http::error::header_limit) {
        status = http::status::request_header_fields_too_large;
    } else if (ec == http::error::body_limit) {
        status = http::status::payload_too_large;
    }
    HttpResponse response(status, 11);
    response.keep_alive(false);
    response.set(http::field::content_type, "text/plain; charset=utf-8");
    response.body() = ec.message() + "\n";
    response.prepare_payload();
    return response;
}

void shutdown_send(beast::tcp_stream& stream) {
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> serve(std::shared_ptr<HttpListener::State> state, Connection connection) {
    beast::tcp_stream& stream = *connection;
    beast::flat_buffer buffer;
    while (!state->stopped) {
        http::request_parser<http::string_body> parser;  // one per request
        parser.header_limit(static_cast<std::uint32_t>(state->limits.header_limit));
        parser.body_limit(state->limits.body_limit);
        stream.expires_after(state->limits.idle_timeout);
        auto [read_error, read_bytes] =
            co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
        static_cast<void>(read_bytes);
        if (state->stopped) {
            co_return;
        }
        if (read_error == http::error::end_of_stream) {
            shutdown_send(stream);
            co_return;
        }
        HttpResponse response;
        if (read_error) {
            std::optional<HttpResponse> refusal = answer_refused(read_error);
            if (!refusal) {
                co_return;
            }
            response = std::move(*refusal);
        } else {
            response = answer_token_request(parser.get(), state->issuer);
            spdlog::debug("oauth2: {} {} -> {}", std::string(parser.get().method_string()),
                          std::string(parser.get().target()), response.result_int());
        }
        stream.expires_after(state->limits.idle_timeout);
        auto [write_error, written] =
            co_await http::async_write(stream, response, asio::as_tuple(asio::use_awaitable));
        static_cast<void>(written);
        if (write_error || !response.keep_alive()) {
            shutdown_send(stream);
            co_return;
        }
    }
}

void spawn_connection(const std::shared_ptr<HttpListener::State>& state, tcp::socket socket) {
    state->connections.emplace_back(std::move(socket));
    const Connection connection = std::prev(state->connections.end());
    asio::co_spawn(state->acceptor.get_executor(), serve(state, connection),
                   [state, connection](std::exception_ptr e) {
                       if (e) {
                           spdlog::error("oauth2: a connection failed: {}", what(e));
                       }
                       state->connections.erase(connection);
                   });
}

asio::awaitable<void> accept_loop(std::shared_ptr<HttpListener::State> state) {
    while (!state->stopped) {
        auto [ec, socket] =
            co_await state->acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
        if (state->stopped) {
            co_return;
        }
        if (ec) {
            // EMFILE and friends: pause instead of spinning.
            spdlog::warn("oauth2: accepting a connection failed: {}", ec.message());
            asio::steady_timer pause(state->acceptor.get_executor(),
                                     std::chrono::milliseconds(100));
            co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        if (state->connections.size() >= state->limits.max_connections) {
            spdlog::warn("oauth2: {} connections open, refusing one more",
                         state->connections.size());
            boost::system::error_code ignored;
            socket.close(ignored);
            continue;
        }
        spawn_connection(state, std::move(socket));
    }
}

}  // namespace

HttpListener::HttpListener(asio::any_io_executor executor, tcp::endpoint endpoint,
                           TokenIssuer& issuer, HttpLimits limits)
    : state_(std::make_shared<State>(executor, issuer, limits)) {
    boost::system::error_code ec;
    state_->acceptor.open(endpoint.protocol(), ec);
    if (!ec) {
        state_->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    }
    if (!ec) {
        state_->acceptor.bind(endpoint, ec);
    }
    if (!ec) {
        state_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (!ec) {
        endpoint_ = state_->acceptor.local_endpoint(ec);
    }
    if (ec) {
        throw std::runtime_error("cannot listen on " + endpoint_text(endpoint) +
                                 " for the oauth2 issuer: " + ec.message());
    }
    asio::co_spawn(executor, accept_loop(state_), [](std::exception_ptr e) {
        if (e) {
            spdlog::error("oauth2: the listener stopped: {}", what(e));
        }
    });
}

HttpListener::~HttpListener() {
    stop();
}

void HttpListener::stop() {
    state_->stopped = true;
    boost::system::error_code ignored;
    state_->acceptor.close(ignored);
    for (beast::tcp_stream& connection : state_->connections) {
        connection.close();
    }
}

}  // namespace mailferry::testserver::oauth2
