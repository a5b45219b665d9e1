#include "clients/wire/modified_utf7.hpp"

#include <cstddef>
#include <cstdint>

namespace mailferry::wire::modified_utf7 {
namespace {

constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

constexpr char32_t replacement = 0xFFFD;

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    if (c == ',') {
        return 63;
    }
    return -1;
}

bool is_direct(char32_t cp) {
    return cp >= 0x20 && cp <= 0x7e;
}

// Decodes one UTF-8 sequence at `pos` (RFC 3629 §4: shortest form only, no
// surrogates, at most U+10FFFF). On failure returns nullopt and consumes one
// byte, so a caller that substitutes U+FFFD does so once per invalid byte.
std::optional<char32_t> next_code_point(std::string_view in, std::size_t& pos) {
    const auto lead = static_cast<unsigned char>(in[pos]);
    ++pos;
    if (lead < 0x80) {
        return lead;
    }
    std::size_t extra = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if ((lead & 0xE0) == 0xC0) {
        extra = 1;
        cp = lead & 0x1Fu;
        min = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
        extra = 2;
        cp = lead & 0x0Fu;
        min = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
        extra = 3;
        cp = lead & 0x07u;
        min = 0x10000;
    } else {
        return std::nullopt;
    }
    if (in.size() - pos < extra) {
        return std::nullopt;
    }
    for (std::size_t i = 0; i < extra; ++i) {
        const auto c = static_cast<unsigned char>(in[pos + i]);
        if ((c & 0xC0) != 0x80) {
            return std::nullopt;
        }
        cp = (cp << 6) | (c & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return std::nullopt;
    }
    pos += extra;
    return cp;
}

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

// Accumulates UTF-16 units and writes them as modified BASE64.
class ShiftWriter {
  public:
    explicit ShiftWriter(std::string& out) : out_(out) {}

    void put(char32_t cp) {
        if (!open_) {
            out_.push_back('&');
            open_ = true;
        }
        if (cp >= 0x10000) {
            const char32_t v = cp - 0x10000;
            put_unit(0xD800 | (v >> 10));
            put_unit(0xDC00 | (v & 0x3FF));
        } else {
            put_unit(cp);
        }
    }

    void close() {
        if (!open_) {
            return;
        }
        if (bits_ > 0) {
            // Pad the last sextet with zero bits (RFC 2152 via RFC 3501 §5.1.3).
            out_.push_back(alphabet[(buffer_ << (6 - bits_)) & 0x3F]);
        }
        out_.push_back('-');
        open_ = false;
        buffer_ = 0;
        bits_ = 0;
    }

  private:
    void put_unit(char32_t unit) {
        buffer_ = (buffer_ << 16) | unit;
        bits_ += 16;
        while (bits_ >= 6) {
            bits_ -= 6;
            out_.push_back(alphabet[(buffer_ >> bits_) & 0x3F]);
        }
        buffer_ &= (1u << bits_) - 1;
    }

    std::string& out_;
    bool open_ = false;
    std::uint32_t buffer_ = 0;
    unsigned bits_ = 0;
};

std::optional<std::string> encode_impl(std::string_view utf8, bool strict) {
    std::string out;
    out.reserve(utf8.size() + utf8.size() / 2);
    ShiftWriter shift(out);
    std::size_t pos = 0;
    while (pos < utf8.size()) {
        auto cp = next_code_point(utf8, pos);
        if (!cp) {
            if (strict) {
                return std::nullopt;
            }
            cp = replacement;
        }
        if (is_direct(*cp)) {
            shift.close();
            out.push_back(static_cast<char>(*cp));
            if (*cp == '&') {
                out.push_back('-');
            }
        } else {
            shift.put(*cp);
        }
    }
    shift.close();
    return out;
}

// Decodes the BASE64 run in `run` (between "&" and "-") and appends UTF-8.
bool decode_run(std::string_view run, std::string& out) {
    std::uint32_t buffer = 0;
    unsigned bits = 0;
    char32_t high = 0;  // pending high surrogate, 0 when none
    for (const char c : run) {
        const int v = base64_value(c);
        if (v < 0) {
            return false;
        }
        buffer = (buffer << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits < 16) {
            continue;
        }
        bits -= 16;
        const char32_t unit = (buffer >> bits) & 0xFFFF;
        buffer &= (1u << bits) - 1;
        if (high != 0) {
            if (unit < 0xDC00 || unit > 0xDFFF) {
                return false;
            }
            append_utf8(out, 0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00));
            high = 0;
        } else if (unit >= 0xD800 && unit <= 0xDBFF) {
            high = unit;
        } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
            return false;
        } else if (is_direct(unit)) {
            // RFC 3501 §5.1.3: printable US-ASCII must represent itself.
            return false;
        } else {
            append_utf8(out, unit);
        }
    }
    // Leftover bits must be the zero padding of the last sextet only.
    return high == 0 && bits < 6 && buffer == 0;
}

}  // namespace

std::string encode(std::string_view utf8) {
    return *encode_impl(utf8, false);
}

std::optional<std::string> try_encode(std::string_view utf8) {
    return encode_impl(utf8, true);
}

std::optional<std::string> decode(std::string_view mutf7) {
    std::string out;
    out.reserve(mutf7.size());
    std::size_t pos = 0;
    bool after_run = false;
    while (pos < mutf7.size()) {
        const char c = mutf7[pos];
        if (!is_direct(static_cast<unsigned char>(c))) {
            return std::nullopt;
        }
        if (c != '&') {
            out.push_back(c);
            ++pos;
            after_run = false;
            continue;
        }
        const auto end = mutf7.find('-', pos + 1);
        if (end == std::string_view::npos) {
            return std::nullopt;
        }
        const auto run = mutf7.substr(pos + 1, end - pos - 1);
        if (run.empty()) {
            out.push_back('&');
            after_run = false;
        } else {
            // Two adjacent runs are not canonical: the encoder merges them.
            if (after_run || !decode_run(run, out)) {
                return std::nullopt;
            }
            after_run = true;
        }
        pos = end + 1;
    }
    return out;
}

bool is_valid(std::string_view mutf7) {
    return decode(mutf7).has_value();
}

}  // namespace mailferry::wire::modified_utf7
