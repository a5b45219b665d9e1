// Session setup and teardown: connect, greeting, capabilities, STARTTLS,
// post-login ENABLE (CONDSTORE, QRESYNC) and ID, LOGOUT.
#include "clients/imap/client.hpp"

#include "clients/imap/detail/connection.hpp"
#include "clients/net/connector.hpp"
#include "clients/net/deadline.hpp"
#include "clients/net/plaintext_policy.hpp"
#include "clients/net/tls_client.hpp"
#include "clients/wire/modified_utf7.hpp"
#include "mailferry/version.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

namespace mailferry::imap {

namespace {

bool is_qresync(std::string_view cap) noexcept {
    constexpr std::string_view name = "QRESYNC";
    return cap.size() == name.size() &&
           std::equal(cap.begin(), cap.end(), name.begin(), [](char c, char n) {
               return (c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c) == n;
           });
}

// False too when the peer cannot be told (the socket is closed already).
bool peer_is_loopback(const net::Stream& stream) noexcept {
    try {
        return net::is_loopback(stream.remote_endpoint());
    } catch (const boost::system::system_error&) {
        return false;
    }
}

}  // namespace

bool starttls_required(bool peer_is_loopback, bool allow_plaintext) noexcept {
    return !peer_is_loopback && !allow_plaintext;
}

Client::Client(std::unique_ptr<detail::Connection> conn, ClientOptions options)
    : conn_(std::move(conn)), options_(std::move(options)), server_(conn_->server()) {}

Client::~Client() = default;

bool Client::is_open() const noexcept {
    return conn_->is_open();
}
std::string Client::tls_description() const {
    return conn_->stream().tls_description();
}

bool Client::is_tls() const noexcept {
    return conn_->stream().is_tls();
}
const std::vector<std::string>& Client::capabilities() const noexcept {
    return conn_->capabilities();
}
bool Client::has_capability(std::string_view name) const noexcept {
    return conn_->has_capability(name);
}
void Client::close() noexcept {
    conn_->close();
}
bool Client::is_compressed() const noexcept {
    return conn_->compressed();
}

awaitable<ClientResult<std::unique_ptr<Client>>> Client::connect(ClientOptions options) {
    const std::string server = net::server_name(options.host, options.port);
    if (options.implicit_tls) {
        auto made = net::ensure_client_tls_context(options.tls_context, options.make_tls_context,
                                                   options.verify);
        if (!made) {
            co_return make_client_error(client_error::stream_failed, server, "TLS setup", {},
                                        made.error());
        }
    }
    if (!options.logger) {
        options.logger = spdlog::default_logger();
    }
    net::ConnectOptions co;
    co.host = options.host;
    co.port = options.port;
    co.implicit_tls = options.implicit_tls;
    co.tls_context = options.tls_context;
    co.verify = options.verify;
    co.tls_name = options.tls_name;
    co.resolve_timeout = options.timeouts.connect;
    co.connect_timeout = options.timeouts.connect;
    co.tls_timeout = options.timeouts.tls;
    auto stream = co_await net::connect(co);
    if (!stream) {
        co_return from_net_error(stream.error(), {});
    }
    detail::ConnectionTimeouts timeouts{options.timeouts.command, options.timeouts.body_chunk,
                                        options.timeouts.write};
    auto conn = std::make_unique<detail::Connection>(std::move(*stream), server, timeouts,
                                                     options.limits, options.logger);
    std::unique_ptr<Client> client(new Client(std::move(conn), std::move(options)));
    if (auto e = co_await client->negotiate()) {
        client->close();
        co_return std::move(*e);
    }
    co_return std::move(client);
}

awaitable<std::optional<Error>> Client::refresh_capabilities(std::string step) {
    auto c = co_await conn_->command("CAPABILITY", step);
    if (!c) {
        co_return c.error();
    }
    if (auto e = conn_->check(*c, step)) {
        co_return e;
    }
    if (!conn_->capabilities_known()) {
        co_return make_client_error(client_error::protocol_error, server_, step, c->line(),
                                    "no CAPABILITY response");
    }
    co_return std::nullopt;
}

awaitable<std::optional<Error>> Client::negotiate() {
    auto greeting = co_await conn_->read_greeting(options_.timeouts.greeting);
    if (!greeting) {
        co_return greeting.error();
    }
    const Response& g = *greeting;
    if (g.kind != Response::Kind::untagged ||
        (g.status != Status::ok && g.status != Status::preauth && g.status != Status::bye)) {
        co_return make_client_error(client_error::protocol_error, server_, "greeting",
                                    to_imap_text(g.data), "expected * OK, * PREAUTH or * BYE");
    }
    if (g.status == Status::bye) {
        co_return make_client_error(client_error::greeting_rejected, server_, "greeting",
                                    "* BYE " + g.text);
    }
    preauth_ = g.status == Status::preauth;
    if (!conn_->capabilities_known()) {
        if (auto e = co_await refresh_capabilities("CAPABILITY")) {
            co_return e;
        }
    }
    if (!conn_->stream().is_tls() && !preauth_) {
        const bool loopback = peer_is_loopback(conn_->stream());
        if (conn_->has_capability("STARTTLS")) {
            if (auto e = co_await starttls()) {
                co_return e;
            }
        } else if (starttls_required(loopback, options_.allow_plaintext)) {
            co_return make_client_error(client_error::starttls_unavailable, server_, "STARTTLS");
        }
    }
    if (!preauth_) {
        if (auto e = co_await login()) {
            co_return e;
        }
    }
    co_return co_await after_login();
}

awaitable<std::optional<Error>> Client::starttls() {
    const std::string step = "STARTTLS";
    auto made = net::ensure_client_tls_context(options_.tls_context, options_.make_tls_context,
                                               options_.verify);
    if (!made) {
        co_return make_client_error(client_error::stream_failed, server_, "TLS setup", {},
                                    made.error());
    }
    auto c = co_await conn_->command("STARTTLS", step);
    if (!c) {
        co_return c.error();
    }
    if (auto e = conn_->check(*c, step)) {
        co_return e;
    }
    // Anything the server sent after its OK came before the TLS session and
    // could be injected by an attacker (RFC 3501 §6.2.1, CVE-2011-0411 class).
    if (conn_->has_buffered_input()) {
        conn_->close();
        co_return make_client_error(client_error::protocol_error, server_, step, {},
                                    "data received after the STARTTLS OK");
    }
    const std::string name = options_.tls_name.empty() ? options_.host : options_.tls_name;
    auto done = co_await net::with_deadline(
        conn_->stream().handshake_client(*options_.tls_context, name, options_.verify),
        options_.timeouts.tls);
    if (!done) {
        conn_->close();
        co_return from_net_error(
            net::make_net_error(
                net::error::timed_out, server_, net::Step::tls,
                "no TLS handshake within " + net::describe_duration(options_.timeouts.tls)),
            step);
    }
    if (*done) {
        const long verify = conn_->stream().verify_result();
        conn_->close();
        co_return from_net_error(net::tls_handshake_error(server_, name, *done, verify), step);
    }
    // STYLE §4, RFC 3501 §6.2.1: capabilities from before TLS are not trusted.
    conn_->forget_capabilities();
    co_return co_await refresh_capabilities("CAPABILITY after STARTTLS");
}

awaitable<std::optional<Error>> Client::after_login() {
    if (!conn_->capabilities_known()) {
        if (auto e = co_await refresh_capabilities("CAPABILITY")) {
            co_return e;
        }
    }
    const bool wanted =
        options_.compress && (options_.compress_on_loopback || !peer_is_loopback(conn_->stream()));
    if (wanted && conn_->has_capability("COMPRESS=DEFLATE")) {
        auto c = co_await conn_->command("COMPRESS DEFLATE", "COMPRESS DEFLATE");
        if (!c) {
            co_return c.error();
        }
        // A NO ([COMPRESSIONACTIVE], RFC 4978 §3) leaves the link as it was.
        if (c->ok()) {
            // RFC 4978 §3: compression starts right after the OK's CRLF, so
            // uncompressed bytes after it are a broken server.
            if (conn_->has_buffered_input() || !conn_->start_compression()) {
                conn_->close();
                co_return make_client_error(client_error::protocol_error, server_,
                                            "COMPRESS DEFLATE", c->line(),
                                            "cannot start compression");
            }
        }
    }
    co_return co_await enable_and_identify();
}

std::optional<std::string> Client::enable_command() {
    if (!options_.enable_condstore) {
        return std::nullopt;
    }
    const bool has_enable = conn_->has_capability("ENABLE");
    const bool condstore = conn_->has_capability("CONDSTORE");
    // RFC 7162 §3.2.3: QRESYNC servers implement ENABLE, QRESYNC implies
    // CONDSTORE, and "ENABLE QRESYNC CONDSTORE" must be accepted.
    const bool qresync = options_.enable_qresync && has_enable && conn_->has_capability("QRESYNC");
    if (!condstore && !qresync) {
        return std::nullopt;
    }
    if (!has_enable) {
        // RFC 7162 §3.1: SELECT (CONDSTORE) enables it as well.
        condstore_ = true;
        return std::nullopt;
    }
    std::string command = "ENABLE";
    if (qresync) {
        command += " QRESYNC";
    }
    if (condstore) {
        command += " CONDSTORE";
    }
    return command;
}

// ENABLE and ID in one round trip: "there are no limitations on pipelining
// ENABLE" (RFC 5161 §3.1), and ID changes nothing (RFC 2971).
awaitable<std::optional<Error>> Client::enable_and_identify() {
    std::vector<std::string> commands;
    const std::optional<std::string> enable = enable_command();
    if (enable) {
        commands.push_back(*enable);
    }
    if (options_.send_id && conn_->has_capability("ID")) {
        commands.push_back(std::string("ID (\"name\" \"mailferry\" \"version\" ") +
                           quote(mailferry::version) + ")");
    }
    if (commands.empty()) {
        co_return std::nullopt;
    }
    struct Handler final : detail::ResponseHandler {
        awaitable<std::optional<Error>> on_untagged(const Response& r) override {
            if (r.name() == "ENABLED") {
                if (auto caps = parse_enabled(r)) {
                    for (const auto& cap : *caps) {
                        qresync = qresync || is_qresync(cap);
                    }
                }
            }
            co_return std::nullopt;
        }
        bool qresync = false;
    } handler;
    const std::string step = enable ? *enable : std::string("ID");
    auto done = co_await conn_->pipeline(commands, step, &handler, commands.size());
    if (!done) {
        co_return done.error();
    }
    if (enable) {
        // A NO leaves both off; the session works without them.
        condstore_ = done->front().ok();
        // RFC 7162 §3.2.3: QRESYNC is on only once `* ENABLED` names it.
        qresync_ = condstore_ && handler.qresync;
    }
    co_return std::nullopt;
}

awaitable<void> Client::logout() {
    if (!conn_->is_open()) {
        co_return;
    }
    conn_->expect_bye();
    auto done =
        co_await net::with_deadline(conn_->command("LOGOUT", "LOGOUT"), options_.timeouts.logout);
    if (done && *done && conn_->is_open()) {
        co_await net::with_deadline(conn_->stream().shutdown(), options_.timeouts.logout);
    }
    conn_->close();
}

std::string Client::encode_mailbox(std::string_view name) const {
    if (auto raw = raw_names_.find(std::string(name)); raw != raw_names_.end()) {
        return raw->second;
    }
    std::string translated(name);
    if (separator_ && *separator_ != '/') {
        for (char& c : translated) {
            if (c == '/') {
                c = *separator_;
            }
        }
    }
    return wire::encode(translated);
}

std::optional<Error> Client::require_selected(const std::string& step) const {
    if (!selection_) {
        return make_client_error(client_error::no_mailbox_selected, server_, step);
    }
    return std::nullopt;
}

}  // namespace mailferry::imap
