#pragma once
// What a POP3 or IMAP session needs from the server that accepted it, and
// the server side of one client connection.

#include "clients/net/stream.hpp"
#include "contrib/testserver/faults.hpp"
#include "contrib/testserver/oauth2/token_issuer.hpp"
#include "contrib/testserver/store/gmail_store.hpp"
#include "contrib/testserver/store/mail_store.hpp"

#include <spdlog/logger.h>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace mailferry::testserver {

struct ServerLimits {
    // RFC 1939 §3: at least 10 minutes; RFC 3501 §5.4: at least 30 minutes.
    std::chrono::seconds pop3_autologout{600};
    std::chrono::seconds imap_autologout{1800};
    std::size_t max_line = 64 * 1024;            // IMAP command line outside literals
    std::size_t max_literal = 64 * 1024 * 1024;  // IMAP literal (APPEND message)
    int max_failed_logins = 3;                   // then BYE / -ERR and close
    // RFC 9208 STORAGE limit of every user, in KiB (1024 octets), over all of
    // the user's mailboxes (one quota root, ""). Without it the IMAP server
    // neither advertises QUOTA nor accepts GETQUOTA/GETQUOTAROOT.
    std::optional<std::uint64_t> quota_kib;
    // IMAP extensions the session neither advertises nor accepts, by their
    // upper-case CAPABILITY name ("LITERAL+", "UIDPLUS", "AUTH=PLAIN"), so
    // clients can be tried against a plain RFC 3501 server. TestServer
    // upper-cases the names.
    std::set<std::string> disabled_capabilities;
};

// Shared by every session of one server; outlives them all.
struct SessionContext {
    MailStore& store;
    const ServerLimits& limits;
    FaultInjector& faults;
    // The certificate for STARTTLS/STLS; nullptr when the server has none,
    // in which case STARTTLS/STLS are neither advertised nor accepted.
    boost::asio::ssl::context* tls = nullptr;
    std::shared_ptr<spdlog::logger> log;
    std::string hostname = "localhost";
    // With --oauth2-user: the issuer whose access tokens OAUTHBEARER and
    // XOAUTH2 logins must present. nullptr: no OAUTHBEARER, and XOAUTH2
    // takes the user's password as the token (clients' XOAUTH2 code can
    // still be tried without an authorization server).
    const oauth2::TokenIssuer* oauth2 = nullptr;
    // With --emulate gmail: the store again, with Gmail's label calls; the
    // IMAP session then offers X-GM-EXT-1. nullptr otherwise.
    GmailStore* gmail = nullptr;
};

// One accepted client connection, with the server's fault injection applied
// to its writes (delay, drop mid-write) and reads passed through.
class Connection {
  public:
    Connection(net::Stream stream, FaultInjector& faults, std::string peer);

    net::awaitable<std::pair<net::error_code, std::size_t>> read_some(std::span<char> buffer);
    // Writes `data` after the configured delay; a drop-after-bytes fault
    // writes part of it, closes and returns an error.
    net::awaitable<net::error_code> write(std::string_view data);
    // Server-side TLS handshake (implicit TLS, STARTTLS, STLS).
    net::awaitable<net::error_code> start_tls(boost::asio::ssl::context& ctx);

    bool is_tls() const noexcept { return stream_.is_tls(); }
    bool is_open() const noexcept { return stream_.is_open(); }
    // "127.0.0.1:53412", for logs.
    const std::string& peer() const noexcept { return peer_; }
    net::awaitable<void> shutdown() { return stream_.shutdown(); }
    void close() noexcept { stream_.close(); }

  private:
    net::Stream stream_;
    FaultInjector& faults_;
    std::string peer_;
};

// The protocol sessions. Each runs until the client logs out, the
// connection drops, autologout fires or the coroutine is cancelled; it then
// releases what it holds (maildrop lock, \Recent, subscriptions). `conn` has
// already completed the TLS handshake on implicit-TLS listeners.
net::awaitable<void> run_pop3_session(Connection conn, SessionContext& ctx);
net::awaitable<void> run_imap_session(Connection conn, SessionContext& ctx);

}  // namespace mailferry::testserver
