#pragma once
// A one-session server on 127.0.0.1 that runs a test's script on a thread
// of its own, for protocol situations the test server does not produce
// (RFC examples, LITERAL-, quirks of other servers, hostile servers). The
// script talks with blocking calls; every one returns false once the peer is
// gone. Returning from the script closes the connection.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include <poll.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <utility>

namespace mailferry::test {

class ScriptedSession {
  public:
    explicit ScriptedSession(boost::asio::ip::tcp::socket& socket) : socket_(socket) {}

    bool send(const std::string& text) {
        boost::system::error_code ec;
        boost::asio::write(socket_, boost::asio::buffer(text), ec);
        return !ec;
    }
    // `text` with every "{tag}" replaced by `tag`: answers to a command the
    // client tagged.
    static std::string tagged(std::string text, const std::string& tag) {
        for (std::size_t at = text.find("{tag}"); at != std::string::npos;
             at = text.find("{tag}", at + tag.size())) {
            text.replace(at, 5, tag);
        }
        return text;
    }
    // `filler` repeated in writes of `chunk` bytes, never a CRLF, until `cap`
    // bytes went out or the peer stopped taking them; the bytes sent.
    std::size_t send_endless(char filler, std::size_t chunk, std::size_t cap) {
        const std::string block(chunk, filler);
        std::size_t sent = 0;
        while (sent < cap) {
            const std::size_t n = std::min(chunk, cap - sent);
            if (!send(block.substr(0, n))) {
                break;
            }
            sent += n;
        }
        return sent;
    }
    // Neither reads nor writes until the peer hangs up or `limit` passes
    // (a stalled server, or one that stopped reading); whether it hung up.
    // Unread bytes stay unread, so the peer's writes back up.
    bool wait_for_hangup(std::chrono::milliseconds limit) {
        pollfd p{socket_.native_handle(), POLLRDHUP, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(limit.count()));
        return ready > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
    }
    // The next line without its CRLF.
    bool read_line(std::string& line) {
        boost::system::error_code ec;
        const std::size_t n =
            boost::asio::read_until(socket_, boost::asio::dynamic_buffer(in_), "\r\n", ec);
        if (ec) {
            return false;
        }
        line = in_.substr(0, n - 2);
        in_.erase(0, n);
        return true;
    }
    // The next command line, split: "A1 SELECT x" -> tag "A1", rest
    // "SELECT x", verb "SELECT".
    struct Command {
        std::string line, tag, rest, verb;
    };
    bool read_command(Command& c) {
        if (!read_line(c.line)) {
            return false;
        }
        const std::size_t space = c.line.find(' ');
        c.tag = c.line.substr(0, space);
        c.rest = space == std::string::npos ? "" : c.line.substr(space + 1);
        c.verb = c.rest.substr(0, c.rest.find(' '));
        return true;
    }
    // The next `n` octets (a literal).
    bool read_exactly(std::size_t n, std::string& out) {
        if (in_.size() < n) {
            boost::system::error_code ec;
            boost::asio::read(socket_, boost::asio::dynamic_buffer(in_),
                              boost::asio::transfer_exactly(n - in_.size()), ec);
            if (ec) {
                return false;
            }
        }
        out = in_.substr(0, n);
        in_.erase(0, n);
        return true;
    }

  private:
    boost::asio::ip::tcp::socket& socket_;
    std::string in_;
};

class ScriptedServer {
  public:
    using Script = std::function<void(ScriptedSession&)>;

    // Plays `script` on each of up to `sessions` connections, one after the
    // other (a client that reconnects after a failure meets it again).
    explicit ScriptedServer(Script script, std::size_t sessions = 1)
        : script_(std::move(script)),
          sessions_(sessions),
          acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}),
          port_(acceptor_.local_endpoint().port()),
          thread_([this] { serve(); }) {}
    ScriptedServer(const ScriptedServer&) = delete;
    ScriptedServer& operator=(const ScriptedServer&) = delete;
    ~ScriptedServer() {
        stopping_ = true;
        if (accepted_ < sessions_) {
            // Wake an accept() waiting for a connection that never comes.
            boost::asio::io_context io;
            boost::asio::ip::tcp::socket s(io);
            boost::system::error_code ec;
            s.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
        }
        finish();
    }

    std::uint16_t port() const { return port_; }

    // Waits for the script to end (it returns when the session is over);
    // with several sessions, for all of them.
    void finish() {
        if (thread_.joinable()) {
            thread_.join();
        }
    }

  private:
    void serve() {
        while (accepted_ < sessions_ && !stopping_) {
            boost::asio::ip::tcp::socket socket(io_);
            boost::system::error_code ec;
            acceptor_.accept(socket, ec);
            ++accepted_;
            if (!ec && !stopping_) {
                ScriptedSession session(socket);
                script_(session);
            }
        }
    }

    Script script_;
    std::size_t sessions_;
    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::uint16_t port_;
    std::atomic<std::size_t> accepted_{0};
    std::atomic<bool> stopping_{false};
    std::thread thread_;  // last: starts once the members above exist
};

}  // namespace mailferry::test
