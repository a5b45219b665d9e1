#include "contrib/testserver/imap/command_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace {

using mailferry::testserver::imap::Arg;
using mailferry::testserver::imap::Command;
using mailferry::testserver::imap::CommandLimits;
using mailferry::testserver::imap::CommandParser;
using mailferry::testserver::imap::is_flag;
using Event = CommandParser::Event;

void render(const Arg& arg, std::string& out) {
    switch (arg.kind) {
        case Arg::Kind::atom:
            out += "a:" + arg.text;
            break;
        case Arg::Kind::quoted:
            out += "q:" + arg.text;
            break;
        case Arg::Kind::literal:
            out += "l:" + arg.text;
            break;
        case Arg::Kind::list:
            out += "(";
            for (std::size_t i = 0; i < arg.children.size(); ++i) {
                if (i > 0) {
                    out += ' ';
                }
                render(arg.children[i], out);
            }
            out += ")";
            break;
    }
}

std::string render(const Command& command) {
    std::string out = "C " + command.tag + " " + command.name;
    for (const auto& arg : command.args) {
        out += ' ';
        render(arg, out);
    }
    return out;
}

// Feeds `pieces` in order, keeping unconsumed bytes as a session would, and
// returns the events: "C tag NAME args", "E tag: message [too_big] [fatal]",
// "+" for a continuation request.
std::vector<std::string> run(const std::vector<std::string>& pieces, CommandLimits limits,
                             bool line_first = false) {
    CommandParser parser(limits);
    if (line_first) {
        parser.expect_line();
    }
    std::vector<std::string> events;
    std::string buffer;
    for (const auto& piece : pieces) {
        buffer += piece;
        for (;;) {
            const auto result = parser.feed(buffer);
            EXPECT_LE(result.consumed, buffer.size());
            buffer.erase(0, result.consumed);
            if (result.event == Event::need_more) {
                EXPECT_TRUE(buffer.empty()) << "need_more must use all input";
                break;
            }
            if (result.event == Event::command) {
                events.push_back(render(parser.take_command()));
            } else if (result.event == Event::need_continuation) {
                events.emplace_back("+");
            } else {
                const auto& e = parser.error();
                std::string text = "E " + e.tag + ": " + e.message;
                if (e.literal_too_big) {
                    text += " [too_big]";
                }
                if (e.fatal) {
                    text += " [fatal]";
                }
                events.push_back(text);
            }
        }
    }
    return events;
}

// The grind: whole, split in two at every offset, and one byte at a time
// must all give the same events.
std::vector<std::string> grind(std::string_view input, CommandLimits limits = {},
                               bool line_first = false) {
    const auto whole = run({std::string(input)}, limits, line_first);
    for (std::size_t i = 0; i <= input.size(); ++i) {
        const auto split = run({std::string(input.substr(0, i)), std::string(input.substr(i))},
                               limits, line_first);
        EXPECT_EQ(split, whole) << "split at " << i << " of: " << input;
    }
    std::vector<std::string> bytes;
    for (const char c : input) {
        bytes.emplace_back(1, c);
    }
    EXPECT_EQ(run(bytes, limits, line_first), whole) << "one byte at a time: " << input;
    return whole;
}

struct Case {
    std::string_view input;
    std::vector<std::string> expected;
};

using namespace std::string_view_literals;

const std::vector<Case> valid_cases = {
    {"a1 NOOP\r\n", {"C a1 NOOP"}},
    {"a1 noop\r\n", {"C a1 NOOP"}},
    {"a9 NOOP\n", {"C a9 NOOP"}},
    {"a]1 CAPABILITY\r\n", {"C a]1 CAPABILITY"}},
    {"a1 LOGIN alice \"pa\\\\ss\\\"w\"\r\n", {"C a1 LOGIN a:alice q:pa\\ss\"w"}},
    {"a1 LOGIN \"\" \"\"\r\n", {"C a1 LOGIN q: q:"}},
    {"a2 UID fetch 1:*,3 (FLAGS BODY.PEEK[HEADER.FIELDS (DATE FROM)]<0.2048>)\r\n",
     {"C a2 UID a:FETCH a:1:*,3 (a:FLAGS a:BODY.PEEK[HEADER.FIELDS (DATE FROM)]<0.2048>)"}},
    {"a2 FETCH 1 body[]\r\n", {"C a2 FETCH a:1 a:body[]"}},
    {"a2 FETCH 1 (BODY[1.2.TEXT] BODY[HEADER.FIELDS (\"X-A]\" B)])\r\n",
     {"C a2 FETCH a:1 (a:BODY[1.2.TEXT] a:BODY[HEADER.FIELDS (\"X-A]\" B)])"}},
    {"a3 STORE 1 +FLAGS.SILENT (\\Seen \\Deleted $Junk)\r\n",
     {"C a3 STORE a:1 a:+FLAGS.SILENT (a:\\Seen a:\\Deleted a:$Junk)"}},
    {"a4 LIST \"\" %\r\n", {"C a4 LIST q: a:%"}},
    {"a4 LIST \"\" *\r\n", {"C a4 LIST q: a:*"}},
    {"a5 SELECT [Gmail]/Sent\r\n", {"C a5 SELECT a:[Gmail]/Sent"}},
    {"a6 SELECT foo[bar\r\n", {"C a6 SELECT a:foo[bar"}},
    // RFC 3501 list-char: "[" and "]" outside a section are atom characters.
    {"a6 LIST \"\" !#$&'+,-.0123456789:;<=>?@^_`|[}%*\r\n",
     {"C a6 LIST q: a:!#$&'+,-.0123456789:;<=>?@^_`|[}%*"}},
    {"a6 LIST \"\" a[b c]\r\n", {"C a6 LIST q: a:a[b a:c]"}},
    {"a7 X NIL ()\r\n", {"C a7 X a:NIL ()"}},
    {"a8 X (a (b (c)) \"d\" ())\r\n", {"C a8 X (a:a (a:b (a:c)) q:d ())"}},
    {"a1 LOGIN {5}\r\nalice {3}\r\npwd\r\n", {"+", "+", "C a1 LOGIN l:alice l:pwd"}},
    {"a1 APPEND INBOX (\\Seen) {5+}\r\nhello\r\n", {"C a1 APPEND a:INBOX (a:\\Seen) l:hello"}},
    {"a1 X {4+}\r\n\r\n\0x\r\n"sv, {std::string("C a1 X l:\r\n\0x", 13)}},
    {"a1 X {0}\r\n\r\n", {"+", "C a1 X l:"}},
    {"a1 X ({2+}\r\nab c)\r\n", {"C a1 X (l:ab a:c)"}},
    {"a1 X {3}\n(a)\n", {"+", "C a1 X l:(a)"}},
    {"a NOOP\r\nb NOOP\r\nc CHECK\r\n", {"C a NOOP", "C b NOOP", "C c CHECK"}},
};

const std::vector<Case> error_cases = {
    {"\r\nb NOOP\r\n", {"E *: empty command line", "C b NOOP"}},
    {"\nb NOOP\r\n", {"E *: empty command line", "C b NOOP"}},
    {" NOOP\r\nb NOOP\r\n", {"E *: missing tag", "C b NOOP"}},
    {"(a NOOP\r\n", {"E *: missing tag"}},
    {"a1\r\n", {"E a1: missing command name"}},
    {"a1 \r\n", {"E a1: missing command name"}},
    {"a+1 NOOP\r\nb NOOP\r\n", {"E *: invalid character in tag", "C b NOOP"}},
    {"a X\x01 y\r\n", {"E a: invalid character in command name"}},
    {"a NOOP \r\n", {"E a: trailing space"}},
    {"a X  b\r\nb NOOP\r\n", {"E a: extra space", "C b NOOP"}},
    {"a X (b\r\nb NOOP\r\n", {"E a: missing ')'", "C b NOOP"}},
    {"a X (b \r\n", {"E a: missing ')'"}},
    {"a X (\r\n", {"E a: missing ')'"}},
    {"a X b)\r\n", {"E a: unexpected ')'"}},
    {"a X (b))\r\n", {"E a: unexpected ')'"}},
    {"a X )\r\n", {"E a: unexpected ')'"}},
    {"a X \"abc\r\nb NOOP\r\n", {"E a: unterminated quoted string", "C b NOOP"}},
    {"a X \"abc\nb NOOP\r\n", {"E a: unterminated quoted string", "C b NOOP"}},
    {"a X \"a\\bc\"\r\n", {"E a: invalid escape in quoted string"}},
    {"a X \"\xc3\xa4\"\r\nb NOOP\r\n", {"E a: 8-bit octet in quoted string", "C b NOOP"}},
    {"a X \"a\"b\r\n", {"E a: missing space between arguments"}},
    {"a X (a)b\r\n", {"E a: missing space between arguments"}},
    {"a X b\\c\r\n", {"E a: invalid character in atom"}},
    {"a X b\"c\r\n", {"E a: invalid character in atom"}},
    {"a X \x80\r\n", {"E a: invalid character in argument"}},
    {"a X {5\r\nb NOOP\r\n", {"E a: invalid literal header", "C b NOOP"}},
    {"a X {}\r\n", {"E a: invalid literal header"}},
    {"a X {+}\r\n", {"E a: invalid literal header"}},
    {"a X {3}x\r\n", {"E a: literal header not followed by CRLF"}},
    {"a X {99999999999}\r\n", {"E a: invalid literal size"}},
    {"a X ~{3+}\r\nabc\r\nb NOOP\r\n", {"E a: literal8 is not supported", "C b NOOP"}},
    // A bad line announcing a non-synchronizing literal: the literal is
    // skipped with the line, even when it contains CRLF.
    {"a X ) {5+}\r\nab\r\nc\r\nb NOOP\r\n", {"E a: unexpected ')'", "C b NOOP"}},
    {"a X {3+}\r\nabcd\r\n", {"E a: missing space between arguments"}},
    {"a NOOP\rb\r\nc NOOP\r\n", {"E a: CR not followed by LF", "C c NOOP"}},
    {"a FETCH 1 BODY[b c\r\n", {"E a: missing ']'"}},
    {"a FETCH 1 BODY[HEADER.FIELDS (\"A)]\r\n", {"E a: unterminated quoted string"}},
};

TEST(ImapCommandParser, ParsesValidCommands) {
    for (const auto& c : valid_cases) {
        EXPECT_EQ(grind(c.input), c.expected) << c.input;
    }
}

TEST(ImapCommandParser, ReportsSyntaxErrorsAndResynchronises) {
    for (const auto& c : error_cases) {
        EXPECT_EQ(grind(c.input), c.expected) << c.input;
    }
}

TEST(ImapCommandParser, LineLengthLimit) {
    CommandLimits limits;
    limits.max_line = 20;
    // Exactly 20 octets before CRLF is allowed, 21 is not.
    EXPECT_EQ(grind("a X 1234567890123456\r\n", limits),
              std::vector<std::string>{"C a X a:1234567890123456"});
    EXPECT_EQ(grind("a X 12345678901234567\r\nb NOOP\r\n", limits),
              (std::vector<std::string>{"E a: line too long", "C b NOOP"}));
    // Each line segment around a literal has its own budget.
    EXPECT_EQ(grind("a X 123456789 {3+}\r\nabc 123456789012345678\r\n", limits),
              std::vector<std::string>{"C a X a:123456789 l:abc a:123456789012345678"});
}

TEST(ImapCommandParser, EndlessLineIsSkippedUntilItEnds) {
    CommandLimits limits;
    limits.max_line = 64;
    const std::string junk(10000, 'x');
    // The error comes once; the rest is consumed without events.
    EXPECT_EQ(run({"a X ", junk, junk, junk, "\r\nb NOOP\r\n"}, limits),
              (std::vector<std::string>{"E a: line too long", "C b NOOP"}));
}

TEST(ImapCommandParser, LiteralSizeLimitSynchronizing) {
    CommandLimits limits;
    limits.max_literal = 10;
    EXPECT_EQ(grind("a X {10}\r\n0123456789\r\n", limits),
              (std::vector<std::string>{"+", "C a X l:0123456789"}));
    // No continuation: the client does not send the literal, so the next
    // bytes are the next command.
    EXPECT_EQ(grind("a X {11}\r\nb NOOP\r\n", limits),
              (std::vector<std::string>{"E a: literal too big [too_big]", "C b NOOP"}));
}

TEST(ImapCommandParser, LiteralSizeLimitNonSynchronizingIsFatal) {
    CommandLimits limits;
    limits.max_literal = 10;
    EXPECT_EQ(grind("a X {10+}\r\n0123456789\r\n", limits),
              std::vector<std::string>{"C a X l:0123456789"});
    EXPECT_EQ(run({"a X {11+}\r\n"}, limits),
              std::vector<std::string>{"E a: literal too big [fatal]"});
}

TEST(ImapCommandParser, CommandSizeLimit) {
    CommandLimits limits;
    limits.max_command = 30;
    EXPECT_EQ(grind("a X {5+}\r\n01234 {5+}\r\n56789\r\n", limits),
              std::vector<std::string>{"C a X l:01234 l:56789"});
    EXPECT_EQ(grind("a X {5+}\r\n01234 {9+}\r\n", limits),
              std::vector<std::string>{"E a: command too long [fatal]"});
    EXPECT_EQ(grind("a X {5+}\r\n01234 {10}\r\nb NOOP\r\n", limits),
              (std::vector<std::string>{"E a: command too long [too_big]", "C b NOOP"}));
    EXPECT_EQ(grind("a X aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\nb NOOP\r\n", limits),
              (std::vector<std::string>{"E a: command too long", "C b NOOP"}));
}

TEST(ImapCommandParser, NestingDepthLimit) {
    CommandLimits limits;
    limits.max_depth = 2;
    EXPECT_EQ(grind("a X ((a))\r\n", limits), std::vector<std::string>{"C a X ((a:a))"});
    EXPECT_EQ(grind("a X (((a)))\r\nb NOOP\r\n", limits),
              (std::vector<std::string>{"E a: lists nested too deeply", "C b NOOP"}));
}

TEST(ImapCommandParser, ArgumentCountLimit) {
    CommandLimits limits;
    limits.max_args = 3;
    EXPECT_EQ(grind("a X a \"b\" {1+}\r\nc\r\n", limits),
              std::vector<std::string>{"C a X a:a q:b l:c"});
    EXPECT_EQ(grind("a X (a b)\r\n", limits), std::vector<std::string>{"C a X (a:a a:b)"});
    EXPECT_EQ(grind("a X a b c d\r\nb NOOP\r\n", limits),
              (std::vector<std::string>{"E a: too many arguments", "C b NOOP"}));
    EXPECT_EQ(grind("a X (a b c)\r\n", limits),
              std::vector<std::string>{"E a: too many arguments"});
    EXPECT_EQ(grind("a X a b \"c\" \"d\"\r\n", limits),
              std::vector<std::string>{"E a: too many arguments"});
    // Synchronizing: refused before the client sends it.
    EXPECT_EQ(grind("a X a b c {1}\r\nb NOOP\r\n", limits),
              (std::vector<std::string>{"E a: too many arguments", "C b NOOP"}));
    // Non-synchronizing: the literal arrives anyway and is skipped.
    EXPECT_EQ(grind("a X a b c {3+}\r\nx\r\n\r\nb NOOP\r\n", limits),
              (std::vector<std::string>{"E a: too many arguments", "C b NOOP"}));
}

TEST(ImapCommandParser, SynchronizingLiteralContinuationFlow) {
    CommandParser parser;
    const std::string header = "a1 LOGIN {5}\r\n";
    auto r = parser.feed(header);
    EXPECT_EQ(r.event, Event::need_continuation);
    EXPECT_EQ(r.consumed, header.size());
    r = parser.feed("ali");
    EXPECT_EQ(r.event, Event::need_more);
    EXPECT_EQ(r.consumed, 3u);
    r = parser.feed("ce {3}\r");
    EXPECT_EQ(r.event, Event::need_more);
    r = parser.feed("\n");
    EXPECT_EQ(r.event, Event::need_continuation);
    EXPECT_EQ(r.consumed, 1u);
    const std::string rest = "pwd\r\nb NOOP\r\n";
    r = parser.feed(rest);
    EXPECT_EQ(r.event, Event::command);
    EXPECT_EQ(r.consumed, 5u);
    const Command login = parser.take_command();
    EXPECT_EQ(login.tag, "a1");
    EXPECT_EQ(login.name, "LOGIN");
    ASSERT_EQ(login.args.size(), 2u);
    EXPECT_EQ(login.args[0].kind, Arg::Kind::literal);
    EXPECT_EQ(login.args[0].text, "alice");
    EXPECT_EQ(login.args[1].text, "pwd");
    r = parser.feed(std::string_view(rest).substr(5));
    EXPECT_EQ(r.event, Event::command);
    EXPECT_EQ(parser.take_command().tag, "b");
}

TEST(ImapCommandParser, PipelinedCommandsAreDeliveredOneAtATime) {
    CommandParser parser;
    const std::string input = "a NOOP\r\nb LOGOUT\r\n";
    auto r = parser.feed(input);
    EXPECT_EQ(r.event, Event::command);
    EXPECT_EQ(r.consumed, 8u);
    EXPECT_EQ(parser.take_command().name, "NOOP");
    r = parser.feed(std::string_view(input).substr(8));
    EXPECT_EQ(r.event, Event::command);
    EXPECT_EQ(r.consumed, 10u);
    EXPECT_EQ(parser.take_command().name, "LOGOUT");
    EXPECT_EQ(parser.feed("").event, Event::need_more);
}

TEST(ImapCommandParser, ErrorCarriesTagOnceRead) {
    CommandParser parser;
    auto r = parser.feed("tag7 FETCH (\n");
    EXPECT_EQ(r.event, Event::error);
    EXPECT_EQ(parser.error().tag, "tag7");
    EXPECT_EQ(parser.error().message, "missing ')'");
    EXPECT_FALSE(parser.error().fatal);
    EXPECT_FALSE(parser.error().literal_too_big);
    r = parser.feed("ta{g NOOP\r\n");
    EXPECT_EQ(r.event, Event::error);
    EXPECT_EQ(parser.error().tag, "*");
}

TEST(ImapCommandParser, ResetDropsPartialCommand) {
    CommandParser parser;
    EXPECT_EQ(parser.feed("a1 LOGIN {5}\r\nal").event, Event::need_continuation);
    parser.reset();
    const auto r = parser.feed("b NOOP\r\n");
    EXPECT_EQ(r.event, Event::command);
    const Command command = parser.take_command();
    EXPECT_EQ(command.tag, "b");
    EXPECT_TRUE(command.args.empty());
}

TEST(ImapCommandParser, ExpectLineDeliversOneRawLine) {
    EXPECT_EQ(grind("DONE\r\nb NOOP\r\n", {}, true),
              (std::vector<std::string>{"C   l:DONE", "C b NOOP"}));
    EXPECT_EQ(grind("dXNlcg+/==\n", {}, true), std::vector<std::string>{"C   l:dXNlcg+/=="});
    EXPECT_EQ(grind("\r\n", {}, true), std::vector<std::string>{"C   l:"});
    EXPECT_EQ(grind("a\rb (\"{\r\n", {}, true), std::vector<std::string>{"C   l:a\rb (\"{"});
    CommandLimits limits;
    limits.max_line = 10;
    EXPECT_EQ(grind("1234567890\r\n", limits, true), std::vector<std::string>{"C   l:1234567890"});
    EXPECT_EQ(grind("12345678901\r\nb NOOP\r\n", limits, true),
              (std::vector<std::string>{"E *: line too long", "C b NOOP"}));
}

TEST(ImapFlagSyntax, AcceptsSystemFlagsAndAtomKeywords) {
    EXPECT_TRUE(is_flag("\\Seen"));
    EXPECT_TRUE(is_flag("$Forwarded"));
    EXPECT_TRUE(is_flag("Nil2"));
    EXPECT_TRUE(is_flag("a[b"));
}

TEST(ImapFlagSyntax, RefusesNilAndNonAtomCharacters) {
    EXPECT_FALSE(is_flag("NIL"));
    EXPECT_FALSE(is_flag("nil"));
    EXPECT_FALSE(is_flag(""));
    EXPECT_FALSE(is_flag("\\"));
    EXPECT_FALSE(is_flag("a%"));
    EXPECT_FALSE(is_flag("a*"));
    EXPECT_FALSE(is_flag("a]"));
    EXPECT_FALSE(is_flag("a\\b"));
}

}  // namespace
