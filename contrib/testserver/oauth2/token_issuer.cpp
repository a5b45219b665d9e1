#include "contrib/testserver/oauth2/token_issuer.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace mailferry::testserver::oauth2 {

namespace {

// Access tokens are kept this long after they expire, so a client using one
// hears "expired" rather than "unknown"; then they are forgotten, which keeps
// memory bounded however many tokens a long test run issues.
constexpr std::chrono::hours expired_token_memory{1};

std::string base64url(const unsigned char* data, std::size_t size) {
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::uint32_t bits = 0;
    int count = 0;
    for (std::size_t i = 0; i < size; ++i) {
        bits = (bits << 8) | data[i];
        count += 8;
        while (count >= 6) {
            count -= 6;
            out += alphabet[(bits >> count) & 0x3F];
        }
    }
    if (count > 0) {
        out += alphabet[(bits << (6 - count)) & 0x3F];
    }
    return out;
}

}  // namespace

std::string random_token(std::string_view prefix) {
    std::array<unsigned char, 32> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw std::runtime_error("OpenSSL RAND_bytes failed: no entropy for an OAuth2 token");
    }
    return std::string(prefix) + base64url(bytes.data(), bytes.size());
}

TokenIssuer::TokenIssuer(IssuerOptions options, IssuerClock clock)
    : options_(std::move(options)), clock_(std::move(clock)) {
    if (!clock_) {
        clock_ = [] { return std::chrono::system_clock::now(); };
    }
}

std::string TokenIssuer::add_user(const std::string& user) {
    std::erase_if(refresh_, [&](const auto& entry) { return entry.second == user; });
    if (std::find(users_.begin(), users_.end(), user) == users_.end()) {
        users_.push_back(user);
    }
    std::string token = random_token("mft-rt.");
    refresh_.emplace(token, user);
    return token;
}

bool TokenIssuer::has_user(std::string_view user) const {
    return std::find(users_.begin(), users_.end(), user) != users_.end();
}

std::vector<std::pair<std::string, std::string>> TokenIssuer::refresh_tokens() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const std::string& user : users_) {
        for (const auto& [token, owner] : refresh_) {
            if (owner == user) {
                out.emplace_back(user, token);
            }
        }
    }
    return out;
}

GrantResult TokenIssuer::refresh(std::string_view refresh_token, std::string_view client_id,
                                 std::optional<std::string_view> client_secret) {
    GrantResult result;
    // RFC 6749 §5.2: a client that fails authentication is invalid_client,
    // checked before the grant itself.
    if (client_id != options_.client_id ||
        (!options_.client_secret.empty() && client_secret != options_.client_secret)) {
        result.error = GrantError::invalid_client;
        return result;
    }
    const auto it = refresh_.find(refresh_token);
    if (it == refresh_.end()) {
        result.error = GrantError::invalid_grant;
        return result;
    }
    const std::string user = it->second;
    // RFC 6749 §6 and OAuth 2.0 Security BCP §4.14.2: rotate, so the
    // presented token is spent.
    refresh_.erase(it);
    result.grant = issue(user, true);
    return result;
}

std::optional<AccessGrant> TokenIssuer::issue_for(const std::string& user) {
    if (!has_user(user)) {
        return std::nullopt;
    }
    // The user's refresh token stays as it was: a direct issue is not a refresh.
    return issue(user, false);
}

AccessGrant TokenIssuer::issue(const std::string& user, bool with_refresh_token) {
    forget_stale_access_tokens();
    AccessGrant grant;
    grant.access_token = random_token("mft-at.");
    grant.expires_in = options_.access_token_lifetime;
    access_.emplace(grant.access_token, Access{user, clock_() + options_.access_token_lifetime});
    if (with_refresh_token) {
        grant.refresh_token = random_token("mft-rt.");
        refresh_.emplace(grant.refresh_token, user);
    }
    return grant;
}

TokenCheck TokenIssuer::check(std::string_view access_token) const {
    TokenCheck out;
    const auto it = access_.find(access_token);
    if (it == access_.end()) {
        return out;
    }
    out.user = it->second.user;
    out.expires_at = it->second.expires_at;
    out.status =
        clock_() < it->second.expires_at ? TokenCheck::Status::active : TokenCheck::Status::expired;
    return out;
}

void TokenIssuer::forget_stale_access_tokens() {
    const auto cutoff = clock_() - expired_token_memory;
    std::erase_if(access_, [&](const auto& entry) { return entry.second.expires_at < cutoff; });
}

}  // namespace mailferry::testserver::oauth2
