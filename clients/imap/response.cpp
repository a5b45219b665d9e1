#include "clients/imap/response.hpp"

#include "clients/wire/ascii.hpp"

#include <utility>

namespace mailferry::imap {

bool Value::is_atom(std::string_view keyword) const noexcept {
    return kind == Kind::atom && wire::iequals(text, keyword);
}

Value Value::make_atom(std::string t) {
    Value v;
    v.kind = Kind::atom;
    v.text = std::move(t);
    return v;
}

Value Value::make_number(std::uint64_t n) {
    Value v;
    v.kind = Kind::number;
    v.number = n;
    return v;
}

Value Value::make_quoted(std::string t) {
    Value v;
    v.kind = Kind::quoted;
    v.text = std::move(t);
    return v;
}

Value Value::make_nil() {
    return Value{};
}

Value Value::make_list(std::vector<Value> items) {
    Value v;
    v.kind = Kind::list;
    v.items = std::move(items);
    return v;
}

std::string_view to_string(Status s) noexcept {
    switch (s) {
        case Status::none:
            return "";
        case Status::ok:
            return "OK";
        case Status::no:
            return "NO";
        case Status::bad:
            return "BAD";
        case Status::preauth:
            return "PREAUTH";
        case Status::bye:
            return "BYE";
    }
    return "";
}

std::string Response::name() const {
    if (status != Status::none) {
        return std::string(to_string(status));
    }
    if (kind == Kind::continuation) {
        return {};
    }
    std::size_t i = (!data.empty() && data[0].kind == Value::Kind::number) ? 1 : 0;
    if (i < data.size() && data[i].kind == Value::Kind::atom) {
        return wire::to_ascii_upper(data[i].text);
    }
    return {};
}

std::optional<std::uint64_t> Response::number() const {
    if (status == Status::none && kind == Kind::untagged && !data.empty() &&
        data[0].kind == Value::Kind::number) {
        return data[0].number;
    }
    return std::nullopt;
}

std::string to_imap_text(const Value& v) {
    switch (v.kind) {
        case Value::Kind::atom:
            return v.text;
        case Value::Kind::number:
            return std::to_string(v.number);
        case Value::Kind::nil:
            return "NIL";
        case Value::Kind::quoted: {
            std::string out = "\"";
            for (char c : v.text) {
                if (c == '"' || c == '\\') {
                    out.push_back('\\');
                }
                out.push_back(c);
            }
            out.push_back('"');
            return out;
        }
        case Value::Kind::literal:
            return "{" + std::to_string(v.text.size()) + "}" + v.text;
        case Value::Kind::streamed_literal:
            return "{" + std::to_string(v.number) + "}";
        case Value::Kind::list:
            return "(" + to_imap_text(v.items) + ")";
    }
    return {};
}

std::string to_imap_text(const std::vector<Value>& values) {
    std::string out;
    for (const Value& v : values) {
        if (!out.empty()) {
            out.push_back(' ');
        }
        out += to_imap_text(v);
    }
    return out;
}

}  // namespace mailferry::imap
