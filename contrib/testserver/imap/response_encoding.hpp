#pragma once
// Writing IMAP response data (RFC 3501 §4, §9): strings, flag lists,
// mailbox names and INTERNALDATE, plus the date-time parser APPEND needs.
// Pure functions returning the wire text.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mailferry::testserver::imap {

// A quoted string when `s` fits RFC 3501 quoted (7-bit, no NUL, CR or LF;
// "\" and DQUOTE escaped), else a literal "{n}\r\n" followed by the octets.
std::string quoted_or_literal(std::string_view s);

// astring: the bare atom when `s` is a non-empty run of ASTRING-CHARs and
// not "NIL" (which a reader of an nstring would take for nil), else
// quoted_or_literal(s).
std::string astring(std::string_view s);

// nstring: NIL for nullopt, else quoted_or_literal(s) (never an atom).
std::string nstring(std::optional<std::string_view> s);

// "(\Seen $Forwarded)": the flags separated by single spaces, as given.
std::string flag_list(std::span<const std::string> flags);

// A mailbox name in LIST/STATUS/... responses: an atom stays an atom
// ("INBOX", "Archive/2024", "&AOQ-"), anything else is quoted (or a
// literal when it cannot be quoted).
std::string mailbox_name(std::string_view name);

// INTERNALDATE as a quoted date-time, e.g. "\"17-Jul-1996 02:44:25 -0700\""
// (RFC 3501 §9 date-time): `seconds` since the epoch (UTC), shown in the
// zone `offset_minutes` east of UTC. Days below 10 are written with a
// leading space (" 6-Jul-1996 ...", date-day-fixed).
std::string format_internal_date(std::int64_t seconds, int offset_minutes);

struct DateTime {
    std::int64_t seconds = 0;  // since the epoch, UTC
    int offset_minutes = 0;    // zone of the text, minutes east of UTC
    bool operator==(const DateTime&) const = default;
};

// Parses APPEND's date-time argument without its quotes:
// "17-Jul-1996 02:44:25 -0700". The day may be " 7" (date-day-fixed) or
// "7" or "07"; the month is case-insensitive. nullopt for anything else,
// including days that do not exist, hours above 23, minutes or seconds
// above 59 (no leap seconds) and zones with minutes above 59.
std::optional<DateTime> parse_internal_date(std::string_view text);

}  // namespace mailferry::testserver::imap
