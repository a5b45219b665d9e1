#include "clients/imap/response_views.hpp"

#include "clients/wire/ascii.hpp"
#include "clients/wire/decimal.hpp"
#include "clients/wire/sequence_set.hpp"

#include <algorithm>
#include <iterator>
#include <limits>

namespace mailferry::imap {
namespace {

using Kind = Value::Kind;

const boost::system::error_code malformed = make_error_code(error::malformed_response);

std::optional<std::uint32_t> as_u32(const Value& v) {
    if (v.kind != Kind::number || v.number > std::numeric_limits<std::uint32_t>::max()) {
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(v.number);
}

// Text of an atom, number or string (a set like `1:3,5`, or `7` read as a
// number).
std::optional<std::string> as_text(const Value& v) {
    if (v.kind == Kind::number) {
        return std::to_string(v.number);
    }
    if (v.is_astring()) {
        return v.text;
    }
    return std::nullopt;
}

std::optional<std::vector<std::string>> as_atom_list(const Value& v) {
    if (v.kind != Kind::list) {
        return std::nullopt;
    }
    std::vector<std::string> out;
    for (const Value& item : v.items) {
        auto t = as_text(item);
        if (!t) {
            return std::nullopt;
        }
        out.push_back(std::move(*t));
    }
    return out;
}

// A hierarchy delimiter: a one-character string or NIL.
bool read_delimiter(const Value& v, std::optional<char>& out) {
    if (v.kind == Kind::nil) {
        out.reset();
        return true;
    }
    if (v.is_string() && v.text.size() == 1) {
        out = v.text[0];
        return true;
    }
    return false;
}

// data after the keyword: `* KEYWORD args...` -> args; nullptr if the
// response is not untagged data named `keyword`.
const Value* args_of(const Response& r, std::string_view keyword, std::size_t& count) {
    if (r.kind != Response::Kind::untagged || r.is_status() || r.data.empty() ||
        r.data[0].kind != Kind::atom || !wire::iequals(r.data[0].text, keyword)) {
        return nullptr;
    }
    count = r.data.size() - 1;
    return r.data.data() + 1;
}

}  // namespace

Result<StatusResponse> parse_status(const Response& r) {
    if (!r.is_status()) {
        return malformed;
    }
    StatusResponse s;
    s.tagged = r.kind == Response::Kind::tagged;
    s.tag = r.tag;
    s.status = r.status;
    s.code = r.code;
    s.text = r.text;
    return s;
}

std::optional<std::uint64_t> code_number(const ResponseCode& code) {
    if (code.args.size() == 1 && code.args[0].kind == Kind::number) {
        return code.args[0].number;
    }
    return std::nullopt;
}

std::vector<std::string> code_atoms(const ResponseCode& code) {
    std::vector<std::string> out;
    for (const Value& v : code.args) {
        const std::vector<Value> one{v};
        for (const Value& item : v.kind == Kind::list ? v.items : one) {
            if (auto t = as_text(item)) {
                out.push_back(std::move(*t));
            }
        }
    }
    return out;
}

std::optional<AppendUid> parse_appenduid(const ResponseCode& code) {
    if (code.name != "APPENDUID" || code.args.size() != 2) {
        return std::nullopt;
    }
    auto validity = as_u32(code.args[0]);
    auto uids = as_text(code.args[1]);
    if (!validity || !uids || code.args[1].is_string()) {
        return std::nullopt;
    }
    return AppendUid{*validity, std::move(*uids)};
}

std::optional<CopyUid> parse_copyuid(const ResponseCode& code) {
    if (code.name != "COPYUID" || code.args.size() != 3) {
        return std::nullopt;
    }
    auto validity = as_u32(code.args[0]);
    auto source = as_text(code.args[1]);
    auto target = as_text(code.args[2]);
    if (!validity || !source || !target) {
        return std::nullopt;
    }
    return CopyUid{*validity, std::move(*source), std::move(*target)};
}

Result<std::vector<std::string>> parse_capability(const Response& r) {
    std::size_t n = 0;
    const Value* args = args_of(r, "CAPABILITY", n);
    if (!args) {
        return malformed;
    }
    std::vector<std::string> caps;
    for (std::size_t i = 0; i < n; ++i) {
        if (args[i].kind != Kind::atom) {
            return malformed;
        }
        caps.push_back(args[i].text);
    }
    return caps;
}

bool ListEntry::has_attribute(std::string_view name) const {
    return std::any_of(attributes.begin(), attributes.end(),
                       [&](const std::string& a) { return wire::iequals(a, name); });
}

Result<ListEntry> parse_list(const Response& r) {
    std::size_t n = 0;
    const Value* args = args_of(r, "LIST", n);
    ListEntry entry;
    if (!args) {
        args = args_of(r, "LSUB", n);
        entry.lsub = true;
    }
    // RFC 5258 allows extended data after the name; it is ignored here.
    if (!args || n < 3) {
        return malformed;
    }
    auto attributes = as_atom_list(args[0]);
    if (!attributes || !read_delimiter(args[1], entry.delimiter)) {
        return malformed;
    }
    entry.attributes = std::move(*attributes);
    // A mailbox called NIL arrives as the atom NIL when unquoted; INBOX
    // and numeric names come as atoms or numbers.
    if (args[2].kind == Kind::nil) {
        entry.mailbox = "NIL";
    } else if (auto name = as_text(args[2])) {
        entry.mailbox = std::move(*name);
    } else {
        return malformed;
    }
    return entry;
}

Result<MailboxStatus> parse_status_data(const Response& r) {
    std::size_t n = 0;
    const Value* args = args_of(r, "STATUS", n);
    if (!args || n != 2 || args[1].kind != Kind::list || args[1].items.size() % 2 != 0) {
        return malformed;
    }
    MailboxStatus s;
    if (args[0].kind == Kind::nil) {
        s.mailbox = "NIL";
    } else if (auto name = as_text(args[0])) {
        s.mailbox = std::move(*name);
    } else {
        return malformed;
    }
    const std::vector<Value>& items = args[1].items;
    for (std::size_t i = 0; i < items.size(); i += 2) {
        if (items[i].kind != Kind::atom || items[i + 1].kind != Kind::number) {
            return malformed;
        }
        const std::string name = wire::to_ascii_upper(items[i].text);
        const std::uint64_t value = items[i + 1].number;
        if (name == "MESSAGES") {
            s.messages = value;
        } else if (name == "RECENT") {
            s.recent = value;
        } else if (name == "UIDNEXT") {
            s.uidnext = value;
        } else if (name == "UIDVALIDITY") {
            s.uidvalidity = value;
        } else if (name == "UNSEEN") {
            s.unseen = value;
        } else if (name == "HIGHESTMODSEQ") {
            s.highestmodseq = value;
        }
        s.items.emplace_back(name, value);
    }
    return s;
}

Result<SearchResult> parse_search(const Response& r) {
    std::size_t n = 0;
    const Value* args = args_of(r, "SEARCH", n);
    if (!args) {
        return malformed;
    }
    SearchResult s;
    for (std::size_t i = 0; i < n; ++i) {
        if (auto num = as_u32(args[i]); num && *num > 0) {
            s.numbers.push_back(*num);
        } else if (i + 1 == n && args[i].kind == Kind::list && args[i].items.size() == 2 &&
                   args[i].items[0].is_atom("MODSEQ") && args[i].items[1].kind == Kind::number) {
            s.modseq = args[i].items[1].number;
        } else {
            return malformed;
        }
    }
    return s;
}

Result<ESearchResult> parse_esearch(const Response& r) {
    std::size_t n = 0;
    const Value* args = args_of(r, "ESEARCH", n);
    if (!args) {
        return malformed;
    }
    ESearchResult s;
    std::size_t i = 0;
    if (i < n && args[i].kind == Kind::list) {
        const std::vector<Value>& corr = args[i].items;
        if (corr.size() != 2 || !corr[0].is_atom("TAG") || !corr[1].is_string()) {
            return malformed;
        }
        s.tag = corr[1].text;
        ++i;
    }
    if (i < n && args[i].is_atom("UID")) {
        s.uid = true;
        ++i;
    }
    // RFC 4731 §3.1: search-return-data = name SP value, any order.
    for (; i + 1 < n; i += 2) {
        const std::string name =
            args[i].kind == Kind::atom ? wire::to_ascii_upper(args[i].text) : "";
        const Value& v = args[i + 1];
        if (name == "MIN" || name == "MAX") {
            auto num = as_u32(v);
            if (!num) {
                return malformed;
            }
            (name == "MIN" ? s.min : s.max) = *num;
        } else if (name == "COUNT" || name == "MODSEQ") {
            if (v.kind != Kind::number) {
                return malformed;
            }
            (name == "COUNT" ? s.count : s.modseq) = v.number;
        } else if (name == "ALL") {
            auto set = as_text(v);
            if (!set || v.is_string()) {
                return malformed;
            }
            s.all = std::move(*set);
        } else if (name.empty()) {
            return malformed;
        }
    }
    if (i != n) {
        return malformed;
    }
    return s;
}

Result<std::vector<std::string>> parse_flags(const Response& r) {
    std::size_t n = 0;
    const Value* args = args_of(r, "FLAGS", n);
    if (!args || n != 1) {
        return malformed;
    }
    auto flags = as_atom_list(args[0]);
    if (!flags) {
        return malformed;
    }
    return std::move(*flags);
}

Result<MessageCount> parse_message_count(const Response& r) {
    const auto num = r.number();
    if (!num || r.data.size() != 2 || *num > std::numeric_limits<std::uint32_t>::max()) {
        return malformed;
    }
    MessageCount c;
    c.number = static_cast<std::uint32_t>(*num);
    const std::string name = r.name();
    if (name == "EXISTS") {
        c.kind = MessageCount::Kind::exists;
    } else if (name == "RECENT") {
        c.kind = MessageCount::Kind::recent;
    } else if (name == "EXPUNGE" && c.number > 0) {
        c.kind = MessageCount::Kind::expunge;
    } else {
        return malformed;
    }
    return c;
}

std::optional<UidRanges> parse_uid_ranges(std::string_view set) {
    // nz-number = digit-nz *DIGIT, at most 2^32 - 1 (RFC 3501 §9).
    auto number = [](std::string_view digits) -> std::optional<std::uint32_t> {
        if (digits.empty() || digits[0] == '0') {
            return std::nullopt;
        }
        return wire::parse_u32(digits);
    };
    UidRanges parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = set.find(',', start);
        const std::string_view part = set.substr(start, comma - start);
        const std::size_t colon = part.find(':');
        const auto a = number(part.substr(0, colon));
        const auto b = colon == std::string_view::npos ? a : number(part.substr(colon + 1));
        if (!a || !b) {
            return std::nullopt;
        }
        // RFC 3501 §9: "2:4" and "4:2" are the same range.
        parts.push_back(UidRange{std::min(*a, *b), std::max(*a, *b)});
        if (comma == std::string_view::npos) {
            break;
        }
        start = comma + 1;
    }
    UidRanges out;
    merge_uid_ranges(out, parts);
    return out;
}

std::string format_uid_ranges(const UidRanges& set) {
    std::string out;
    for (const UidRange& r : set) {
        wire::append_uid_range(out, r.first, r.last);
    }
    return out;
}

void merge_uid_ranges(UidRanges& set, const UidRanges& more) {
    set.insert(set.end(), more.begin(), more.end());
    std::sort(set.begin(), set.end(),
              [](const UidRange& x, const UidRange& y) { return x.first < y.first; });
    UidRanges merged;
    for (const UidRange& r : set) {
        // Overlapping or adjacent ranges join; `last + 1` cannot overflow
        // before the comparison because it is done in 64 bits.
        if (!merged.empty() && static_cast<std::uint64_t>(merged.back().last) + 1 >= r.first) {
            merged.back().last = std::max(merged.back().last, r.last);
        } else {
            merged.push_back(r);
        }
    }
    set = std::move(merged);
}

std::uint64_t uid_count(const UidRanges& set) noexcept {
    std::uint64_t n = 0;
    for (const UidRange& r : set) {
        n += static_cast<std::uint64_t>(r.last) - r.first + 1;
    }
    return n;
}

bool contains_uid(const UidRanges& set, std::uint32_t uid) noexcept {
    const auto it =
        std::upper_bound(set.begin(), set.end(), uid,
                         [](std::uint32_t u, const UidRange& r) { return u < r.first; });
    return it != set.begin() && std::prev(it)->last >= uid;
}

std::optional<std::vector<std::uint32_t>> expand_uid_ranges(const UidRanges& set,
                                                            std::size_t limit) {
    if (uid_count(set) > limit) {
        return std::nullopt;
    }
    std::vector<std::uint32_t> out;
    out.reserve(static_cast<std::size_t>(uid_count(set)));
    for (const UidRange& r : set) {
        for (std::uint64_t uid = r.first; uid <= r.last; ++uid) {
            out.push_back(static_cast<std::uint32_t>(uid));
        }
    }
    return out;
}

Result<Vanished> parse_vanished(const Response& r) {
    std::size_t n = 0;
    const Value* args = args_of(r, "VANISHED", n);
    if (!args || n < 1) {
        return malformed;
    }
    Vanished v;
    std::size_t i = 0;
    if (args[0].kind == Kind::list) {
        if (args[0].items.size() != 1 || !args[0].items[0].is_atom("EARLIER")) {
            return malformed;
        }
        v.earlier = true;
        ++i;
    }
    if (i + 1 != n || args[i].is_string()) {
        return malformed;
    }
    auto set = as_text(args[i]);
    if (!set) {
        return malformed;
    }
    // known-uids: a sequence-set without "*" (RFC 7162 §7).
    auto ranges = parse_uid_ranges(*set);
    if (!ranges) {
        return malformed;
    }
    v.uids = std::move(*set);
    v.ranges = std::move(*ranges);
    return v;
}

Result<Namespaces> parse_namespace(const Response& r) {
    std::size_t n = 0;
    const Value* args = args_of(r, "NAMESPACE", n);
    if (!args || n != 3) {
        return malformed;
    }
    Namespaces ns;
    std::vector<NamespaceEntry>* lists[] = {&ns.personal, &ns.other, &ns.shared};
    for (std::size_t i = 0; i < 3; ++i) {
        if (args[i].kind == Kind::nil) {
            continue;
        }
        if (args[i].kind != Kind::list) {
            return malformed;
        }
        for (const Value& d : args[i].items) {
            // Namespace_Response_Extensions may follow prefix and delimiter.
            if (d.kind != Kind::list || d.items.size() < 2 || !d.items[0].is_string()) {
                return malformed;
            }
            NamespaceEntry e;
            e.prefix = d.items[0].text;
            if (!read_delimiter(d.items[1], e.delimiter)) {
                return malformed;
            }
            lists[i]->push_back(std::move(e));
        }
    }
    return ns;
}

Result<std::vector<std::string>> parse_enabled(const Response& r) {
    std::size_t n = 0;
    const Value* args = args_of(r, "ENABLED", n);
    if (!args) {
        return malformed;
    }
    std::vector<std::string> caps;
    for (std::size_t i = 0; i < n; ++i) {
        if (args[i].kind != Kind::atom) {
            return malformed;
        }
        caps.push_back(args[i].text);
    }
    return caps;
}

Result<std::vector<std::pair<std::string, std::optional<std::string>>>> parse_id(
    const Response& r) {
    std::size_t n = 0;
    const Value* args = args_of(r, "ID", n);
    if (!args || n != 1) {
        return malformed;
    }
    std::vector<std::pair<std::string, std::optional<std::string>>> out;
    if (args[0].kind == Kind::nil) {
        return out;
    }
    if (args[0].kind != Kind::list || args[0].items.size() % 2 != 0) {
        return malformed;
    }
    const std::vector<Value>& items = args[0].items;
    for (std::size_t i = 0; i < items.size(); i += 2) {
        if (!items[i].is_string() || !items[i + 1].is_nstring()) {
            return malformed;
        }
        std::optional<std::string> value;
        if (items[i + 1].kind != Kind::nil) {
            value = items[i + 1].text;
        }
        out.emplace_back(items[i].text, std::move(value));
    }
    return out;
}

}  // namespace mailferry::imap
