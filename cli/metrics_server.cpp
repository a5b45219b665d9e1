#include "cli/metrics_server.hpp"

#include "clients/net/describe.hpp"
#include "mailferry/version.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <charconv>
#include <utility>

namespace mailferry::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

using Request = net::HttpRequest;
using Response = net::HttpResponse;

constexpr std::string_view metrics_path = "/metrics";
constexpr std::string_view metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";
constexpr std::string_view plain_content_type = "text/plain; charset=utf-8";

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

}  // namespace

boost::system::result<std::unique_ptr<MetricsServer>, std::string> MetricsServer::start(
    asio::any_io_executor executor, std::string listen, std::function<std::string()> render,
    MetricsServerLimits limits) {
    auto wanted = parse_listen_address(listen);
    if (!wanted) {
        return wanted.error();
    }
    auto handler = [render = std::move(render)](const net::HttpRequest& request) {
        return answer(request, render);
    };
    auto server = net::HttpServer::start(executor, *wanted, std::move(handler), "metrics", limits);
    if (!server) {
        return "--metrics '" + listen + "': cannot listen on " + net::describe(*wanted) + ": " +
               server.error().message();
    }
    return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(*server)));
}

MetricsServer::MetricsServer(std::unique_ptr<net::HttpServer> server)
    : server_(std::move(server)) {}

MetricsServer::~MetricsServer() = default;

tcp::endpoint MetricsServer::endpoint() const {
    return server_->endpoint();
}

void MetricsServer::stop() {
    server_->stop();
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
