// CAPABILITY, STARTTLS, LOGIN, AUTHENTICATE PLAIN, OAUTHBEARER and XOAUTH2,
// and LOGOUT (RFC 3501 §6.1-6.2, RFC 4959 SASL-IR, RFC 4616 PLAIN, RFC 7628
// OAUTHBEARER, and Google's and Microsoft's XOAUTH2).
//
// With oauth2 users (SessionContext::oauth2) both bearer mechanisms check
// the token with the issuer and answer a bad one with RFC 7628 §3.2.2's
// failure challenge. Without them only XOAUTH2 is offered and its token is
// accepted when it equals the user's password in the store: a stand-in that
// lets clients' XOAUTH2 code be exercised without an authorization server.

#include "contrib/testserver/imap/session.hpp"

#include "clients/wire/ascii.hpp"
#include "clients/wire/base64.hpp"
#include "contrib/testserver/oauth2/bearer_login.hpp"

#include <spdlog/spdlog.h>

#include <optional>
#include <string_view>

namespace mailferry::testserver::imap {

net::awaitable<Completion> Session::cmd_capability(const Command& cmd) {
    if (!cmd.args.empty()) {
        co_return Completion::bad("CAPABILITY takes no arguments");
    }
    emit("* CAPABILITY " + capabilities() + "\r\n");
    co_return Completion::ok("CAPABILITY completed");
}

net::awaitable<Completion> Session::cmd_logout(const Command& cmd) {
    if (!cmd.args.empty()) {
        co_return Completion::bad("LOGOUT takes no arguments");
    }
    emit("* BYE mailferry IMAP4rev1 test server logging out\r\n");
    auto done = Completion::ok("LOGOUT completed");
    done.close = true;
    co_return done;
}

net::awaitable<Completion> Session::cmd_starttls(const Command& cmd) {
    if (!cmd.args.empty()) {
        co_return Completion::bad("STARTTLS takes no arguments");
    }
    if (ctx_.tls == nullptr || conn_.is_tls()) {
        co_return Completion::bad(conn_.is_tls() ? "TLS is already active"
                                                 : "STARTTLS is not available");
    }
    emit(cmd.tag + " OK Begin TLS negotiation now\r\n");
    if (!co_await flush()) {
        co_return Completion::closed();
    }
    // RFC 3501 §6.2.1 / RFC 2595 §3.1: anything the client sent after
    // STARTTLS in the clear must not be taken as a command under TLS.
    in_.clear();
    in_pos_ = 0;
    parser_.reset();
    auto ec = co_await conn_.start_tls(*ctx_.tls);
    if (ec) {
        if (ctx_.log) {
            ctx_.log->info("imap {}: STARTTLS handshake failed: {}", conn_.peer(), ec.message());
        }
        co_return Completion::closed();
    }
    Completion done;
    done.answered = true;
    co_return done;
}

Completion Session::login_failed(std::string text) {
    ++failed_logins_;
    if (failed_logins_ >= ctx_.limits.max_failed_logins) {
        emit("* BYE Too many failed logins\r\n");
        auto done = Completion::no("[AUTHENTICATIONFAILED] " + text);
        done.close = true;
        return done;
    }
    return Completion::no("[AUTHENTICATIONFAILED] " + text);
}

namespace {

bool logged_in(MailStore& store, const std::string& user, const std::string& password) {
    return store.check_password(user, password) == StoreError::ok;
}

}  // namespace

net::awaitable<Completion> Session::cmd_login(const Command& cmd) {
    if (cmd.args.size() != 2 || !cmd.args[0].is_astring() || !cmd.args[1].is_astring()) {
        co_return Completion::bad("LOGIN needs a user name and a password");
    }
    const auto& user = cmd.args[0].text;
    if (!logged_in(ctx_.store, user, cmd.args[1].text)) {
        co_return login_failed("Invalid credentials");
    }
    co_return logged_in_as(user);
}

net::awaitable<Completion> Session::cmd_authenticate(const Command& cmd) {
    if (cmd.args.empty() || cmd.args.size() > 2 || cmd.args[0].kind != Arg::Kind::atom) {
        co_return Completion::bad("AUTHENTICATE needs a mechanism");
    }
    const std::string mechanism = wire::to_ascii_upper(cmd.args[0].text);
    const bool xoauth2 = mechanism == "XOAUTH2";
    const bool bearer = mechanism == "OAUTHBEARER" && ctx_.oauth2 != nullptr;
    if (!(mechanism == "PLAIN" || xoauth2 || bearer) || !offers("AUTH=" + mechanism)) {
        co_return Completion::no("Unsupported authentication mechanism");
    }
    std::string response;
    if (cmd.args.size() == 2) {
        if (!offers("SASL-IR")) {
            co_return Completion::bad("Initial responses need SASL-IR");
        }
        // RFC 4959 §3: "=" is an empty initial response.
        response = cmd.args[1].text == "=" ? std::string() : cmd.args[1].text;
    } else {
        // A named argument: GCC 12 mishandles temporaries made inside co_await.
        std::string empty_challenge;
        auto reply = co_await challenge(std::move(empty_challenge));
        if (!reply) {
            co_return Completion::closed();
        }
        if (reply->too_long) {
            co_return Completion::bad("Authentication response too long");
        }
        if (reply->line == "*") {
            co_return Completion::bad("Authentication cancelled");
        }
        response = std::move(reply->line);
    }
    if ((bearer || xoauth2) && ctx_.oauth2 != nullptr) {
        co_return co_await finish_bearer(mechanism, std::move(response));
    }
    auto decoded = response.empty() ? std::optional<std::string>(std::string())
                                    : wire::base64_decode(response);
    if (!decoded) {
        co_return Completion::bad("Invalid base64 in authentication response");
    }
    if (xoauth2) {
        co_return co_await finish_xoauth2(*decoded);
    }
    // RFC 4616 §2: authzid NUL authcid NUL passwd.
    auto first = decoded->find('\0');
    auto second = first == std::string::npos ? first : decoded->find('\0', first + 1);
    if (second == std::string::npos) {
        co_return Completion::bad("Malformed PLAIN response");
    }
    std::string authzid = decoded->substr(0, first);
    std::string authcid = decoded->substr(first + 1, second - first - 1);
    std::string password = decoded->substr(second + 1);
    if (!authzid.empty() && authzid != authcid) {
        co_return login_failed("Proxy authorization is not supported");
    }
    if (!logged_in(ctx_.store, authcid, password)) {
        co_return login_failed("Invalid credentials");
    }
    co_return logged_in_as(authcid);
}

Completion Session::logged_in_as(std::string user) {
    if (!ctx_.faults.take_connection(user)) {
        if (ctx_.log) {
            ctx_.log->warn("imap {}: refused a login of {}: too many connections", conn_.peer(),
                           user);
        }
        return Completion::no("[UNAVAILABLE] Too many simultaneous connections");
    }
    holds_connection_slot_ = true;
    user_ = std::move(user);
    state_ = SessionState::authenticated;
    return Completion::ok("[CAPABILITY " + capabilities() + "] Logged in");
}

net::awaitable<std::optional<Session::ChallengeReply>> Session::challenge(std::string text) {
    emit("+ " + text + "\r\n");
    if (!co_await flush()) {
        co_return std::nullopt;
    }
    ChallengeReply reply;
    auto line = co_await read_raw_line(reply.too_long);
    if (!line) {
        co_return std::nullopt;
    }
    reply.line = std::move(*line);
    co_return reply;
}

net::awaitable<Completion> Session::finish_xoauth2(const std::string& decoded) {
    auto credentials = oauth2::parse_xoauth2(decoded);
    if (!credentials) {
        co_return Completion::bad("Malformed XOAUTH2 response");
    }
    if (logged_in(ctx_.store, credentials->user, credentials->token)) {
        co_return logged_in_as(credentials->user);
    }
    // RFC 7628 §3.2.2, as Gmail and Outlook do for XOAUTH2: the error as a
    // JSON challenge, which the client answers with an empty response before
    // the NO.
    std::string error_challenge =
        wire::base64_encode(R"({"status":"invalid_token","schemes":"bearer"})");
    auto reply = co_await challenge(std::move(error_challenge));
    if (!reply) {
        co_return Completion::closed();
    }
    if (reply->too_long || !(reply->line.empty() || reply->line == "*")) {
        co_return Completion::bad("Expected an empty response after the XOAUTH2 error");
    }
    co_return login_failed("Invalid or expired token");
}

net::awaitable<Completion> Session::finish_bearer(std::string mechanism, std::string response) {
    const auto kind = mechanism == "OAUTHBEARER" ? oauth2::BearerMechanism::oauthbearer
                                                 : oauth2::BearerMechanism::xoauth2;
    const oauth2::BearerLogin login = oauth2::check_bearer_login(kind, response, *ctx_.oauth2);
    if (login.outcome == oauth2::BearerLogin::Outcome::accepted) {
        co_return logged_in_as(login.user);
    }
    if (login.outcome == oauth2::BearerLogin::Outcome::malformed) {
        co_return Completion::bad(login.reason);
    }
    if (ctx_.log) {
        ctx_.log->info("imap {}: AUTHENTICATE {} refused: {}", conn_.peer(), mechanism,
                       login.reason);
    }
    // RFC 7628 §3.2.2: the error as a JSON challenge; the client's dummy
    // response (§3.2.3) comes before the NO. Dovecot does the same.
    std::string failure = oauth2::bearer_failure_challenge();
    auto reply = co_await challenge(std::move(failure));
    if (!reply) {
        co_return Completion::closed();
    }
    if (reply->too_long || !oauth2::is_bearer_failure_ack(reply->line)) {
        co_return Completion::bad("Expected the dummy response after the " + mechanism + " error");
    }
    co_return login_failed(login.reason);
}

}  // namespace mailferry::testserver::imap
