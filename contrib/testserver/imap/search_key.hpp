#pragma once
// SEARCH criteria (RFC 3501 §6.4.4, §9 search-key; RFC 7162 §3.1.5 MODSEQ)
// parsed from the command parser's Args into a tree. Nothing is evaluated
// here: the session walks the tree with its store and MIME parser.

#include "contrib/testserver/imap/command.hpp"
#include "contrib/testserver/imap/parse_result.hpp"
#include "contrib/testserver/imap/sequence_set.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::testserver::imap {

// A calendar date from a search key ("1-Feb-1994"), validated (day exists
// in that month, leap years included). RFC 3501 §6.4.4: comparisons ignore
// time and time zone.
struct SearchDate {
    int year = 0;   // four digits
    int month = 0;  // 1..12
    int day = 0;    // 1..31
    auto operator<=>(const SearchDate&) const = default;
};

struct SearchKey {
    enum class Kind {
        // ALL: every message.
        all,
        // A group of keys that must all match ("(" ... ")" and the top
        // level). children: the keys.
        and_,
        // children[0] must not match.
        not_,
        // children[0] or children[1] must match.
        or_,
        // Flag tests, no operand. new_ = RECENT and UNSEEN; old = not RECENT.
        answered,
        deleted,
        draft,
        flagged,
        new_,
        old,
        recent,
        seen,
        unanswered,
        undeleted,
        undraft,
        unflagged,
        unseen,
        // keyword / unkeyword: `text` holds the flag keyword as given.
        keyword,
        unkeyword,
        // Substring tests, case-insensitive, `text` holds the string:
        // header fields (bcc, cc, from, subject, to), the body, the whole
        // message (text), or the header field named `header_name` (header;
        // an empty `text` matches every message with that field).
        bcc,
        body,
        cc,
        from,
        header,
        subject,
        text,
        to,
        // Internal date (before, on, since) or Date: header (sent_*) against
        // `date`.
        before,
        on,
        since,
        sent_before,
        sent_on,
        sent_since,
        // RFC822.SIZE strictly above / below `number`.
        larger,
        smaller,
        // Message sequence numbers / UIDs in `set`.
        sequence_set,
        uid,
        // Per-message mod-sequence >= `number` (RFC 7162 §3.1.5). When
        // given, `header_name` holds the entry name (e.g. "/flags/\seen")
        // and `text` the entry type ("priv", "shared" or "all"), lower-cased;
        // both may be ignored by a server that keeps one modseq per message.
        modseq,
    };

    Kind kind = Kind::all;
    std::string text;
    std::string header_name;
    SearchDate date;
    std::uint64_t number = 0;
    SequenceSet set;
    std::vector<SearchKey> children;
};

struct SearchProgram {
    SearchKey root;       // kind and_ with the top-level keys as children
    std::string charset;  // upper-cased; "US-ASCII" when no CHARSET was given
};

// What a sequence set's "*" stands for while parsing.
struct SearchContext {
    std::uint32_t max_seq = 0;  // messages in the mailbox
    std::uint32_t max_uid = 0;  // largest UID in use (0 when empty)
};

struct SearchError {
    std::string message;
    // An unknown charset: answer "NO [BADCHARSET (US-ASCII UTF-8)] ..."
    // (RFC 3501 §6.4.4); otherwise the error is a syntax error (BAD).
    bool bad_charset = false;
};

struct SearchParse {
    std::optional<SearchProgram> program;  // set on success
    SearchError error;                     // meaningful when !program
    explicit operator bool() const noexcept { return program.has_value(); }
};

// Parses the search criteria in `args` (after "SEARCH", or after
// "UID SEARCH"): an optional "CHARSET x" (US-ASCII and UTF-8 accepted, case
// insensitive) and one or more keys. Errors carry a message naming the
// problem ("missing argument to FROM", "invalid date: 31-Feb-2020", "unknown
// search key: FOO", "search keys nested too deeply"). Nesting of NOT/OR and
// lists is limited to 64 levels. String operands are kept as octets; with
// CHARSET UTF-8 they are UTF-8. ESEARCH's "RETURN (...)" is not handled.
SearchParse parse_search(std::span<const Arg> args, SearchContext context);

// "d-MMM-yyyy" (day one or two digits, month name case-insensitive).
std::optional<SearchDate> parse_search_date(std::string_view text);

}  // namespace mailferry::testserver::imap
