#include "contrib/testserver/imap/response_encoding.hpp"

#include "contrib/testserver/imap/command_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace mailferry::testserver::imap;
using namespace std::string_view_literals;

// Round trip through the command parser: an encoded string read back as a
// command argument gives the original octets.
Arg read_back(const std::string& encoded) {
    CommandParser parser;
    std::string buffer = "t X " + encoded + "\r\n";
    for (;;) {
        const auto r = parser.feed(buffer);
        buffer.erase(0, r.consumed);
        if (r.event == CommandParser::Event::command) {
            const auto command = parser.take_command();
            EXPECT_EQ(command.args.size(), 1u) << encoded;
            return command.args.empty() ? Arg{} : command.args.front();
        }
        if (r.event == CommandParser::Event::error || r.event == CommandParser::Event::need_more) {
            ADD_FAILURE() << "not read back: " << encoded;
            return Arg{};
        }
    }
}

TEST(ImapResponseEncoding, QuotedOrLiteral) {
    EXPECT_EQ(quoted_or_literal(""), "\"\"");
    EXPECT_EQ(quoted_or_literal("hello world"), "\"hello world\"");
    EXPECT_EQ(quoted_or_literal("a\"b\\c"), "\"a\\\"b\\\\c\"");
    EXPECT_EQ(quoted_or_literal("two\r\nlines"), "{10}\r\ntwo\r\nlines");
    EXPECT_EQ(quoted_or_literal("caf\xc3\xa9"), "{5}\r\ncaf\xc3\xa9");
    EXPECT_EQ(quoted_or_literal("a\0b"sv), "{3}\r\na\0b"sv);
}

TEST(ImapResponseEncoding, AstringAndNstring) {
    EXPECT_EQ(astring("INBOX"), "INBOX");
    EXPECT_EQ(astring("a]b"), "a]b");
    EXPECT_EQ(astring(""), "\"\"");
    EXPECT_EQ(astring("a b"), "\"a b\"");
    EXPECT_EQ(astring("a*"), "\"a*\"");
    EXPECT_EQ(astring("(x)"), "\"(x)\"");
    EXPECT_EQ(astring("NIL"), "\"NIL\"");
    EXPECT_EQ(astring("nil"), "\"nil\"");
    EXPECT_EQ(nstring(std::nullopt), "NIL");
    EXPECT_EQ(nstring("NIL"), "\"NIL\"");
    EXPECT_EQ(nstring("x"), "\"x\"");
}

TEST(ImapResponseEncoding, StringsReadBackThroughTheCommandParser) {
    for (const std::string s : {"plain", "with space", "q\"uote", "back\\slash", "", "a\r\nb",
                                "\xc3\xa4", "NIL", "x]y", "{3}"}) {
        const Arg quoted = read_back(quoted_or_literal(s));
        EXPECT_TRUE(quoted.is_string()) << s;
        EXPECT_EQ(quoted.text, s);
        const Arg a = read_back(astring(s));
        EXPECT_EQ(a.text, s);
    }
}

TEST(ImapResponseEncoding, FlagList) {
    const std::vector<std::string> flags = {"\\Seen", "foo"};
    EXPECT_EQ(flag_list(flags), "(\\Seen foo)");
    EXPECT_EQ(flag_list({}), "()");
}

TEST(ImapResponseEncoding, MailboxName) {
    EXPECT_EQ(mailbox_name("INBOX"), "INBOX");
    EXPECT_EQ(mailbox_name("Archive/2024"), "Archive/2024");
    EXPECT_EQ(mailbox_name("~peter/mail/&U,BTFw-/&ZeVnLIqe-"), "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
    EXPECT_EQ(mailbox_name("Sent Items"), "\"Sent Items\"");
    EXPECT_EQ(mailbox_name("100%"), "\"100%\"");
    EXPECT_EQ(mailbox_name(""), "\"\"");
}

TEST(ImapResponseEncoding, FormatsInternalDate) {
    // 1996-07-17 09:44:25 UTC is 837596665.
    EXPECT_EQ(format_internal_date(837596665, -7 * 60), "\"17-Jul-1996 02:44:25 -0700\"");
    EXPECT_EQ(format_internal_date(837596665, 0), "\"17-Jul-1996 09:44:25 +0000\"");
    EXPECT_EQ(format_internal_date(837596665, 5 * 60 + 30), "\"17-Jul-1996 15:14:25 +0530\"");
    EXPECT_EQ(format_internal_date(0, 0), "\" 1-Jan-1970 00:00:00 +0000\"");
    EXPECT_EQ(format_internal_date(-1, 0), "\"31-Dec-1969 23:59:59 +0000\"");
    EXPECT_EQ(format_internal_date(951782400, 0), "\"29-Feb-2000 00:00:00 +0000\"");
}

TEST(ImapResponseEncoding, ParsesInternalDate) {
    EXPECT_EQ(parse_internal_date("17-Jul-1996 02:44:25 -0700"), (DateTime{837596665, -420}));
    EXPECT_EQ(parse_internal_date(" 1-Jan-1970 00:00:00 +0000"), (DateTime{0, 0}));
    EXPECT_EQ(parse_internal_date("1-jan-1970 01:00:00 +0100"), (DateTime{0, 60}));
    EXPECT_EQ(parse_internal_date("01-JAN-1970 00:00:00 +0000"), (DateTime{0, 0}));
    EXPECT_EQ(parse_internal_date("29-Feb-2000 00:00:00 +0000"), (DateTime{951782400, 0}));
    const std::string_view bad[] = {
        "",
        "17-Jul-1996 02:44:25",
        "17-Jul-1996 02:44:25 0700",
        "17-Jul-1996 24:00:00 +0000",
        "17-Jul-1996 02:60:00 +0000",
        "17-Jul-1996 02:44:60 +0000",
        "17-Jul-1996 02:44:25 +0060",
        "29-Feb-1999 02:44:25 +0000",
        "32-Jul-1996 02:44:25 +0000",
        "0-Jul-1996 02:44:25 +0000",
        "17-Foo-1996 02:44:25 +0000",
        "17-Jul-96 02:44:25 +0000",
        "117-Jul-1996 02:44:25 +0000",
        "17-Jul-1996  2:44:25 +0000",
        "17-Jul-1996 02:44:25 -0700 ",
        "\"17-Jul-1996 02:44:25 -0700\"",
    };
    for (const auto& text : bad) {
        EXPECT_EQ(parse_internal_date(text), std::nullopt) << text;
    }
}

TEST(ImapResponseEncoding, InternalDateRoundTrip) {
    for (std::int64_t t : {std::int64_t{0}, std::int64_t{837596665}, std::int64_t{1700000000},
                           std::int64_t{4102444799}, std::int64_t{-86400 * 365}}) {
        for (int offset : {0, -420, 330, 840, -720}) {
            std::string text = format_internal_date(t, offset);
            text = text.substr(1, text.size() - 2);
            EXPECT_EQ(parse_internal_date(text), (DateTime{t, offset})) << text;
        }
    }
}

}  // namespace
