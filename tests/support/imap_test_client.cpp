#include "tests/support/imap_test_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "clients/net/deadline.hpp"

#include <array>
#include <stdexcept>

namespace mailferry::test {

namespace {

// Runs `op` to completion. Every operation passed here carries its own
// deadline (net::with_deadline), so the run ends; `limit` is a safety net.
template <typename T>
std::optional<T> run_bounded(boost::asio::io_context& io, net::awaitable<T> op,
                             std::chrono::milliseconds limit) {
    std::optional<T> result;
    boost::asio::co_spawn(io, std::move(op), [&](std::exception_ptr e, T value) {
        if (!e) {
            result = std::move(value);
        }
    });
    io.restart();
    io.run_for(limit + std::chrono::seconds(5));
    return result;
}

template <typename T>
net::awaitable<std::optional<T>> bounded(net::awaitable<T> op, std::chrono::milliseconds wait) {
    co_return co_await net::with_deadline(std::move(op), wait);
}

}  // namespace

ImapTestClient::ImapTestClient(std::uint16_t port, std::chrono::milliseconds timeout)
    : tls_(boost::asio::ssl::context::tls_client), timeout_(timeout) {
    boost::asio::ip::tcp::socket socket(io_);
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    stream_.emplace(std::move(socket));
}

ImapTestClient::~ImapTestClient() {
    if (stream_) {
        stream_->close();
    }
}

void ImapTestClient::send(std::string_view data) {
    std::string copy(data);
    auto ec = run_bounded(io_, bounded(stream_->write(copy), timeout_), timeout_);
    if (!ec || !*ec || **ec) {
        eof_ = true;
    }
}

bool ImapTestClient::read_more(std::chrono::milliseconds wait) {
    if (eof_) {
        return false;
    }
    auto op = [](net::Stream& stream,
                 std::chrono::milliseconds limit) -> net::awaitable<std::optional<std::string>> {
        std::array<char, 16384> chunk{};
        auto outcome = co_await net::with_deadline(stream.read_some(chunk), limit);
        if (!outcome) {
            co_return std::nullopt;
        }
        auto [ec, n] = *outcome;
        if (ec) {
            co_return std::string("\0eof", 4);
        }
        co_return std::string(chunk.data(), n);
    };
    auto result = run_bounded(io_, op(*stream_, wait), wait);
    if (!result || !*result) {
        return false;
    }
    const auto& got = *result;
    if (*got == std::string("\0eof", 4)) {
        eof_ = true;
        return false;
    }
    buffer_ += *got;
    return true;
}

std::string ImapTestClient::read_exact(std::size_t n) {
    while (buffer_.size() < n) {
        if (!read_more(timeout_)) {
            timed_out_ = !eof_;
            break;
        }
    }
    std::string out = buffer_.substr(0, n);
    buffer_.erase(0, out.size());
    return out;
}

std::optional<std::string> ImapTestClient::response() {
    std::string out;
    for (;;) {
        auto pos = buffer_.find("\r\n");
        while (pos == std::string::npos) {
            if (!read_more(timeout_)) {
                timed_out_ = !eof_;
                return std::nullopt;
            }
            pos = buffer_.find("\r\n");
        }
        std::string line = buffer_.substr(0, pos);
        buffer_.erase(0, pos + 2);
        out += line;
        // A line ending in {n} announces a literal of n octets (RFC 3501 §4.3).
        if (line.empty() || line.back() != '}') {
            return out;
        }
        auto open = line.rfind('{');
        if (open == std::string::npos) {
            return out;
        }
        std::size_t n = std::stoul(line.substr(open + 1, line.size() - open - 2));
        out += "\r\n";
        std::string literal = read_exact(n);
        out += literal;
        if (literal.size() < n) {
            return out;
        }
    }
}

std::vector<std::string> ImapTestClient::until_tagged(std::string_view tag) {
    std::vector<std::string> lines;
    const std::string prefix = std::string(tag) + " ";
    while (auto line = response()) {
        lines.push_back(*line);
        if (line->rfind(prefix, 0) == 0) {
            break;
        }
    }
    return lines;
}

std::vector<std::string> ImapTestClient::command(std::string_view tag, std::string_view text) {
    send(std::string(tag) + " " + std::string(text) + "\r\n");
    return until_tagged(tag);
}

bool ImapTestClient::closed_by_server(std::string* rest) {
    while (!eof_) {
        if (!read_more(timeout_)) {
            break;
        }
    }
    if (rest != nullptr) {
        *rest = buffer_;
    }
    return eof_;
}

bool ImapTestClient::silent_for(std::chrono::milliseconds wait) {
    const auto before = buffer_.size();
    read_more(wait);
    return buffer_.size() == before && !eof_;
}

bool ImapTestClient::start_tls() {
    tls_.set_verify_mode(boost::asio::ssl::verify_none);
    auto ec = run_bounded(
        io_, bounded(stream_->handshake_client(tls_, "localhost", false), timeout_), timeout_);
    return ec && *ec && !**ec;
}

std::string join_lines(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& line : lines) {
        out += line;
        out += "\r\n";
    }
    return out;
}

}  // namespace mailferry::test
