// parse_fetch() of response_views.hpp: `* n FETCH (item value ...)`
// (RFC 3501 §7.4.2), with RFC 7162 MODSEQ and Gmail's X-GM-* items.
#include "clients/imap/response_views.hpp"

#include "clients/wire/ascii.hpp"
#include "clients/wire/decimal.hpp"

#include <algorithm>
#include <limits>

namespace mailferry::imap {
namespace {

using Kind = Value::Kind;

// Splits `BODY[1.2]<0>` into base "BODY", section "1.2" and origin 0.
// Returns false when the brackets or origin are malformed.
bool split_item(std::string_view item, std::string& base, std::optional<std::string>& section,
                std::optional<std::uint64_t>& origin) {
    const std::size_t open = item.find('[');
    base = wire::to_ascii_upper(item.substr(0, open));
    if (open == std::string_view::npos) {
        return true;
    }
    const std::size_t close = item.rfind(']');
    if (close == std::string_view::npos || close < open) {
        return false;
    }
    section = std::string(item.substr(open + 1, close - open - 1));
    std::string_view tail = item.substr(close + 1);
    if (tail.empty()) {
        return true;
    }
    if (tail.size() < 3 || tail.front() != '<' || tail.back() != '>') {
        return false;
    }
    tail = tail.substr(1, tail.size() - 2);
    origin = wire::parse_u64(tail);
    return origin.has_value();
}

std::optional<std::vector<std::string>> text_list(const Value& v) {
    if (v.kind != Kind::list) {
        return std::nullopt;
    }
    std::vector<std::string> out;
    for (const Value& item : v.items) {
        if (item.kind == Kind::number) {
            out.push_back(std::to_string(item.number));
        } else if (item.is_astring()) {
            out.push_back(item.text);
        } else {
            return std::nullopt;
        }
    }
    return out;
}

}  // namespace

Result<FetchData> parse_fetch(const Response& r) {
    const boost::system::error_code malformed = make_error_code(error::malformed_response);
    const auto seq = r.number();
    if (!seq || r.name() != "FETCH" || r.data.size() != 3 || r.data[2].kind != Kind::list ||
        *seq == 0 || *seq > std::numeric_limits<std::uint32_t>::max()) {
        return malformed;
    }
    FetchData f;
    f.sequence = static_cast<std::uint32_t>(*seq);
    const std::vector<Value>& items = r.data[2].items;
    if (items.size() % 2 != 0) {
        return malformed;
    }
    for (std::size_t i = 0; i < items.size(); i += 2) {
        const Value& key = items[i];
        const Value& v = items[i + 1];
        if (key.kind != Kind::atom) {
            return malformed;
        }
        std::string base;
        std::optional<std::string> section;
        std::optional<std::uint64_t> origin;
        if (!split_item(key.text, base, section, origin)) {
            return malformed;
        }
        const bool is_body_item = section.has_value() || base == "RFC822" ||
                                  base == "RFC822.HEADER" || base == "RFC822.TEXT";
        if (base == "UID") {
            if (v.kind != Kind::number || v.number == 0 ||
                v.number > std::numeric_limits<std::uint32_t>::max()) {
                return malformed;
            }
            f.uid = static_cast<std::uint32_t>(v.number);
        } else if (base == "FLAGS") {
            f.flags = text_list(v);
            if (!f.flags) {
                return malformed;
            }
        } else if (base == "INTERNALDATE") {
            if (!v.is_string()) {
                return malformed;
            }
            f.internal_date = v.text;
        } else if (base == "RFC822.SIZE") {
            if (v.kind != Kind::number) {
                return malformed;
            }
            f.rfc822_size = v.number;
        } else if (base == "MODSEQ") {
            // RFC 7162 §3.1.4: MODSEQ (mod-sequence-value)
            if (v.kind != Kind::list || v.items.size() != 1 || v.items[0].kind != Kind::number) {
                return malformed;
            }
            f.modseq = v.items[0].number;
        } else if (base == "ENVELOPE") {
            if (v.kind != Kind::list) {
                return malformed;
            }
            f.envelope = v;
        } else if ((base == "BODYSTRUCTURE" || base == "BODY") && !section) {
            if (v.kind != Kind::list) {
                return malformed;
            }
            f.bodystructure = v;
        } else if (is_body_item) {
            FetchBody b;
            b.item = key.text;
            b.section = section.value_or("");
            b.origin = origin;
            if (v.kind == Kind::streamed_literal) {
                b.streamed = true;
                b.size = v.number;
            } else if (v.is_string()) {
                b.content = v.text;
                b.size = v.text.size();
            } else if (v.kind != Kind::nil) {
                return malformed;
            }
            f.bodies.push_back(std::move(b));
        } else if (base == "X-GM-MSGID" || base == "X-GM-THRID") {
            if (v.kind != Kind::number) {
                return malformed;
            }
            (base == "X-GM-MSGID" ? f.gmail_msgid : f.gmail_thrid) = v.number;
        } else if (base == "X-GM-LABELS") {
            f.gmail_labels = text_list(v);
            if (!f.gmail_labels) {
                return malformed;
            }
        }
        f.items.emplace_back(wire::to_ascii_upper(key.text), v);
    }
    return f;
}

}  // namespace mailferry::imap
