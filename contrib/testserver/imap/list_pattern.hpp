#pragma once
// LIST/LSUB mailbox patterns (RFC 3501 §6.3.8): "*" matches any run of
// characters, "%" any run without the hierarchy separator "/". The leading
// "INBOX" component is compared without regard to case (§5.1). Pure.

#include <string_view>

namespace mailferry::testserver::imap {

bool list_pattern_matches(std::string_view pattern, std::string_view name);

}  // namespace mailferry::testserver::imap
