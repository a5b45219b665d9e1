#pragma once
// Two operations on different connections at once (the source's and the
// target's login, or their LIST): a run's start then waits for the slower
// of the two servers, not for both one after the other.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include <optional>
#include <utility>

namespace mailferry::sync::detail {

template <class T>
boost::asio::awaitable<void> store_result(std::optional<T>& out, boost::asio::awaitable<T> op) {
    T result = co_await std::move(op);
    out.emplace(std::move(result));
}

// Both results, once both operations are done. The operations report
// failures as values; an exception from one cancels the other and is
// rethrown.
template <class A, class B>
boost::asio::awaitable<std::pair<A, B>> both_at_once(boost::asio::awaitable<A> a,
                                                     boost::asio::awaitable<B> b) {
    using namespace boost::asio::experimental::awaitable_operators;
    std::optional<A> first;
    std::optional<B> second;
    co_await (store_result(first, std::move(a)) && store_result(second, std::move(b)));
    std::pair<A, B> results(std::move(*first), std::move(*second));
    co_return results;
}

}  // namespace mailferry::sync::detail
