#pragma once
// The daemon's metrics endpoint: a small HTTP/1.1 server (Boost.Beast) that
// answers GET and HEAD /metrics with the text a callback renders.
//
// Everything runs on the executor given to start(), which must be a single
// thread (the daemon's io_context); the render callback is called there, once
// per request. stop() and the destructor must be called on that thread, or
// while it is not running, and before its execution context is destroyed.

#include "clients/net/http_server.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/result.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace mailferry::cli {

// What one client may take from the server (a scrape sends no body).
using MetricsServerLimits = net::HttpServerLimits;

class MetricsServer {
  public:
    // Listens on `listen` ("127.0.0.1:9464", "[::1]:9464"; port 0 picks a free
    // port). GET or HEAD /metrics -> 200 "text/plain; version=0.0.4;
    // charset=utf-8" with render() as the body (500 when render throws);
    // another path -> 404; another method on /metrics -> 405. Keep-alive is
    // honoured. A connection's errors end only that connection.
    // The error is a message for the user naming `listen`.
    static boost::system::result<std::unique_ptr<MetricsServer>, std::string> start(
        boost::asio::any_io_executor executor, std::string listen,
        std::function<std::string()> render, MetricsServerLimits limits = {});

    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;
    ~MetricsServer();  // stops

    // The bound address: the real port when port 0 was asked for.
    boost::asio::ip::tcp::endpoint endpoint() const;

    // Closes the listener and every open connection (a request being
    // answered is cut off). Idempotent. Afterwards nothing of the server
    // keeps the executor's io_context from running out of work.
    void stop();

  private:
    explicit MetricsServer(std::unique_ptr<net::HttpServer> server);

    std::unique_ptr<net::HttpServer> server_;
};

// "ADDR:PORT" (an IPv6 address in brackets) -> endpoint, or a message that
// quotes the text, e.g. "--metrics 'x': expected ADDR:PORT, e.g. 127.0.0.1:9464".
boost::system::result<boost::asio::ip::tcp::endpoint, std::string> parse_listen_address(
    std::string_view text);

}  // namespace mailferry::cli
