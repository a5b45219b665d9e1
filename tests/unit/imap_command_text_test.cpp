// The IMAP client's command-text encoders and small readers: quoting, UID
// sets, flag lists, INTERNALDATE both ways, Message-ID extraction.

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

TEST(ImapCommandText, UidSetsCompressRunsAndParseBack) {
    struct Row {
        std::vector<std::uint32_t> uids;
        std::string text;
    };
    const std::vector<Row> rows = {
        {{}, ""},
        {{7}, "7"},
        {{3, 1, 2, 5, 8, 7, 7}, "1:3,5,7:8"},
        {{4294967295u, 4294967294u}, "4294967294:4294967295"},
    };
    for (const auto& row : rows) {
        EXPECT_EQ(format_uid_set(row.uids), row.text);
        auto back = parse_uid_set(row.text);
        ASSERT_TRUE(back) << row.text;
        EXPECT_EQ(format_uid_set(*back), row.text);
    }
    EXPECT_EQ(parse_uid_set("5:3"), (std::vector<std::uint32_t>{3, 4, 5}));
    for (const char* bad : {"0", "1,", ",1", "1:*", "a", "1::2", "4294967296"}) {
        EXPECT_FALSE(parse_uid_set(bad)) << bad;
    }
    EXPECT_FALSE(parse_uid_set("1:1000", 10));
}

TEST(ImapCommandText, FlagListDropsRecent) {
    EXPECT_EQ(format_flag_list({}), "()");
    EXPECT_EQ(format_flag_list({"\\Seen", "\\Recent", "$Label"}), "(\\Seen $Label)");
}

TEST(ImapCommandText, InternalDateRoundTrips) {
    struct Row {
        InternalDate date;
        std::string text;
    };
    const std::vector<Row> rows = {
        {{0, 0}, "\"01-Jan-1970 00:00:00 +0000\""},
        {{837596665, -420}, "\"17-Jul-1996 02:44:25 -0700\""},
        {{1700000000, 120}, "\"15-Nov-2023 00:13:20 +0200\""},
        {{951782400, 330}, "\"29-Feb-2000 05:30:00 +0530\""},
    };
    for (const auto& row : rows) {
        EXPECT_EQ(format_internal_date(row.date), row.text);
        const std::string unquoted = row.text.substr(1, row.text.size() - 2);
        EXPECT_EQ(parse_internal_date(unquoted), row.date) << unquoted;
    }
    // Servers pad the day with a space (RFC 3501 date-day-fixed).
    EXPECT_EQ(parse_internal_date(" 1-Jan-1970 00:00:00 +0000"), (InternalDate{0, 0}));
    for (const char* bad :
         {"", "32-Jan-2000 00:00:00 +0000", "01-Foo-2000 00:00:00 +0000",
          "01-Jan-2000 24:00:00 +0000", "01-Jan-2000 00:00:00 0000", "01-Jan-2000 00:00 +0000"}) {
        EXPECT_FALSE(parse_internal_date(bad)) << bad;
    }
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
