#include "contrib/testserver/imap/command_parser.hpp"

#include "clients/wire/ascii.hpp"
#include "clients/wire/decimal.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace mailferry::testserver::imap {

enum class CommandParser::State : std::uint8_t {
    line_start,      // before the first octet of a command
    tag,             // reading the tag
    name,            // reading the command name
    arg_start,       // after a SP or "(": an argument must start here
    atom,            // inside an atom
    bracket,         // inside "[...]" of an atom (fetch-att section)
    quoted,          // inside a quoted string
    quoted_escape,   // after "\" inside a quoted string
    after_arg,       // after a quoted string, literal or ")"
    literal_digits,  // after "{"
    literal_close,   // after "{n+", expecting "}"
    literal_cr,      // after "}", expecting CRLF
    literal_lf,      // after "}" CR, expecting LF
    literal_data,    // reading literal octets
    line_lf,         // after the CR that ends the command line
    skip,            // discarding the rest of a bad line
    skip_literal,    // discarding a non-synchronizing literal of a bad line
    raw_line,        // reading a whole line for expect_line()
};

namespace {

bool is_ctl(unsigned char c) {
    return c < 0x20 || c == 0x7f;
}

// RFC 3501 §9 ATOM-CHAR: any CHAR except atom-specials.
bool is_atom_char(unsigned char c) {
    if (c >= 0x80 || is_ctl(c)) {
        return false;
    }
    switch (c) {
        case '(':
        case ')':
        case '{':
        case ' ':
        case '%':
        case '*':
        case '"':
        case '\\':
        case ']':
            return false;
        default:
            return true;
    }
}

// tag = 1*<any ASTRING-CHAR except "+">; ASTRING-CHAR = ATOM-CHAR / "]".
bool is_tag_char(unsigned char c) {
    return c != '+' && (is_atom_char(c) || c == ']');
}

// Characters of an argument atom. Wider than ATOM-CHAR because the command
// grammars put more into atom-like tokens: list-wildcards in LIST patterns,
// "*" in sequence sets, "]" in astrings. "\" is allowed only first (flags).
bool is_arg_atom_char(unsigned char c) {
    return is_atom_char(c) || c == '%' || c == '*' || c == ']';
}

// Only a fetch attribute's section ("BODY[HEADER.FIELDS (A B)]") may hold
// spaces and parentheses between "[" and "]". Anywhere else "[" and "]" are
// ordinary characters of an atom: a list-mailbox (RFC 3501 §9, list-char)
// or an astring may contain both, unbalanced: LIST "" a[}%.
bool opens_section(std::string_view atom) {
    std::string upper(atom);
    for (char& ch : upper) {
        ch = wire::ascii_upper(ch);
    }
    return upper == "BODY" || upper == "BODY.PEEK" || upper == "BINARY" || upper == "BINARY.PEEK" ||
           upper == "BINARY.SIZE";
}

// Recognises "{digits+}" (optionally followed by CR) at the end of a skipped
// line: a non-synchronizing literal the client sends without waiting.
std::optional<std::uint64_t> non_sync_literal_at_end(std::string_view tail) {
    if (!tail.empty() && tail.back() == '\r') {
        tail.remove_suffix(1);
    }
    if (tail.size() < 4 || tail.front() != '{' || !tail.ends_with("+}")) {
        return std::nullopt;
    }
    const auto digits = tail.substr(1, tail.size() - 3);
    return wire::parse_u64(digits);
}

constexpr std::size_t max_literal_header = 16;  // "{" 4294967295 "+}" CR

}  // namespace

CommandParser::CommandParser(CommandLimits limits) : limits_(limits) {
    reset();
}

void CommandParser::reset() {
    state_ = State::line_start;
    current_ = Command{};
    lists_.clear();
    pending_ = Arg{};
    skip_tail_.clear();
    skip_literal_headers_ = true;
}

void CommandParser::start_command() {
    current_ = Command{};
    lists_.clear();
    pending_ = Arg{};
    tag_read_ = false;
    list_just_opened_ = false;
    line_octets_ = 0;
    command_octets_ = 0;
    arg_count_ = 0;
    state_ = State::tag;
}

Command CommandParser::take_command() {
    return std::exchange(current_, Command{});
}

std::vector<Arg>& CommandParser::open_args() {
    return lists_.empty() ? current_.args : lists_.back().children;
}

bool CommandParser::add_arg(Arg arg) {
    if (arg_count_ >= limits_.max_args) {
        return false;
    }
    ++arg_count_;
    // "UID FETCH": the sub-command is part of the command name in spirit, so
    // it is upper-cased like the name.
    if (lists_.empty() && current_.args.empty() && current_.name == "UID" &&
        arg.kind == Arg::Kind::atom) {
        arg.text = wire::to_ascii_upper(arg.text);
    }
    open_args().push_back(std::move(arg));
    return true;
}

CommandParser::Result CommandParser::fail(std::size_t consumed, std::string message,
                                          bool skip_line) {
    error_ = Error{};
    error_.tag = tag_read_ ? current_.tag : "*";
    error_.message = std::move(message);
    current_ = Command{};
    lists_.clear();
    pending_ = Arg{};
    // The skip keeps watching for a "{n+}" at the end of the line, which may
    // have begun before the octet in error.
    if (skip_line && (state_ == State::literal_digits || state_ == State::literal_close)) {
        skip_tail_.push_back(last_octet_);
    } else if (skip_line && last_octet_ == '{') {
        skip_tail_.assign(1, '{');
    } else {
        skip_tail_.clear();
    }
    state_ = skip_line ? State::skip : State::line_start;
    return {consumed, Event::error};
}

CommandParser::Result CommandParser::fail_literal_too_big(std::size_t consumed, bool non_sync) {
    const bool whole_command = literal_size_ <= limits_.max_literal;
    auto result = fail(consumed, whole_command ? "command too long" : "literal too big", false);
    if (non_sync) {
        // RFC 7888 §4: the client sends the literal without waiting, so the
        // stream cannot be resynchronised.
        error_.fatal = true;
    } else {
        // RFC 3501 §7.5: without a continuation the client sends no literal.
        error_.literal_too_big = true;
    }
    return result;
}

std::optional<CommandParser::Result> CommandParser::literal_header_done(std::size_t consumed) {
    const std::uint64_t remaining_budget =
        limits_.max_command > command_octets_ ? limits_.max_command - command_octets_ : 0;
    if (literal_size_ > limits_.max_literal || literal_size_ > remaining_budget) {
        return fail_literal_too_big(consumed, literal_non_sync_);
    }
    if (arg_count_ >= limits_.max_args) {
        if (!literal_non_sync_) {
            return fail(consumed, "too many arguments", false);
        }
        auto result = fail(consumed, "too many arguments", false);
        literal_left_ = literal_size_;
        state_ = State::skip_literal;
        return result;
    }
    pending_ = Arg{Arg::Kind::literal, {}, {}};
    pending_.text.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(literal_size_, 65536)));
    literal_left_ = literal_size_;
    state_ = State::literal_data;
    // The line after the literal is a new line for the line-length limit.
    line_octets_ = 0;
    if (!literal_non_sync_) {
        return Result{consumed, Event::need_continuation};
    }
    return std::nullopt;
}

CommandParser::Result CommandParser::end_of_line(std::size_t consumed) {
    if (!lists_.empty()) {
        return fail(consumed, "missing ')'", false);
    }
    state_ = State::line_start;
    return {consumed, Event::command};
}

CommandParser::Result CommandParser::feed(std::string_view input) {
    std::size_t pos = 0;
    for (;;) {
        if (state_ == State::literal_data && literal_left_ == 0) {
            if (!add_arg(std::move(pending_))) {
                return fail(pos, "too many arguments", true);
            }
            pending_ = Arg{};
            state_ = State::after_arg;
        }
        if (state_ == State::skip_literal && literal_left_ == 0) {
            state_ = State::skip;
        }
        if (pos == input.size()) {
            return {pos, Event::need_more};
        }
        if (state_ == State::literal_data || state_ == State::skip_literal) {
            const auto n = static_cast<std::size_t>(
                std::min<std::uint64_t>(literal_left_, input.size() - pos));
            if (state_ == State::literal_data) {
                pending_.text.append(input.substr(pos, n));
                command_octets_ += n;
            }
            literal_left_ -= n;
            pos += n;
            continue;
        }
        if (state_ == State::raw_line) {
            if (const auto r = raw_line(input, pos)) {
                return *r;
            }
            continue;
        }
        if (state_ == State::skip) {
            const char c = input[pos++];
            if (c == '\n') {
                skip_literal_headers_ = true;
                if (const auto n = non_sync_literal_at_end(skip_tail_)) {
                    literal_left_ = *n;
                    state_ = State::skip_literal;
                } else {
                    state_ = State::line_start;
                }
                skip_tail_.clear();
            } else if (c == '{' && skip_literal_headers_) {
                skip_tail_.assign(1, c);
            } else if (!skip_tail_.empty() && skip_tail_.size() < max_literal_header) {
                skip_tail_.push_back(c);
            } else {
                skip_tail_.clear();
            }
            continue;
        }
        const char c = input[pos];
        ++pos;
        if (const auto r = step(c, pos)) {
            return *r;
        }
    }
}

void CommandParser::expect_line() {
    reset();
    start_command();
    last_octet_ = 0;
    pending_ = Arg{Arg::Kind::literal, {}, {}};
    state_ = State::raw_line;
}

std::optional<CommandParser::Result> CommandParser::raw_line(std::string_view input,
                                                             std::size_t& pos) {
    const auto lf = input.find('\n', pos);
    const auto end = lf == std::string_view::npos ? input.size() : lf;
    pending_.text.append(input.substr(pos, end - pos));
    pos = end;
    std::size_t length = pending_.text.size();
    if (length > 0 && pending_.text.back() == '\r') {
        --length;  // the CR of the CRLF, unless more follows
    }
    if (length > limits_.max_line) {
        const Result failed = fail(pos, "line too long", true);
        skip_literal_headers_ = false;
        return failed;
    }
    if (lf == std::string_view::npos) {
        return std::nullopt;
    }
    ++pos;
    if (length < pending_.text.size()) {
        pending_.text.pop_back();
    }
    current_ = Command{};
    current_.args.push_back(std::move(pending_));
    pending_ = Arg{};
    state_ = State::line_start;
    return Result{pos, Event::command};
}

std::optional<CommandParser::Result> CommandParser::step(char ch, std::size_t pos) {
    const auto c = static_cast<unsigned char>(ch);
    last_octet_ = ch;
    const bool cr = c == '\r';
    const bool lf = c == '\n';
    if (state_ == State::line_start) {
        start_command();
    }
    if (++command_octets_ > limits_.max_command) {
        return fail(pos, "command too long", !lf);
    }
    if (!cr && !lf && ++line_octets_ > limits_.max_line) {
        return fail(pos, "line too long", true);
    }

    switch (state_) {
        case State::line_start:
        case State::literal_data:
        case State::skip:
        case State::skip_literal:
        case State::raw_line:
            return std::nullopt;  // handled by feed() and start_command()

        case State::tag:
            if (is_tag_char(c)) {
                current_.tag.push_back(ch);
                return std::nullopt;
            }
            if (current_.tag.empty()) {
                return fail(pos, (cr || lf) ? "empty command line" : "missing tag", !lf);
            }
            if (c == ' ') {
                tag_read_ = true;
                state_ = State::name;
                return std::nullopt;
            }
            if (cr || lf) {
                tag_read_ = true;
                return fail(pos, "missing command name", cr);
            }
            return fail(pos, "invalid character in tag", true);

        case State::name:
            if (is_atom_char(c)) {
                current_.name.push_back(wire::ascii_upper(ch));
                return std::nullopt;
            }
            if (current_.name.empty()) {
                return fail(pos,
                            (c == ' ' || cr || lf) ? "missing command name"
                                                   : "invalid character in command name",
                            !lf);
            }
            if (c == ' ') {
                list_just_opened_ = false;
                state_ = State::arg_start;
                return std::nullopt;
            }
            if (cr) {
                state_ = State::line_lf;
                return std::nullopt;
            }
            if (lf) {
                return end_of_line(pos);
            }
            return fail(pos, "invalid character in command name", true);

        case State::arg_start:
            if (c == '"') {
                pending_ = Arg{Arg::Kind::quoted, {}, {}};
                state_ = State::quoted;
                return std::nullopt;
            }
            if (c == '{') {
                literal_size_ = 0;
                literal_non_sync_ = false;
                skip_tail_.assign(1, '{');  // the literal header so far
                state_ = State::literal_digits;
                return std::nullopt;
            }
            if (c == '(') {
                if (lists_.size() >= limits_.max_depth) {
                    return fail(pos, "lists nested too deeply", true);
                }
                if (arg_count_ >= limits_.max_args) {
                    return fail(pos, "too many arguments", true);
                }
                ++arg_count_;
                lists_.push_back(Arg{Arg::Kind::list, {}, {}});
                list_just_opened_ = true;
                return std::nullopt;
            }
            if (c == ')' && list_just_opened_) {
                break;  // "()": closed below
            }
            if (c == ' ') {
                return fail(pos, "extra space", true);
            }
            if (cr || lf) {
                return fail(pos, lists_.empty() ? "trailing space" : "missing ')'", cr);
            }
            if (is_arg_atom_char(c) || c == '\\') {
                pending_ = Arg{Arg::Kind::atom, std::string(1, ch), {}};
                state_ = State::atom;
                return std::nullopt;
            }
            if (c == ')') {
                return fail(pos, "unexpected ')'", true);
            }
            return fail(pos, "invalid character in argument", true);

        case State::atom:
            if (c == '[' && opens_section(pending_.text)) {
                pending_.text.push_back(ch);
                bracket_plain_ = true;
                bracket_quoted_ = false;
                state_ = State::bracket;
                return std::nullopt;
            }
            if (is_arg_atom_char(c)) {
                pending_.text.push_back(ch);
                return std::nullopt;
            }
            if (c == ' ' || c == ')' || cr || lf) {
                if (!add_arg(std::move(pending_))) {
                    return fail(pos, "too many arguments", !lf);
                }
                pending_ = Arg{};
                if (c == ' ') {
                    list_just_opened_ = false;
                    state_ = State::arg_start;
                    return std::nullopt;
                }
                if (c == ')') {
                    break;
                }
                if (cr) {
                    state_ = State::line_lf;
                    return std::nullopt;
                }
                return end_of_line(pos);
            }
            if (c == '{' && pending_.text == "~") {
                return fail(pos, "literal8 is not supported", true);
            }
            return fail(pos, "invalid character in atom", true);

        case State::bracket:
            if (cr || lf) {
                if (bracket_plain_ && !bracket_quoted_) {
                    // Not a section after all ("SELECT foo[bar"): the atom ends here.
                    state_ = State::atom;
                    return step_line_end_of_atom(cr, pos);
                }
                return fail(pos, bracket_quoted_ ? "unterminated quoted string" : "missing ']'",
                            cr);
            }
            if (c >= 0x80 || c == 0) {
                return fail(pos, "invalid character in atom", true);
            }
            pending_.text.push_back(ch);
            if (bracket_quoted_) {
                if (bracket_escape_) {
                    bracket_escape_ = false;
                } else if (c == '\\') {
                    bracket_escape_ = true;
                } else if (c == '"') {
                    bracket_quoted_ = false;
                }
                return std::nullopt;
            }
            if (c == ']') {
                state_ = State::atom;
            } else if (c == '"') {
                bracket_quoted_ = true;
                bracket_escape_ = false;
                bracket_plain_ = false;
            } else if (!is_atom_char(c)) {
                bracket_plain_ = false;
            }
            return std::nullopt;

        case State::quoted:
            if (c == '"') {
                if (!add_arg(std::move(pending_))) {
                    return fail(pos, "too many arguments", true);
                }
                pending_ = Arg{};
                state_ = State::after_arg;
                return std::nullopt;
            }
            if (c == '\\') {
                state_ = State::quoted_escape;
                return std::nullopt;
            }
            if (cr || lf) {
                return fail(pos, "unterminated quoted string", cr);
            }
            if (c >= 0x80) {
                return fail(pos, "8-bit octet in quoted string", true);
            }
            if (c == 0) {
                return fail(pos, "NUL in quoted string", true);
            }
            pending_.text.push_back(ch);
            return std::nullopt;

        case State::quoted_escape:
            // RFC 3501 §9: quoted-specials are the only escapable characters.
            if (c == '"' || c == '\\') {
                pending_.text.push_back(ch);
                state_ = State::quoted;
                return std::nullopt;
            }
            if (cr || lf) {
                return fail(pos, "unterminated quoted string", cr);
            }
            return fail(pos, "invalid escape in quoted string", true);

        case State::after_arg:
            if (c == ' ') {
                list_just_opened_ = false;
                state_ = State::arg_start;
                return std::nullopt;
            }
            if (c == ')') {
                break;
            }
            if (cr) {
                state_ = State::line_lf;
                return std::nullopt;
            }
            if (lf) {
                return end_of_line(pos);
            }
            return fail(pos, "missing space between arguments", true);

        case State::literal_digits:
            if (c >= '0' && c <= '9') {
                // RFC 3501 §9: number is a 32-bit unsigned value.
                literal_size_ = literal_size_ * 10 + static_cast<std::uint64_t>(c - '0');
                if (literal_size_ > std::numeric_limits<std::uint32_t>::max()) {
                    return fail(pos, "invalid literal size", true);
                }
                skip_tail_.push_back(ch);
                return std::nullopt;
            }
            if (skip_tail_.size() < 2 || (c != '+' && c != '}') ||
                (c == '+' && !limits_.literal_plus)) {
                return fail(pos, "invalid literal header", !lf);
            }
            if (c == '+') {
                skip_tail_.push_back(ch);
                literal_non_sync_ = true;
                state_ = State::literal_close;
            } else {
                skip_tail_.clear();
                state_ = State::literal_cr;
            }
            return std::nullopt;

        case State::literal_close:
            if (c != '}') {
                return fail(pos, "invalid literal header", !lf);
            }
            skip_tail_.clear();
            state_ = State::literal_cr;
            return std::nullopt;

        case State::literal_cr:
            if (cr) {
                state_ = State::literal_lf;
                return std::nullopt;
            }
            if (lf) {
                return literal_header_done(pos);
            }
            return fail(pos, "literal header not followed by CRLF", true);

        case State::literal_lf:
            if (lf) {
                return literal_header_done(pos);
            }
            return fail(pos, "CR not followed by LF", true);

        case State::line_lf:
            if (lf) {
                return end_of_line(pos);
            }
            return fail(pos, "CR not followed by LF", true);
    }

    // A ")" closing the innermost list.
    if (lists_.empty()) {
        return fail(pos, "unexpected ')'", true);
    }
    Arg list = std::move(lists_.back());
    lists_.pop_back();
    open_args().push_back(std::move(list));
    list_just_opened_ = false;
    state_ = State::after_arg;
    return std::nullopt;
}

std::optional<CommandParser::Result> CommandParser::step_line_end_of_atom(bool cr,
                                                                          std::size_t pos) {
    if (!add_arg(std::move(pending_))) {
        return fail(pos, "too many arguments", cr);
    }
    pending_ = Arg{};
    if (cr) {
        state_ = State::line_lf;
        return std::nullopt;
    }
    return end_of_line(pos);
}

bool is_flag(std::string_view flag) {
    std::string_view name = flag;
    if (!name.empty() && name.front() == '\\') {
        name.remove_prefix(1);
    }
    if (name.empty() || wire::to_ascii_upper(flag) == "NIL") {
        return false;
    }
    return std::all_of(name.begin(), name.end(),
                       [](char ch) { return is_atom_char(static_cast<unsigned char>(ch)); });
}

}  // namespace mailferry::testserver::imap
