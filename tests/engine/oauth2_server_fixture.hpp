#pragma once
// Shared pieces of the OAuth2 engine tests: an in-process test server with
// IMAP and POP3 listeners, oauth2 users alice (also a password user) and bob
// (created by the server), the HTTP token endpoint on 127.0.0.1:0, and an
// issuer clock the test sets, so token expiry needs no sleeping.

#include "contrib/testserver/server.hpp"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <utility>

namespace mailferry::test {

namespace ts = mailferry::testserver;

struct HttpAnswer {
    unsigned status = 0;
    nlohmann::json body;
};

class OAuth2Server {
  public:
    explicit OAuth2Server(std::set<std::string> hidden = {})
        : now_(std::make_shared<std::atomic<std::int64_t>>(1'700'000'000)) {
        ts::ServerOptions options;
        options.listeners.push_back(
            ts::ListenerSpec::parse(ts::Protocol::imap, false, "127.0.0.1:0"));
        options.listeners.push_back(
            ts::ListenerSpec::parse(ts::Protocol::pop3, false, "127.0.0.1:0"));
        options.users = {{"alice", "wonderland"}};
        options.limits.disabled_capabilities = std::move(hidden);
        options.oauth2.users = {"alice", "bob"};
        options.oauth2.issuer_address = "127.0.0.1:0";
        options.oauth2.clock = [now = now_] {
            return std::chrono::system_clock::time_point(std::chrono::seconds(now->load()));
        };
        server_ = std::make_unique<ts::TestServerThread>(std::move(options));
    }

    std::uint16_t port(ts::Protocol protocol) const { return server_->port(protocol); }
    std::uint16_t http_port() const {
        return server_->call([](ts::TestServer& s) { return s.oauth2_endpoint()->port(); });
    }
    // Moves the issuer's clock on: tokens issued more than the lifetime
    // (300 s) before are then expired.
    void advance(std::chrono::seconds by) { *now_ += by.count(); }
    std::int64_t now() const { return now_->load(); }

    // The refresh token the server printed at start for `user`.
    std::string refresh_token(const std::string& user) const {
        return server_->call([&](ts::TestServer& s) {
            for (const auto& [name, token] : s.oauth2_issuer()->refresh_tokens()) {
                if (name == user) {
                    return token;
                }
            }
            return std::string();
        });
    }

    // POSTs a form to the token endpoint with a plain Beast client.
    HttpAnswer post(const std::string& target, const std::string& form,
                    const std::string& content_type = "application/x-www-form-urlencoded") const {
        namespace http = boost::beast::http;
        boost::asio::io_context io;
        boost::beast::tcp_stream stream(io);
        stream.expires_after(std::chrono::seconds(10));
        stream.connect({boost::asio::ip::make_address("127.0.0.1"), http_port()});
        http::request<http::string_body> request(http::verb::post, target, 11);
        request.set(http::field::host, "127.0.0.1");
        request.set(http::field::content_type, content_type);
        request.body() = form;
        request.prepare_payload();
        http::write(stream, request);
        boost::beast::flat_buffer buffer;
        http::response<http::string_body> response;
        http::read(stream, buffer, response);
        return {response.result_int(), nlohmann::json::parse(response.body())};
    }

    // A fresh access token for `user` from POST /token (rotating the
    // user's refresh token, as a real client's refresh does).
    std::string access_token(const std::string& user) const {
        const HttpAnswer answer =
            post("/token", "grant_type=refresh_token&client_id=mailferry-test&refresh_token=" +
                               refresh_token(user));
        EXPECT_EQ(answer.status, 200U) << answer.body.dump();
        return answer.body.value("access_token", std::string());
    }

  private:
    std::shared_ptr<std::atomic<std::int64_t>> now_;
    std::unique_ptr<ts::TestServerThread> server_;
};

}  // namespace mailferry::test
