#pragma once
// A sync::TokenSource from a refresh-token file (refresh_file.hpp): it
// exchanges the refresh token at the file's token_url for an access token,
// reuses that token for new logins until shortly before it expires
// (access_token_cache.hpp), gets a new one when the server refuses the one
// it gave, and saves a rotated refresh token back into the file.
//
// Every source for the same file in the process shares one state (the
// cached token, the current refresh token) behind a mutex: with rotation,
// two independent exchanges of the same refresh token would leave one of
// them holding a refresh token the provider has already replaced. Calls
// block for at most the exchange's timeout.

#include "sync/migration.hpp"

#include <boost/system/result.hpp>

#include <string>

namespace mailferry::cli::oauth2 {

struct EndpointTls {
    std::string ca_file;    // --ca-file / ca_file: also trusted for the token endpoint
    bool insecure = false;  // --insecure: no certificate verification (already warned about)
};

// A token source for `file`. `option` names where the file came from in
// messages ("--source-oauth2", `job "alice".source_oauth2_file`). Fails,
// with a message naming the file and the key, when the file cannot be read
// or is not a valid refresh-token file, or the CA file cannot be loaded.
boost::system::result<sync::TokenSource, std::string> refresh_token_source(
    const std::string& file, const std::string& option, const EndpointTls& tls);

// Whether `file` is a usable refresh-token file (for `sync --check`); the
// message as above.
boost::system::result<void, std::string> check_refresh_file(const std::string& file);

// `message` with every occurrence of each non-empty secret replaced by
// "[redacted]" (a provider may echo what it was sent).
std::string without_secrets(std::string message, std::initializer_list<std::string_view> secrets);

}  // namespace mailferry::cli::oauth2
