#include "contrib/testserver/oauth2/bearer_login.hpp"

#include "clients/wire/base64.hpp"
#include "clients/wire/sasl.hpp"

namespace mailferry::testserver::oauth2 {

std::optional<Xoauth2Credentials> parse_xoauth2(std::string_view text) {
    constexpr std::string_view user_key = "user=";
    constexpr std::string_view auth_key = "auth=Bearer ";
    if (text.size() < 2 || text.substr(text.size() - 2) != "\x01\x01") {
        return std::nullopt;
    }
    text.remove_suffix(2);
    const auto sep = text.find('\x01');
    if (sep == std::string_view::npos) {
        return std::nullopt;
    }
    const auto user = text.substr(0, sep);
    const auto auth = text.substr(sep + 1);
    if (!user.starts_with(user_key) || !auth.starts_with(auth_key) ||
        auth.find('\x01') != std::string_view::npos) {
        return std::nullopt;
    }
    Xoauth2Credentials out{std::string(user.substr(user_key.size())),
                           std::string(auth.substr(auth_key.size()))};
    if (out.user.empty() || out.token.empty()) {
        return std::nullopt;
    }
    return out;
}

BearerLogin check_bearer_login(BearerMechanism mechanism, std::string_view base64,
                               const TokenIssuer& issuer) {
    BearerLogin out;
    std::string user;
    std::string token;
    if (mechanism == BearerMechanism::oauthbearer) {
        auto creds = wire::sasl_oauthbearer_decode(base64);
        if (!creds) {
            out.reason = "Malformed OAUTHBEARER response";
            return out;
        }
        // Dovecot's OAUTHBEARER refuses a GS2 header without "a=": the
        // token alone does not say which mailbox is meant.
        if (creds->authzid.empty()) {
            out.reason = "OAUTHBEARER needs the user in the GS2 header (a=USER)";
            return out;
        }
        if (creds->token.empty()) {
            out.reason = "OAUTHBEARER response has no auth=Bearer token";
            return out;
        }
        user = std::move(creds->authzid);
        token = std::move(creds->token);
    } else {
        const auto decoded = wire::base64_decode(base64);
        auto creds = decoded ? parse_xoauth2(*decoded) : std::nullopt;
        if (!creds) {
            out.reason = "Malformed XOAUTH2 response";
            return out;
        }
        user = std::move(creds->user);
        token = std::move(creds->token);
    }
    const TokenCheck check = issuer.check(token);
    out.outcome = BearerLogin::Outcome::rejected;
    switch (check.status) {
        case TokenCheck::Status::unknown:
            out.reason = "Invalid token";
            return out;
        case TokenCheck::Status::expired:
            out.reason = "Expired token";
            return out;
        case TokenCheck::Status::active:
            break;
    }
    if (check.user != user) {
        out.reason = "Token was issued for another user";
        return out;
    }
    out.outcome = BearerLogin::Outcome::accepted;
    out.user = std::move(user);
    return out;
}

std::string bearer_failure_challenge() {
    wire::OAuthFailure failure;
    failure.status = "401";
    failure.schemes = "bearer";
    failure.scope = std::string(token_scope);
    return wire::base64_encode(wire::oauth_failure_json(failure));
}

bool is_bearer_failure_ack(std::string_view line) {
    return line.empty() || line == "AQ==" || line == "*";
}

}  // namespace mailferry::testserver::oauth2
