#pragma once
// LIST/LSUB mailbox patterns (RFC 3501 §6.3.8): "*" matches any run of
// characters, "%" any run without the hierarchy separator "/". The leading
// "INBOX" component is compared without regard to case (§5.1). Pure.

#include <string>
#include <string_view>
#include <vector>

namespace mailferry::testserver::imap {

bool list_pattern_matches(std::string_view pattern, std::string_view name);

// RFC 3501 §6.3.9: when "%" keeps LSUB from reaching a subscribed
// "foo/bar", an unsubscribed "foo" a pattern does match is returned instead
// (flagged \Noselect). The names of such parents of `subscribed`, in
// first-seen order, each once.
std::vector<std::string> lsub_noselect_parents(const std::vector<std::string>& subscribed,
                                               const std::vector<std::string>& patterns);

}  // namespace mailferry::testserver::imap
