#include "contrib/testserver/pop3/command_parser.hpp"

#include "clients/wire/ascii.hpp"

#include <algorithm>

namespace mailferry::testserver::pop3 {

namespace {

bool is_letter(char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

bool is_control(char c) noexcept {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F;
}

}  // namespace

std::string_view describe(ParseError e) noexcept {
    switch (e) {
        case ParseError::none:
            return "no error";
        case ParseError::line_too_long:
            return "command line too long (limit 255 octets)";
        case ParseError::response_too_long:
            return "authentication response too long";
        case ParseError::empty_line:
            return "empty command line";
        case ParseError::bad_keyword:
            return "command keyword must be 3 or 4 letters";
        case ParseError::empty_argument:
            return "arguments must be separated by single spaces";
        case ParseError::argument_too_long:
            return "argument too long (limit 40 octets)";
        case ParseError::control_character:
            return "control character in command line";
    }
    return "unknown error";
}

CommandParser::CommandParser(CommandLimits limits) : limits_(limits) {
    // A limit below "CRLF" would make every line too long; keep the
    // arithmetic below free of underflow.
    limits_.max_line = std::max<std::size_t>(limits_.max_line, 2);
    limits_.max_response = std::max<std::size_t>(limits_.max_response, 2);
}

void CommandParser::reset() noexcept {
    line_.clear();
    overflow_ = false;
    expect_response_ = false;
}

CommandParser::Result CommandParser::feed(std::string_view input) {
    const std::size_t limit = expect_response_ ? limits_.max_response : limits_.max_line;
    // The line content may hold limit - 2 octets; one more octet is kept for
    // a CR whose LF has not arrived yet.
    const std::size_t keep = limit - 1;
    const auto lf = input.find('\n');
    const std::string_view part = input.substr(0, lf);
    if (!overflow_) {
        if (line_.size() + part.size() > keep) {
            overflow_ = true;
            line_.clear();
        } else {
            line_.append(part);
        }
    }
    if (lf == std::string_view::npos) {
        return {input.size(), Event::need_more};
    }
    return {lf + 1, finish_line()};
}

CommandParser::Event CommandParser::finish_line() {
    const bool was_response = expect_response_;
    expect_response_ = false;
    command_.keyword.clear();
    command_.args.clear();
    response_.clear();
    const std::size_t limit = was_response ? limits_.max_response : limits_.max_line;
    std::string_view line = line_;
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    if (overflow_ || line.size() > limit - 2) {
        error_ = was_response ? ParseError::response_too_long : ParseError::line_too_long;
    } else if (std::any_of(line.begin(), line.end(), is_control)) {
        error_ = ParseError::control_character;
    } else if (was_response) {
        response_.assign(line);
        error_ = ParseError::none;
    } else {
        error_ = parse_command(line);
    }
    line_.clear();
    overflow_ = false;
    if (error_ != ParseError::none) {
        return Event::error;
    }
    return was_response ? Event::response : Event::command;
}

ParseError CommandParser::parse_command(std::string_view line) {
    if (line.empty()) {
        return ParseError::empty_line;
    }
    const auto space = line.find(' ');
    const std::string_view keyword = line.substr(0, space);
    if (keyword.size() < 3 || keyword.size() > 4 ||
        !std::all_of(keyword.begin(), keyword.end(), is_letter)) {
        return ParseError::bad_keyword;
    }
    command_.keyword = wire::to_ascii_upper(keyword);
    if (space == std::string_view::npos) {
        return ParseError::none;
    }
    std::string_view rest = line.substr(space + 1);
    if (command_.keyword == "PASS") {
        if (rest.empty()) {
            return ParseError::empty_argument;
        }
        command_.args.emplace_back(rest);
        return ParseError::none;
    }
    while (true) {
        const auto next = rest.find(' ');
        const std::string_view arg = rest.substr(0, next);
        if (arg.empty()) {
            return ParseError::empty_argument;
        }
        const bool initial_response = command_.keyword == "AUTH" && command_.args.size() == 1;
        if (arg.size() > limits_.max_argument && !initial_response) {
            return ParseError::argument_too_long;
        }
        command_.args.emplace_back(arg);
        if (next == std::string_view::npos) {
            return ParseError::none;
        }
        rest = rest.substr(next + 1);
    }
}

}  // namespace mailferry::testserver::pop3
