#include "contrib/testserver/imap/response_encoding.hpp"

#include "clients/wire/ascii.hpp"

#include <algorithm>

namespace mailferry::testserver::imap {
namespace {

// RFC 3501 §9 ASTRING-CHAR = ATOM-CHAR / resp-specials.
bool is_astring_char(char ch) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f) {
        return false;
    }
    switch (c) {
        case '(':
        case ')':
        case '{':
        case '%':
        case '*':
        case '"':
        case '\\':
            return false;
        default:
            return true;
    }
}

// RFC 3501 §9 QUOTED-CHAR: TEXT-CHAR (CHAR except CR, LF; CHAR excludes NUL
// and 8-bit).
bool is_quotable(char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c >= 0x01 && c <= 0x7f && c != '\r' && c != '\n';
}

}  // namespace

std::string quoted_or_literal(std::string_view s) {
    if (std::all_of(s.begin(), s.end(), is_quotable)) {
        std::string out;
        out.reserve(s.size() + 2);
        out += '"';
        for (const char c : s) {
            if (c == '"' || c == '\\') {
                out += '\\';
            }
            out += c;
        }
        out += '"';
        return out;
    }
    std::string out = "{" + std::to_string(s.size()) + "}\r\n";
    out.append(s);
    return out;
}

std::string astring(std::string_view s) {
    if (!s.empty() && std::all_of(s.begin(), s.end(), is_astring_char) &&
        !wire::iequals(s, "NIL")) {
        return std::string(s);
    }
    return quoted_or_literal(s);
}

std::string nstring(std::optional<std::string_view> s) {
    return s ? quoted_or_literal(*s) : std::string("NIL");
}

std::string flag_list(std::span<const std::string> flags) {
    std::string out = "(";
    for (std::size_t i = 0; i < flags.size(); ++i) {
        if (i > 0) {
            out += ' ';
        }
        out += flags[i];
    }
    out += ')';
    return out;
}

std::string mailbox_name(std::string_view name) {
    return astring(name);
}

}  // namespace mailferry::testserver::imap
