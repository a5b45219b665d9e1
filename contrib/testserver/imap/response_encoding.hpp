#pragma once
// Writing IMAP response data (RFC 3501 §4, §9): strings, flag lists and
// mailbox names (INTERNALDATE: clients/wire/date_time.hpp). Pure functions
// returning the wire text.

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

}  // namespace mailferry::testserver::imap
