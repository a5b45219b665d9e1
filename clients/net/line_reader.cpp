#include "clients/net/line_reader.hpp"

#include "clients/net/deadline.hpp"

#include <boost/asio/error.hpp>

#include <span>
#include <utility>

namespace mailferry::net {

namespace asio = boost::asio;

LineReader::LineReader(Stream& stream, std::string server, std::size_t chunk_size)
    : stream_(stream), server_(std::move(server)), chunk_(chunk_size == 0 ? 1 : chunk_size) {}

asio::awaitable<boost::system::result<std::string_view, NetError>>
LineReader::read_some_with_deadline(std::chrono::steady_clock::duration idle_timeout, Step step) {
    if (!pending_.empty()) {
        returned_ = std::exchange(pending_, std::string());
        co_return std::string_view(returned_);
    }
    auto outcome = co_await with_deadline(stream_.read_some(std::span<char>(chunk_)), idle_timeout);
    if (!outcome) {
        co_return make_net_error(
            error::timed_out, server_, step,
            "no data from the server within " + describe_duration(idle_timeout));
    }
    const auto [ec, n] = *outcome;
    if (ec) {
        co_return io_error(server_, step, ec);
    }
    returned_.assign(chunk_.data(), n);
    co_return std::string_view(returned_);
}

asio::awaitable<boost::system::result<std::string, NetError>> LineReader::read_line_with_deadline(
    std::chrono::steady_clock::duration idle_timeout, Step step, std::size_t max_length) {
    std::string line;
    while (true) {
        const auto newline = pending_.find('\n');
        if (newline != std::string::npos) {
            line += pending_.substr(0, newline);
            pending_.erase(0, newline + 1);
            if (!line.empty() && line.back() == '\r') {
                line.pop_back();
            }
            co_return line;
        }
        line += std::exchange(pending_, std::string());
        if (line.size() > max_length) {
            co_return make_net_error(error::io_failed, server_, step,
                                     "line longer than " + std::to_string(max_length) + " bytes");
        }
        auto outcome =
            co_await with_deadline(stream_.read_some(std::span<char>(chunk_)), idle_timeout);
        if (!outcome) {
            co_return make_net_error(
                error::timed_out, server_, step,
                "no complete line from the server within " + describe_duration(idle_timeout));
        }
        const auto [ec, n] = *outcome;
        if (ec) {
            co_return io_error(server_, step, ec);
        }
        pending_.assign(chunk_.data(), n);
    }
}

asio::awaitable<std::optional<NetError>> LineReader::write_with_deadline(
    std::string data, std::chrono::steady_clock::duration timeout, Step step) {
    auto outcome = co_await with_deadline(stream_.write(data), timeout);
    if (!outcome) {
        co_return make_net_error(error::timed_out, server_, step,
                                 "could not send within " + describe_duration(timeout));
    }
    if (*outcome) {
        co_return io_error(server_, step, *outcome);
    }
    co_return std::nullopt;
}

}  // namespace mailferry::net
