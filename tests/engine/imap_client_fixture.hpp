#pragma once
// Shared pieces of the IMAP client engine tests: an in-process test server
// (contrib/testserver) with users u/p and v/q, client options for it, and a
// runner for test coroutines.

#include "clients/imap/client.hpp"
#include "clients/net/tls_client.hpp"
#include "contrib/testserver/server.hpp"
#include "tests/support/coroutine_test.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <exception>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace mailferry::test {

namespace asio = boost::asio;
namespace ts = mailferry::testserver;

struct ImapClientServerOptions {
    bool tls = false;                          // self-signed cert, STARTTLS offered, plus imaps
    std::string faults{};                      // FaultPlan::parse() syntax
    std::set<std::string> hidden{};            // capabilities the server neither offers nor takes
    std::optional<std::uint64_t> quota_kib{};  // RFC 9208 STORAGE limit of every user
};

// Client options for a test server on 127.0.0.1, with 10 s deadlines on
// every step so a hung test fails instead of waiting forever.
inline imap::ClientOptions loopback_client_options(std::uint16_t port, std::string user,
                                                   std::string password) {
    imap::ClientOptions o;
    o.host = "127.0.0.1";
    o.port = port;
    o.user = std::move(user);
    o.password = std::move(password);
    using namespace std::chrono_literals;
    o.timeouts.connect = o.timeouts.tls = o.timeouts.greeting = 10s;
    o.timeouts.command = o.timeouts.body_chunk = o.timeouts.write = 10s;
    return o;
}

class ImapClientServer {
  public:
    explicit ImapClientServer(ImapClientServerOptions o = {}) {
        ts::ServerOptions options;
        options.listeners.push_back(
            ts::ListenerSpec::parse(ts::Protocol::imap, false, "127.0.0.1:0"));
        if (o.tls) {
            options.listeners.push_back(
                ts::ListenerSpec::parse(ts::Protocol::imap, true, "127.0.0.1:0"));
            options.tls_self_signed = true;
        }
        options.users = {{"u", "p"}, {"v", "q"}};
        if (!o.faults.empty()) {
            options.faults = ts::FaultPlan::parse(o.faults);
        }
        options.limits.disabled_capabilities = std::move(o.hidden);
        options.limits.quota_kib = o.quota_kib;
        server_ = std::make_unique<ts::TestServerThread>(std::move(options));
        if (o.tls) {
            ca_file_ = dir_ / "ca.pem";
            std::ofstream(ca_file_) << server_->call(
                [](ts::TestServer& s) { return s.self_signed_certificate()->certificate_pem; });
        }
    }

    ts::TestServerThread& server() { return *server_; }
    std::uint16_t port(bool implicit_tls = false) const {
        return server_->port(ts::Protocol::imap, implicit_tls);
    }
    const std::filesystem::path& ca_file() const { return ca_file_; }

    imap::ClientOptions options(std::string user = "u", std::string password = "p") const {
        imap::ClientOptions o =
            loopback_client_options(port(), std::move(user), std::move(password));
        if (!ca_file_.empty()) {
            auto ctx =
                net::make_client_tls_context(net::TlsClientOptions{ca_file_.string(), false});
            EXPECT_TRUE(ctx) << (ctx ? "" : ctx.error());
            if (ctx) {
                o.tls_context = *ctx;
            }
        }
        return o;
    }

    // As user u, tracing the protocol to `logger`.
    imap::ClientOptions options(std::shared_ptr<spdlog::logger> logger) const {
        imap::ClientOptions o = options();
        o.logger = std::move(logger);
        return o;
    }

    // Seeds `count` messages into user's mailbox; returns their bodies.
    std::vector<std::string> seed(const std::string& user, const std::string& mailbox,
                                  std::vector<ts::MailStore::NewMessage> messages) {
        std::vector<std::string> bodies;
        for (const auto& m : messages) {
            bodies.push_back(m.body);
        }
        auto appended = server_->call([&](ts::TestServer& s) {
            return s.store().append(user, mailbox, std::move(messages));
        });
        EXPECT_EQ(appended.error, ts::StoreError::ok);
        return bodies;
    }

  private:
    TempDir dir_;
    std::filesystem::path ca_file_;
    std::unique_ptr<ts::TestServerThread> server_;
};

inline std::string make_message(const std::string& id, std::size_t body_size) {
    std::string m = "From: a@example.org\r\nTo: b@example.org\r\nSubject: test " + id +
                    "\r\nMessage-ID:\r\n <" + id + "@example.org>\r\n\r\n";
    std::string line;
    while (m.size() + 2 < body_size) {
        const std::size_t n = std::min<std::size_t>(70, body_size - m.size() - 2);
        line.assign(n, static_cast<char>('a' + m.size() % 26));
        m += line + "\r\n";
    }
    return m;
}

}  // namespace mailferry::test
