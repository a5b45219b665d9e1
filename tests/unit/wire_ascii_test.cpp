// ASCII case folding of protocol words: only A-Z and a-z change, whatever
// the bytes around them, and comparisons agree with that.

#include "clients/wire/ascii.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace mailferry::wire;

TEST(WireAscii, FoldsOnlyAsciiLetters) {
    EXPECT_EQ(to_ascii_upper("uid fetch 1:* (flags)"), "UID FETCH 1:* (FLAGS)");
    EXPECT_EQ(to_ascii_lower("Message-ID"), "message-id");
    EXPECT_EQ(to_ascii_upper(""), "");
    // '@' and '[' sit just outside A-Z, '`' and '{' just outside a-z.
    EXPECT_EQ(to_ascii_upper("@[`{az"), "@[`{AZ");
    EXPECT_EQ(to_ascii_lower("@[`{AZ"), "@[`{az");
    // UTF-8 (and Latin-1) bytes are left as they are.
    EXPECT_EQ(to_ascii_upper("gr\xc3\xbc\xc3\x9f"
                             "e"),
              "GR\xc3\xbc\xc3\x9f"
              "E");
    EXPECT_EQ(to_ascii_lower("\xc4\xd6\xdc"), "\xc4\xd6\xdc");
    const std::string with_nul("a\0b", 3);
    EXPECT_EQ(to_ascii_upper(with_nul), std::string("A\0B", 3));
}

TEST(WireAscii, ComparesIgnoringCase) {
    EXPECT_TRUE(iequals("INBOX", "inbox"));
    EXPECT_TRUE(iequals("\\Seen", "\\SEEN"));
    EXPECT_TRUE(iequals("", ""));
    EXPECT_FALSE(iequals("INBOX", "INBOX/"));
    EXPECT_FALSE(iequals("a", "b"));
    // Bytes 0x20 apart that are not letters are different.
    EXPECT_FALSE(iequals("@", "`"));
    EXPECT_FALSE(iequals("[", "{"));
    EXPECT_FALSE(iequals("\xc3\xbc", "\xc3\x9c"));  // ü, Ü in UTF-8

    EXPECT_TRUE(istarts_with("+ok ready", "+OK"));
    EXPECT_TRUE(istarts_with("-Err", "-ERR"));
    EXPECT_TRUE(istarts_with("anything", ""));
    EXPECT_FALSE(istarts_with("+O", "+OK"));
    EXPECT_FALSE(istarts_with("x+OK", "+OK"));

    EXPECT_TRUE(icontains("Subject: Hello World", "hello"));
    EXPECT_TRUE(icontains("abc", "ABC"));
    EXPECT_TRUE(icontains("", ""));
    EXPECT_TRUE(icontains("abc", ""));
    EXPECT_FALSE(icontains("", "a"));
    EXPECT_FALSE(icontains("hell", "hello"));
    EXPECT_FALSE(icontains("gr\xc3\xbc\xc3\x9f", "GR\xc3\x9c"));
}

}  // namespace
