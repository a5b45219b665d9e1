#pragma once
// Checks the account identities a pair is known by. The state never holds a
// password (SPEC "Accounts"), so an identity carrying one is refused rather
// than stored; messages show such an identity with the password as "***".

#include "state/error.hpp"

#include <string_view>

namespace mailferry::state {

// Accepts "scheme://[user@]host[:port]": a scheme of letters, digits, '+',
// '-' and '.', a non-empty host, no path, query or fragment, no blank or
// control character. A ':' in the user part (before the last '@') is a
// password: error::invalid_identity. The caller writes the port always (or
// never) for a given scheme, since identities are compared as strings.
Result<void> check_account_identity(std::string_view identity);

}  // namespace mailferry::state
