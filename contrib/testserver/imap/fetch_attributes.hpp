#pragma once
// FETCH data items (RFC 3501 §6.4.5, §9 fetch-att; RFC 7162 MODSEQ) and
// the CONDSTORE modifiers of FETCH and STORE (RFC 7162 §3.1.3, §3.1.4).
// Pure parsing of the command parser's Args; nothing is evaluated.

#include "contrib/testserver/imap/command.hpp"
#include "contrib/testserver/imap/parse_result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mailferry::testserver::imap {

struct FetchItem {
    enum class Kind {
        uid,             // UID
        flags,           // FLAGS
        internaldate,    // INTERNALDATE
        rfc822_size,     // RFC822.SIZE
        envelope,        // ENVELOPE
        body_structure,  // BODYSTRUCTURE (with extension data)
        body,            // BODY without a section: the non-extensible BODYSTRUCTURE
        body_section,    // BODY[section] / BODY.PEEK[section]
        rfc822,          // RFC822, same data as BODY[], sets \Seen
        rfc822_header,   // RFC822.HEADER, same data as BODY.PEEK[HEADER]
        rfc822_text,     // RFC822.TEXT, same data as BODY[TEXT], sets \Seen
        modseq,          // MODSEQ (RFC 7162 §3.1.4.1)
        gm_msgid,        // X-GM-MSGID (Gmail's X-GM-EXT-1)
        gm_thrid,        // X-GM-THRID
        gm_labels,       // X-GM-LABELS
    };
    Kind kind = Kind::uid;
    bool peek = false;  // BODY.PEEK[...]: do not set \Seen
    // body_section only: the text between the brackets in canonical form:
    // upper-cased, single spaces, header names unquoted when they are atoms,
    // e.g. "", "TEXT", "1.2.MIME", "HEADER.FIELDS (DATE FROM)".
    std::string section;
    // body_section only: <origin.count> when given.
    std::optional<std::pair<std::uint32_t, std::uint32_t>> partial;

    bool operator==(const FetchItem&) const = default;

    // Section parts, for the session: part numbers ("1.2" -> {1, 2}), the
    // text specifier after them ("", "HEADER", "HEADER.FIELDS",
    // "HEADER.FIELDS.NOT", "TEXT", "MIME") and the header names (upper-cased).
    struct SectionSpec {
        std::vector<std::uint32_t> parts;
        std::string text;
        std::vector<std::string> header_names;
    };
    SectionSpec section_spec() const;
};

// Parses FETCH's item argument: one atom (an item or the macros ALL, FAST,
// FULL, expanded per RFC 3501 §6.4.5) or a non-empty list of items (no
// macros inside). Case-insensitive. Errors name the offending item, e.g.
// "invalid fetch attribute: BODY[FOO]".
ParseResult<std::vector<FetchItem>> parse_fetch_items(const Arg& arg);

// The name under which the server returns an item (RFC 3501 §7.4.2):
// "BODY[]" for BODY.PEEK[], "BODY[HEADER.FIELDS (DATE FROM)]<0>" for a
// partial fetch (origin octet only), "RFC822.SIZE", "BODYSTRUCTURE", ...
std::string response_name(const FetchItem& item);

// FETCH modifiers (RFC 7162 §3.1.4.1, RFC 7162 §3.2.6 VANISHED).
struct FetchModifiers {
    std::optional<std::uint64_t> changed_since;  // CHANGEDSINCE mod-sequence-value
    bool vanished = false;                       // VANISHED (QRESYNC; needs changed_since)
    bool operator==(const FetchModifiers&) const = default;
};
// Parses the list after the items, e.g. "(CHANGEDSINCE 12345)". Errors:
// unknown modifier, repeated modifier, a value not in 1..2^63-1, VANISHED
// without CHANGEDSINCE.
ParseResult<FetchModifiers> parse_fetch_modifiers(const Arg& list);

// Parses STORE's "(UNCHANGEDSINCE n)" (RFC 7162 §3.1.3); n in 0..2^63-1.
ParseResult<std::uint64_t> parse_store_modifiers(const Arg& list);

// mod-sequence-value (1..2^63-1, RFC 7162 §7) or, with allow_zero,
// mod-sequence-valzer. nullopt for anything else.
std::optional<std::uint64_t> parse_mod_sequence(std::string_view text, bool allow_zero);

}  // namespace mailferry::testserver::imap
