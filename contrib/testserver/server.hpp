#pragma once
// The test server pair: POP3 and IMAP4 listeners (plain and implicit TLS)
// over one MailStore, on one io_context.
//
// Lifetime: construct, start(), run the io_context; stop() closes the
// listeners and cancels every session. Not thread-safe: call stop() on the
// io_context's thread (TestServerThread does that for you).

#include "clients/net/http_server.hpp"
#include "contrib/testserver/faults.hpp"
#include "contrib/testserver/listener_spec.hpp"
#include "contrib/testserver/oauth2/token_issuer.hpp"
#include "contrib/testserver/self_signed.hpp"
#include "contrib/testserver/session_context.hpp"
#include "contrib/testserver/store/gmail_store.hpp"
#include "contrib/testserver/store/mail_store.hpp"

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace mailferry::testserver {

// OAUTHBEARER / XOAUTH2 logins checked with the server's own token issuer.
struct OAuth2Options {
    // Users who get a refresh token at start; an unknown one is created
    // with a random password. Empty: no issuer (XOAUTH2 then takes the
    // password as the token).
    std::vector<std::string> users;
    // The HTTP token/introspection endpoint, "ADDR:PORT" (port 0 picks
    // one); empty: none (in-process tests can call the issuer directly).
    std::string issuer_address;
    oauth2::IssuerOptions issuer;
    oauth2::IssuerClock clock;  // empty: the system clock
};

struct ServerOptions {
    std::string data_dir;  // empty: the store lives in memory
    std::vector<ListenerSpec> listeners;
    std::string tls_cert_file, tls_key_file;
    bool tls_self_signed = false;
    std::vector<std::pair<std::string, std::string>> users;  // name, password
    bool seed_demo = false;
    ServerLimits limits;
    FaultPlan faults;
    StoreOptions store;
    std::size_t max_connections = 2000;  // more are accepted and closed at once
    OAuth2Options oauth2;
    // `--emulate gmail`: Gmail's folders and labels (store/gmail_store.hpp)
    // and its IMAP extensions (X-GM-EXT-1).
    bool emulate_gmail = false;
};

struct BoundListener {
    ListenerSpec spec;
    boost::asio::ip::tcp::endpoint endpoint;
};

class TestServer {
  public:
    // Opens the store, adds users, seeds demo mail and loads the TLS
    // certificate. Throws std::runtime_error / std::invalid_argument with a
    // message that says what to fix.
    TestServer(boost::asio::io_context& io, ServerOptions options);
    ~TestServer();
    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;

    // Binds every listener and starts accepting. Throws std::runtime_error
    // ("cannot listen on 127.0.0.1:143 for imap: Permission denied").
    void start();
    // Closes the listeners and cancels every session.
    void stop();

    const std::vector<BoundListener>& listeners() const noexcept { return bound_; }
    // The bound port of the first listener for this scheme, or 0.
    std::uint16_t port(Protocol protocol, bool implicit_tls) const;
    MailStore& store() noexcept { return *store_; }
    // The fault counters (commands, octets written, APPENDs, FETCHes so far).
    const FaultInjector& faults() const noexcept { return faults_; }
    // The generated certificate with --tls-self-signed, for clients to trust.
    const std::optional<CertificatePair>& self_signed_certificate() const noexcept {
        return self_signed_;
    }
    std::size_t active_sessions() const noexcept { return sessions_.size(); }
    // The token issuer with --oauth2-user, else nullptr. Use it on the
    // server's thread only.
    oauth2::TokenIssuer* oauth2_issuer() noexcept { return oauth2_.get(); }
    // The bound token endpoint after start() with --oauth2-issuer.
    std::optional<boost::asio::ip::tcp::endpoint> oauth2_endpoint() const;

  private:
    net::awaitable<void> accept_loop(std::shared_ptr<boost::asio::ip::tcp::acceptor> acceptor,
                                     ListenerSpec spec);
    net::awaitable<void> serve(boost::asio::ip::tcp::socket socket, ListenerSpec spec);
    void spawn_session(boost::asio::ip::tcp::socket socket, const ListenerSpec& spec);

    boost::asio::io_context& io_;
    ServerOptions options_;
    std::unique_ptr<MailStore> store_;
    GmailStore* gmail_ = nullptr;  // store_ itself with --emulate gmail
    std::optional<CertificatePair> self_signed_;
    std::unique_ptr<boost::asio::ssl::context> tls_;
    FaultInjector faults_;
    std::shared_ptr<spdlog::logger> log_;
    std::optional<ListenerSpec> oauth2_listen_;  // --oauth2-issuer
    std::unique_ptr<oauth2::TokenIssuer> oauth2_;
    std::unique_ptr<SessionContext> context_;
    std::unique_ptr<net::HttpServer> oauth2_http_;  // stopped before oauth2_ goes
    std::vector<std::shared_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
    std::vector<BoundListener> bound_;
    std::list<boost::asio::cancellation_signal> sessions_;
};

// A TestServer on its own io_context thread, for tests and `mailferry demo`:
// started on construction, stopped and joined on destruction.
class TestServerThread {
  public:
    explicit TestServerThread(ServerOptions options);
    ~TestServerThread();
    TestServerThread(const TestServerThread&) = delete;
    TestServerThread& operator=(const TestServerThread&) = delete;

    TestServer& server() noexcept { return *server_; }
    std::uint16_t port(Protocol protocol, bool implicit_tls = false) const {
        return server_->port(protocol, implicit_tls);
    }
    // Runs `fn(server)` on the server's thread and waits for it: the store
    // is not thread-safe, so tests seed and inspect it this way.
    template <typename Fn>
    auto call(Fn fn) -> decltype(fn(std::declval<TestServer&>()));

  private:
    void run_on_server_thread(std::function<void()> fn);

    boost::asio::io_context io_;
    std::unique_ptr<TestServer> server_;
    std::thread thread_;
};

template <typename Fn>
auto TestServerThread::call(Fn fn) -> decltype(fn(std::declval<TestServer&>())) {
    using Result = decltype(fn(std::declval<TestServer&>()));
    if constexpr (std::is_void_v<Result>) {
        run_on_server_thread([&] { fn(*server_); });
    } else {
        std::optional<Result> result;
        run_on_server_thread([&] { result.emplace(fn(*server_)); });
        return std::move(*result);
    }
}

}  // namespace mailferry::testserver
