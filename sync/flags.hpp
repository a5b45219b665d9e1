#pragma once
// IMAP flag sets as the planner compares them. Flags are atoms, so they
// compare case-insensitively (RFC 3501 §9, note 1); system flags are spelled
// canonically ("\Seen"), keywords keep the spelling first seen.

#include <string>
#include <string_view>
#include <vector>

namespace mailferry::sync {

// True for a system flag (starts with '\'), false for a keyword.
bool is_system_flag(std::string_view flag) noexcept;

// The flags the target can be given: without \Recent (the server sets it,
// RFC 3501 §2.3.2) and \Deleted (deleted messages are filtered, never
// propagated), without duplicates, system flags in canonical spelling, sorted
// case-insensitively. Empty strings are dropped.
std::vector<std::string> syncable_flags(const std::vector<std::string>& flags);

// The keywords of `flags` (non-system flags).
std::vector<std::string> keywords_of(const std::vector<std::string>& flags);

// `flags` without its keywords.
std::vector<std::string> without_keywords(const std::vector<std::string>& flags);

// Flags in `a` that are not in `b` (case-insensitive), in `a`'s order.
std::vector<std::string> flags_minus(const std::vector<std::string>& a,
                                     const std::vector<std::string>& b);

// Set equality, case-insensitive, ignoring order and duplicates.
bool same_flags(const std::vector<std::string>& a, const std::vector<std::string>& b);

}  // namespace mailferry::sync
