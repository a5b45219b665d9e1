#pragma once
// The POP3 session served in-process (in_process_server.hpp); tests talk raw
// POP3 to it with Pop3TestClient, which bounds every wait (no sleeps).

#include "clients/net/stream.hpp"
#include "tests/engine/in_process_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace mailferry::test {

using Pop3Server = InProcessServer<&testserver::run_pop3_session>;

// A raw POP3 client: exact bytes out, lines and multi-line blocks in, every
// read bounded by `timeout`.
class Pop3TestClient {
  public:
    explicit Pop3TestClient(std::uint16_t port,
                            std::chrono::milliseconds timeout = std::chrono::seconds(10))
        : tls_(boost::asio::ssl::context::tls_client), timeout_(timeout) {
        boost::asio::ip::tcp::socket socket(io_);
        socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
        stream_.emplace(std::move(socket));
    }
    ~Pop3TestClient() { stream_->close(); }

    void send(std::string_view data) {
        std::string copy(data);
        const auto ec = run_bounded(stream_->write(copy));
        if (!ec || *ec) {
            eof_ = true;
        }
    }

    // One line without its CRLF; nullopt on EOF or timeout.
    std::optional<std::string> line() {
        auto pos = buffer_.find("\r\n");
        while (pos == std::string::npos) {
            if (!read_more()) {
                return std::nullopt;
            }
            pos = buffer_.find("\r\n");
        }
        std::string out = buffer_.substr(0, pos);
        buffer_.erase(0, pos + 2);
        return out;
    }

    // Sends "text\r\n" and returns the status line ("" on EOF or timeout).
    std::string command(std::string_view text) {
        send(std::string(text) + "\r\n");
        return line().value_or("");
    }

    // The raw octets of a multi-line body, up to and including ".\r\n".
    std::string multiline_raw() {
        std::string out;
        while (auto l = line()) {
            out += *l + "\r\n";
            if (*l == ".") {
                break;
            }
        }
        return out;
    }

    // The lines of a multi-line body, without the terminating ".".
    std::vector<std::string> multiline() {
        std::vector<std::string> lines;
        while (auto l = line()) {
            if (*l == ".") {
                break;
            }
            lines.push_back(*l);
        }
        return lines;
    }

    // Reads greeting, USER and PASS; returns the PASS answer.
    std::string login(const std::string& user, const std::string& password) {
        greeting = line().value_or("");
        command("USER " + user);
        return command("PASS " + password);
    }

    // True when the server closes within the timeout; data sent first goes to `rest`.
    bool closed_by_server(std::string* rest = nullptr) {
        while (read_more()) {
        }
        if (rest != nullptr) {
            *rest = buffer_;
        }
        return eof_;
    }

    bool start_tls() {
        tls_.set_verify_mode(boost::asio::ssl::verify_none);
        const auto ec = run_bounded(stream_->handshake_client(tls_, "localhost", false));
        return ec && !*ec;
    }

    void drop() { stream_->close(); }

    std::string greeting;

  private:
    template <typename T>
    std::optional<T> run_bounded(net::awaitable<T> op) {
        std::optional<T> result;
        bool done = false;
        boost::asio::co_spawn(io_, std::move(op), [&](std::exception_ptr e, T value) {
            done = true;
            if (!e) {
                result = std::move(value);
            }
        });
        io_.restart();
        io_.run_for(timeout_);
        if (!done) {
            io_.stop();
            io_.restart();
        }
        return result;
    }

    bool read_more() {
        if (eof_) {
            return false;
        }
        auto op = [](net::Stream& stream) -> net::awaitable<std::optional<std::string>> {
            std::array<char, 16384> chunk{};
            auto [ec, n] = co_await stream.read_some(chunk);
            if (ec) {
                co_return std::nullopt;
            }
            co_return std::string(chunk.data(), n);
        };
        auto got = run_bounded(op(*stream_));
        if (!got) {
            return false;  // timeout
        }
        if (!*got) {
            eof_ = true;
            return false;
        }
        buffer_ += **got;
        return true;
    }

    boost::asio::io_context io_;
    boost::asio::ssl::context tls_;
    std::optional<net::Stream> stream_;
    std::string buffer_;
    std::chrono::milliseconds timeout_;
    bool eof_ = false;
};

}  // namespace mailferry::test
