#include "contrib/testserver/mime/detail/imap_string.hpp"

#include <algorithm>

namespace mailferry::testserver::mime::detail {

namespace {

bool needs_literal(std::string_view text) {
    return std::any_of(text.begin(), text.end(), [](char c) {
        const auto octet = static_cast<unsigned char>(c);
        return octet == '\r' || octet == '\n' || octet == 0 || octet >= 0x80;
    });
}

}  // namespace

void append_string(std::string& out, std::string_view text) {
    if (needs_literal(text)) {
        out += '{';
        out += std::to_string(text.size());
        out += "}\r\n";
        out += text;
        return;
    }
    out += '"';
    for (char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    out += '"';
}

void append_nstring(std::string& out, const std::optional<std::string>& text) {
    if (text) {
        append_string(out, *text);
    } else {
        out += "NIL";
    }
}

}  // namespace mailferry::testserver::mime::detail
