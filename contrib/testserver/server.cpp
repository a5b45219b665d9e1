#include "contrib/testserver/server.hpp"

#include "clients/net/describe.hpp"
#include "clients/wire/ascii.hpp"
#include "contrib/testserver/demo_mail.hpp"
#include "contrib/testserver/oauth2/token_endpoint.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cctype>
#include <future>
#include <set>
#include <stdexcept>

namespace mailferry::testserver {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

bool is_cancellation(std::exception_ptr e) {
    try {
        std::rethrow_exception(e);
    } catch (const boost::system::system_error& err) {
        return err.code() == asio::error::operation_aborted;
    } catch (...) {
        return false;
    }
}

}  // namespace

TestServer::TestServer(asio::io_context& io, ServerOptions options)
    : io_(io), options_(std::move(options)), faults_(options_.faults) {
    log_ = spdlog::get("testserver");
    if (!log_) {
        log_ = spdlog::default_logger()->clone("testserver");
    }
    store_ = MailStore::open(options_.data_dir, options_.store);
    if (options_.emulate_gmail) {
        auto gmail = std::make_unique<GmailStore>(std::move(store_));
        gmail_ = gmail.get();
        store_ = std::move(gmail);
    }
    for (const auto& [user, password] : options_.users) {
        if (const auto err = store_->add_user(user, password); err != StoreError::ok) {
            throw std::runtime_error("cannot add user '" + user +
                                     "': " + std::string(describe(err)));
        }
    }
    if (options_.seed_demo) {
        seed_demo_mail(*store_);
    }
    if (!options_.oauth2.issuer_address.empty() && options_.oauth2.users.empty()) {
        throw std::invalid_argument("--oauth2-issuer needs at least one --oauth2-user");
    }
    if (!options_.oauth2.issuer_address.empty()) {
        // "ADDR:PORT" has the listeners' syntax; the protocol is unused.
        try {
            oauth2_listen_ =
                ListenerSpec::parse(Protocol::imap, false, options_.oauth2.issuer_address);
        } catch (const std::invalid_argument& e) {
            throw std::invalid_argument(std::string("--oauth2-issuer: ") + e.what());
        }
    }
    if (!options_.oauth2.users.empty()) {
        oauth2_ =
            std::make_unique<oauth2::TokenIssuer>(options_.oauth2.issuer, options_.oauth2.clock);
        for (const std::string& user : options_.oauth2.users) {
            // An oauth2-only user still needs a mailbox; nobody knows its
            // password, so only a token logs in (as with real providers).
            if (!store_->has_user(user)) {
                if (const auto err = store_->add_user(user, oauth2::random_token(""));
                    err != StoreError::ok) {
                    throw std::runtime_error("cannot add oauth2 user '" + user +
                                             "': " + std::string(describe(err)));
                }
            }
            oauth2_->add_user(user);
        }
    }

    if (!options_.tls_cert_file.empty() || !options_.tls_key_file.empty()) {
        if (options_.tls_cert_file.empty() || options_.tls_key_file.empty()) {
            throw std::invalid_argument("--tls-cert and --tls-key go together");
        }
        tls_ = std::make_unique<asio::ssl::context>(
            make_server_tls_context(options_.tls_cert_file, options_.tls_key_file));
    } else if (options_.tls_self_signed) {
        self_signed_ = generate_self_signed();
        tls_ = std::make_unique<asio::ssl::context>(make_server_tls_context(*self_signed_));
    }
    std::set<std::string> disabled;
    for (const std::string& name : options_.limits.disabled_capabilities) {
        disabled.insert(wire::to_ascii_upper(name));
    }
    options_.limits.disabled_capabilities = std::move(disabled);
    for (const auto& spec : options_.listeners) {
        if (spec.implicit_tls && !tls_) {
            throw std::invalid_argument("the " + spec.scheme() +
                                        " listener needs a certificate: give --tls-cert and "
                                        "--tls-key, or --tls-self-signed");
        }
    }
    context_ = std::make_unique<SessionContext>(SessionContext{
        *store_, options_.limits, faults_, tls_.get(), log_, "localhost", oauth2_.get(), gmail_});
}

TestServer::~TestServer() = default;

void TestServer::start() {
    for (const auto& spec : options_.listeners) {
        const tcp::endpoint wanted(asio::ip::make_address(spec.address), spec.port);
        auto acceptor = std::make_shared<tcp::acceptor>(io_);
        boost::system::error_code ec;
        acceptor->open(wanted.protocol(), ec);
        if (!ec) {
            acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
        }
        if (!ec) {
            acceptor->bind(wanted, ec);
        }
        if (!ec) {
            acceptor->listen(asio::socket_base::max_listen_connections, ec);
        }
        if (ec) {
            throw std::runtime_error("cannot listen on " + net::describe(wanted) + " for " +
                                     spec.scheme() + ": " + ec.message());
        }
        bound_.push_back({spec, acceptor->local_endpoint()});
        acceptors_.push_back(acceptor);
        // Debug only: `mailferry testserver` prints these on stdout for
        // scripts, and on a terminal an info line would show each twice.
        log_->debug("{} listening on {}", spec.scheme(), net::describe(bound_.back().endpoint));
        asio::co_spawn(io_, accept_loop(acceptor, spec), [log = log_](std::exception_ptr e) {
            if (e && !is_cancellation(e)) {
                log->error("accept loop ended: {}", net::describe(e));
            }
        });
    }
    if (oauth2_listen_) {
        const tcp::endpoint wanted(asio::ip::make_address(oauth2_listen_->address),
                                   oauth2_listen_->port);
        auto handler = [&issuer = *oauth2_, log = log_](const net::HttpRequest& request) {
            net::HttpResponse response = oauth2::answer_token_request(request, issuer);
            log->debug("oauth2: {} {} -> {}", std::string(request.method_string()),
                       std::string(request.target()), response.result_int());
            return response;
        };
        auto started =
            net::HttpServer::start(io_.get_executor(), wanted, std::move(handler), "oauth2");
        if (!started) {
            throw std::runtime_error("cannot listen on " + net::describe(wanted) +
                                     " for the oauth2 issuer: " + started.error().message());
        }
        oauth2_http_ = std::move(*started);
        log_->debug("oauth2 issuer listening on {}", net::describe(oauth2_http_->endpoint()));
    }
}

void TestServer::stop() {
    if (oauth2_http_) {
        oauth2_http_->stop();
    }
    for (auto& acceptor : acceptors_) {
        boost::system::error_code ignored;
        acceptor->close(ignored);
    }
    for (auto& signal : sessions_) {
        signal.emit(asio::cancellation_type::terminal);
    }
}

std::optional<tcp::endpoint> TestServer::oauth2_endpoint() const {
    if (!oauth2_http_) {
        return std::nullopt;
    }
    return oauth2_http_->endpoint();
}

std::uint16_t TestServer::port(Protocol protocol, bool implicit_tls) const {
    for (const auto& b : bound_) {
        if (b.spec.protocol == protocol && b.spec.implicit_tls == implicit_tls) {
            return b.endpoint.port();
        }
    }
    return 0;
}

net::awaitable<void> TestServer::accept_loop(std::shared_ptr<tcp::acceptor> acceptor,
                                             ListenerSpec spec) {
    while (acceptor->is_open()) {
        auto [ec, socket] = co_await acceptor->async_accept(asio::as_tuple(asio::use_awaitable));
        if (ec == asio::error::operation_aborted || !acceptor->is_open()) {
            co_return;
        }
        if (ec) {
            // EMFILE and friends: back off briefly instead of spinning.
            log_->warn("{}: accept failed: {}", spec.scheme(), ec.message());
            asio::steady_timer pause(io_, std::chrono::milliseconds(50));
            co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        if (sessions_.size() >= options_.max_connections) {
            log_->warn("{}: {} connections open, refusing one more", spec.scheme(),
                       sessions_.size());
            boost::system::error_code ignored;
            socket.close(ignored);
            continue;
        }
        spawn_session(std::move(socket), spec);
    }
}

void TestServer::spawn_session(tcp::socket socket, const ListenerSpec& spec) {
    sessions_.emplace_back();
    auto slot = sessions_.back().slot();
    auto it = std::prev(sessions_.end());
    asio::co_spawn(io_, serve(std::move(socket), spec),
                   asio::bind_cancellation_slot(slot, [this, it](std::exception_ptr e) {
                       if (e && !is_cancellation(e)) {
                           log_->error("session ended with an error: {}", net::describe(e));
                       }
                       sessions_.erase(it);
                   }));
}

net::awaitable<void> TestServer::serve(tcp::socket socket, ListenerSpec spec) {
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    const std::string peer = net::describe(socket.remote_endpoint(ignored));
    Connection conn(net::Stream(std::move(socket)), faults_, peer);
    log_->debug("{}: connection from {}", spec.scheme(), peer);
    if (spec.implicit_tls) {
        const auto ec = co_await conn.start_tls(*tls_);
        if (ec) {
            log_->info("{}: TLS handshake with {} failed: {}", spec.scheme(), peer, ec.message());
            conn.close();
            co_return;
        }
    }
    if (spec.protocol == Protocol::pop3) {
        co_await run_pop3_session(std::move(conn), *context_);
    } else {
        co_await run_imap_session(std::move(conn), *context_);
    }
    log_->debug("{}: {} disconnected", spec.scheme(), peer);
}

TestServerThread::TestServerThread(ServerOptions options) {
    server_ = std::make_unique<TestServer>(io_, std::move(options));
    server_->start();
    thread_ = std::thread([this] { io_.run(); });
}

TestServerThread::~TestServerThread() {
    asio::co_spawn(
        io_,
        [this]() -> net::awaitable<void> {
            server_->stop();
            // Sessions end on cancellation; wait (bounded) until they have.
            asio::steady_timer tick(io_);
            for (int i = 0; i < 500 && server_->active_sessions() > 0; ++i) {
                tick.expires_after(std::chrono::milliseconds(10));
                co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
            }
            if (server_->active_sessions() > 0) {
                io_.stop();
            }
        },
        [](std::exception_ptr) {});
    thread_.join();
    if (server_->active_sessions() > 0) {
        // Suspended sessions still reference the server; the io_context
        // destroys them after this body runs, so the server must outlive it.
        static_cast<void>(server_.release());
    }
}

void TestServerThread::run_on_server_thread(std::function<void()> fn) {
    std::promise<void> done;
    asio::post(io_, [&] {
        try {
            fn();
            done.set_value();
        } catch (...) {
            done.set_exception(std::current_exception());
        }
    });
    done.get_future().get();
}

}  // namespace mailferry::testserver
