// Logging in: mechanism choice, AUTHENTICATE (PLAIN, LOGIN, OAUTHBEARER,
// XOAUTH2) and the
// LOGIN command, with the password policy checked first.
#include "clients/imap/client.hpp"

#include "clients/imap/detail/connection.hpp"
#include "clients/net/plaintext_policy.hpp"
#include "clients/wire/sasl.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace mailferry::imap {

awaitable<std::optional<Error>> Client::login() {
    const std::uint64_t generation = conn_->capability_generation();
    auto failed = co_await login_with_mechanism();
    if (!failed && conn_->capability_generation() == generation) {
        // RFC 3501 §6.2.3: capabilities may change at login; those from
        // before are stale unless the OK brought new ones.
        conn_->forget_capabilities();
    }
    co_return failed;
}

awaitable<std::optional<Error>> Client::login_with_mechanism() {
    if (auto refused =
            net::check_password_allowed(conn_->stream(), options_.allow_plaintext, server_)) {
        co_return from_net_error(*refused, "LOGIN");
    }
    AuthMechanism mech = options_.auth;
    const bool login_disabled = conn_->has_capability("LOGINDISABLED");
    if (mech == AuthMechanism::automatic) {
        if (conn_->has_capability("AUTH=PLAIN")) {
            mech = AuthMechanism::plain;
        } else if (!login_disabled) {
            mech = AuthMechanism::login;
        } else if (conn_->has_capability("AUTH=LOGIN")) {
            mech = AuthMechanism::sasl_login;
        } else {
            co_return make_client_error(client_error::no_usable_mechanism, server_, "LOGIN", {},
                                        "LOGINDISABLED and neither AUTH=PLAIN nor AUTH=LOGIN");
        }
    }
    if (mech == AuthMechanism::login && login_disabled) {
        co_return make_client_error(client_error::no_usable_mechanism, server_, "LOGIN", {},
                                    "the server announces LOGINDISABLED");
    }
    if (mech == AuthMechanism::oauth2) {
        // RFC 7628 is the standard; XOAUTH2 is its older, provider-specific
        // twin that Gmail and Outlook still offer alone.
        if (conn_->has_capability("AUTH=OAUTHBEARER")) {
            mech = AuthMechanism::oauthbearer;
        } else if (conn_->has_capability("AUTH=XOAUTH2")) {
            mech = AuthMechanism::xoauth2;
        } else {
            co_return make_client_error(
                client_error::no_usable_mechanism, server_, "AUTHENTICATE", {},
                "the server offers neither OAUTHBEARER nor XOAUTH2 (no AUTH=OAUTHBEARER or "
                "AUTH=XOAUTH2 in its capabilities), so it takes no OAuth access token; check "
                "that OAuth is enabled for this account, or log in with a password instead");
        }
    }
    if (mech == AuthMechanism::oauthbearer && !conn_->has_capability("AUTH=OAUTHBEARER")) {
        co_return make_client_error(
            client_error::no_usable_mechanism, server_, "AUTHENTICATE OAUTHBEARER", {},
            "the server does not offer OAUTHBEARER (no AUTH=OAUTHBEARER in its capabilities); "
            "use XOAUTH2, or log in with a password instead");
    }
    // RFC 3501 §6.2.2, §7.2.1: a server lists the SASL mechanisms it takes as
    // AUTH=<name>. Asking for one it does not list only draws a NO (or a
    // confusing "invalid token"), so refuse before sending anything.
    if (mech == AuthMechanism::xoauth2 && !conn_->has_capability("AUTH=XOAUTH2")) {
        co_return make_client_error(
            client_error::no_usable_mechanism, server_, "AUTHENTICATE XOAUTH2", {},
            "the server does not offer XOAUTH2 (no AUTH=XOAUTH2 in its capabilities), so it "
            "takes no OAuth access token; check that OAuth is enabled for this account, or log "
            "in with a password instead");
    }
    if (mech == AuthMechanism::plain && !conn_->has_capability("AUTH=PLAIN")) {
        co_return make_client_error(client_error::no_usable_mechanism, server_,
                                    "AUTHENTICATE PLAIN", {},
                                    "the server does not offer AUTH=PLAIN; let the client pick a "
                                    "method the server offers");
    }
    if (mech == AuthMechanism::sasl_login && !conn_->has_capability("AUTH=LOGIN")) {
        co_return make_client_error(client_error::no_usable_mechanism, server_,
                                    "AUTHENTICATE LOGIN", {},
                                    "the server does not offer AUTH=LOGIN; let the client pick a "
                                    "method the server offers");
    }
    // Named locals only: GCC 12 destroys temporaries built inside a
    // co_await's arguments twice (a converted lambda, a string literal).
    using Respond = std::function<std::optional<std::string>(std::string_view)>;
    switch (mech) {
        case AuthMechanism::plain: {
            std::string name = "PLAIN";
            std::optional<std::string> initial =
                wire::sasl_plain_response({}, options_.user, options_.password);
            Respond respond = [](std::string_view) { return std::optional<std::string>(); };
            co_return co_await authenticate(std::move(name), std::move(initial),
                                            std::move(respond));
        }
        case AuthMechanism::sasl_login: {
            std::string name = "LOGIN";
            auto sasl = std::make_shared<wire::SaslLogin>(options_.user, options_.password);
            Respond respond = [sasl](std::string_view challenge) {
                return sasl->respond(challenge);
            };
            co_return co_await authenticate(std::move(name), std::nullopt, std::move(respond));
        }
        case AuthMechanism::xoauth2: {
            // After a rejected token the server sends its JSON error as a
            // challenge; the client answers with an empty line and gets NO.
            std::string name = "XOAUTH2";
            std::string initial = wire::sasl_xoauth2_response(options_.user, options_.password);
            co_return co_await authenticate_oauth(std::move(name), std::move(initial),
                                                  std::string());
        }
        case AuthMechanism::oauthbearer: {
            std::string name = "OAUTHBEARER";
            std::string initial = wire::sasl_oauthbearer_response(options_.user, options_.host,
                                                                  options_.port, options_.password);
            co_return co_await authenticate_oauth(std::move(name), std::move(initial),
                                                  wire::sasl_oauthbearer_dummy_response());
        }
        case AuthMechanism::login:
        case AuthMechanism::automatic:
        case AuthMechanism::oauth2:
            break;
    }
    co_return co_await login_command();
}

awaitable<std::optional<Error>> Client::authenticate(
    std::string mechanism, std::optional<std::string> initial_response,
    std::function<std::optional<std::string>(std::string_view)> respond) {
    const std::string step = "AUTHENTICATE " + mechanism;
    const std::string tag = conn_->next_tag();
    // RFC 4959: with SASL-IR the initial response rides on the command ("="
    // for an empty one); otherwise it answers the first, empty challenge.
    const bool inline_initial = initial_response && conn_->has_capability("SASL-IR");
    std::string line = tag + " AUTHENTICATE " + mechanism;
    std::string trace = line;
    if (inline_initial) {
        line += " " + (initial_response->empty() ? std::string("=") : *initial_response);
        trace += " <redacted>";
    }
    line += "\r\n";
    if (auto e = co_await conn_->write(line, step, trace)) {
        co_return e;
    }
    bool initial_pending = initial_response && !inline_initial;
    while (true) {
        auto reply = co_await conn_->read_until(tag, step, nullptr, true);
        if (!reply) {
            co_return reply.error();
        }
        if (!reply->continuation) {
            co_return conn_->check(reply->completion, step, client_error::authentication_failed);
        }
        std::optional<std::string> answer;
        if (initial_pending) {
            answer = std::move(initial_response);
            initial_pending = false;
        } else {
            answer = respond(reply->continuation_text);
        }
        // "*" cancels the exchange (RFC 3501 §6.2.2); the server answers BAD.
        const std::string out = (answer ? *answer : std::string("*")) + "\r\n";
        // Named, not a conditional temporary inside co_await (GCC 12 bug).
        std::string shown = answer ? "<redacted>" : "*";
        if (auto e = co_await conn_->write(out, step, shown)) {
            co_return e;
        }
    }
}

awaitable<std::optional<Error>> Client::authenticate_oauth(std::string mechanism,
                                                           std::string initial, std::string dummy) {
    // RFC 7628 §3.2.2-3.2.3: a challenge after the initial response carries
    // the server's JSON error; the client must answer it (the dummy
    // response) before the server finishes with NO. A second challenge is
    // not in the protocol and is cancelled.
    auto failure = std::make_shared<std::optional<wire::OAuthFailure>>();
    auto answered = std::make_shared<bool>(false);
    std::function<std::optional<std::string>(std::string_view)> respond =
        [failure, answered, dummy](std::string_view challenge) -> std::optional<std::string> {
        if (*answered) {
            return std::nullopt;
        }
        *answered = true;
        *failure = wire::sasl_oauth_failure(challenge);
        return dummy;
    };
    std::optional<std::string> first = std::move(initial);
    auto failed = co_await authenticate(std::move(mechanism), std::move(first), std::move(respond));
    if (failed && failed->code == client_error::authentication_failed && *failure) {
        const std::string detail =
            "the server refused the access token: " + wire::describe(**failure) +
            "; get a new token issued for this user with access to mail";
        co_return make_client_error(client_error::authentication_failed, failed->server,
                                    failed->step, failed->response, detail);
    }
    co_return failed;
}

awaitable<std::optional<Error>> Client::login_command() {
    const std::string step = "LOGIN";
    const std::string tag = conn_->next_tag();
    const bool literal_plus = conn_->has_capability("LITERAL+");
    // Each argument is a quoted string, or a literal when it holds 8-bit
    // octets or CR/LF (RFC 3501 §4.3). A synchronizing literal waits for "+".
    std::string pending = tag + " LOGIN ";
    const std::string trace = tag + " LOGIN <redacted>";
    bool traced = false;
    const std::string* args[] = {&options_.user, &options_.password};
    for (std::size_t i = 0; i < 2; ++i) {
        if (i > 0) {
            pending += ' ';
        }
        const std::string& arg = *args[i];
        if (!needs_literal(arg)) {
            pending += quote(arg);
            continue;
        }
        pending += "{" + std::to_string(arg.size()) + (literal_plus ? "+" : "") + "}\r\n";
        if (!literal_plus) {
            std::string shown = traced ? std::string("<redacted>") : trace;
            if (auto e = co_await conn_->write(pending, step, shown)) {
                co_return e;
            }
            traced = true;
            auto reply = co_await conn_->read_until(tag, step, nullptr, true);
            if (!reply) {
                co_return reply.error();
            }
            if (!reply->continuation) {
                co_return conn_->check(reply->completion, step,
                                       client_error::authentication_failed);
            }
            pending.clear();
        }
        pending += arg;
    }
    pending += "\r\n";
    std::string shown = traced ? std::string("<redacted>") : trace;
    if (auto e = co_await conn_->write(pending, step, shown)) {
        co_return e;
    }
    auto reply = co_await conn_->read_until(tag, step, nullptr);
    if (!reply) {
        co_return reply.error();
    }
    co_return conn_->check(reply->completion, step, client_error::authentication_failed);
}

}  // namespace mailferry::imap
