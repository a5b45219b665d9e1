#include "clients/net/http_server.hpp"

#include "clients/net/describe.hpp"

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

#include <iterator>
#include <list>
#include <optional>
#include <utility>

namespace mailferry::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

struct HttpServer::State {
    State(asio::any_io_executor executor, Handler request_handler, std::string server_name,
          HttpServerLimits connection_limits)
        : acceptor(executor),
          handler(std::move(request_handler)),
          name(std::move(server_name)),
          limits(connection_limits) {}

    tcp::acceptor acceptor;
    Handler handler;
    std::string name;
    HttpServerLimits limits;
    // Each open connection; its coroutine erases it when it ends.
    std::list<beast::tcp_stream> connections;
    bool stopped = false;
};

namespace {

using Connection = std::list<beast::tcp_stream>::iterator;

// The answer to a request the parser refused, or none when the client is
// gone or the error is not the request's fault.
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

asio::awaitable<void> serve(std::shared_ptr<HttpServer::State> state, Connection connection) {
    beast::tcp_stream& stream = *connection;
    const HttpServerLimits& limits = state->limits;
    beast::flat_buffer buffer;
    while (!state->stopped) {
        // A parser reads one message only: a fresh one for every request.
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(limits.header_limit));
        parser.body_limit(limits.body_limit);
        stream.expires_after(limits.idle_timeout);
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
                spdlog::debug("{}: connection closed: {}", state->name, read_error.message());
                co_return;
            }
            spdlog::debug("{}: refusing a request: {}", state->name, read_error.message());
            response = std::move(*refusal);
        } else {
            response = state->handler(parser.get());
        }
        stream.expires_after(limits.idle_timeout);
        auto [write_error, written] =
            co_await http::async_write(stream, response, asio::as_tuple(asio::use_awaitable));
        static_cast<void>(written);
        if (write_error) {
            spdlog::debug("{}: sending a response failed: {}", state->name, write_error.message());
            co_return;
        }
        if (!response.keep_alive()) {
            shutdown_send(stream);
            co_return;
        }
    }
}

void spawn_connection(const std::shared_ptr<HttpServer::State>& state, tcp::socket socket) {
    state->connections.emplace_back(std::move(socket));
    const Connection connection = std::prev(state->connections.end());
    asio::co_spawn(state->acceptor.get_executor(), serve(state, connection),
                   [state, connection](std::exception_ptr e) {
                       if (e) {
                           spdlog::error("{}: a connection failed: {}", state->name, describe(e));
                       }
                       state->connections.erase(connection);
                   });
}

asio::awaitable<void> accept_loop(std::shared_ptr<HttpServer::State> state) {
    while (!state->stopped) {
        auto [ec, socket] =
            co_await state->acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
        if (state->stopped) {
            co_return;
        }
        if (ec) {
            // EMFILE and friends: pause instead of spinning, then go on serving.
            spdlog::warn("{}: accepting a connection failed: {}", state->name, ec.message());
            asio::steady_timer pause(state->acceptor.get_executor(),
                                     std::chrono::milliseconds(100));
            co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        if (state->connections.size() >= state->limits.max_connections) {
            spdlog::warn("{}: {} connections open, refusing one more", state->name,
                         state->connections.size());
            boost::system::error_code ignored;
            socket.close(ignored);
            continue;
        }
        spawn_connection(state, std::move(socket));
    }
}

}  // namespace

boost::system::result<std::unique_ptr<HttpServer>, boost::system::error_code> HttpServer::start(
    asio::any_io_executor executor, tcp::endpoint endpoint, Handler handler, std::string name,
    HttpServerLimits limits) {
    auto state = std::make_shared<State>(executor, std::move(handler), std::move(name), limits);
    boost::system::error_code ec;
    state->acceptor.open(endpoint.protocol(), ec);
    if (!ec) {
        state->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    }
    if (!ec) {
        state->acceptor.bind(endpoint, ec);
    }
    if (!ec) {
        state->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    }
    tcp::endpoint bound;
    if (!ec) {
        bound = state->acceptor.local_endpoint(ec);
    }
    if (ec) {
        return ec;
    }
    asio::co_spawn(executor, accept_loop(state), [state](std::exception_ptr e) {
        if (e) {
            spdlog::error("{}: the listener stopped: {}", state->name, describe(e));
        }
    });
    return std::unique_ptr<HttpServer>(new HttpServer(std::move(state), bound));
}

HttpServer::HttpServer(std::shared_ptr<State> state, tcp::endpoint endpoint)
    : state_(std::move(state)), endpoint_(endpoint) {}

HttpServer::~HttpServer() {
    stop();
}

void HttpServer::stop() {
    state_->stopped = true;
    boost::system::error_code ignored;
    state_->acceptor.close(ignored);
    for (beast::tcp_stream& connection : state_->connections) {
        connection.close();
    }
}

}  // namespace mailferry::net
