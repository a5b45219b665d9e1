#include "clients/imap/detail/value_reader.hpp"

#include "clients/wire/decimal.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>

namespace mailferry::imap::detail {

bool is_atom_byte(char c) noexcept {
    const auto u = static_cast<unsigned char>(c);
    // Bytes >= 0x80 are accepted: some servers send raw UTF-8 mailbox names
    // unquoted. `%`, `*` and `\` are accepted so that flags (`\*`) and
    // wildcards read as atoms.
    return u > 0x20 && u != 0x7f && c != '(' && c != ')' && c != '"';
}

namespace {

class Reader {
  public:
    Reader(std::string_view text, std::span<const std::size_t> streamed, const ReadOptions& options)
        : text_(text), streamed_(streamed), options_(options) {}

    ReadResult run() {
        ReadResult result;
        std::vector<std::vector<Value>> stack;
        std::vector<Value>* current = &result.values;
        while (true) {
            skip_spaces();
            if (pos_ >= text_.size()) {
                break;
            }
            const char c = text_[pos_];
            if (options_.code_mode && c == ']' && stack.empty()) {
                break;
            }
            if (c == '(') {
                if (stack.size() + 1 > options_.max_depth) {
                    result.depth_exceeded = true;
                    return fail(std::move(result), "lists nested too deeply");
                }
                ++pos_;
                stack.emplace_back();
                current = &stack.back();
                continue;
            }
            if (c == ')') {
                if (stack.empty()) {
                    return fail(std::move(result), "unexpected ')'");
                }
                ++pos_;
                Value list = Value::make_list(std::move(stack.back()));
                stack.pop_back();
                current = stack.empty() ? &result.values : &stack.back();
                current->push_back(std::move(list));
                continue;
            }
            std::optional<Value> v = read_scalar();
            if (!v) {
                return fail(std::move(result), error_);
            }
            current->push_back(std::move(*v));
        }
        if (!stack.empty()) {
            if (!options_.partial) {
                return fail(std::move(result), "unterminated list");
            }
            result.open = std::move(stack);
        }
        result.end = pos_;
        return result;
    }

  private:
    ReadResult fail(ReadResult result, std::string why) {
        result.error = std::move(why);
        result.end = pos_;
        return result;
    }

    void skip_spaces() {
        // RFC 3501 wants exactly one SP between values; several (or a
        // trailing one, as Courier sends) are harmless to accept.
        while (pos_ < text_.size() && text_[pos_] == ' ') {
            ++pos_;
        }
    }

    std::optional<Value> read_scalar() {
        const char c = text_[pos_];
        if (c == '"') {
            return read_quoted();
        }
        if (c == '{' || (c == '~' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '{')) {
            return read_literal();
        }
        if (c == '\r' || c == '\n') {
            error_ = "line break outside a literal";
            return std::nullopt;
        }
        if (!is_atom_byte(c)) {
            error_ = "unexpected control character";
            return std::nullopt;
        }
        return read_atom();
    }

    std::optional<Value> read_quoted() {
        std::string out;
        ++pos_;
        while (pos_ < text_.size()) {
            char c = text_[pos_++];
            if (c == '"') {
                return Value::make_quoted(std::move(out));
            }
            if (c == '\\') {
                if (pos_ >= text_.size()) {
                    break;
                }
                // RFC 3501 allows only \\ and \" ; other escapes are taken
                // literally rather than rejected.
                c = text_[pos_++];
            }
            if (c == '\r' || c == '\n') {
                error_ = "line break inside a quoted string";
                return std::nullopt;
            }
            out.push_back(c);
        }
        error_ = "unterminated quoted string";
        return std::nullopt;
    }

    std::optional<Value> read_literal() {
        if (text_[pos_] == '~') {
            ++pos_;  // literal8, RFC 3516
        }
        const std::size_t open = pos_;
        const std::size_t close = text_.find('}', open);
        if (close == std::string_view::npos) {
            error_ = "unterminated literal size";
            return std::nullopt;
        }
        std::string_view digits = text_.substr(open + 1, close - open - 1);
        if (!digits.empty() && digits.back() == '+') {
            digits.remove_suffix(1);
        }
        const std::optional<std::uint64_t> size = wire::parse_u64(digits);
        if (!size) {
            error_ = "invalid literal size";
            return std::nullopt;
        }
        pos_ = close + 1;
        if (text_.substr(pos_, 2) != "\r\n") {
            error_ = "literal size not followed by a line break";
            return std::nullopt;
        }
        pos_ += 2;
        Value v;
        if (std::find(streamed_.begin(), streamed_.end(), pos_) != streamed_.end()) {
            v.kind = Value::Kind::streamed_literal;
            v.number = *size;
            return v;
        }
        if (*size > text_.size() - pos_) {
            error_ = "literal shorter than announced";
            return std::nullopt;
        }
        const auto n = static_cast<std::size_t>(*size);
        v.kind = Value::Kind::literal;
        v.text.assign(text_.substr(pos_, n));
        v.number = *size;
        pos_ += n;
        return v;
    }

    std::optional<Value> read_atom() {
        const std::size_t start = pos_;
        while (pos_ < text_.size()) {
            const char c = text_[pos_];
            if (c == ']' && options_.code_mode) {
                break;
            }
            if (c == '[') {
                // A FETCH item section, `BODY[HEADER.FIELDS (A B)]`, or a
                // bracketed name such as `[Gmail]/All`: keep it in the atom.
                if (!skip_section()) {
                    return std::nullopt;
                }
                continue;
            }
            if (!is_atom_byte(c)) {
                break;
            }
            ++pos_;
        }
        std::string t(text_.substr(start, pos_ - start));
        if (auto n = wire::parse_u64(t)) {
            return Value::make_number(*n);
        }
        Value v = Value::make_atom(std::move(t));
        if (v.is_atom("NIL")) {
            return Value::make_nil();
        }
        return v;
    }

    bool skip_section() {
        std::size_t depth = 0;
        bool quoted = false;
        for (std::size_t i = pos_ + 1; i < text_.size(); ++i) {
            const char c = text_[i];
            if (c == '\r' || c == '\n') {
                break;
            }
            if (quoted) {
                if (c == '\\') {
                    ++i;
                } else if (c == '"') {
                    quoted = false;
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == '(') {
                ++depth;
            } else if (c == ')') {
                if (depth == 0) {
                    break;
                }
                --depth;
            } else if (c == ']' && depth == 0) {
                pos_ = i + 1;
                return true;
            }
        }
        error_ = "unterminated '[' in atom";
        return false;
    }

    std::string_view text_;
    std::span<const std::size_t> streamed_;
    const ReadOptions& options_;
    std::size_t pos_ = 0;
    std::string error_;
};

}  // namespace

ReadResult read_values(std::string_view text, std::span<const std::size_t> streamed,
                       const ReadOptions& options) {
    return Reader(text, streamed, options).run();
}

}  // namespace mailferry::imap::detail
