#pragma once
// The warning for a file of secrets (a password file, an OAuth2 refresh-token
// file) that every user of the machine can read.

#include <string>
#include <string_view>

namespace mailferry::cli {

// Warns when `file` is readable by others: a secret every user can read is
// a secret every user knows. Say so, as ssh does for a private key (it still
// works; the user may have reasons). Group read is left alone: a service
// group (Kubernetes' fsGroup, a mail admin group) is how such files are
// shared on purpose. `kind` names the file ("password file"), `option` the
// option or key that gave it.
void warn_if_readable_by_others(const std::string& file, std::string_view kind,
                                const std::string& option);

}  // namespace mailferry::cli
