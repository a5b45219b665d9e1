#pragma once
// RFC 5322 §3.4 address lists (with the obsolete forms of §4.4) parsed into
// the four fields of an RFC 3501 ENVELOPE address.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::testserver::mime::detail {

// One RFC 3501 §7.4.2 address structure. A group is bracketed by a start
// marker (only `mailbox`, the group name, set) and an end marker (all unset).
struct Address {
    std::optional<std::string> name;  // display name, or a comment after a bare addr-spec
    std::optional<std::string> adl;   // obsolete source route "@a,@b"
    std::optional<std::string> mailbox;
    std::optional<std::string> host;
};

// Parses an unfolded address-list field value. Never fails: unparsable text
// between commas is skipped, and a missing local part or domain becomes
// "MISSING_MAILBOX" / "MISSING_DOMAIN" (Dovecot's convention), because a NIL
// host would read as a group marker.
std::vector<Address> parse_address_list(std::string_view value);

}  // namespace mailferry::testserver::mime::detail
