#pragma once
// A test server session served in-process: an in-memory MailStore with the
// users alice and bob, an acceptor on 127.0.0.1:0 and `RunSession` (the
// test server's run_imap_session or run_pop3_session) for every connection,
// on an io_context thread of its own.

#include "contrib/testserver/faults.hpp"
#include "contrib/testserver/self_signed.hpp"
#include "contrib/testserver/session_context.hpp"
#include "contrib/testserver/store/mail_store.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace mailferry::test {

using RunSession = net::awaitable<void> (*)(testserver::Connection, testserver::SessionContext&);

template <RunSession Run>
class InProcessServer {
  public:
    explicit InProcessServer(testserver::ServerLimits limits = {},
                             testserver::FaultPlan faults = {})
        : store_(testserver::MailStore::open("")),
          limits_(std::move(limits)),
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
    ~InProcessServer() {
        boost::asio::post(io_, [this] {
            acceptor_.close();
            io_.stop();
        });
        thread_.join();
    }
    InProcessServer(const InProcessServer&) = delete;
    InProcessServer& operator=(const InProcessServer&) = delete;

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

    // Appends messages to a user's INBOX (also the POP3 maildrop).
    void deliver(const std::string& user, const std::vector<std::string>& bodies) {
        call([&](testserver::MailStore& store) {
            std::vector<testserver::MailStore::NewMessage> messages;
            for (const auto& body : bodies) {
                messages.push_back({body, {}, std::nullopt});
            }
            const auto appended = store.append(user, "INBOX", std::move(messages));
            EXPECT_EQ(appended.error, testserver::StoreError::ok);
            return 0;
        });
    }

    std::size_t inbox_size(const std::string& user) {
        return call(
            [&](testserver::MailStore& store) { return store.messages(user, "INBOX").size(); });
    }

    // Waits (bounded) until every session has ended; true when they have.
    bool wait_until_idle(std::chrono::seconds limit = std::chrono::seconds(10)) {
        std::unique_lock lock(mutex_);
        return idle_.wait_for(lock, limit, [this] { return active_ == 0; });
    }

  private:
    void accept() {
        acceptor_.async_accept([this](boost::system::error_code ec,
                                      boost::asio::ip::tcp::socket socket) {
            if (ec) {
                return;
            }
            {
                std::lock_guard lock(mutex_);
                ++active_;
            }
            testserver::Connection conn(net::Stream(std::move(socket)), faults_, "test");
            boost::asio::co_spawn(io_, Run(std::move(conn), ctx_), [this](std::exception_ptr e) {
                if (e) {
                    ADD_FAILURE() << "a test server session threw";
                }
                std::lock_guard lock(mutex_);
                --active_;
                idle_.notify_all();
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
    std::mutex mutex_;
    std::condition_variable idle_;
    int active_ = 0;
    std::thread thread_;
};

}  // namespace mailferry::test
