#pragma once
// The HTTP/1.1 listener (Boost.Beast) of the test server's authorization
// server: accepts connections and answers each request with
// answer_token_request() (token_endpoint.hpp). Keep-alive is honoured.
//
// Runs on the executor given to start(), which must be the single thread
// that also owns `issuer`; stop() and the destructor must run on that
// thread or while it is not running. `issuer` must outlive the listener's
// coroutines (TestServer owns both and stops the listener first).

#include "contrib/testserver/oauth2/token_issuer.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstddef>
#include <memory>

namespace mailferry::testserver::oauth2 {

struct HttpLimits {
    std::chrono::steady_clock::duration idle_timeout = std::chrono::seconds(30);
    std::size_t header_limit = 8 * 1024;
    std::size_t body_limit = 16 * 1024;  // a form with a token or two
    std::size_t max_connections = 64;    // further connections are closed at once
};

class HttpListener {
  public:
    // Binds `endpoint` (port 0 picks one) and starts accepting. Throws
    // std::runtime_error ("cannot listen on 127.0.0.1:80 for the oauth2
    // issuer: Permission denied").
    HttpListener(boost::asio::any_io_executor executor, boost::asio::ip::tcp::endpoint endpoint,
                 TokenIssuer& issuer, HttpLimits limits = {});
    ~HttpListener();  // stops
    HttpListener(const HttpListener&) = delete;
    HttpListener& operator=(const HttpListener&) = delete;

    // The bound address: the real port when port 0 was asked for.
    const boost::asio::ip::tcp::endpoint& endpoint() const noexcept { return endpoint_; }
    // Closes the listener and every open connection. Idempotent.
    void stop();

    struct State;  // shared with the coroutines, which may outlive this object

  private:
    std::shared_ptr<State> state_;
    boost::asio::ip::tcp::endpoint endpoint_;
};

}  // namespace mailferry::testserver::oauth2
