#pragma once
// The IMAP session served in-process: an in-memory MailStore, an acceptor on
// 127.0.0.1:0 and run_imap_session() for every connection, on an io_context
// thread of its own. Tests talk to it with ImapTestClient.

#include "contrib/testserver/faults.hpp"
#include "contrib/testserver/self_signed.hpp"
#include "contrib/testserver/session_context.hpp"
#include "contrib/testserver/store/mail_store.hpp"
#include "tests/support/imap_test_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <string>
#include <thread>

namespace mailferry::test {

class ImapServer {
  public:
    explicit ImapServer(testserver::ServerLimits limits = {}, testserver::FaultPlan faults = {})
        : store_(testserver::MailStore::open("")),
          limits_(limits),
          faults_(faults),
          tls_(testserver::make_self_signed_context()),
          ctx_{*store_, limits_, faults_, &tls_, nullptr, "localhost"},
          acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
        store_->add_user("alice", "wonderland");
        store_->add_user("bob", "builder");
        port_ = acceptor_.local_endpoint().port();
        accept();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~ImapServer() {
        boost::asio::post(io_, [this] {
            acceptor_.close();
            io_.stop();
        });
        thread_.join();
    }
    ImapServer(const ImapServer&) = delete;
    ImapServer& operator=(const ImapServer&) = delete;

    std::uint16_t port() const noexcept { return port_; }

    // Runs `fn(store)` on the server thread and returns its result.
    template <typename Fn>
    auto call(Fn fn) {
        using Result = decltype(fn(*store_));
        std::packaged_task<Result()> task([&] { return fn(*store_); });
        auto future = task.get_future();
        boost::asio::post(io_, [&task] { task(); });
        return future.get();
    }

  private:
    void accept() {
        acceptor_.async_accept(
            [this](boost::system::error_code ec, boost::asio::ip::tcp::socket socket) {
                if (ec) {
                    return;
                }
                testserver::Connection conn(net::Stream(std::move(socket)), faults_, "test");
                boost::asio::co_spawn(io_, testserver::run_imap_session(std::move(conn), ctx_),
                                      [](std::exception_ptr e) {
                                          if (e) {
                                              ADD_FAILURE() << "IMAP session threw";
                                          }
                                      });
                accept();
            });
    }

    std::unique_ptr<testserver::MailStore> store_;
    testserver::ServerLimits limits_;
    testserver::FaultInjector faults_;
    boost::asio::ssl::context tls_;
    testserver::SessionContext ctx_;
    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

// A client that has read the greeting and logged in as alice.
inline std::unique_ptr<ImapTestClient> logged_in_client(const ImapServer& server,
                                                        std::string user = "alice",
                                                        std::string password = "wonderland") {
    auto client = std::make_unique<ImapTestClient>(server.port());
    auto greeting = client->response();
    EXPECT_TRUE(greeting && greeting->rfind("* OK ", 0) == 0);
    auto lines = client->command("L0", "LOGIN " + user + " " + password);
    EXPECT_FALSE(lines.empty());
    EXPECT_EQ(lines.back().rfind("L0 OK", 0), 0u) << join_lines(lines);
    return client;
}

// A message in RFC 5322 form with CRLF line ends.
inline std::string make_message(const std::string& subject, const std::string& body,
                                const std::string& extra_headers = "") {
    return "From: Alice <alice@example.org>\r\n"
           "To: Bob <bob@example.org>\r\n"
           "Subject: " +
           subject +
           "\r\n"
           "Date: Tue, 1 Jul 2003 10:52:37 +0200\r\n"
           "Message-ID: <" +
           subject + "@example.org>\r\n" + extra_headers + "\r\n" + body;
}

}  // namespace mailferry::test
