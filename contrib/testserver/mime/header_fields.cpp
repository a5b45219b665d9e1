#include "contrib/testserver/mime/detail/header_fields.hpp"

#include "clients/wire/ascii.hpp"

#include <algorithm>

namespace mailferry::testserver::mime::detail {

namespace {

bool is_blank(char c) noexcept {
    return c == ' ' || c == '\t';
}

// Blanks after the colon are not part of the value; trailing ones are kept,
// as RFC 3501's own example ("Compiser (sic) ") shows.
std::string_view trim_leading_blanks(std::string_view text) noexcept {
    while (!text.empty() &&
           (is_blank(text.front()) || text.front() == '\r' || text.front() == '\n')) {
        text.remove_prefix(1);
    }
    return text;
}

// RFC 2045 §5.1: tspecials, which end a token.
bool is_tspecial(char c) noexcept {
    return std::string_view("()<>@,;:\\\"/[]?=").find(c) != std::string_view::npos;
}

bool is_token_char(char c) noexcept {
    const auto octet = static_cast<unsigned char>(c);
    return octet > 0x20 && octet != 0x7f && !is_tspecial(c);
}

// A cursor over a structured field value (RFC 5322 §3.2.2 CFWS skipping).
class Lexer {
  public:
    explicit Lexer(std::string_view text) : text_(text) {}

    bool at_end() const noexcept { return pos_ >= text_.size(); }
    char peek() const noexcept { return at_end() ? '\0' : text_[pos_]; }
    void advance() noexcept { ++pos_; }

    void skip_cfws() noexcept {
        while (!at_end()) {
            const char c = text_[pos_];
            if (is_blank(c) || c == '\r' || c == '\n') {
                ++pos_;
            } else if (c == '(') {
                skip_comment();
            } else {
                return;
            }
        }
    }

    std::string token() {
        const std::size_t start = pos_;
        while (!at_end() && is_token_char(text_[pos_])) {
            ++pos_;
        }
        return std::string(text_.substr(start, pos_ - start));
    }

    // A parameter value: a quoted string, or (leniently, as mail in the wild
    // puts '@' and '/' in file names) every octet up to ';' or a blank.
    std::string value() {
        if (peek() == '"') {
            return quoted();
        }
        const std::size_t start = pos_;
        while (!at_end() && text_[pos_] != ';' && !is_blank(text_[pos_]) && text_[pos_] != '\r' &&
               text_[pos_] != '\n' && text_[pos_] != '"') {
            ++pos_;
        }
        return std::string(text_.substr(start, pos_ - start));
    }

    void skip_past(char wanted) noexcept {
        while (!at_end()) {
            const char c = text_[pos_];
            if (c == '"') {
                quoted();
                continue;
            }
            ++pos_;
            if (c == wanted) {
                return;
            }
        }
    }

  private:
    std::string quoted() {
        std::string out;
        ++pos_;  // opening quote
        while (!at_end()) {
            const char c = text_[pos_++];
            if (c == '"') {
                break;
            }
            if (c == '\\' && !at_end()) {
                out += text_[pos_++];
            } else if (c != '\r' && c != '\n') {
                out += c;
            }
        }
        return out;
    }

    void skip_comment() noexcept {
        int depth = 0;
        while (!at_end()) {
            const char c = text_[pos_++];
            if (c == '\\') {
                if (!at_end()) {
                    ++pos_;
                }
            } else if (c == '(') {
                ++depth;
            } else if (c == ')' && --depth == 0) {
                return;
            }
        }
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

}  // namespace

HeaderBlock parse_header_block(std::string_view message, std::size_t begin, std::size_t end) {
    HeaderBlock block;
    block.header_end = end;
    block.body_begin = end;
    bool in_field = false;  // a continuation line extends the last field
    std::size_t pos = begin;
    while (pos < end) {
        std::size_t eol = message.find('\n', pos);
        if (eol == std::string_view::npos || eol >= end) {
            eol = end;
        }
        std::size_t line_end = eol;
        if (line_end > pos && message[line_end - 1] == '\r') {
            --line_end;
        }
        const std::size_t next = eol < end ? eol + 1 : end;
        if (line_end == pos) {
            // The empty line that ends the header (RFC 5322 §2.1).
            block.header_end = next;
            block.body_begin = next;
            return block;
        }
        if (is_blank(message[pos])) {
            if (in_field) {
                HeaderField& last = block.fields.back();
                const auto value_begin =
                    static_cast<std::size_t>(last.value.data() - message.data());
                last.value = message.substr(value_begin, line_end - value_begin);
            }
        } else {
            const std::size_t offset = message.substr(pos, line_end - pos).find(':');
            if (offset != std::string_view::npos && offset > 0) {
                const std::size_t colon = pos + offset;
                block.fields.push_back(HeaderField{
                    message.substr(pos, offset), message.substr(colon + 1, line_end - colon - 1)});
                in_field = true;
            } else {
                in_field = false;
            }
        }
        pos = next;
    }
    return block;
}

std::string_view trimmed_name(const HeaderField& field) noexcept {
    std::string_view name = field.name;
    while (!name.empty() && is_blank(name.back())) {
        name.remove_suffix(1);
    }
    return name;
}

const HeaderField* find_field(const std::vector<HeaderField>& fields, std::string_view name) {
    for (const HeaderField& field : fields) {
        if (wire::iequals(trimmed_name(field), name)) {
            return &field;
        }
    }
    return nullptr;
}

std::string unfold(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    const std::string_view text = trim_leading_blanks(value);
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            continue;  // the LF is dropped next
        }
        if (text[i] != '\n') {
            out += text[i];
        }
    }
    return out;
}

ParameterizedValue parse_parameterized(std::string_view raw) {
    ParameterizedValue result;
    Lexer lex(raw);
    lex.skip_cfws();
    result.primary = lex.token();
    lex.skip_cfws();
    if (lex.peek() == '/') {
        lex.advance();
        lex.skip_cfws();
        result.secondary = lex.token();
        lex.skip_cfws();
    }
    // RFC 2045 §5.1: *(";" parameter); anything unparsable up to the next ';'
    // is skipped so one bad parameter does not hide the rest.
    while (!lex.at_end()) {
        if (lex.peek() != ';') {
            lex.skip_past(';');
        } else {
            lex.advance();
        }
        lex.skip_cfws();
        std::string attribute = lex.token();
        lex.skip_cfws();
        if (attribute.empty() || lex.peek() != '=') {
            continue;
        }
        lex.advance();
        lex.skip_cfws();
        std::string value = lex.value();
        lex.skip_cfws();
        result.params.emplace_back(wire::to_ascii_upper(attribute), std::move(value));
    }
    return result;
}

}  // namespace mailferry::testserver::mime::detail
