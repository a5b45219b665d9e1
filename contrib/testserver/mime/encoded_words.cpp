#include "contrib/testserver/mime/encoded_words.hpp"

#include "clients/wire/ascii.hpp"
#include "clients/wire/base64.hpp"

#include <cstddef>
#include <optional>
#include <utility>

namespace mailferry::testserver::mime {

namespace {

int hex_value(char ch) {
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    const char upper = wire::ascii_upper(ch);
    return upper >= 'A' && upper <= 'F' ? upper - 'A' + 10 : -1;
}

// §4.2: "_" is a space, "=XX" an octet.
std::optional<std::string> q_decode(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '_') {
            out += ' ';
        } else if (text[i] == '=') {
            if (i + 2 >= text.size()) {
                return std::nullopt;
            }
            const int hi = hex_value(text[i + 1]);
            const int lo = hex_value(text[i + 2]);
            if (hi < 0 || lo < 0) {
                return std::nullopt;
            }
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

std::string latin1_to_utf8(std::string_view text) {
    std::string out;
    for (char ch : text) {
        const auto octet = static_cast<unsigned char>(ch);
        if (octet < 0x80) {
            out += ch;
        } else {
            out += static_cast<char>(0xC0 | (octet >> 6));
            out += static_cast<char>(0x80 | (octet & 0x3F));
        }
    }
    return out;
}

// "=?charset?enc?text?=" starting at `at`: the decoded text and the length.
std::optional<std::pair<std::string, std::size_t>> encoded_word_at(std::string_view text,
                                                                   std::size_t at) {
    if (text.substr(at, 2) != "=?") {
        return std::nullopt;
    }
    const auto charset_end = text.find('?', at + 2);
    if (charset_end == std::string_view::npos || charset_end + 2 >= text.size() ||
        text[charset_end + 2] != '?') {
        return std::nullopt;
    }
    const auto end = text.find("?=", charset_end + 3);
    if (end == std::string_view::npos) {
        return std::nullopt;
    }
    // RFC 2231 §5: "charset*language".
    auto charset = wire::to_ascii_upper(text.substr(at + 2, charset_end - at - 2));
    charset = charset.substr(0, charset.find('*'));
    const char encoding = wire::ascii_upper(text[charset_end + 1]);
    const auto payload = text.substr(charset_end + 3, end - charset_end - 3);
    std::optional<std::string> octets;
    if (encoding == 'B') {
        octets = wire::base64_decode(payload);
    } else if (encoding == 'Q') {
        octets = q_decode(payload);
    }
    if (!octets) {
        return std::nullopt;
    }
    if (charset == "ISO-8859-1") {
        octets = latin1_to_utf8(*octets);
    } else if (charset != "UTF-8" && charset != "US-ASCII") {
        return std::nullopt;
    }
    return std::pair{std::move(*octets), end + 2 - at};
}

}  // namespace

std::string decode_encoded_words(std::string_view text) {
    std::string out;
    std::size_t pending_space = 0;  // white space after an encoded word
    bool after_word = false;
    for (std::size_t i = 0; i < text.size();) {
        if (auto word = encoded_word_at(text, i)) {
            if (!after_word) {
                out.append(text.substr(i - pending_space, pending_space));
            }
            out += word->first;
            i += word->second;
            pending_space = 0;
            after_word = true;
            continue;
        }
        if (text[i] == ' ' || text[i] == '\t') {
            ++pending_space;
            ++i;
            continue;
        }
        out.append(text.substr(i - pending_space, pending_space));
        pending_space = 0;
        after_word = false;
        out += text[i];
        ++i;
    }
    out.append(text.substr(text.size() - pending_space));
    return out;
}

}  // namespace mailferry::testserver::mime
