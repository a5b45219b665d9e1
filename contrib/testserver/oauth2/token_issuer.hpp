#pragma once
// The test server's OAuth 2.0 authorization server state (RFC 6749): one
// refresh token per user, short-lived bearer access tokens, refresh-token
// rotation, and the check the POP3/IMAP sessions and the introspection
// endpoint (RFC 7662) make.
//
// In memory only: tokens do not survive a restart. Not thread-safe: used
// from the server's io_context thread only. Tokens are 32 random octets
// (OpenSSL RAND_bytes), base64url without padding, behind a short prefix
// ("mft-rt." / "mft-at.") so a token shows what it is in a trace.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mailferry::testserver::oauth2 {

// The client every test and mailferry itself uses.
inline constexpr std::string_view default_client_id = "mailferry-test";
// The scope of every token: mail access for the user.
inline constexpr std::string_view token_scope = "mail";

struct IssuerOptions {
    // How long an access token works. Zero makes every token expire at
    // once (tests of the failure path need no clock).
    std::chrono::seconds access_token_lifetime{300};
    std::string client_id{default_client_id};
    // Empty: any client_secret (or none) is accepted. Otherwise it must match.
    std::string client_secret;
};

// Wall-clock time, so "exp" in introspection is real Unix time. Tests pass
// their own.
using IssuerClock = std::function<std::chrono::system_clock::time_point()>;

struct AccessGrant {
    std::string access_token;
    std::chrono::seconds expires_in{0};
    // The new one (the one presented stops working); empty from issue_for().
    std::string refresh_token;
};

enum class GrantError {
    none = 0,
    invalid_grant,   // the refresh token is unknown or already rotated away
    invalid_client,  // wrong client_id or client_secret
};

struct GrantResult {
    std::optional<AccessGrant> grant;  // set when error is none
    GrantError error = GrantError::none;
};

struct TokenCheck {
    enum class Status { active, expired, unknown };
    Status status = Status::unknown;
    std::string user;                                  // set unless unknown
    std::chrono::system_clock::time_point expires_at;  // set unless unknown
};

class TokenIssuer {
  public:
    explicit TokenIssuer(IssuerOptions options, IssuerClock clock = {});

    // Gives `user` a fresh refresh token (replacing any earlier one) and
    // returns it.
    std::string add_user(const std::string& user);
    bool has_user(std::string_view user) const;
    // The user's current refresh token, in add_user() order.
    std::vector<std::pair<std::string, std::string>> refresh_tokens() const;

    // RFC 6749 §6: exchanges a refresh token for a new access token and a
    // new refresh token (rotation).
    GrantResult refresh(std::string_view refresh_token, std::string_view client_id,
                        std::optional<std::string_view> client_secret);
    // Issues an access token for `user` directly (for tests; the HTTP
    // endpoint has no such grant). std::nullopt for an unknown user.
    std::optional<AccessGrant> issue_for(const std::string& user);

    // The bearer check of RFC 6750 §3.1 / RFC 7662: active until expires_at
    // (exclusive).
    TokenCheck check(std::string_view access_token) const;

    const IssuerOptions& options() const noexcept { return options_; }

  private:
    AccessGrant issue(const std::string& user, bool with_refresh_token);
    void forget_stale_access_tokens();

    IssuerOptions options_;
    IssuerClock clock_;
    std::vector<std::string> users_;                           // add_user() order
    std::map<std::string, std::string, std::less<>> refresh_;  // refresh token -> user
    struct Access {
        std::string user;
        std::chrono::system_clock::time_point expires_at;
    };
    std::map<std::string, Access, std::less<>> access_;  // access token -> grant
};

// A url-safe random token: `prefix` then base64url (no padding) of 32
// octets from RAND_bytes. Throws std::runtime_error when OpenSSL has no
// entropy.
std::string random_token(std::string_view prefix);

}  // namespace mailferry::testserver::oauth2
