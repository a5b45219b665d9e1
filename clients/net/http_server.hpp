#pragma once
// A small, bounded HTTP/1.1 server on Boost.Beast for the few endpoints
// mailferry serves itself (the daemon's /metrics, the test server's OAuth2
// issuer): it accepts connections, reads each request within limits,
// answers it with a handler and honours keep-alive. What the endpoints say
// is the handler's business; this file only keeps clients in their bounds.
//
// Everything runs on the executor given to start(), which must be a single
// thread; the handler is called there, once per request. stop() and the
// destructor must run on that thread, or while it is not running, and
// before its execution context is destroyed.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace mailferry::net {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// What one client may take from the server.
struct HttpServerLimits {
    // A connection that sends no complete request (or does not read the
    // answer) within this time is closed, idle keep-alive connections too.
    std::chrono::steady_clock::duration idle_timeout = std::chrono::seconds(30);
    std::size_t header_limit = 8 * 1024;  // bytes of request line + headers
    std::size_t body_limit = 16 * 1024;   // larger bodies are refused with 413
    std::size_t max_connections = 64;     // further connections are closed at once
};

class HttpServer {
  public:
    using Handler = std::function<HttpResponse(const HttpRequest&)>;

    // Listens on `endpoint` (port 0 picks a free port). A request the parser
    // refuses (bad syntax, over a limit) is answered 400, 413 or 431 and the
    // connection closed; every other request goes to `handler`, whose
    // exceptions end only that connection. `name` starts the server's log
    // lines ("metrics: ..."). The error is the one from binding.
    static boost::system::result<std::unique_ptr<HttpServer>, boost::system::error_code> start(
        boost::asio::any_io_executor executor, boost::asio::ip::tcp::endpoint endpoint,
        Handler handler, std::string name, HttpServerLimits limits = {});

    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;
    ~HttpServer();  // stops

    // The bound address: the real port when port 0 was asked for.
    const boost::asio::ip::tcp::endpoint& endpoint() const noexcept { return endpoint_; }

    // Closes the listener and every open connection (a request being
    // answered is cut off). Idempotent. Afterwards nothing of the server
    // keeps the executor's io_context from running out of work.
    void stop();

    struct State;  // shared with the server's coroutines, which may outlive this object

  private:
    HttpServer(std::shared_ptr<State> state, boost::asio::ip::tcp::endpoint endpoint);

    std::shared_ptr<State> state_;
    boost::asio::ip::tcp::endpoint endpoint_;
};

}  // namespace mailferry::net
