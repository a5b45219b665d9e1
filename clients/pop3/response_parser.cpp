#include "clients/pop3/response_parser.hpp"

#include "clients/wire/ascii.hpp"
#include "clients/wire/quote_line.hpp"

#include <algorithm>
#include <limits>

namespace mailferry::pop3 {
namespace {

// A line-leading dot held back to see what follows it, given back when it
// turns out not to be stuffing (RFC 1939 §3).
constexpr std::string_view held_dot = ".";
constexpr std::string_view held_dot_cr = ".\r";

}  // namespace

ResponseParser::ResponseParser(ParseLimits limits) : limits_(limits) {}

FeedResult ResponseParser::fail(std::size_t consumed, pop3::error e, std::string_view reason) {
    state_ = State::failed;
    error_ = make_error_code(e);
    error_message_ = "Server sent invalid input: ";
    error_message_ += reason;
    error_message_ += ": ";
    if (e == error::line_too_long) {
        // Cut where every split of the input has seen the line, so the
        // message does not depend on read sizes. The line is longer than the
        // limit by definition, so the quote always ends in "...".
        error_message_ +=
            wire::quote_line(std::string_view(line_).substr(0, limits_.max_status_line),
                             std::numeric_limits<std::size_t>::max());
    } else {
        error_message_ += wire::quote_line(line_, line_.size());
    }
    return {consumed, Event::error, {}};
}

FeedResult ResponseParser::feed(std::string_view in) {
    std::size_t used = 0;
    while (true) {
        const std::string_view rest = in.substr(used);
        if (state_ == State::failed) {
            return {used, Event::error, {}};
        }
        if (state_ != State::line) {
            return feed_body(rest, used);
        }
        if (rest.empty()) {
            return {used, Event::need_more, {}};
        }
        const std::size_t lf = rest.find('\n');
        const std::size_t take = lf == std::string_view::npos ? rest.size() : lf;
        // +1: the CR of CRLF is not part of the line's length.
        if (line_.size() + take > limits_.max_status_line + 1) {
            line_.append(rest.substr(0, std::min(take, wire::quote_line_limit)));
            return fail(
                used + take, error::line_too_long,
                "status line longer than " + std::to_string(limits_.max_status_line) + " bytes");
        }
        line_.append(rest.substr(0, take));
        used += take;
        if (lf == std::string_view::npos) {
            return {used, Event::need_more, {}};
        }
        return end_of_line(used + 1);
    }
}

FeedResult ResponseParser::end_of_line(std::size_t consumed) {
    if (!line_.empty() && line_.back() == '\r') {
        line_.pop_back();
    }
    if (line_.size() > limits_.max_status_line) {
        return fail(
            consumed, error::line_too_long,
            "status line longer than " + std::to_string(limits_.max_status_line) + " bytes");
    }
    std::string_view line(line_);
    while (!line.empty() && line.back() == ' ') {
        line.remove_suffix(1);
    }
    if (line == "+" || (line.size() >= 2 && line[0] == '+' && line[1] == ' ')) {
        // RFC 5034 §4: a SASL challenge, "+" SP base64 (possibly empty).
        continuation_.assign(line.substr(std::min<std::size_t>(2, line.size())));
        line_.clear();
        return {consumed, Event::continuation, {}};
    }
    status_ = StatusLine{};
    std::size_t word = 0;
    if (wire::istarts_with(line, "+OK")) {
        status_.ok = true;
        word = 3;
    } else if (wire::istarts_with(line, "-ERR")) {
        word = 4;
    } else {
        return fail(consumed, error::invalid_input, "expected +OK or -ERR");
    }
    std::string_view rest = line.substr(word);
    if (!rest.empty() && rest.front() != ' ') {
        return fail(consumed, error::invalid_input, "expected a space after the status");
    }
    while (!rest.empty() && rest.front() == ' ') {
        rest.remove_prefix(1);
    }
    // RFC 2449 §8: "[" resp-code "]" at the start of the text.
    if (!rest.empty() && rest.front() == '[') {
        const std::size_t close = rest.find(']');
        if (close != std::string_view::npos && close > 1) {
            status_.code = wire::to_ascii_upper(rest.substr(1, close - 1));
            rest.remove_prefix(close + 1);
            while (!rest.empty() && rest.front() == ' ') {
                rest.remove_prefix(1);
            }
        }
    }
    status_.text.assign(rest);
    line_.clear();
    if (status_.ok && multiline_) {
        state_ = State::body_line_start;
    }
    multiline_ = false;
    return {consumed, Event::status, {}};
}

FeedResult ResponseParser::feed_body(std::string_view rest, std::size_t used) {
    while (true) {
        switch (state_) {
            case State::body_line_start:
                if (rest.empty()) {
                    return {used, Event::need_more, {}};
                }
                if (rest.front() == '.') {
                    rest.remove_prefix(1);
                    ++used;
                    state_ = State::body_dot;
                    continue;
                }
                state_ = State::body_mid;
                continue;
            case State::body_mid: {
                if (rest.empty()) {
                    return {used, Event::need_more, {}};
                }
                // One chunk runs up to the next line that starts with a dot, or
                // to the end of the input.
                std::size_t pos = 0;
                while (true) {
                    const std::size_t lf = rest.find('\n', pos);
                    if (lf == std::string_view::npos) {
                        return {used + rest.size(), Event::body_chunk, rest};
                    }
                    pos = lf + 1;
                    if (pos == rest.size() || rest[pos] == '.') {
                        state_ = State::body_line_start;
                        return {used + pos, Event::body_chunk, rest.substr(0, pos)};
                    }
                }
            }
            case State::body_dot:
                if (rest.empty()) {
                    return {used, Event::need_more, {}};
                }
                if (rest.front() == '\r') {
                    state_ = State::body_dot_cr;
                    rest.remove_prefix(1);
                    ++used;
                    continue;
                }
                if (rest.front() == '\n') {
                    state_ = State::line;
                    return {used + 1, Event::body_end, {}};
                }
                state_ = State::body_mid;
                if (rest.front() == '.') {
                    continue;  // "..": the second dot is data
                }
                return {used, Event::body_chunk, held_dot};
            case State::body_dot_cr:
                if (rest.empty()) {
                    return {used, Event::need_more, {}};
                }
                if (rest.front() == '\n') {
                    state_ = State::line;
                    return {used + 1, Event::body_end, {}};
                }
                state_ = State::body_mid;
                return {used, Event::body_chunk, held_dot_cr};
            case State::line:
            case State::failed:
                return {used, Event::need_more, {}};
        }
    }
}

}  // namespace mailferry::pop3
