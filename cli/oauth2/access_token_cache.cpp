#include "cli/oauth2/access_token_cache.hpp"

namespace mailferry::cli::oauth2 {

void AccessTokenCache::remember(std::string token, std::optional<std::chrono::seconds> expires_in,
                                Clock::time_point now) {
    if (!expires_in || *expires_in <= margin) {
        token_.clear();
        return;
    }
    token_ = std::move(token);
    reuse_until_ = now + (*expires_in - margin);
}

std::optional<std::string> AccessTokenCache::usable(Clock::time_point now) const {
    if (token_.empty() || now >= reuse_until_) {
        return std::nullopt;
    }
    return token_;
}

void AccessTokenCache::forget(std::string_view token) {
    if (!token.empty() && token == token_) {
        token_.clear();
    }
}

}  // namespace mailferry::cli::oauth2
