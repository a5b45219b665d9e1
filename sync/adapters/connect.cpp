#include "sync/adapters/connect.hpp"

#include "clients/imap/busy_signal.hpp"
#include "clients/net/tls_client.hpp"
#include "clients/pop3/busy_signal.hpp"
#include "clients/pop3/client.hpp"
#include "clients/wire/ascii.hpp"
#include "sync/adapters/imap_source.hpp"
#include "sync/adapters/imap_target.hpp"
#include "sync/adapters/pop3_source.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <compare>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>

namespace mailferry::sync {
namespace {

using boost::asio::awaitable;

MailboxError connect_error(std::string message, std::optional<std::string> busy = {}) {
    return {MailboxError::Kind::connect_failed, std::move(message), busy.value_or("")};
}

// Loading the system's CA store costs tens of milliseconds of CPU, and
// every connection asks for a context: both sides, each worker, each
// reconnect, each daemon run. Connections with the same settings share one
// (an ssl::context serves any number of streams once set up); a --ca-file
// that changed on disk gets a new one. Failures are not kept.
boost::system::result<std::shared_ptr<boost::asio::ssl::context>, std::string> tls_for(
    const std::string& ca_file, bool insecure) {
    struct Key {
        std::string ca_file;
        std::filesystem::file_time_type ca_file_written;
        bool insecure = false;
        auto operator<=>(const Key&) const = default;
    };
    static std::mutex mutex;
    static std::map<Key, std::shared_ptr<boost::asio::ssl::context>> contexts;
    Key key{ca_file, {}, insecure};
    if (!ca_file.empty()) {
        std::error_code ec;
        key.ca_file_written = std::filesystem::last_write_time(ca_file, ec);
    }
    std::lock_guard lock(mutex);
    if (auto known = contexts.find(key); known != contexts.end()) {
        return known->second;
    }
    net::TlsClientOptions tls;
    tls.ca_file = ca_file;
    tls.insecure = insecure;
    auto made = net::make_client_tls_context(tls);
    if (made) {
        contexts.emplace(std::move(key), *made);
    }
    return made;
}

// The TLS context of a connection to `url`: made now for imaps:// and
// pop3s:// and with a --ca-file (whose errors are then told before
// connecting), else left to the client to make at STARTTLS/STLS, so a plain
// loopback session loads no CA store.
template <class ClientOptions>
boost::system::result<void, std::string> set_tls(ClientOptions& o, const AccountAccess& access,
                                                 const wire::AccountUrl& url) {
    if (!url.is_implicit_tls() && access.ca_file.empty()) {
        o.make_tls_context = [insecure = access.insecure] { return tls_for({}, insecure); };
        return {};
    }
    auto tls = tls_for(access.ca_file, access.insecure);
    if (!tls) {
        return {boost::system::in_place_error, tls.error()};
    }
    o.tls_context = *tls;
    return {};
}

bool picks_any_method(const wire::AccountUrl& url) {
    return !url.auth || *url.auth == "*";
}

std::string unsupported_auth(const wire::AccountUrl& url, std::string_view supported) {
    return fmt::format(
        "{}: \";AUTH={}\" is not a login method mailferry knows for {}; use {}, or leave "
        "\";AUTH=\" out to use any method the server offers",
        url.to_string(), *url.auth, url.is_imap() ? "IMAP" : "POP3", supported);
}

boost::system::result<imap::AuthMechanism, std::string> imap_mechanism(
    const wire::AccountUrl& url) {
    if (picks_any_method(url)) {
        return imap::AuthMechanism::automatic;
    }
    const std::string name = wire::to_ascii_upper(*url.auth);
    if (name == "PLAIN") {
        return imap::AuthMechanism::plain;
    }
    if (name == "LOGIN") {
        return imap::AuthMechanism::sasl_login;
    }
    if (name == "XOAUTH2") {
        return imap::AuthMechanism::xoauth2;
    }
    if (name == "OAUTHBEARER") {
        return imap::AuthMechanism::oauthbearer;
    }
    return unsupported_auth(url, "PLAIN, LOGIN, XOAUTH2, OAUTHBEARER or *");
}

// RFC 2384 §3: "+APOP" asks for APOP, other values name a SASL mechanism;
// "+USER" (and "USER") ask for USER/PASS.
boost::system::result<std::optional<pop3::LoginMethod>, std::string> pop3_method(
    const wire::AccountUrl& url) {
    if (picks_any_method(url)) {
        return std::optional<pop3::LoginMethod>();
    }
    const std::string name = wire::to_ascii_upper(*url.auth);
    if (name == "+APOP") {
        return std::optional(pop3::LoginMethod::apop);
    }
    if (name == "PLAIN") {
        return std::optional(pop3::LoginMethod::auth_plain);
    }
    if (name == "+USER" || name == "USER") {
        return std::optional(pop3::LoginMethod::user_pass);
    }
    if (name == "XOAUTH2") {
        return std::optional(pop3::LoginMethod::xoauth2);
    }
    if (name == "OAUTHBEARER") {
        return std::optional(pop3::LoginMethod::oauthbearer);
    }
    return unsupported_auth(url, "+APOP, +USER, PLAIN, XOAUTH2, OAUTHBEARER or *");
}

}  // namespace

boost::system::result<imap::ClientOptions, std::string> imap_client_options(
    const AccountAccess& access, const wire::AccountUrl& url, const MigrationOptions& options) {
    auto mechanism = imap_mechanism(url);
    if (!mechanism) {
        return {boost::system::in_place_error, mechanism.error()};
    }
    imap::ClientOptions o;
    if (auto tls = set_tls(o, access, url); !tls) {
        return {boost::system::in_place_error, tls.error()};
    }
    o.host = url.host;
    o.port = url.port;
    o.implicit_tls = url.is_implicit_tls();
    o.user = url.user;
    o.password = access.password;
    o.auth = *mechanism;
    // A token source logs in with OAuth2: the mechanism the URL forces, if
    // it is one of OAuth2's, else the best one the server offers.
    if (access.oauth2_token && o.auth != imap::AuthMechanism::xoauth2 &&
        o.auth != imap::AuthMechanism::oauthbearer) {
        o.auth = imap::AuthMechanism::oauth2;
    }
    o.verify = !access.insecure;
    o.allow_plaintext = access.allow_plaintext;
    o.timeouts.connect = options.connect_timeout;
    o.timeouts.tls = options.connect_timeout;
    o.timeouts.greeting = options.connect_timeout;
    o.timeouts.command = options.command_timeout;
    o.timeouts.body_chunk = options.command_timeout;
    o.timeouts.write = options.command_timeout;
    o.logger = options.logger;
    return o;
}

boost::system::result<pop3::ClientOptions, std::string> pop3_client_options(
    const AccountAccess& access, const wire::AccountUrl& url, const MigrationOptions& options) {
    auto method = pop3_method(url);
    if (!method) {
        return {boost::system::in_place_error, method.error()};
    }
    pop3::ClientOptions o;
    if (auto tls = set_tls(o, access, url); !tls) {
        return {boost::system::in_place_error, tls.error()};
    }
    o.host = url.host;
    o.port = url.port;
    o.implicit_tls = url.is_implicit_tls();
    o.verify = !access.insecure;
    o.allow_plaintext = access.allow_plaintext;
    o.login_method = *method;
    o.oauth2 = static_cast<bool>(access.oauth2_token);
    o.connect_timeout = options.connect_timeout;
    o.tls_timeout = options.connect_timeout;
    o.command_timeout = options.command_timeout;
    // QUIT's answer (the UPDATE state's deletions) is waited for at most
    // its own bound, and never longer than any other answer.
    o.quit_timeout =
        std::min<std::chrono::steady_clock::duration>(o.quit_timeout, options.command_timeout);
    return o;
}

awaitable<MailboxResult<std::unique_ptr<imap::Client>>> connect_imap(AccountAccess access,
                                                                     wire::AccountUrl url,
                                                                     MigrationOptions options) {
    auto o = imap_client_options(access, url, options);
    if (!o) {
        co_return connect_error(o.error());
    }
    // With OAuth2, a refused token is asked for once more: it may have
    // expired between the token source's answer and the login.
    const int attempts = access.oauth2_token ? 2 : 1;
    std::string refused;
    for (int attempt = 1;; ++attempt) {
        if (access.oauth2_token) {
            auto token = access.oauth2_token(refused);
            if (!token) {
                co_return connect_error(fmt::format("{}: {}", url.to_string(), token.error()));
            }
            o->password = std::move(*token);
        }
        imap::ClientOptions tried = *o;
        auto client = co_await imap::Client::connect(std::move(tried));
        if (client) {
            co_return std::move(*client);
        }
        if (attempt == attempts ||
            client.error().code != imap::client_error::authentication_failed) {
            co_return connect_error(client.error().message, imap::busy_signal(client.error()));
        }
        refused = o->password;
    }
}

static awaitable<MailboxResult<std::unique_ptr<pop3::Client>>> connect_pop3(
    AccountAccess access, wire::AccountUrl url, MigrationOptions options) {
    auto o = pop3_client_options(access, url, options);
    if (!o) {
        co_return connect_error(o.error());
    }
    const int attempts = access.oauth2_token ? 2 : 1;
    std::string refused;
    for (int attempt = 1;; ++attempt) {
        std::string secret = access.password;
        if (access.oauth2_token) {
            auto token = access.oauth2_token(refused);
            if (!token) {
                co_return connect_error(fmt::format("{}: {}", url.to_string(), token.error()));
            }
            secret = std::move(*token);
        }
        pop3::ClientOptions tried = *o;
        auto client = co_await pop3::Client::connect(std::move(tried));
        if (!client) {
            co_return connect_error(client.error().message, pop3::busy_signal(client.error()));
        }
        const std::string tried_secret = secret;
        auto login = co_await client->login(url.user, std::move(secret));
        if (login) {
            co_return std::make_unique<pop3::Client>(std::move(*client));
        }
        if (attempt == attempts || login.error().code != pop3::client_error::auth_failed) {
            co_return connect_error(login.error().message, pop3::busy_signal(login.error()));
        }
        refused = tried_secret;
    }
}

boost::system::result<wire::AccountUrl, std::string> parse_access(const AccountAccess& access) {
    wire::AccountUrlParse parsed = wire::parse_account_url(access.url);
    if (!parsed.url) {
        return parsed.error;
    }
    if (parsed.url->is_imap()) {
        if (auto mechanism = imap_mechanism(*parsed.url); !mechanism) {
            return mechanism.error();
        }
    } else if (auto method = pop3_method(*parsed.url); !method) {
        return method.error();
    }
    return *parsed.url;
}

std::string account_identity(const wire::AccountUrl& url) {
    wire::AccountUrl bare = url;
    bare.password.reset();
    bare.mailbox.reset();
    bare.auth.reset();
    std::string id = bare.to_string();
    if (url.port == wire::default_port(url.scheme)) {
        id += ":" + std::to_string(url.port);
    }
    return id;
}

awaitable<MailboxResult<std::unique_ptr<SourceMailbox>>> connect_source(AccountAccess access,
                                                                        MigrationOptions options) {
    auto url = parse_access(access);
    if (!url) {
        co_return connect_error(url.error());
    }
    if (url->is_imap()) {
        auto client = co_await connect_imap(access, *url, options);
        if (!client) {
            co_return client.error();
        }
        co_return std::unique_ptr<SourceMailbox>(std::make_unique<ImapSource>(std::move(*client)));
    }
    auto client = co_await connect_pop3(access, *url, options);
    if (!client) {
        co_return client.error();
    }
    co_return std::unique_ptr<SourceMailbox>(std::make_unique<Pop3Source>(std::move(**client)));
}

awaitable<MailboxResult<std::unique_ptr<TargetMailbox>>> connect_target(AccountAccess access,
                                                                        MigrationOptions options) {
    auto url = parse_access(access);
    if (!url) {
        co_return connect_error(url.error());
    }
    auto client = co_await connect_imap(access, *url, options);
    if (!client) {
        co_return client.error();
    }
    co_return std::unique_ptr<TargetMailbox>(std::make_unique<ImapTarget>(std::move(*client)));
}

}  // namespace mailferry::sync
