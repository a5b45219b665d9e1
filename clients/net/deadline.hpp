#pragma once
// Deadlines for network steps. Boost 1.81 has no cancel_after, so an
// operation races a steady_timer (Asio's cpp20/coroutines/timeout.cpp): when
// the timer wins, the operation is cancelled through its cancellation slot
// and the caller gets std::nullopt.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace mailferry::net {

// Awaits `op` for at most `timeout`. Returns its result, or std::nullopt
// when the deadline passed first (the operation has then been cancelled).
template <typename T>
boost::asio::awaitable<std::optional<T>> with_deadline(
    boost::asio::awaitable<T> op, std::chrono::steady_clock::duration timeout) {
    using namespace boost::asio::experimental::awaitable_operators;
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, timeout);
    auto outcome = co_await (std::move(op) || timer.async_wait(boost::asio::use_awaitable));
    if (outcome.index() == 0) {
        co_return std::optional<T>(std::move(std::get<0>(outcome)));
    }
    co_return std::nullopt;
}

// The same for an operation that returns nothing: true when it finished in time.
inline boost::asio::awaitable<bool> with_deadline(boost::asio::awaitable<void> op,
                                                  std::chrono::steady_clock::duration timeout) {
    using namespace boost::asio::experimental::awaitable_operators;
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, timeout);
    auto outcome = co_await (std::move(op) || timer.async_wait(boost::asio::use_awaitable));
    co_return outcome.index() == 0;
}

}  // namespace mailferry::net
