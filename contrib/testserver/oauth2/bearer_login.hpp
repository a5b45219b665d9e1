#pragma once
// The SASL side of the test servers' OAuth2 logins, shared by POP3 (RFC
// 5034 AUTH) and IMAP (RFC 3501 AUTHENTICATE): decoding the client's
// OAUTHBEARER (RFC 7628 §3.1) or XOAUTH2 initial response and checking its
// bearer token with the TokenIssuer. Pure apart from the issuer lookup.

#include "contrib/testserver/oauth2/token_issuer.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace mailferry::testserver::oauth2 {

enum class BearerMechanism { oauthbearer, xoauth2 };

struct Xoauth2Credentials {
    std::string user;
    std::string token;
};

// A decoded XOAUTH2 response: "user=" user ^A "auth=Bearer " token ^A ^A.
// std::nullopt when it has another shape or an empty user or token.
std::optional<Xoauth2Credentials> parse_xoauth2(std::string_view decoded);

struct BearerLogin {
    enum class Outcome {
        accepted,   // `user` may log in
        malformed,  // not the mechanism's syntax: the server answers BAD / -ERR at once
        rejected,   // a bad, expired or foreign token: failure challenge, then NO / -ERR
    };
    Outcome outcome = Outcome::malformed;
    std::string user;    // accepted: the user to log in as
    std::string reason;  // malformed / rejected: why, for the reply text and logs (no secret)
};

// Checks a client's initial response (base64, as sent). OAUTHBEARER must
// name the user in the GS2 header ("a=USER"), as Dovecot requires; the
// token must be active and issued to that same user.
BearerLogin check_bearer_login(BearerMechanism mechanism, std::string_view base64,
                               const TokenIssuer& issuer);

// The RFC 7628 §3.2.2 failure challenge, base64 of
// {"status":"401","schemes":"bearer","scope":"mail"}.
std::string bearer_failure_challenge();

// The client's answer to the failure challenge that ends the exchange:
// RFC 7628 §3.2.3's dummy "AQ==" (^A) for OAUTHBEARER, an empty line for
// XOAUTH2 (Google's documentation), or "*" (cancel).
bool is_bearer_failure_ack(std::string_view line);

}  // namespace mailferry::testserver::oauth2
