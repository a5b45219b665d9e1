#include "clients/imap/command_text.hpp"

#include "clients/wire/ascii.hpp"

#include <algorithm>

namespace mailferry::imap {

bool needs_literal(std::string_view s) noexcept {
    return std::any_of(s.begin(), s.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u == 0 || c == '\r' || c == '\n' || u >= 0x80;
    });
}

std::string quote(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    out += '"';
    for (char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    out += '"';
    return out;
}

std::string format_flag_list(const std::vector<std::string>& flags) {
    std::string out = "(";
    for (const auto& f : flags) {
        if (wire::iequals(f, "\\Recent")) {
            continue;
        }
        if (out.size() > 1) {
            out += ' ';
        }
        out += f;
    }
    out += ')';
    return out;
}

std::string extract_message_id(std::string_view section) {
    std::size_t pos = 0;
    while (pos < section.size()) {
        auto eol = section.find('\n', pos);
        if (eol == std::string_view::npos) {
            eol = section.size();
        }
        const std::string_view line = section.substr(pos, eol - pos);
        pos = eol + 1;
        const auto colon = line.find(':');
        if (colon == std::string_view::npos || line.empty() || line[0] == ' ' || line[0] == '\t') {
            continue;
        }
        std::string_view name = line.substr(0, colon);
        while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) {
            name.remove_suffix(1);
        }
        if (!wire::iequals(name, "Message-ID")) {
            continue;
        }
        std::string value(line.substr(colon + 1));
        // Continuation lines start with white space (RFC 5322 §2.2.3).
        while (pos < section.size() && (section[pos] == ' ' || section[pos] == '\t')) {
            eol = section.find('\n', pos);
            if (eol == std::string_view::npos) {
                eol = section.size();
            }
            value += section.substr(pos, eol - pos);
            pos = eol + 1;
        }
        std::erase(value, '\r');
        std::replace(value.begin(), value.end(), '\t', ' ');
        const auto first = value.find_first_not_of(' ');
        if (first == std::string::npos) {
            return {};
        }
        const auto last = value.find_last_not_of(' ');
        return value.substr(first, last - first + 1);
    }
    return {};
}

}  // namespace mailferry::imap
