#pragma once
// The refresh-token file of --source-oauth2 / --target-oauth2 /
// probe --oauth2 / *_oauth2_file (SPEC "Accounts"): TOML with
//
//   token_url     = "https://login.example.com/oauth2/token"
//   client_id     = "..."
//   client_secret = "..."     # optional
//   refresh_token = "..."
//   scope         = "..."     # optional
//
// Other keys and comments are allowed and kept when the refresh token is
// rewritten. Messages name the file and the key, never a value of
// refresh_token or client_secret.

#include "cli/oauth2/token_url.hpp"

#include <boost/system/result.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace mailferry::cli::oauth2 {

struct RefreshFile {
    TokenUrl token_url;
    std::string client_id;
    std::optional<std::string> client_secret;
    std::string refresh_token;
    std::optional<std::string> scope;
};

// Parses the text of `file` (named in errors).
boost::system::result<RefreshFile, std::string> parse_refresh_file(std::string_view text,
                                                                   const std::string& file);

// Reads and parses `file`.
boost::system::result<RefreshFile, std::string> load_refresh_file(const std::string& file);

// `text` (a valid refresh-token file) with the value of refresh_token
// replaced by `token` and every other byte unchanged; an error when the
// value cannot be found in the text (then nothing should be written).
boost::system::result<std::string, std::string> replace_refresh_token(std::string_view text,
                                                                      const std::string& token);

// Replaces the refresh token in `file` atomically: the new text goes to a
// temporary file in the same directory with the same permissions (and
// owner, where allowed), is flushed to disk, renamed over `file` (through a
// symbolic link to its target), and the directory is flushed. The error
// says what failed, without the token.
boost::system::result<void, std::string> save_refresh_token(const std::string& file,
                                                            const std::string& token);

}  // namespace mailferry::cli::oauth2
