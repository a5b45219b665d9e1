#pragma once
// Message flags as the store keeps them (RFC 3501 §2.3.2): system flags in
// their canonical spelling, keywords as first given, compared without regard
// to case, sorted, each once. \Recent is never stored: it is session state
// (see MailStore::claim_recent).

#include "contrib/testserver/store/mail_store.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace mailferry::testserver::store {

// The normalised form of `flags`. Empty entries, entries holding spaces,
// control characters or parentheses, and \Recent are dropped.
std::vector<std::string> normalize_flags(const std::vector<std::string>& flags);

// `current` changed by `mode` with `change`; both inputs normalised, the
// result normalised.
std::vector<std::string> apply_flags(const std::vector<std::string>& current, FlagMode mode,
                                     const std::vector<std::string>& change);

// Space-separated form for the database, and back. Flags never hold spaces.
std::string join_flags(const std::vector<std::string>& flags);
std::vector<std::string> split_flags(std::string_view joined);

}  // namespace mailferry::testserver::store
