// POP3 command line parser: RFC 1939 §3 syntax, RFC 2449 §4 line limit,
// RFC 5034 §4 AUTH responses. Every case also runs the grind: split at every
// offset and fed one byte at a time, the events must be the same.

#include "contrib/testserver/pop3/command_parser.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace mailferry::testserver::pop3 {
namespace {

const char* error_name(ParseError e) {
    switch (e) {
        case ParseError::none:
            return "none";
        case ParseError::line_too_long:
            return "line_too_long";
        case ParseError::response_too_long:
            return "response_too_long";
        case ParseError::empty_line:
            return "empty_line";
        case ParseError::bad_keyword:
            return "bad_keyword";
        case ParseError::empty_argument:
            return "empty_argument";
        case ParseError::argument_too_long:
            return "argument_too_long";
        case ParseError::control_character:
            return "control_character";
    }
    return "?";
}

// Feeds the pieces in order and writes every event as text:
// "C:KEYWORD|arg|arg", "R:response", "E:error_name". Like the session, it
// switches to response mode after "AUTH mechanism" without initial response.
std::vector<std::string> run(const std::vector<std::string>& pieces, CommandLimits limits = {}) {
    CommandParser parser(limits);
    std::vector<std::string> events;
    for (const auto& piece : pieces) {
        std::string_view input = piece;
        while (!input.empty()) {
            const auto result = parser.feed(input);
            EXPECT_LE(result.consumed, input.size());
            EXPECT_GT(result.consumed, 0U);
            input.remove_prefix(result.consumed);
            switch (result.event) {
                case CommandParser::Event::need_more:
                    EXPECT_TRUE(input.empty());
                    break;
                case CommandParser::Event::command: {
                    std::string text = "C:" + parser.command().keyword;
                    for (const auto& arg : parser.command().args) {
                        text += "|" + arg;
                    }
                    events.push_back(text);
                    if (parser.command().keyword == "AUTH" && parser.command().args.size() == 1) {
                        parser.expect_response();
                    }
                    break;
                }
                case CommandParser::Event::response:
                    events.push_back("R:" + parser.response());
                    break;
                case CommandParser::Event::error:
                    events.push_back(std::string("E:") + error_name(parser.error()));
                    break;
            }
        }
    }
    return events;
}

// The grind: whole, split at every offset, and one byte at a time.
std::vector<std::string> grind(const std::string& input, CommandLimits limits = {}) {
    const auto whole = run({input}, limits);
    for (std::size_t i = 0; i <= input.size(); ++i) {
        EXPECT_EQ(run({input.substr(0, i), input.substr(i)}, limits), whole) << "split at " << i;
    }
    std::vector<std::string> bytes;
    for (char c : input) {
        bytes.emplace_back(1, c);
    }
    EXPECT_EQ(run(bytes, limits), whole) << "one byte at a time";
    return whole;
}

using Events = std::vector<std::string>;

struct Case {
    std::string input;
    Events expected;
};

TEST(Pop3CommandParser, AcceptsRfc1939Commands) {
    const std::vector<Case> cases = {
        {"USER alice\r\n", {"C:USER|alice"}},
        {"user alice\n", {"C:USER|alice"}},
        {"StAt\r\n", {"C:STAT"}},
        {"TOP 1 10\r\n", {"C:TOP|1|10"}},
        {"APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n",
         {"C:APOP|mrose|c4c9334bac560ecc979e58001b3e22fb"}},
        {"LIST\r\nLIST 2\r\nQUIT\r\n", {"C:LIST", "C:LIST|2", "C:QUIT"}},
        {"USER j\xc3\xb6rg\r\n", {"C:USER|j\xc3\xb6rg"}},
        {"NOOP\r\n\r\nRSET\r\n", {"C:NOOP", "E:empty_line", "C:RSET"}},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(grind(c.input), c.expected) << c.input;
    }
}

TEST(Pop3CommandParser, PassTakesTheRestOfTheLineWithSpaces) {
    EXPECT_EQ(grind("PASS secret with  spaces \r\n"), Events{"C:PASS|secret with  spaces "});
    const std::string long_password(100, 'p');
    EXPECT_EQ(grind("PASS " + long_password + "\r\n"), Events{"C:PASS|" + long_password});
    EXPECT_EQ(grind("PASS\r\n"), Events{"C:PASS"});
    EXPECT_EQ(grind("PASS \r\n"), Events{"E:empty_argument"});
}

TEST(Pop3CommandParser, KeywordMustBeThreeOrFourLetters) {
    for (const char* input : {"US\r\n", "USERS x\r\n", "US3R x\r\n", " USER x\r\n", "U-ER\r\n"}) {
        EXPECT_EQ(grind(input), Events{"E:bad_keyword"}) << input;
    }
    EXPECT_EQ(grind("TOP\r\n"), Events{"C:TOP"});
}

TEST(Pop3CommandParser, ArgumentsAreSeparatedBySingleSpaces) {
    EXPECT_EQ(grind("USER  alice\r\n"), Events{"E:empty_argument"});
    EXPECT_EQ(grind("USER alice \r\n"), Events{"E:empty_argument"});
    EXPECT_EQ(grind("TOP 1  2\r\nNOOP\r\n"), (Events{"E:empty_argument", "C:NOOP"}));
}

TEST(Pop3CommandParser, ArgumentLimitIsFortyOctets) {
    const std::string forty(40, 'a');
    EXPECT_EQ(grind("USER " + forty + "\r\n"), Events{"C:USER|" + forty});
    EXPECT_EQ(grind("USER " + forty + "b\r\nNOOP\r\n"), (Events{"E:argument_too_long", "C:NOOP"}));
    EXPECT_EQ(grind("TOP 1 " + forty + "1\r\n"), Events{"E:argument_too_long"});
    // RFC 5034 §4: the initial response is bound by the line limit only.
    const std::string initial(200, 'Q');
    EXPECT_EQ(grind("AUTH PLAIN " + initial + "\r\n"), Events{"C:AUTH|PLAIN|" + initial});
    EXPECT_EQ(grind("AUTH " + forty + "X\r\n"), Events{"E:argument_too_long"});
}

TEST(Pop3CommandParser, LineLimitIs255OctetsIncludingCrlf) {
    // "AUTH PLAIN " is 11 octets; 242 more make 253, plus CRLF 255.
    const std::string fits = "AUTH PLAIN " + std::string(242, 'A');
    ASSERT_EQ(fits.size() + 2, 255U);
    EXPECT_EQ(grind(fits + "\r\n"), Events{"C:AUTH|PLAIN|" + std::string(242, 'A')});
    EXPECT_EQ(grind(fits + "\n"), Events{"C:AUTH|PLAIN|" + std::string(242, 'A')});
    EXPECT_EQ(grind(fits + "A\r\nNOOP\r\n"), (Events{"E:line_too_long", "C:NOOP"}));
    EXPECT_EQ(grind(fits + "A\nNOOP\n"), (Events{"E:line_too_long", "C:NOOP"}));
}

TEST(Pop3CommandParser, OverlongLineIsDiscardedAndParsingGoesOn) {
    const std::string huge = "USER " + std::string(3000, 'x') + "\r\n";
    EXPECT_EQ(grind(huge + "QUIT\r\n"), (Events{"E:line_too_long", "C:QUIT"}));
}

TEST(Pop3CommandParser, RejectsControlCharacters) {
    EXPECT_EQ(grind(std::string("USER a\0b\r\n", 10)), Events{"E:control_character"});
    EXPECT_EQ(grind("USER a\rb\r\nNOOP\r\n"), (Events{"E:control_character", "C:NOOP"}));
    EXPECT_EQ(grind("USER a\r\r\n"), Events{"E:control_character"});
    EXPECT_EQ(grind("USER a\tb\r\n"), Events{"E:control_character"});
    EXPECT_EQ(grind("NOOP\x7f\r\n"), Events{"E:control_character"});
}

TEST(Pop3CommandParser, AuthResponseLinesAreRaw) {
    EXPECT_EQ(grind("AUTH PLAIN\r\nAGFsaWNlAHNlY3JldA==\r\nNOOP\r\n"),
              (Events{"C:AUTH|PLAIN", "R:AGFsaWNlAHNlY3JldA==", "C:NOOP"}));
    EXPECT_EQ(grind("AUTH PLAIN\r\n*\r\n"), (Events{"C:AUTH|PLAIN", "R:*"}));
    // An empty response and one with spaces are still raw lines, not commands.
    EXPECT_EQ(grind("AUTH PLAIN\r\n\r\n"), (Events{"C:AUTH|PLAIN", "R:"}));
    EXPECT_EQ(grind("AUTH PLAIN\nUSER  x\n"), (Events{"C:AUTH|PLAIN", "R:USER  x"}));
}

TEST(Pop3CommandParser, AuthResponseHasItsOwnLimit) {
    const CommandLimits limits{255, 40, 22};
    EXPECT_EQ(grind("AUTH PLAIN\r\n" + std::string(20, 'A') + "\r\n", limits),
              (Events{"C:AUTH|PLAIN", "R:" + std::string(20, 'A')}));
    EXPECT_EQ(grind("AUTH PLAIN\r\n" + std::string(21, 'A') + "\r\nNOOP\r\n", limits),
              (Events{"C:AUTH|PLAIN", "E:response_too_long", "C:NOOP"}));
    // The default allows a PLAIN response with 255-octet identities (RFC 4616).
    const std::string big(1024, 'A');
    EXPECT_EQ(grind("AUTH PLAIN\r\n" + big + "\r\n"), (Events{"C:AUTH|PLAIN", "R:" + big}));
}

TEST(Pop3CommandParser, LimitsAreConstructorParameters) {
    const CommandLimits limits{10, 3, 4096};
    EXPECT_EQ(grind("TOP 1 2\r\n", limits), Events{"C:TOP|1|2"});
    EXPECT_EQ(grind("TOP 10 200\r\n", limits), Events{"E:line_too_long"});
    EXPECT_EQ(grind("TOP 1000\r\n", limits), Events{"E:argument_too_long"});
}

TEST(Pop3CommandParser, ResetForgetsPartialLineAndResponseMode) {
    CommandParser parser;
    EXPECT_EQ(parser.feed("USER al").event, CommandParser::Event::need_more);
    parser.expect_response();
    parser.reset();
    EXPECT_FALSE(parser.expecting_response());
    const auto result = parser.feed("NOOP\r\n");
    EXPECT_EQ(result.event, CommandParser::Event::command);
    EXPECT_EQ(result.consumed, 6U);
    EXPECT_EQ(parser.command().keyword, "NOOP");
}

TEST(Pop3CommandParser, EveryErrorHasItsOwnText) {
    std::set<std::string_view> texts;
    for (auto e : {ParseError::line_too_long, ParseError::response_too_long, ParseError::empty_line,
                   ParseError::bad_keyword, ParseError::empty_argument,
                   ParseError::argument_too_long, ParseError::control_character}) {
        EXPECT_FALSE(describe(e).empty());
        texts.insert(describe(e));
    }
    EXPECT_EQ(texts.size(), 7U);
}

}  // namespace
}  // namespace mailferry::testserver::pop3
