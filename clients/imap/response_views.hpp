#pragma once
// Typed views over parsed IMAP responses: what the IMAP engine needs from
// status responses, CAPABILITY, LIST/LSUB, STATUS, SEARCH/ESEARCH, FLAGS,
// EXISTS/RECENT/EXPUNGE, VANISHED, FETCH, NAMESPACE, ENABLED and ID.
//
// Each parse_* function returns error::malformed_response when the response
// is of its kind but not of the expected shape, and when it is of another
// kind (check Response::name() first). Results own their data.

#include "clients/imap/error.hpp"
#include "clients/imap/response.hpp"

#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mailferry::imap {

template <class T>
using Result = boost::system::result<T>;

// A tagged or untagged OK/NO/BAD/PREAUTH/BYE.
struct StatusResponse {
    bool tagged = false;
    std::string tag;
    Status status = Status::none;
    std::optional<ResponseCode> code;
    std::string text;
};
Result<StatusResponse> parse_status(const Response& r);

// Response code arguments (RFC 3501 §7.1, RFC 4315, RFC 7162).
// UIDVALIDITY, UIDNEXT, UNSEEN, HIGHESTMODSEQ: the number argument.
std::optional<std::uint64_t> code_number(const ResponseCode& code);
// CAPABILITY, PERMANENTFLAGS, BADCHARSET: the atoms (flattening one list).
std::vector<std::string> code_atoms(const ResponseCode& code);

struct AppendUid {  // [APPENDUID uidvalidity uid-set] (RFC 4315 §3)
    std::uint32_t uidvalidity = 0;
    std::string uids;
};
std::optional<AppendUid> parse_appenduid(const ResponseCode& code);

struct CopyUid {  // [COPYUID uidvalidity source-set dest-set] (RFC 4315 §3)
    std::uint32_t uidvalidity = 0;
    std::string source_uids;
    std::string target_uids;
};
std::optional<CopyUid> parse_copyuid(const ResponseCode& code);

// `* CAPABILITY ...`: capability names as sent.
Result<std::vector<std::string>> parse_capability(const Response& r);

// `* LIST (attributes) delimiter mailbox [extended]` and LSUB
// (RFC 3501 §7.2.2, RFC 6154 special-use attributes, RFC 5258).
struct ListEntry {
    bool lsub = false;
    std::vector<std::string> attributes;              // as sent: "\HasNoChildren", "\Sent"
    std::optional<char> delimiter;                    // NIL: flat namespace
    std::string mailbox;                              // modified UTF-7 as sent, unquoted
    bool has_attribute(std::string_view name) const;  // case-insensitive
};
Result<ListEntry> parse_list(const Response& r);

// `* STATUS mailbox (MESSAGES n UIDNEXT n ...)` (RFC 3501 §7.2.4, RFC 7162).
struct MailboxStatus {
    std::string mailbox;
    std::optional<std::uint64_t> messages, recent, uidnext, uidvalidity, unseen, highestmodseq;
    // Every item, upper-cased name and number, unknown ones included.
    std::vector<std::pair<std::string, std::uint64_t>> items;
};
Result<MailboxStatus> parse_status_data(const Response& r);

// `* SEARCH n...` with the RFC 7162 §3.1.5 `(MODSEQ n)` tail.
struct SearchResult {
    std::vector<std::uint32_t> numbers;
    std::optional<std::uint64_t> modseq;
};
Result<SearchResult> parse_search(const Response& r);

// `* ESEARCH [(TAG "x")] [UID] MIN n MAX n COUNT n ALL set` (RFC 4731).
struct ESearchResult {
    std::optional<std::string> tag;
    bool uid = false;
    std::optional<std::uint32_t> min, max;
    std::optional<std::uint64_t> count;
    std::optional<std::string> all;  // sequence set text, e.g. "1:3,5"
    std::optional<std::uint64_t> modseq;
};
Result<ESearchResult> parse_esearch(const Response& r);

// `* FLAGS (...)`.
Result<std::vector<std::string>> parse_flags(const Response& r);

// `* n EXISTS`, `* n RECENT`, `* n EXPUNGE`.
struct MessageCount {
    enum class Kind { exists, recent, expunge };
    Kind kind = Kind::exists;
    std::uint32_t number = 0;
};
Result<MessageCount> parse_message_count(const Response& r);

// A UID set in compact form: ascending, disjoint, non-adjacent ranges
// ("3:1,5,6" holds {1,3} and {5,6}). UIDs are never 0.
struct UidRange {
    std::uint32_t first = 0;
    std::uint32_t last = 0;  // >= first
    friend bool operator==(const UidRange&, const UidRange&) = default;
};
using UidRanges = std::vector<UidRange>;

// A sequence-set without "*" (RFC 3501 §9, RFC 7162 §7 known-uids): nz-number
// or nz-number ":" nz-number (either order), comma-separated. Normalized to
// UidRanges; std::nullopt when malformed (0, "*", empty parts, overflow).
std::optional<UidRanges> parse_uid_ranges(std::string_view set);
// The shortest sequence-set text for `set` ("1:3,5"); "" when empty.
std::string format_uid_ranges(const UidRanges& set);
// Adds every UID of `more` to `set`, keeping it normalized.
void merge_uid_ranges(UidRanges& set, const UidRanges& more);
// How many UIDs `set` holds.
std::uint64_t uid_count(const UidRanges& set) noexcept;
bool contains_uid(const UidRanges& set, std::uint32_t uid) noexcept;
// Every UID of `set`, ascending; std::nullopt when more than `limit`.
std::optional<std::vector<std::uint32_t>> expand_uid_ranges(const UidRanges& set,
                                                            std::size_t limit = 10'000'000);

// `* VANISHED [(EARLIER)] known-uids` (RFC 7162 §3.2.10, §7 expunged-resp).
// Without EARLIER each UID is one message fewer in the selected mailbox
// (§3.2.10.2); with EARLIER (answers to SELECT (QRESYNC ...) and UID FETCH
// (CHANGEDSINCE n VANISHED)) the message count is unchanged (§3.2.10.1).
struct Vanished {
    bool earlier = false;
    std::string uids;  // the set as sent
    UidRanges ranges;  // the same, normalized
};
Result<Vanished> parse_vanished(const Response& r);

// One BODY[section]<origin> (or BINARY[...], RFC822, RFC822.HEADER,
// RFC822.TEXT) item of a FETCH response.
struct FetchBody {
    std::string item;     // the item as sent, e.g. "BODY[1.2]<0>"
    std::string section;  // between the brackets, e.g. "1.2", "HEADER"; "" for BODY[]
    std::optional<std::uint64_t> origin;
    // Inline content; absent for NIL and for a streamed literal.
    std::optional<std::string> content;
    bool streamed = false;  // the bytes went out as literal_chunk events
    std::uint64_t size = 0;
};

// `* n FETCH (...)` (RFC 3501 §7.4.2, RFC 7162 MODSEQ, Gmail X-GM-*).
struct FetchData {
    std::uint32_t sequence = 0;
    std::optional<std::uint32_t> uid;
    std::optional<std::vector<std::string>> flags;
    std::optional<std::string> internal_date;
    std::optional<std::uint64_t> rfc822_size;
    std::optional<std::uint64_t> modseq;
    std::vector<FetchBody> bodies;
    std::optional<Value> envelope;
    std::optional<Value> bodystructure;  // BODYSTRUCTURE or BODY without section
    // Gmail extensions.
    std::optional<std::uint64_t> gmail_msgid, gmail_thrid;
    std::optional<std::vector<std::string>> gmail_labels;
    // Every item as (upper-cased name, value), known and unknown.
    std::vector<std::pair<std::string, Value>> items;
};
Result<FetchData> parse_fetch(const Response& r);

// `* NAMESPACE personal other shared` (RFC 2342).
struct NamespaceEntry {
    std::string prefix;
    std::optional<char> delimiter;
};
struct Namespaces {
    std::vector<NamespaceEntry> personal, other, shared;
};
Result<Namespaces> parse_namespace(const Response& r);

// `* ENABLED cap...` (RFC 5161).
Result<std::vector<std::string>> parse_enabled(const Response& r);

// `* ID (key value ...)` or `* ID NIL` (RFC 2971); NIL values are nullopt.
Result<std::vector<std::pair<std::string, std::optional<std::string>>>> parse_id(const Response& r);

}  // namespace mailferry::imap
