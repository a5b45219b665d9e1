#pragma once
// Mailbox names as the store keeps them: the wire form (modified UTF-7,
// RFC 3501 §5.1.3), '/' as the hierarchy separator, and INBOX in one
// spelling.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::testserver::store {

inline constexpr char mailbox_separator = '/';
inline constexpr std::string_view inbox_name = "INBOX";

// The stored form of `name`, or nullopt when the name is not acceptable.
// A first component that is "inbox" in any case becomes "INBOX" (RFC 3501
// §5.1: INBOX is case-insensitive; its children follow so that "inbox/x" and
// "INBOX/x" are one mailbox). Other components are case-sensitive.
// Rejected: empty, leading or trailing '/', "//", the LIST wildcards '*' and
// '%', control characters (below 0x20 and 0x7f), octets above 0x7f, and
// anything that is not valid modified UTF-7.
std::optional<std::string> canonical_mailbox_name(std::string_view name);

// The superior names of a canonical name, outermost first:
// "a/b/c" gives {"a", "a/b"}.
std::vector<std::string> parents_of(std::string_view name);

// True when `name` is `ancestor` or lies below it ("a/b" is under "a",
// "ab" is not).
bool is_same_or_under(std::string_view name, std::string_view ancestor);

}  // namespace mailferry::testserver::store
