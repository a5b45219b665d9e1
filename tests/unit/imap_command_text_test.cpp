// The IMAP client's command-text encoders and small readers: quoting, flag
// lists, Message-ID extraction (UID sets and INTERNALDATE: wire_*_test.cpp).

#include "clients/imap/command_text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace mailferry::imap;

TEST(ImapCommandText, QuotesAndDetectsLiteralsNeeded) {
    EXPECT_EQ(quote("INBOX"), "\"INBOX\"");
    EXPECT_EQ(quote(R"(a"b\c)"), R"("a\"b\\c")");
    EXPECT_FALSE(needs_literal("plain ascii ~!"));
    EXPECT_TRUE(needs_literal("line\r\nbreak"));
    EXPECT_TRUE(
        needs_literal("Gr\xc3\xbc\xc3\x9f"
                      "e"));
    EXPECT_TRUE(needs_literal(std::string("nul\0byte", 8)));
}

TEST(ImapCommandText, FlagListDropsRecent) {
    EXPECT_EQ(format_flag_list({}), "()");
    EXPECT_EQ(format_flag_list({"\\Seen", "\\Recent", "$Label"}), "(\\Seen $Label)");
}

TEST(ImapCommandText, MessageIdIsUnfoldedAndTrimmed) {
    EXPECT_EQ(extract_message_id("Message-ID: <a@b>\r\n\r\n"), "<a@b>");
    EXPECT_EQ(extract_message_id("message-id:\r\n  <folded@x.org> \r\n\r\n"), "<folded@x.org>");
    EXPECT_EQ(extract_message_id("Message-Id:\t<t@x>\r\nMessage-ID: <second@x>\r\n"), "<t@x>");
    EXPECT_EQ(extract_message_id("\r\n"), "");
    EXPECT_EQ(extract_message_id(""), "");
    EXPECT_EQ(extract_message_id("X-Message-ID: <no@x>\r\n"), "");
}

}  // namespace
