#pragma once
// The POP3 client engine (RFC 1939, CAPA and response codes RFC 2449, STLS
// RFC 2595, AUTH PLAIN RFC 5034/RFC 4616, AUTH OAUTHBEARER RFC 7628 and
// AUTH XOAUTH2, [AUTH]/[SYS/*] RFC 3206) on
// Boost.Asio C++20 coroutines.
//
//   auto client = co_await Client::connect(options);   // TCP, TLS, greeting,
//                                                       // CAPA, STLS, CAPA
//   co_await client->login(user, password);
//   co_await client->stat(); ...uidl(); ...retr_many(numbers, sink);
//   co_await client->quit();                            // commits DELEs
//
// Security: for pop3:// the client upgrades with STLS when the server
// offers it. Before any credential is sent (USER/PASS, APOP and AUTH PLAIN
// alike; an APOP digest can be attacked offline) the plaintext policy
// (net/plaintext_policy.hpp) must allow it: TLS, a loopback peer, or
// allow_plaintext. Otherwise login() fails with net::error::plaintext_refused.
// Passwords are never logged: the trace log (spdlog level trace) shows
// "PASS ***", "AUTH PLAIN ***" and "APOP user ***"; access tokens likewise.
//
// Errors are values (ClientError, client_error.hpp): server, step, the
// server's line and a message that says what to do. A -ERR leaves the
// connection usable; a network failure, a protocol error or a failed sink
// drops it, and every later call fails with client_error::not_connected.
// Dropping a connection (close(), destruction, failure) never commits
// deletions: only a QUIT answered +OK does (RFC 1939 §6).
//
// Deadlines: connect/TLS per ClientOptions, every read waits at most
// command_timeout for the next bytes, every write at most command_timeout,
// QUIT at most quit_timeout.
//
// Executor: use from the executor the connect() coroutine ran on; one
// command at a time. Cancellation: cancelling the awaiting coroutine drops
// the connection.

#include "clients/net/tls_client.hpp"
#include "clients/pop3/client_error.hpp"
#include "clients/pop3/replies.hpp"
#include "clients/pop3/retr_sink.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::pop3 {

template <typename T>
using Result = boost::system::result<T, ClientError>;

enum class LoginMethod { auth_plain, apop, user_pass, oauthbearer, xoauth2 };
// "AUTH PLAIN", "APOP", "USER/PASS", "AUTH OAUTHBEARER", "AUTH XOAUTH2".
std::string_view to_string(LoginMethod method) noexcept;

struct ClientOptions {
    std::string host;
    std::uint16_t port = 110;
    // pop3s: TLS from the first byte. Otherwise STLS when offered.
    bool implicit_tls = false;
    // TLS client context (net/tls_client.hpp); when null, made once needed
    // (pop3s, STLS) by make_tls_context, else for the system trust store.
    std::shared_ptr<boost::asio::ssl::context> tls_context;
    net::TlsContextMaker make_tls_context;
    // false only for --insecure (a warning is logged once per connection).
    bool verify = true;
    // The certificate name and SNI; empty means `host`.
    std::string tls_name;
    // --allow-plaintext: credentials may cross an unencrypted connection to
    // a non-loopback host.
    bool allow_plaintext = false;
    // Use APOP rather than AUTH PLAIN when both are possible.
    bool prefer_apop = false;
    // Use exactly this login method (RFC 2384 ";AUTH=+APOP", tests); unset
    // chooses as login() describes.
    std::optional<LoginMethod> login_method;
    // The password given to login() is an OAuth access token: log in with
    // AUTH OAUTHBEARER when SASL OAUTHBEARER is offered, else AUTH XOAUTH2
    // (login_method, when set, still decides). A refused token's RFC 7628
    // JSON error is quoted in the auth_failed message.
    bool oauth2 = false;
    std::chrono::steady_clock::duration connect_timeout = std::chrono::seconds(30);
    std::chrono::steady_clock::duration tls_timeout = std::chrono::seconds(30);
    // Idle deadline of every read and write after connecting.
    std::chrono::steady_clock::duration command_timeout = std::chrono::seconds(60);
    std::chrono::steady_clock::duration quit_timeout = std::chrono::seconds(10);
    // Largest CAPA, LIST or UIDL listing accepted (a protocol_error beyond).
    std::size_t max_listing_bytes = 64 * 1024 * 1024;
    // Commands sent in one write when the server offers PIPELINING
    // (RFC 2449 §6.6); small enough that the commands fit the socket buffer.
    std::size_t pipeline_depth = 32;
};

// What CAPA said (RFC 2449 §6). When the server does not know CAPA
// (capa_supported false) the RFC 1939 basics are assumed: `user` is true,
// the optional commands are not advertised but may still work.
struct Capabilities {
    bool capa_supported = false;
    bool top = false;
    bool uidl = false;
    bool user = false;
    bool stls = false;
    bool pipelining = false;
    bool resp_codes = false;
    bool auth_resp_code = false;
    std::vector<std::string> sasl;  // mechanisms as sent, e.g. {"PLAIN"}
    std::string implementation;     // IMPLEMENTATION argument(s), may be empty
    std::vector<Capability> all;    // every CAPA line, in order

    bool has_sasl(std::string_view mechanism) const;
};

// The fate of one message in retr_many() / dele_many(): `error` is set when
// the server answered -ERR for it (the others still went ahead).
struct MessageOutcome {
    std::uint32_t number = 0;
    std::optional<ClientError> error;
    std::uint64_t octets = 0;  // body bytes delivered to the sink (RETR)
};

class Client {
  public:
    // Connects, reads the greeting, asks CAPA, upgrades with STLS (pop3://
    // when offered) and asks CAPA again (RFC 2595 §4: capabilities from
    // before TLS are forgotten). Errors: the net errors of connect() and
    // the TLS handshake, greeting -ERR (command_rejected), protocol_error.
    static boost::asio::awaitable<Result<Client>> connect(ClientOptions options);

    Client(Client&&) noexcept;
    Client& operator=(Client&&) noexcept;
    ~Client();

    // Logs in with AUTH PLAIN when SASL PLAIN is offered, else APOP when the
    // greeting has a timestamp, else USER/PASS (see prefer_apop and
    // login_method; a forced APOP without a greeting timestamp is
    // auth_failed without sending anything; with oauth2 AUTH OAUTHBEARER or
    // XOAUTH2, and auth_failed when neither is offered). Errors:
    // plaintext_refused, auth_failed, in_use, login_delay, server_temporary,
    // server_permanent, net errors.
    boost::asio::awaitable<Result<LoginMethod>> login(std::string user, std::string password);

    boost::asio::awaitable<Result<Stat>> stat();
    // LIST: every message not marked deleted.
    boost::asio::awaitable<Result<std::vector<ScanListing>>> list();
    // UIDL: std::nullopt when the server answers -ERR (UIDL unsupported).
    boost::asio::awaitable<Result<std::optional<std::vector<UidlListing>>>> uidl();
    // TOP n lines: the header and the first `lines` body lines to `sink`.
    // -ERR (unsupported or no such message) is command_rejected.
    boost::asio::awaitable<Result<std::uint64_t>> top(std::uint32_t number, std::uint32_t lines,
                                                      RetrSink& sink);
    // TOP n lines for each number, pipelined as retr_many(); a -ERR for one
    // message (TOP is optional, RFC 1939 §7) lands in its outcome.
    boost::asio::awaitable<Result<std::vector<MessageOutcome>>> top_many(
        std::vector<std::uint32_t> numbers, std::uint32_t lines, RetrSink& sink);
    // RETR n: the message to `sink`; returns the octets delivered.
    boost::asio::awaitable<Result<std::uint64_t>> retr(std::uint32_t number, RetrSink& sink);
    // RETR for each number, pipelined when the server offers PIPELINING,
    // in order. A -ERR for one message lands in its outcome; a connection
    // failure fails the whole call.
    boost::asio::awaitable<Result<std::vector<MessageOutcome>>> retr_many(
        std::vector<std::uint32_t> numbers, RetrSink& sink);
    // DELE n: marks the message; QUIT makes it final.
    boost::asio::awaitable<Result<void>> dele(std::uint32_t number);
    // DELE for each number, pipelined when offered.
    boost::asio::awaitable<Result<std::vector<MessageOutcome>>> dele_many(
        std::vector<std::uint32_t> numbers);
    // RSET: unmarks every deleted message.
    boost::asio::awaitable<Result<void>> rset();
    boost::asio::awaitable<Result<void>> noop();
    // QUIT: enters the UPDATE state (RFC 1939 §6), in which the server
    // removes the messages marked deleted, then closes. Returns the
    // server's +OK text; a -ERR (e.g. [SYS/TEMP] some deletions failed) is
    // an error. The connection is closed either way.
    boost::asio::awaitable<Result<std::string>> quit();
    // Drops the connection without QUIT: no deletion takes effect.
    void close() noexcept;

    // "host:port".
    const std::string& server() const noexcept;
    // The greeting's text after "+OK".
    const std::string& greeting() const noexcept;
    // The RFC 1939 §7 APOP timestamp ("<1896.697170952@dbc.mtview.ca.us>"),
    // empty when the greeting has none.
    const std::string& apop_timestamp() const noexcept;
    // As of the last CAPA (after STLS when that was used).
    const Capabilities& capabilities() const noexcept;
    bool is_tls() const noexcept;
    // Whether the certificate was verified (false without TLS or with
    // verify = false).
    bool certificate_verified() const noexcept;
    // "TLSv1.3 TLS_AES_256_GCM_SHA384"; empty without TLS.
    std::string tls_description() const;
    bool is_connected() const noexcept;

    // The connection's internals (detail/client_state.hpp); not an API.
    struct State;

  private:
    explicit Client(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

}  // namespace mailferry::pop3
