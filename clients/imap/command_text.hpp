#pragma once
// Pieces of IMAP command text (RFC 3501 §9) the client engine writes, and
// the small values it reads back: quoted strings, UID sets, flag lists,
// date-time (INTERNALDATE) and the Message-ID of a header section.
//
// Pure functions: no I/O, no logging, no exceptions other than bad_alloc.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::imap {

// A message's INTERNALDATE: seconds since the epoch (UTC) and the zone the
// server stated, in minutes east of UTC.
struct InternalDate {
    std::int64_t seconds = 0;
    int offset_minutes = 0;
    friend bool operator==(const InternalDate&, const InternalDate&) = default;
};

// True when `s` cannot be a quoted string (RFC 3501 §9 QUOTED-CHAR): it
// holds NUL, CR, LF or an 8-bit octet, so it must be sent as a literal.
bool needs_literal(std::string_view s) noexcept;

// `s` as a quoted string, with `\` and `"` escaped. Only for strings where
// needs_literal() is false.
std::string quote(std::string_view s);

// A UID set in its shortest form: sorted, duplicates dropped, runs as
// ranges: {1,2,3,5,7,8} -> "1:3,5,7:8". Empty for an empty input.
std::string format_uid_set(std::vector<std::uint32_t> uids);

// The UIDs of a set like "1:3,5" (RFC 3501 §9 sequence-set, "*" not
// allowed); std::nullopt when malformed or when it expands to more than
// `limit` UIDs.
std::optional<std::vector<std::uint32_t>> parse_uid_set(std::string_view set,
                                                        std::size_t limit = 10'000'000);

// `(\Seen $Label)`: the flags in parentheses, \Recent dropped (RFC 3501
// §2.3.2: it cannot be set by a client).
std::string format_flag_list(const std::vector<std::string>& flags);

// `"17-Jul-1996 02:44:25 -0700"` (RFC 3501 §9 date-time), quoted.
std::string format_internal_date(const InternalDate& date);

// Parses date-time as servers send it (the day may be space-padded, the
// zone is +hhmm/-hhmm). std::nullopt when malformed.
std::optional<InternalDate> parse_internal_date(std::string_view text);

// The Message-ID in a header section as returned for
// BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]: the field's value unfolded
// (RFC 5322 §2.2.3) and trimmed; empty when the field is absent. The field
// name matches in any case; the first occurrence wins.
std::string extract_message_id(std::string_view header_section);

}  // namespace mailferry::imap
