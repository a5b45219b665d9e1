#include "contrib/testserver/imap/fetch_attributes.hpp"

#include "clients/wire/ascii.hpp"
#include "clients/wire/decimal.hpp"

#include <limits>

namespace mailferry::testserver::imap {
namespace {

using wire::iequals;
using wire::parse_decimal;
using Kind = FetchItem::Kind;

constexpr std::uint64_t u32_max = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t modseq_max = std::numeric_limits<std::int64_t>::max();  // 2^63-1

bool is_header_name_char(char c) {
    // RFC 5322 §3.6.8 field-name: printable US-ASCII except ":".
    return c > 0x20 && c < 0x7f && c != ':';
}

bool is_atom_char(char c) {
    switch (c) {
        case '(':
        case ')':
        case '{':
        case '%':
        case '*':
        case '"':
        case '\\':
        case ']':
            return false;
        default:
            return c > 0x20 && c < 0x7f;
    }
}

// header-list = "(" header-fld-name *(SP header-fld-name) ")", each name an
// astring (atom or quoted; literals are not kept by the command parser
// inside brackets). Appends the names upper-cased.
bool parse_header_list(std::string_view s, std::vector<std::string>& names) {
    if (s.size() < 3 || s.front() != '(' || s.back() != ')') {
        return false;
    }
    s = s.substr(1, s.size() - 2);
    std::size_t pos = 0;
    for (;;) {
        std::string name;
        if (pos < s.size() && s[pos] == '"') {
            ++pos;
            for (;;) {
                if (pos >= s.size()) {
                    return false;
                }
                char c = s[pos++];
                if (c == '"') {
                    break;
                }
                if (c == '\\') {
                    if (pos >= s.size()) {
                        return false;
                    }
                    c = s[pos++];
                }
                name.push_back(c);
            }
        } else {
            while (pos < s.size() && s[pos] != ' ') {
                if (!is_atom_char(s[pos])) {
                    return false;
                }
                name.push_back(s[pos++]);
            }
        }
        if (name.empty() || !std::all_of(name.begin(), name.end(), is_header_name_char)) {
            return false;
        }
        names.push_back(wire::to_ascii_upper(name));
        if (pos == s.size()) {
            return true;
        }
        if (s[pos] != ' ') {
            return false;
        }
        ++pos;
    }
}

std::optional<FetchItem::SectionSpec> parse_section(std::string_view s) {
    FetchItem::SectionSpec spec;
    std::size_t pos = 0;
    // section-part = nz-number *("." nz-number)
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        std::size_t end = pos;
        while (end < s.size() && s[end] >= '0' && s[end] <= '9') {
            ++end;
        }
        const auto n = parse_decimal(s.substr(pos, end - pos), u32_max);
        if (!n || *n == 0 || s[pos] == '0') {
            return std::nullopt;
        }
        spec.parts.push_back(static_cast<std::uint32_t>(*n));
        pos = end;
        if (pos == s.size()) {
            break;
        }
        if (s[pos] != '.' || pos + 1 == s.size()) {
            return std::nullopt;
        }
        ++pos;
    }
    const std::string rest = wire::to_ascii_upper(s.substr(pos));
    if (rest.empty()) {
        return spec;
    }
    if (rest == "HEADER" || rest == "TEXT" || (rest == "MIME" && !spec.parts.empty())) {
        spec.text = rest;
        return spec;
    }
    for (const std::string_view text : {"HEADER.FIELDS.NOT", "HEADER.FIELDS"}) {
        if (rest.size() > text.size() && rest.starts_with(text) && rest[text.size()] == ' ') {
            spec.text = text;
            if (!parse_header_list(std::string_view(rest).substr(text.size() + 1),
                                   spec.header_names)) {
                return std::nullopt;
            }
            return spec;
        }
    }
    return std::nullopt;
}

std::string canonical_section(const FetchItem::SectionSpec& spec) {
    std::string out;
    for (const auto part : spec.parts) {
        if (!out.empty()) {
            out += '.';
        }
        out += std::to_string(part);
    }
    if (!spec.text.empty()) {
        if (!out.empty()) {
            out += '.';
        }
        out += spec.text;
    }
    if (!spec.header_names.empty()) {
        out += " (";
        for (std::size_t i = 0; i < spec.header_names.size(); ++i) {
            const auto& name = spec.header_names[i];
            if (i > 0) {
                out += ' ';
            }
            if (std::all_of(name.begin(), name.end(), is_atom_char)) {
                out += name;
            } else {
                out += '"';
                for (const char c : name) {
                    if (c == '"' || c == '\\') {
                        out += '\\';
                    }
                    out += c;
                }
                out += '"';
            }
        }
        out += ')';
    }
    return out;
}

// "BODY[...]" / "BODY.PEEK[...]" with an optional "<origin.count>".
std::optional<FetchItem> parse_body_section(std::string_view text) {
    FetchItem item;
    item.kind = Kind::body_section;
    const std::string head = wire::to_ascii_upper(text.substr(0, text.find('[')));
    if (head == "BODY.PEEK") {
        item.peek = true;
    } else if (head != "BODY") {
        return std::nullopt;
    }
    const auto open = head.size();
    // The closing bracket is the last one: header names cannot contain "]"
    // outside quotes, and nothing after the section may.
    const auto close = text.rfind(']');
    if (close == std::string_view::npos || close < open) {
        return std::nullopt;
    }
    const auto spec = parse_section(text.substr(open + 1, close - open - 1));
    if (!spec) {
        return std::nullopt;
    }
    item.section = canonical_section(*spec);
    const auto tail = text.substr(close + 1);
    if (tail.empty()) {
        return item;
    }
    // RFC 3501 §9: "<" number "." nz-number ">"
    const auto dot = tail.find('.');
    if (tail.front() != '<' || tail.back() != '>' || dot == std::string_view::npos) {
        return std::nullopt;
    }
    const auto origin = parse_decimal(tail.substr(1, dot - 1), u32_max);
    const auto count = parse_decimal(tail.substr(dot + 1, tail.size() - dot - 2), u32_max);
    if (!origin || !count || *count == 0) {
        return std::nullopt;
    }
    item.partial.emplace(static_cast<std::uint32_t>(*origin), static_cast<std::uint32_t>(*count));
    return item;
}

std::optional<FetchItem> parse_item(std::string_view text) {
    struct Simple {
        std::string_view name;
        Kind kind;
    };
    static constexpr Simple simple[] = {
        {"UID", Kind::uid},
        {"FLAGS", Kind::flags},
        {"INTERNALDATE", Kind::internaldate},
        {"RFC822.SIZE", Kind::rfc822_size},
        {"ENVELOPE", Kind::envelope},
        {"BODYSTRUCTURE", Kind::body_structure},
        {"BODY", Kind::body},
        {"RFC822", Kind::rfc822},
        {"RFC822.HEADER", Kind::rfc822_header},
        {"RFC822.TEXT", Kind::rfc822_text},
        {"MODSEQ", Kind::modseq},
        {"X-GM-MSGID", Kind::gm_msgid},
        {"X-GM-THRID", Kind::gm_thrid},
        {"X-GM-LABELS", Kind::gm_labels},
    };
    for (const auto& s : simple) {
        if (iequals(text, s.name)) {
            FetchItem item;
            item.kind = s.kind;
            return item;
        }
    }
    if (text.find('[') != std::string_view::npos) {
        return parse_body_section(text);
    }
    return std::nullopt;
}

ParseResult<std::vector<FetchItem>> invalid_item(std::string_view text) {
    return ParseResult<std::vector<FetchItem>>::failure("invalid fetch attribute: " +
                                                        std::string(text));
}

}  // namespace

FetchItem::SectionSpec FetchItem::section_spec() const {
    if (auto spec = parse_section(section)) {
        return *spec;
    }
    return {};
}

ParseResult<std::vector<FetchItem>> parse_fetch_items(const Arg& arg) {
    std::vector<FetchItem> items;
    if (arg.kind == Arg::Kind::atom) {
        // RFC 3501 §6.4.5 macros.
        const Kind all[] = {Kind::flags, Kind::internaldate, Kind::rfc822_size, Kind::envelope};
        std::size_t macro_size = 0;
        if (iequals(arg.text, "ALL")) {
            macro_size = 4;
        } else if (iequals(arg.text, "FAST")) {
            macro_size = 3;
        } else if (iequals(arg.text, "FULL")) {
            macro_size = 4;
        }
        if (macro_size > 0) {
            for (std::size_t i = 0; i < macro_size; ++i) {
                items.push_back(FetchItem{all[i], false, {}, {}});
            }
            if (iequals(arg.text, "FULL")) {
                items.push_back(FetchItem{Kind::body, false, {}, {}});
            }
            return items;
        }
        auto item = parse_item(arg.text);
        if (!item) {
            return invalid_item(arg.text);
        }
        items.push_back(std::move(*item));
        return items;
    }
    if (arg.kind != Arg::Kind::list) {
        return invalid_item(arg.text);
    }
    if (arg.children.empty()) {
        return ParseResult<std::vector<FetchItem>>::failure("empty fetch attribute list");
    }
    for (const auto& child : arg.children) {
        if (child.kind != Arg::Kind::atom) {
            return invalid_item(child.kind == Arg::Kind::list ? "(...)" : child.text);
        }
        auto item = parse_item(child.text);
        if (!item) {
            return invalid_item(child.text);
        }
        items.push_back(std::move(*item));
    }
    return items;
}

std::string response_name(const FetchItem& item) {
    switch (item.kind) {
        case Kind::uid:
            return "UID";
        case Kind::flags:
            return "FLAGS";
        case Kind::internaldate:
            return "INTERNALDATE";
        case Kind::rfc822_size:
            return "RFC822.SIZE";
        case Kind::envelope:
            return "ENVELOPE";
        case Kind::body_structure:
            return "BODYSTRUCTURE";
        case Kind::body:
            return "BODY";
        case Kind::rfc822:
            return "RFC822";
        case Kind::rfc822_header:
            return "RFC822.HEADER";
        case Kind::rfc822_text:
            return "RFC822.TEXT";
        case Kind::modseq:
            return "MODSEQ";
        case Kind::gm_msgid:
            return "X-GM-MSGID";
        case Kind::gm_thrid:
            return "X-GM-THRID";
        case Kind::gm_labels:
            return "X-GM-LABELS";
        case Kind::body_section:
            break;
    }
    // RFC 3501 §7.4.2 BODY[<section>]<<origin octet>>: never ".PEEK", and of
    // a partial only the origin.
    std::string out = "BODY[" + item.section + "]";
    if (item.partial) {
        out += "<" + std::to_string(item.partial->first) + ">";
    }
    return out;
}

std::optional<std::uint64_t> parse_mod_sequence(std::string_view text, bool allow_zero) {
    const auto n = parse_decimal(text, modseq_max);
    if (!n || (*n == 0 && !allow_zero)) {
        return std::nullopt;
    }
    return n;
}

ParseResult<FetchModifiers> parse_fetch_modifiers(const Arg& list) {
    using R = ParseResult<FetchModifiers>;
    if (list.kind != Arg::Kind::list || list.children.empty()) {
        return R::failure("invalid fetch modifiers");
    }
    FetchModifiers mods;
    const auto& c = list.children;
    for (std::size_t i = 0; i < c.size(); ++i) {
        if (c[i].kind != Arg::Kind::atom) {
            return R::failure("invalid fetch modifiers");
        }
        if (iequals(c[i].text, "CHANGEDSINCE")) {
            if (mods.changed_since || i + 1 >= c.size() || c[i + 1].kind != Arg::Kind::atom) {
                return R::failure("invalid CHANGEDSINCE modifier");
            }
            mods.changed_since = parse_mod_sequence(c[i + 1].text, false);
            if (!mods.changed_since) {
                return R::failure("invalid CHANGEDSINCE value: " + c[i + 1].text);
            }
            ++i;
        } else if (iequals(c[i].text, "VANISHED") && !mods.vanished) {
            mods.vanished = true;
        } else {
            return R::failure("unknown fetch modifier: " + c[i].text);
        }
    }
    if (mods.vanished && !mods.changed_since) {
        // RFC 7162 §3.2.6: VANISHED requires CHANGEDSINCE.
        return R::failure("VANISHED requires CHANGEDSINCE");
    }
    return mods;
}

ParseResult<std::uint64_t> parse_store_modifiers(const Arg& list) {
    using R = ParseResult<std::uint64_t>;
    if (list.kind != Arg::Kind::list || list.children.size() != 2 ||
        list.children[0].kind != Arg::Kind::atom || list.children[1].kind != Arg::Kind::atom ||
        !iequals(list.children[0].text, "UNCHANGEDSINCE")) {
        return R::failure("invalid store modifiers");
    }
    const auto n = parse_mod_sequence(list.children[1].text, true);
    if (!n) {
        return R::failure("invalid UNCHANGEDSINCE value: " + list.children[1].text);
    }
    return *n;
}

}  // namespace mailferry::testserver::imap
