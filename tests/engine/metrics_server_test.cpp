// MetricsServer on 127.0.0.1 with Beast clients in the same io_context:
// answers, keep-alive, HEAD, limits, and that stop() lets io.run() return.

#include "cli/metrics_server.hpp"

#include "tests/support/coroutine_test.hpp"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <array>
#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>

namespace mailferry::cli {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::as_tuple;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using namespace std::chrono_literals;

using Response = http::response<http::string_body>;

// Generous: a loaded machine must not fail a test.
constexpr auto client_timeout = 30s;

struct Reply {
    boost::system::error_code error;
    Response response;
};

// One client connection; its coroutines run on the test's io_context.
class Client {
  public:
    explicit Client(asio::any_io_executor executor) : stream_(std::move(executor)) {}

    awaitable<boost::system::error_code> connect(tcp::endpoint to) {
        stream_.expires_after(client_timeout);
        auto [ec] = co_await stream_.async_connect(to, as_tuple(use_awaitable));
        co_return ec;
    }

    awaitable<Reply> request(http::verb method, std::string target) {
        http::request<http::empty_body> request(method, target, 11);
        request.set(http::field::host, "127.0.0.1");
        request.keep_alive(true);
        stream_.expires_after(client_timeout);
        auto [ec, written] = co_await http::async_write(stream_, request, as_tuple(use_awaitable));
        static_cast<void>(written);
        if (ec) {
            Reply failed;
            failed.error = ec;
            co_return failed;
        }
        co_return co_await read_reply(method == http::verb::head);
    }

    awaitable<boost::system::error_code> send_raw(std::string bytes) {
        stream_.expires_after(client_timeout);
        auto [ec, written] =
            co_await asio::async_write(stream_, asio::buffer(bytes), as_tuple(use_awaitable));
        static_cast<void>(written);
        co_return ec;
    }

    awaitable<Reply> read_reply(bool head) {
        http::response_parser<http::string_body> parser;
        // A HEAD answer announces a length but has no body.
        parser.skip(head);
        stream_.expires_after(client_timeout);
        auto [ec, read] =
            co_await http::async_read(stream_, buffer_, parser, as_tuple(use_awaitable));
        static_cast<void>(read);
        Reply reply;
        reply.error = ec;
        reply.response = parser.release();
        co_return reply;
    }

    // What the next read gives: an error when the server closed the connection.
    awaitable<boost::system::error_code> read_until_closed() {
        std::array<char, 512> chunk{};
        stream_.expires_after(client_timeout);
        auto [ec, read] =
            co_await stream_.async_read_some(asio::buffer(chunk), as_tuple(use_awaitable));
        static_cast<void>(read);
        co_return ec;
    }

  private:
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
};

// Only stop() may end a connection in most tests.
MetricsServerLimits patient_limits() {
    MetricsServerLimits limits;
    limits.idle_timeout = std::chrono::hours(1);
    return limits;
}

class MetricsServerTest : public ::testing::Test {
  protected:
    void start(MetricsServerLimits limits = patient_limits()) {
        auto started = MetricsServer::start(
            io_.get_executor(), "127.0.0.1:0",
            [this] {
                ++renders_;
                if (fail_next_render_) {
                    fail_next_render_ = false;
                    throw std::runtime_error("no metrics today");
                }
                return body_;
            },
            limits);
        ASSERT_TRUE(started.has_value()) << started.error();
        server_ = std::move(*started);
        endpoint_ = server_->endpoint();
        ASSERT_NE(endpoint_.port(), 0);
    }

    // Runs the client coroutine `fn()`, stops the server when it has ended,
    // and requires the io_context to run out of work then.
    template <typename Fn>
    void run_client(Fn& fn) {
        std::exception_ptr failure;
        bool done = false;
        asio::co_spawn(io_, fn(), [&](std::exception_ptr e) {
            failure = e;
            done = true;
            server_->stop();
        });
        io_.run_for(std::chrono::seconds(50));
        EXPECT_TRUE(done) << "the client did not finish";
        EXPECT_TRUE(io_.stopped()) << "work was left after stop()";
        if (failure) {
            std::rethrow_exception(failure);
        }
    }

    asio::io_context io_;
    std::unique_ptr<MetricsServer> server_;
    tcp::endpoint endpoint_;
    std::string body_ = "# TYPE up gauge\nup 1\n";
    int renders_ = 0;
    bool fail_next_render_ = false;
};

TEST_F(MetricsServerTest, GetMetricsAnswersWithTheRenderedText) {
    start();
    auto client = [&]() -> awaitable<void> {
        Client c(io_.get_executor());
        const auto connected = co_await c.connect(endpoint_);
        CO_REQUIRE(!connected, connected.message());
        const Reply reply = co_await c.request(http::verb::get, "/metrics");
        CO_REQUIRE(!reply.error, reply.error.message());
        EXPECT_EQ(reply.response.result(), http::status::ok);
        EXPECT_EQ(reply.response[http::field::content_type],
                  "text/plain; version=0.0.4; charset=utf-8");
        EXPECT_EQ(reply.response.body(), body_);
        EXPECT_EQ(reply.response[http::field::content_length], std::to_string(body_.size()));
    };
    run_client(client);
    EXPECT_EQ(renders_, 1);
}

TEST_F(MetricsServerTest, AQueryStringStillReachesTheMetrics) {
    start();
    auto client = [&]() -> awaitable<void> {
        Client c(io_.get_executor());
        const auto connected = co_await c.connect(endpoint_);
        CO_REQUIRE(!connected, connected.message());
        const Reply reply = co_await c.request(http::verb::get, "/metrics?name[]=up");
        CO_REQUIRE(!reply.error, reply.error.message());
        EXPECT_EQ(reply.response.result(), http::status::ok);
        EXPECT_EQ(reply.response.body(), body_);
    };
    run_client(client);
}

TEST_F(MetricsServerTest, OtherPathsAreNotFound) {
    start();
    auto client = [&]() -> awaitable<void> {
        Client c(io_.get_executor());
        const auto connected = co_await c.connect(endpoint_);
        CO_REQUIRE(!connected, connected.message());
        for (const char* path : {"/other", "/", "/metrics/x"}) {
            const Reply reply = co_await c.request(http::verb::get, path);
            CO_REQUIRE(!reply.error, path << ": " << reply.error.message());
            EXPECT_EQ(reply.response.result(), http::status::not_found) << path;
        }
    };
    run_client(client);
    EXPECT_EQ(renders_, 0);
}

TEST_F(MetricsServerTest, OtherMethodsAreNotAllowed) {
    start();
    auto client = [&]() -> awaitable<void> {
        Client c(io_.get_executor());
        const auto connected = co_await c.connect(endpoint_);
        CO_REQUIRE(!connected, connected.message());
        const Reply reply = co_await c.request(http::verb::post, "/metrics");
        CO_REQUIRE(!reply.error, reply.error.message());
        EXPECT_EQ(reply.response.result(), http::status::method_not_allowed);
        EXPECT_EQ(reply.response[http::field::allow], "GET, HEAD");
    };
    run_client(client);
    EXPECT_EQ(renders_, 0);
}

TEST_F(MetricsServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
    start();
    auto client = [&]() -> awaitable<void> {
        Client c(io_.get_executor());
        const auto connected = co_await c.connect(endpoint_);
        CO_REQUIRE(!connected, connected.message());
        for (int i = 0; i < 2; ++i) {
            const Reply reply = co_await c.request(http::verb::get, "/metrics");
            CO_REQUIRE(!reply.error, "request " << i << ": " << reply.error.message());
            EXPECT_EQ(reply.response.result(), http::status::ok);
            EXPECT_TRUE(reply.response.keep_alive());
            EXPECT_EQ(reply.response.body(), body_);
        }
    };
    run_client(client);
    EXPECT_EQ(renders_, 2);
}

TEST_F(MetricsServerTest, HeadAnnouncesTheLengthAndSendsNoBody) {
    start();
    auto client = [&]() -> awaitable<void> {
        Client c(io_.get_executor());
        const auto connected = co_await c.connect(endpoint_);
        CO_REQUIRE(!connected, connected.message());
        const Reply head = co_await c.request(http::verb::head, "/metrics");
        CO_REQUIRE(!head.error, head.error.message());
        EXPECT_EQ(head.response.result(), http::status::ok);
        EXPECT_EQ(head.response[http::field::content_type],
                  "text/plain; version=0.0.4; charset=utf-8");
        EXPECT_EQ(head.response[http::field::content_length], std::to_string(body_.size()));
        // Had a body followed the headers, this answer would not parse.
        const Reply get = co_await c.request(http::verb::get, "/metrics");
        CO_REQUIRE(!get.error, get.error.message());
        EXPECT_EQ(get.response.result(), http::status::ok);
        EXPECT_EQ(get.response.body(), body_);
    };
    run_client(client);
}

TEST_F(MetricsServerTest, ASlowClientDoesNotBlockAnotherAndStopClosesIt) {
    start();
    // Outlives the client coroutine: only stop() can end its connection.
    std::optional<Client> slow;
    auto client = [&]() -> awaitable<void> {
        slow.emplace(io_.get_executor());
        const auto slow_connected = co_await slow->connect(endpoint_);
        CO_REQUIRE(!slow_connected, slow_connected.message());
        const auto sent = co_await slow->send_raw("GET /metr");
        CO_REQUIRE(!sent, sent.message());

        Client fast(io_.get_executor());
        const auto connected = co_await fast.connect(endpoint_);
        CO_REQUIRE(!connected, connected.message());
        const Reply reply = co_await fast.request(http::verb::get, "/metrics");
        CO_REQUIRE(!reply.error, reply.error.message());
        EXPECT_EQ(reply.response.result(), http::status::ok);
    };
    run_client(client);
}

TEST_F(MetricsServerTest, AnIdleConnectionIsClosedAfterTheTimeout) {
    MetricsServerLimits limits;
    limits.idle_timeout = 100ms;
    start(limits);
    auto client = [&]() -> awaitable<void> {
        Client c(io_.get_executor());
        const auto connected = co_await c.connect(endpoint_);
        CO_REQUIRE(!connected, connected.message());
        const auto sent = co_await c.send_raw("GET /metrics HTTP/1.1\r\nHost: x\r\n");
        CO_REQUIRE(!sent, sent.message());
        const auto closed = co_await c.read_until_closed();
        EXPECT_TRUE(closed == asio::error::eof || closed == asio::error::connection_reset)
            << closed.message();
    };
    run_client(client);
    EXPECT_EQ(renders_, 0);
}

TEST_F(MetricsServerTest, AnOversizedRequestIsRefusedAndTheServerGoesOn) {
    start();
    auto client = [&]() -> awaitable<void> {
        Client big(io_.get_executor());
        const auto big_connected = co_await big.connect(endpoint_);
        CO_REQUIRE(!big_connected, big_connected.message());
        std::string request = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Filler: ";
        request.append(9000, 'a');
        request += "\r\n\r\n";
        const auto sent = co_await big.send_raw(std::move(request));
        CO_REQUIRE(!sent, sent.message());
        const Reply refused = co_await big.read_reply(false);
        CO_REQUIRE(!refused.error, refused.error.message());
        EXPECT_EQ(refused.response.result(), http::status::request_header_fields_too_large);
        EXPECT_FALSE(refused.response.keep_alive());

        Client next(io_.get_executor());
        const auto connected = co_await next.connect(endpoint_);
        CO_REQUIRE(!connected, connected.message());
        const Reply reply = co_await next.request(http::verb::get, "/metrics");
        CO_REQUIRE(!reply.error, reply.error.message());
        EXPECT_EQ(reply.response.result(), http::status::ok);
    };
    run_client(client);
    EXPECT_EQ(renders_, 1);
}

TEST_F(MetricsServerTest, AGarbledRequestIsABadRequest) {
    start();
    auto client = [&]() -> awaitable<void> {
        Client c(io_.get_executor());
        const auto connected = co_await c.connect(endpoint_);
        CO_REQUIRE(!connected, connected.message());
        const auto sent = co_await c.send_raw("HELLO THERE\r\n\r\n");
        CO_REQUIRE(!sent, sent.message());
        const Reply refused = co_await c.read_reply(false);
        CO_REQUIRE(!refused.error, refused.error.message());
        EXPECT_EQ(refused.response.result(), http::status::bad_request);
    };
    run_client(client);
}

TEST_F(MetricsServerTest, AFailingRenderGivesAnErrorAndTheNextRequestWorks) {
    start();
    fail_next_render_ = true;
    auto client = [&]() -> awaitable<void> {
        Client c(io_.get_executor());
        const auto connected = co_await c.connect(endpoint_);
        CO_REQUIRE(!connected, connected.message());
        const Reply failed = co_await c.request(http::verb::get, "/metrics");
        CO_REQUIRE(!failed.error, failed.error.message());
        EXPECT_EQ(failed.response.result(), http::status::internal_server_error);
        const Reply reply = co_await c.request(http::verb::get, "/metrics");
        CO_REQUIRE(!reply.error, reply.error.message());
        EXPECT_EQ(reply.response.result(), http::status::ok);
        EXPECT_EQ(reply.response.body(), body_);
    };
    run_client(client);
    EXPECT_EQ(renders_, 2);
}

TEST_F(MetricsServerTest, StopIsIdempotentAndLetsRunReturn) {
    start();
    server_->stop();
    server_->stop();
    io_.run_for(std::chrono::seconds(50));
    EXPECT_TRUE(io_.stopped()) << "work was left after stop()";
}

TEST_F(MetricsServerTest, DestroyingTheServerStopsIt) {
    start();
    server_.reset();
    io_.run_for(std::chrono::seconds(50));
    EXPECT_TRUE(io_.stopped()) << "work was left after the server was destroyed";
}

TEST_F(MetricsServerTest, ABusyPortIsAnErrorNamingTheAddress) {
    start();
    const std::string listen = "127.0.0.1:" + std::to_string(endpoint_.port());
    auto second = MetricsServer::start(io_.get_executor(), listen, [] { return std::string(); });
    ASSERT_FALSE(second.has_value());
    EXPECT_TRUE(
        second.error().starts_with("--metrics '" + listen + "': cannot listen on " + listen + ": "))
        << second.error();
}

TEST_F(MetricsServerTest, AMalformedAddressIsAnError) {
    auto started =
        MetricsServer::start(io_.get_executor(), "localhost", [] { return std::string(); });
    ASSERT_FALSE(started.has_value());
    EXPECT_EQ(started.error(), "--metrics 'localhost': expected ADDR:PORT, e.g. 127.0.0.1:9464");
}

}  // namespace
}  // namespace mailferry::cli
