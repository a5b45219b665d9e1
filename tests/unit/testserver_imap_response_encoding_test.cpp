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

}  // namespace
