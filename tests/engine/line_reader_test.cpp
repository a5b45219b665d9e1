// net::LineReader over a real loopback connection: lines, raw chunks for the
// parsers, writes, and the errors a hang-up or a silent peer gives.

#include "clients/net/line_reader.hpp"
#include "clients/net/connector.hpp"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <array>
#include <exception>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace net = mailferry::net;
using asio::as_tuple;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using namespace std::chrono_literals;

// Everything the client observed, in order, as text.
using Transcript = std::vector<std::string>;

std::string describe(const net::NetError& e) {
    return "error " + e.code.message() + " at " + std::string(net::step_name(e.step));
}

// Greets with a line and more bytes in one write, echoes one line, hangs up.
awaitable<void> echo_once(tcp::acceptor& acceptor) {
    auto [ec, socket] = co_await acceptor.async_accept(as_tuple(use_awaitable));
    if (ec) {
        co_return;
    }
    net::Stream stream(std::move(socket));
    net::LineReader reader(stream, "client");
    const auto greeted = co_await reader.write_with_deadline("* OK hi\r\nrest", 5s);
    if (greeted) {
        co_return;
    }
    auto line = co_await reader.read_line_with_deadline(5s);
    if (line) {
        std::string reply = "echo: " + *line + "\r\n";
        const auto echoed = co_await reader.write_with_deadline(std::move(reply), 5s);
        (void)echoed;
    }
    stream.close();
}

awaitable<Transcript> client(std::uint16_t port) {
    Transcript out;
    net::ConnectOptions options;
    options.host = "127.0.0.1";
    options.port = port;
    auto connected = co_await net::connect(options);
    if (!connected) {
        out.push_back(describe(connected.error()));
        co_return out;
    }
    net::LineReader reader(*connected, "127.0.0.1:" + std::to_string(port), 4);
    auto greeting = co_await reader.read_line_with_deadline(5s, net::Step::greeting);
    out.push_back(greeting ? "line " + *greeting : describe(greeting.error()));
    // The bytes after the line come out before anything new is read.
    std::string rest;
    while (rest.size() < 4) {
        auto chunk = co_await reader.read_some_with_deadline(5s);
        if (!chunk) {
            out.push_back(describe(chunk.error()));
            co_return out;
        }
        rest += *chunk;
    }
    out.push_back("bytes " + rest);
    auto written = co_await reader.write_with_deadline("PING\r\n", 5s);
    out.push_back(written ? describe(*written) : "wrote");
    auto echo = co_await reader.read_line_with_deadline(5s);
    out.push_back(echo ? "line " + *echo : describe(echo.error()));
    auto after = co_await reader.read_some_with_deadline(5s);
    out.push_back(after ? "bytes " + std::string(*after) : describe(after.error()));
    co_return out;
}

TEST(LineReader, LinesChunksWritesAndTheHangUp) {
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    asio::co_spawn(io, echo_once(acceptor), [](std::exception_ptr e) {
        if (e) {
            std::rethrow_exception(e);
        }
    });
    Transcript transcript;
    asio::co_spawn(io, client(acceptor.local_endpoint().port()),
                   [&](std::exception_ptr e, Transcript t) {
                       if (e) {
                           std::rethrow_exception(e);
                       }
                       transcript = std::move(t);
                   });
    io.run_for(20s);
    // A chunk size of 4 makes every line span several reads.
    const Transcript expected{"line * OK hi", "bytes rest", "wrote", "line echo: PING",
                              "error connection closed by the server at read"};
    EXPECT_EQ(transcript, expected);
}

TEST(LineReader, OverlongLineIsAnError) {
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    auto flood = [](tcp::acceptor& a) -> awaitable<void> {
        auto [ec, socket] = co_await a.async_accept(as_tuple(use_awaitable));
        if (ec) {
            co_return;
        }
        net::Stream stream(std::move(socket));
        const std::string junk(100, 'x');
        const auto written = co_await stream.write(junk);
        std::array<char, 16> buffer{};
        const auto [read_ec, n] = co_await stream.read_some(buffer);
        (void)written;
        (void)read_ec;
        (void)n;
    };
    asio::co_spawn(io, flood(acceptor), [](std::exception_ptr) {});
    std::string message;
    auto read = [&](std::uint16_t port) -> awaitable<void> {
        net::ConnectOptions options;
        options.host = "127.0.0.1";
        options.port = port;
        auto connected = co_await net::connect(options);
        if (!connected) {
            message = connected.error().message;
            co_return;
        }
        net::LineReader reader(*connected, "srv:1");
        auto line = co_await reader.read_line_with_deadline(5s, net::Step::greeting, 64);
        message = line ? "line " + *line : line.error().message;
        io.stop();
    };
    asio::co_spawn(io, read(acceptor.local_endpoint().port()), [](std::exception_ptr e) {
        if (e) {
            std::rethrow_exception(e);
        }
    });
    io.run_for(20s);
    EXPECT_EQ(message.rfind("srv:1: greeting failed (line longer than 64 bytes).", 0), 0u)
        << message;
}

}  // namespace
