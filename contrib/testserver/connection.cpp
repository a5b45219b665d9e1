#include "contrib/testserver/session_context.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace mailferry::testserver {

namespace asio = boost::asio;

Connection::Connection(net::Stream stream, FaultInjector& faults, std::string peer)
    : stream_(std::move(stream)), faults_(faults), peer_(std::move(peer)) {}

net::awaitable<std::pair<net::error_code, std::size_t>> Connection::read_some(
    std::span<char> buffer) {
    return stream_.read_some(buffer);
}

net::awaitable<net::error_code> Connection::write(std::string_view data) {
    if (faults_.delay().count() > 0) {
        asio::steady_timer timer(stream_.get_executor(), faults_.delay());
        auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (ec) {
            co_return ec;
        }
    }
    const std::uint64_t allowed = faults_.allow_write(data.size());
    if (allowed < data.size()) {
        // Injected fault: the peer sees the response cut off mid-way.
        if (allowed > 0) {
            co_await stream_.write(data.substr(0, static_cast<std::size_t>(allowed)));
        }
        stream_.close();
        co_return asio::error::connection_aborted;
    }
    co_return co_await stream_.write(data);
}

net::awaitable<net::error_code> Connection::start_tls(asio::ssl::context& ctx) {
    return stream_.handshake_server(ctx);
}

}  // namespace mailferry::testserver
