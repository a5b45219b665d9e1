#pragma once
// Pieces of IMAP command text (RFC 3501 §9) the client engine writes, and
// the small values it reads back: quoted strings, flag lists and the
// Message-ID of a header section. UID sets and date-time are in
// clients/wire (sequence_set.hpp, date_time.hpp).
//
// Pure functions: no I/O, no logging, no exceptions other than bad_alloc.

#include "clients/wire/date_time.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace mailferry::imap {

// A message's INTERNALDATE: seconds since the epoch (UTC) and the zone the
// server stated, in minutes east of UTC.
using InternalDate = wire::DateTime;

// True when `s` cannot be a quoted string (RFC 3501 §9 QUOTED-CHAR): it
// holds NUL, CR, LF or an 8-bit octet, so it must be sent as a literal.
bool needs_literal(std::string_view s) noexcept;

// `s` as a quoted string, with `\` and `"` escaped. Only for strings where
// needs_literal() is false.
std::string quote(std::string_view s);

// `(\Seen $Label)`: the flags in parentheses, \Recent dropped (RFC 3501
// §2.3.2: it cannot be set by a client).
std::string format_flag_list(const std::vector<std::string>& flags);

// The Message-ID in a header section as returned for
// BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]: the field's value unfolded
// (RFC 5322 §2.2.3) and trimmed; empty when the field is absent. The field
// name matches in any case; the first occurrence wins.
std::string extract_message_id(std::string_view header_section);

}  // namespace mailferry::imap
