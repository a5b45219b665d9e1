#include "cli/metrics_server.hpp"

#include "mailferry/version.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <charconv>
#include <exception>
#include <iterator>
#include <list>
#include <optional>
#include <utility>

namespace mailferry::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

struct MetricsServer::State {
    State(asio::any_io_executor executor, std::function<std::string()> render_metrics,
          MetricsServerLimits connection_limits)
        : acceptor(executor), render(std::move(render_metrics)), limits(connection_limits) {}

    tcp::acceptor acceptor;
    std::function<std::string()> render;
    MetricsServerLimits limits;
    // Each open connection; its coroutine erases it when it ends.
    std::list<beast::tcp_stream> connections;
    bool stopped = false;
};

namespace {

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
using Connection = std::list<beast::tcp_stream>::iterator;

constexpr std::string_view metrics_path = "/metrics";
constexpr std::string_view metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";
constexpr std::string_view plain_content_type = "text/plain; charset=utf-8";

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

std::string_view view(beast::string_view s) {
    return {s.data(), s.size()};
}

Response make_response(unsigned version, bool keep_alive, http::status status,
                       std::string_view content_type, std::string body, bool head) {
    Response response(status, version);
    response.keep_alive(keep_alive);
    response.set(http::field::server, std::string("mailferry/") + mailferry::version);
    response.set(http::field::content_type, content_type);
    // HEAD announces the length GET would send, and sends no body.
    response.content_length(body.size());
    if (!head) {
        response.body() = std::move(body);
    }
    return response;
}

Response answer(const Request& request, const std::function<std::string()>& render) {
    const bool head = request.method() == http::verb::head;
    const std::string_view target = view(request.target());
    const std::string_view path = target.substr(0, target.find('?'));
    if (path != metrics_path) {
        return make_response(request.version(), request.keep_alive(), http::status::not_found,
                             plain_content_type, "not found; the metrics are at /metrics\n", head);
    }
    if (request.method() != http::verb::get && !head) {
        Response response =
            make_response(request.version(), request.keep_alive(), http::status::method_not_allowed,
                          plain_content_type, "only GET and HEAD are allowed here\n", false);
        response.set(http::field::allow, "GET, HEAD");
        return response;
    }
    try {
        return make_response(request.version(), request.keep_alive(), http::status::ok,
                             metrics_content_type, render(), head);
    } catch (const std::exception& e) {
        spdlog::error("metrics: rendering the metrics failed: {}", e.what());
        return make_response(request.version(), request.keep_alive(),
                             http::status::internal_server_error, plain_content_type,
                             "rendering the metrics failed\n", head);
    }
}

// The answer to a request the parser refused, or none when the client is
// gone or the error is not the request's fault.
std::optional<Response> answer_refused(boost::system::error_code ec) {
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
    return make_response(11, false, status, plain_content_type, ec.message() + "\n", false);
}

void shutdown_send(beast::tcp_stream& stream) {
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> serve(std::shared_ptr<MetricsServer::State> state, Connection connection) {
    beast::tcp_stream& stream = *connection;
    const MetricsServerLimits& limits = state->limits;
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
        Response response;
        if (read_error) {
            std::optional<Response> refusal = answer_refused(read_error);
            if (!refusal) {
                spdlog::debug("metrics: connection closed: {}", read_error.message());
                co_return;
            }
            spdlog::debug("metrics: refusing a request: {}", read_error.message());
            response = std::move(*refusal);
        } else {
            response = answer(parser.get(), state->render);
        }
        stream.expires_after(limits.idle_timeout);
        auto [write_error, written] =
            co_await http::async_write(stream, response, asio::as_tuple(asio::use_awaitable));
        static_cast<void>(written);
        if (write_error) {
            spdlog::debug("metrics: sending a response failed: {}", write_error.message());
            co_return;
        }
        if (!response.keep_alive()) {
            shutdown_send(stream);
            co_return;
        }
    }
}

void spawn_connection(const std::shared_ptr<MetricsServer::State>& state, tcp::socket socket) {
    state->connections.emplace_back(std::move(socket));
    const Connection connection = std::prev(state->connections.end());
    asio::co_spawn(state->acceptor.get_executor(), serve(state, connection),
                   [state, connection](std::exception_ptr e) {
                       if (e) {
                           spdlog::error("metrics: a connection failed: {}", what(e));
                       }
                       state->connections.erase(connection);
                   });
}

asio::awaitable<void> accept_loop(std::shared_ptr<MetricsServer::State> state) {
    while (!state->stopped) {
        auto [ec, socket] =
            co_await state->acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
        if (state->stopped) {
            co_return;
        }
        if (ec) {
            // EMFILE and friends: pause instead of spinning, then go on serving.
            spdlog::warn("metrics: accepting a connection failed: {}", ec.message());
            asio::steady_timer pause(state->acceptor.get_executor(),
                                     std::chrono::milliseconds(100));
            co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        if (state->connections.size() >= state->limits.max_connections) {
            spdlog::warn("metrics: {} connections open, refusing one more",
                         state->connections.size());
            boost::system::error_code ignored;
            socket.close(ignored);
            continue;
        }
        spawn_connection(state, std::move(socket));
    }
}

}  // namespace

boost::system::result<std::unique_ptr<MetricsServer>, std::string> MetricsServer::start(
    asio::any_io_executor executor, std::string listen, std::function<std::string()> render,
    MetricsServerLimits limits) {
    auto wanted = parse_listen_address(listen);
    if (!wanted) {
        return wanted.error();
    }
    auto state = std::make_shared<State>(executor, std::move(render), limits);
    boost::system::error_code ec;
    state->acceptor.open(wanted->protocol(), ec);
    if (!ec) {
        state->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    }
    if (!ec) {
        state->acceptor.bind(*wanted, ec);
    }
    if (!ec) {
        state->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    }
    tcp::endpoint bound;
    if (!ec) {
        bound = state->acceptor.local_endpoint(ec);
    }
    if (ec) {
        return "--metrics '" + listen + "': cannot listen on " + endpoint_text(*wanted) + ": " +
               ec.message();
    }
    asio::co_spawn(executor, accept_loop(state), [](std::exception_ptr e) {
        if (e) {
            spdlog::error("metrics: the listener stopped: {}", what(e));
        }
    });
    return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(state), bound));
}

MetricsServer::MetricsServer(std::shared_ptr<State> state, tcp::endpoint endpoint)
    : state_(std::move(state)), endpoint_(endpoint) {}

MetricsServer::~MetricsServer() {
    stop();
}

tcp::endpoint MetricsServer::endpoint() const {
    return endpoint_;
}

void MetricsServer::stop() {
    state_->stopped = true;
    boost::system::error_code ignored;
    state_->acceptor.close(ignored);
    for (beast::tcp_stream& connection : state_->connections) {
        connection.close();
    }
}

boost::system::result<tcp::endpoint, std::string> parse_listen_address(std::string_view text) {
    const std::string quoted = "--metrics '" + std::string(text) + "'";
    const std::string expected = quoted + ": expected ADDR:PORT, e.g. 127.0.0.1:9464";
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        return expected;
    }
    std::string_view host = text.substr(0, colon);
    const std::string_view port = text.substr(colon + 1);
    const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
    if (bracketed) {
        host = host.substr(1, host.size() - 2);
    }
    if (host.empty() || port.empty()) {
        return expected;
    }
    if (!bracketed && host.find(':') != std::string_view::npos) {
        return quoted + ": write an IPv6 address in brackets, e.g. [::1]:9464";
    }
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(std::string(host), ec);
    if (!ec && bracketed && !address.is_v6()) {
        return quoted + ": brackets are only for IPv6 addresses, e.g. [::1]:9464";
    }
    if (ec) {
        return quoted + ": '" + std::string(host) +
               "' is not an IP address; expected ADDR:PORT, e.g. 127.0.0.1:9464 or [::1]:9464";
    }
    unsigned value = 0;
    const auto [end, err] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (err != std::errc() || end != port.data() + port.size() || value > 65535) {
        return quoted + ": port '" + std::string(port) + "' is not a number from 0 to 65535";
    }
    return tcp::endpoint(address, static_cast<std::uint16_t>(value));
}

}  // namespace mailferry::cli
