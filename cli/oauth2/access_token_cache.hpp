#pragma once
// The access token a refresh-token file last gave, reused for new
// connections until shortly before it expires: a new login with a token
// that runs out a second later would fail half-way through a session's
// start. Pure: the caller passes the time.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace mailferry::cli::oauth2 {

class AccessTokenCache {
  public:
    using Clock = std::chrono::steady_clock;
    // A token is not handed out for a new login when less than this is left.
    static constexpr std::chrono::seconds margin{60};

    // The token obtained at `now`, valid for `expires_in` (std::nullopt:
    // unknown, so not reused).
    void remember(std::string token, std::optional<std::chrono::seconds> expires_in,
                  Clock::time_point now);
    // The cached token when it may still be used for a new login at `now`.
    std::optional<std::string> usable(Clock::time_point now) const;
    // The server refused `token`: if it is the cached one, it is not given
    // again.
    void forget(std::string_view token);

  private:
    std::string token_;
    Clock::time_point reuse_until_{};
};

}  // namespace mailferry::cli::oauth2
