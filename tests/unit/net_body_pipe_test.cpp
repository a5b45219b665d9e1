// net::BodyPipe: bodies move from producer to consumer in order and
// unchanged, never more than the capacity buffered, and failures reach the
// other side.

#include "clients/net/body_stream.hpp"
#include "clients/net/body_stream_error.hpp"
#include "clients/net/error.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include <gtest/gtest.h>

#include <span>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using namespace mailferry::net;
using boost::system::error_code;

template <typename Fn>
void run(Fn& fn) {
    asio::io_context io;
    std::exception_ptr failure;
    asio::co_spawn(io, fn(), [&](std::exception_ptr e) { failure = e; });
    io.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
}

std::string body_of(std::size_t size, char seed) {
    std::string s(size, ' ');
    for (std::size_t i = 0; i < size; ++i) {
        s[i] = static_cast<char>(seed + static_cast<char>(i % 23));
    }
    return s;
}

TEST(NetBodyPipe, MovesMessagesInOrderWithinCapacity) {
    const std::vector<std::string> bodies = {body_of(1000, 'a'), "", body_of(37, 'A'),
                                             body_of(5000, '0')};
    std::vector<std::pair<std::uint32_t, std::string>> received;
    std::size_t most_buffered = 0;
    auto body = [&]() -> asio::awaitable<void> {
        using namespace asio::experimental::awaitable_operators;
        BodyPipe pipe(co_await asio::this_coro::executor, 64);
        auto produce = [&]() -> asio::awaitable<error_code> {
            for (std::size_t i = 0; i < bodies.size(); ++i) {
                if (auto ec =
                        co_await pipe.begin(static_cast<std::uint32_t>(i + 1), bodies[i].size())) {
                    co_return ec;
                }
                // Odd chunk sizes, so chunks straddle the ring's end.
                for (std::size_t pos = 0; pos < bodies[i].size(); pos += 50) {
                    const std::string_view part = std::string_view(bodies[i]).substr(pos, 50);
                    if (auto ec =
                            co_await pipe.data(std::span<const char>(part.data(), part.size()))) {
                        co_return ec;
                    }
                    most_buffered = std::max(most_buffered, pipe.buffered());
                }
                if (auto ec = co_await pipe.end()) {
                    co_return ec;
                }
            }
            pipe.close();
            co_return error_code();
        };
        auto consume = [&]() -> asio::awaitable<error_code> {
            std::vector<char> buffer(29);
            while (true) {
                auto next = co_await pipe.next_message();
                if (!next) {
                    co_return next.error();
                }
                if (!*next) {
                    co_return error_code();
                }
                std::string got;
                while (true) {
                    auto [ec, n] = co_await pipe.read(buffer);
                    if (ec) {
                        co_return ec;
                    }
                    if (n == 0) {
                        break;
                    }
                    got.append(buffer.data(), n);
                }
                EXPECT_EQ(got.size(), (*next)->size);
                received.emplace_back((*next)->uid, std::move(got));
            }
        };
        auto [produced, consumed] = co_await (produce() && consume());
        EXPECT_FALSE(produced) << produced.message();
        EXPECT_FALSE(consumed) << consumed.message();
    };
    run(body);
    ASSERT_EQ(received.size(), bodies.size());
    for (std::size_t i = 0; i < bodies.size(); ++i) {
        EXPECT_EQ(received[i].first, i + 1);
        EXPECT_EQ(received[i].second, bodies[i]) << "message " << i;
    }
    EXPECT_LE(most_buffered, 64u);
    EXPECT_GT(most_buffered, 0u);
}

TEST(NetBodyPipe, ProducerFailureReachesTheConsumer) {
    auto body = [&]() -> asio::awaitable<void> {
        using namespace asio::experimental::awaitable_operators;
        BodyPipe pipe(co_await asio::this_coro::executor, 16);
        auto produce = [&]() -> asio::awaitable<error_code> {
            co_await pipe.begin(9, 100);
            // More than the capacity: the consumer has taken the message
            // and some bytes by the time the producer fails.
            const std::string part(40, 'x');
            co_await pipe.data(std::span<const char>(part.data(), part.size()));
            pipe.fail(make_error_code(error::connection_closed));
            co_return error_code();
        };
        auto consume = [&]() -> asio::awaitable<error_code> {
            auto next = co_await pipe.next_message();
            EXPECT_TRUE(next && *next && (*next)->uid == 9u);
            std::vector<char> buffer(64);
            while (true) {
                auto [ec, n] = co_await pipe.read(buffer);
                if (ec || n == 0) {
                    co_return ec;
                }
            }
        };
        auto [produced, consumed] = co_await (produce() && consume());
        EXPECT_FALSE(produced);
        EXPECT_EQ(consumed, error::connection_closed);
    };
    run(body);
}

TEST(NetBodyPipe, MoreBytesThanAnnouncedFail) {
    auto body = [&]() -> asio::awaitable<void> {
        BodyPipe pipe(co_await asio::this_coro::executor, 64);
        co_await pipe.begin(1, 3);
        const std::string part = "abcd";
        auto ec = co_await pipe.data(std::span<const char>(part.data(), part.size()));
        EXPECT_EQ(ec, body_stream_error::body_size_mismatch);
    };
    run(body);
}

TEST(NetBodyPipe, FewerBytesThanAnnouncedFailAtEnd) {
    auto body = [&]() -> asio::awaitable<void> {
        BodyPipe pipe(co_await asio::this_coro::executor, 64);
        co_await pipe.begin(1, 10);
        const std::string part = "abc";
        auto written = co_await pipe.data(std::span<const char>(part.data(), part.size()));
        EXPECT_FALSE(written);
        auto ec = co_await pipe.end();
        EXPECT_EQ(ec, body_stream_error::body_size_mismatch);
    };
    run(body);
}

}  // namespace
