#pragma once
// --source-oauth2-token-command / --target-oauth2-token-command (and
// probe's --oauth2-token-command): the first line of the command's output
// is an OAuth2 access token, asked for at every login and once more when
// the server refuses it (sync::TokenSource).

#include "sync/migration.hpp"

#include <string>

namespace mailferry::cli {

// A token source running `command` (through /bin/sh, bounded in time like
// a --*-password-command); `option` names it in error messages, which
// never contain the token.
sync::TokenSource oauth2_token_command(std::string command, std::string option);

}  // namespace mailferry::cli
