#include "clients/imap/response_parser.hpp"

#include "clients/imap/detail/value_reader.hpp"
#include "clients/wire/ascii.hpp"
#include "clients/wire/decimal.hpp"
#include "clients/wire/quote_line.hpp"

#include <algorithm>
#include <limits>
#include <utility>

namespace mailferry::imap {
namespace {

std::optional<Status> status_word(std::string_view word) {
    const std::string w = wire::to_ascii_upper(word);
    if (w == "OK") {
        return Status::ok;
    }
    if (w == "NO") {
        return Status::no;
    }
    if (w == "BAD") {
        return Status::bad;
    }
    if (w == "PREAUTH") {
        return Status::preauth;
    }
    if (w == "BYE") {
        return Status::bye;
    }
    return std::nullopt;
}

// The word starting at `s` (after leading spaces), ended by SP, `[` or the
// end; `rest` is what follows it.
std::string_view take_word(std::string_view s, std::string_view& rest) {
    std::size_t i = 0;
    while (i < s.size() && s[i] == ' ') {
        ++i;
    }
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '[') {
        ++j;
    }
    rest = s.substr(j);
    return s.substr(i, j - i);
}

std::string_view first_line(std::string_view all) {
    return all.substr(0, all.find("\r\n"));
}

}  // namespace

ResponseParser::ResponseParser(ParseLimits limits) : limits_(limits) {}

void ResponseParser::reset_response() {
    buffer_.clear();
    line_start_ = 0;
    streamed_.clear();
    literal_left_ = 0;
    response_ = Response{};
    literal_ = LiteralInfo{};
}

FeedResult ResponseParser::fail(std::size_t consumed, imap::error e, std::string_view reason) {
    state_ = State::failed;
    error_ = make_error_code(e);
    error_message_ = "Server sent invalid input: ";
    error_message_ += reason;
    error_message_ += ": ";
    if (e == error::line_too_long) {
        // Quote the overlong line itself, cut where every split of the input
        // has seen it, so the message does not depend on read sizes.
        const std::string_view line = std::string_view(buffer_).substr(line_start_);
        error_message_ += wire::quote_line(line.substr(0, limits_.max_line_length), line.size());
    } else {
        const std::string_view line = first_line(buffer_);
        error_message_ += wire::quote_line(line, line.size());
    }
    return {consumed, Event::error, {}};
}

FeedResult ResponseParser::feed(std::string_view in) {
    if (state_ == State::failed) {
        return {0, Event::error, {}};
    }
    if (start_fresh_) {
        reset_response();
        start_fresh_ = false;
    }
    std::size_t used = 0;
    while (true) {
        const std::string_view rest = in.substr(used);
        switch (state_) {
            case State::line: {
                if (rest.empty()) {
                    return {used, Event::need_more, {}};
                }
                const std::size_t lf = rest.find('\n');
                const std::size_t take = lf == std::string_view::npos ? rest.size() : lf;
                // +1: the CR of CRLF is not part of the line's length.
                if (buffer_.size() - line_start_ + take > limits_.max_line_length + 1) {
                    // Keep more than the limit, whatever the read size, so
                    // the quote in the message always says it was cut.
                    buffer_.append(rest.substr(0, std::min(take, limits_.max_line_length + 1)));
                    return fail(
                        used + take, error::line_too_long,
                        "line longer than " + std::to_string(limits_.max_line_length) + " bytes");
                }
                if (buffer_.size() + take > limits_.max_response_size) {
                    return fail(used, error::response_too_large,
                                "response larger than " +
                                    std::to_string(limits_.max_response_size) + " bytes");
                }
                buffer_.append(rest.substr(0, take));
                used += take;
                if (lf == std::string_view::npos) {
                    return {used, Event::need_more, {}};
                }
                ++used;
                FeedResult r = end_of_line(used);
                if (r.event != Event::need_more) {
                    return r;
                }
                break;
            }
            case State::inline_literal: {
                if (rest.empty()) {
                    return {used, Event::need_more, {}};
                }
                const auto n =
                    static_cast<std::size_t>(std::min<std::uint64_t>(literal_left_, rest.size()));
                buffer_.append(rest.substr(0, n));
                used += n;
                literal_left_ -= n;
                if (literal_left_ == 0) {
                    state_ = State::line;
                    line_start_ = buffer_.size();
                }
                break;
            }
            case State::streaming: {
                if (rest.empty()) {
                    return {used, Event::need_more, {}};
                }
                const auto n =
                    static_cast<std::size_t>(std::min<std::uint64_t>(literal_left_, rest.size()));
                literal_left_ -= n;
                if (literal_left_ == 0) {
                    state_ = State::literal_done;
                }
                return {used + n, Event::literal_chunk, rest.substr(0, n)};
            }
            case State::literal_done:
                state_ = State::line;
                line_start_ = buffer_.size();
                return {used, Event::literal_end, {}};
            case State::failed:
                return {used, Event::error, {}};
        }
    }
}

bool ResponseParser::literal_allowed() const {
    // Only response data carries literals (RFC 3501 §9: resp-text has none),
    // so `a1 NO quota {5}` is text, not a literal announcement.
    const std::string_view first = first_line(buffer_);
    if (first.size() < 2 || first[0] != '*' || first[1] != ' ') {
        return false;
    }
    std::string_view rest;
    return !status_word(take_word(first.substr(2), rest));
}

FeedResult ResponseParser::end_of_line(std::size_t consumed) {
    if (buffer_.size() > line_start_ && buffer_.back() == '\r') {
        buffer_.pop_back();
    }
    if (buffer_.size() - line_start_ > limits_.max_line_length) {
        return fail(consumed, error::line_too_long,
                    "line longer than " + std::to_string(limits_.max_line_length) + " bytes");
    }
    // Courier ends some lines with a space before CRLF.
    while (buffer_.size() > line_start_ && buffer_.back() == ' ') {
        buffer_.pop_back();
    }
    const std::string_view line = std::string_view(buffer_).substr(line_start_);
    const std::size_t open = line.rfind('{');
    if (!line.empty() && line.back() == '}' && open != std::string_view::npos && open > 0 &&
        (line[open - 1] == ' ' || line[open - 1] == '(' || line[open - 1] == '~') &&
        literal_allowed()) {
        std::string_view digits = line.substr(open + 1, line.size() - open - 2);
        if (!digits.empty() && digits.back() == '+') {
            digits.remove_suffix(1);  // LITERAL+ syntax, harmless in a response
        }
        const bool all_digits =
            !digits.empty() &&
            std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (all_digits) {
            const auto parsed = wire::parse_u64(digits);
            if (!parsed) {
                return fail(consumed, error::literal_too_large,
                            "literal size does not fit in 64 bits");
            }
            const std::uint64_t size = *parsed;
            if (size > limits_.max_literal_size) {
                return fail(consumed, error::literal_too_large,
                            "literal of " + std::to_string(size) + " bytes exceeds the limit of " +
                                std::to_string(limits_.max_literal_size));
            }
            const std::size_t marker = line_start_ + open;
            buffer_ += "\r\n";
            if (size <= limits_.inline_literal_max) {
                if (size > limits_.max_response_size -
                               std::min(buffer_.size(), limits_.max_response_size)) {
                    return fail(consumed, error::response_too_large,
                                "response larger than " +
                                    std::to_string(limits_.max_response_size) + " bytes");
                }
                literal_left_ = size;
                state_ = State::inline_literal;
                if (size == 0) {
                    state_ = State::line;
                    line_start_ = buffer_.size();
                }
                return {consumed, Event::need_more, {}};
            }
            locate_literal(marker, size);
            streamed_.push_back(buffer_.size());
            literal_left_ = size;
            state_ = State::streaming;
            return {consumed, Event::literal_begin, {}};
        }
    }
    if (!parse_response()) {
        return fail(consumed, parse_error_, parse_reason_);
    }
    start_fresh_ = true;
    return {consumed, Event::response, {}};
}

void ResponseParser::locate_literal(std::size_t marker_start, std::uint64_t size) {
    literal_ = LiteralInfo{};
    literal_.size = size;
    detail::ReadOptions options;
    options.max_depth = limits_.max_depth;
    options.partial = true;
    const detail::ReadResult r =
        detail::read_values(std::string_view(buffer_).substr(0, marker_start), streamed_, options);
    if (!r.error.empty() || r.values.empty()) {
        return;  // the final parse reports the problem
    }
    std::size_t i = 1;  // values[0] is the "*"
    if (i < r.values.size() && r.values[i].kind == Value::Kind::number) {
        literal_.message = r.values[i].number;
        ++i;
    }
    if (i < r.values.size() && r.values[i].kind == Value::Kind::atom) {
        literal_.response = wire::to_ascii_upper(r.values[i].text);
    }
    const std::vector<Value>& innermost = r.open.empty() ? r.values : r.open.back();
    if (!innermost.empty() && innermost.back().kind == Value::Kind::atom) {
        literal_.item = innermost.back().text;
    }
    // RFC 3501 §7.4.2: `* n FETCH (msg-att)`, msg-att being name/value
    // pairs in any order. Only the outermost open list after "FETCH" is the
    // msg-att list; walking it by pairs keeps values (strings, literals,
    // section atoms, lists) from being read as names.
    if (literal_.response != "FETCH" || !literal_.message || i + 1 != r.values.size() ||
        r.open.empty()) {
        return;
    }
    const std::vector<Value>& atts = r.open.front();
    for (std::size_t k = 0; k + 1 < atts.size(); k += 2) {
        const Value& value = atts[k + 1];
        if (atts[k].is_atom("UID") && value.kind == Value::Kind::number && value.number != 0 &&
            value.number <= std::numeric_limits<std::uint32_t>::max()) {
            literal_.uid = static_cast<std::uint32_t>(value.number);
        }
    }
}

bool ResponseParser::parse_resp_text(std::string_view rest) {
    while (!rest.empty() && rest.front() == ' ') {
        rest.remove_prefix(1);
    }
    if (!rest.empty() && rest.front() == '[') {
        std::size_t name_end = 1;
        while (name_end < rest.size() && rest[name_end] != ' ' && rest[name_end] != ']') {
            ++name_end;
        }
        // RFC 3501 resp-text-code: the arguments are any TEXT-CHAR but "]",
        // so the first "]" closes the code even inside quotes.
        const std::size_t close = rest.find(']', name_end);
        // An unclosed `[` is taken as plain text (RFC 3501 would reject it).
        if (close != std::string_view::npos && name_end > 1) {
            ResponseCode code;
            code.name = wire::to_ascii_upper(rest.substr(1, name_end - 1));
            std::string_view raw = rest.substr(name_end, close - name_end);
            while (!raw.empty() && raw.front() == ' ') {
                raw.remove_prefix(1);
            }
            while (!raw.empty() && raw.back() == ' ') {
                raw.remove_suffix(1);
            }
            code.raw_args.assign(raw);
            detail::ReadOptions options;
            options.max_depth = limits_.max_depth;
            options.code_mode = true;
            detail::ReadResult r = detail::read_values(raw, {}, options);
            if (r.error.empty()) {
                code.args = std::move(r.values);
            }
            response_.code = std::move(code);
            rest.remove_prefix(close + 1);
            while (!rest.empty() && rest.front() == ' ') {
                rest.remove_prefix(1);
            }
        }
    }
    response_.text.assign(rest);
    return true;
}

bool ResponseParser::parse_response() {
    const std::string_view all(buffer_);
    const std::string_view first = first_line(all);
    parse_error_ = error::invalid_input;
    if (first.empty()) {
        parse_reason_ = "empty line";
        return false;
    }
    std::string_view rest;
    if (first[0] == '+') {
        // RFC 3501 §7.5: "+" SP (resp-text / base64); a bare "+" is common.
        response_.kind = Response::Kind::continuation;
        rest = first.substr(1);
        if (!rest.empty() && rest.front() == ' ') {
            rest.remove_prefix(1);
        }
        if (!rest.empty() && rest.front() == '[') {
            return parse_resp_text(rest);
        }
        response_.text.assign(rest);
        return true;
    }
    if (first[0] == '*') {
        response_.kind = Response::Kind::untagged;
        if (first.size() < 2 || first[1] != ' ') {
            parse_reason_ = "expected a space after '*'";
            return false;
        }
        const std::string_view word = take_word(first.substr(2), rest);
        if (const auto st = status_word(word)) {
            response_.status = *st;
            return parse_resp_text(rest);
        }
        detail::ReadOptions options;
        options.max_depth = limits_.max_depth;
        detail::ReadResult r = detail::read_values(all, streamed_, options);
        if (!r.error.empty()) {
            if (r.depth_exceeded) {
                parse_error_ = error::nesting_too_deep;
                parse_reason_ = "lists nested deeper than " + std::to_string(limits_.max_depth);
            } else {
                parse_reason_ = r.error;
            }
            return false;
        }
        if (r.values.size() < 2) {
            parse_reason_ = "untagged response without data";
            return false;
        }
        r.values.erase(r.values.begin());
        response_.data = std::move(r.values);
        return true;
    }
    response_.kind = Response::Kind::tagged;
    const std::size_t sp = first.find(' ');
    const std::string_view tag = first.substr(0, sp);
    const bool tag_ok = std::all_of(tag.begin(), tag.end(), [](char c) {
        return detail::is_atom_byte(c) && c != '+' && c != '{';
    });
    if (!tag_ok) {
        parse_reason_ = "invalid tag";
        return false;
    }
    if (sp == std::string_view::npos) {
        parse_reason_ = "tagged response without a status";
        return false;
    }
    response_.tag.assign(tag);
    const std::string_view word = take_word(first.substr(sp + 1), rest);
    const auto st = status_word(word);
    if (!st || *st == Status::preauth || *st == Status::bye) {
        parse_reason_ =
            "tagged response with status '" + std::string(word) + "' (expected OK, NO or BAD)";
        return false;
    }
    response_.status = *st;
    return parse_resp_text(rest);
}

}  // namespace mailferry::imap
