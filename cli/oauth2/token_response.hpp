#pragma once
// The token endpoint's answer to a refresh_token grant (RFC 6749 §5.1,
// §5.2), as a grant or as an error that says what the user should do.
// Pure: no I/O, no logging.

#include <boost/system/result.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace mailferry::cli::oauth2 {

struct TokenGrant {
    std::string access_token;
    // std::nullopt when the answer did not say (then the token is used for
    // one login only).
    std::optional<std::chrono::seconds> expires_in;
    // A rotated refresh token, when the answer has one.
    std::optional<std::string> refresh_token;
};

struct TokenRefusal {
    unsigned http_status = 0;
    // The RFC 6749 §5.2 error code ("invalid_grant"), empty when the answer
    // was not an OAuth2 error.
    std::string error;
    // What went wrong, for the user (error_description, or why the answer
    // could not be read). Never the body itself.
    std::string description;
};

// Reads the answer's HTTP status and body.
boost::system::result<TokenGrant, TokenRefusal> parse_token_response(unsigned http_status,
                                                                     std::string_view body);

// A message for `refusal` from `token_url` for the refresh token in `file`:
// the provider's error and what to do about it.
std::string refusal_message(const TokenRefusal& refusal, std::string_view token_url,
                            std::string_view file);

}  // namespace mailferry::cli::oauth2
