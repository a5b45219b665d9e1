// The header scan behind POP3 copies: Message-ID and Date: from a message fed
// in chunks of any size (the grind: every split offset and one byte at a
// time give the same result), and RFC 5322 §3.3/§4.3 dates.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "sync/adapters/header_scan.hpp"

namespace mailferry::sync {
namespace {

struct DateRow {
    const char* text;
    std::optional<std::int64_t> expected;
};

TEST(SyncHeaderDate, ParsesRfc5322AndObsoleteForms) {
    const DateRow rows[] = {
        {"Mon, 13 Nov 2023 10:00:05 +0100", 1'699'866'005},
        {"13 Nov 2023 09:00:05 +0000", 1'699'866'005},
        {"Mon, 13 Nov 2023 04:00:05 -0500", 1'699'866'005},
        {"Mon, 13 Nov 2023 04:00:05 EST", 1'699'866'005},
        {"Mon, 13 Nov 2023 09:00:05 GMT (UTC)", 1'699'866'005},
        {"Mon, 13 Nov 2023 09:00 +0000", 1'699'866'000},
        {"Mon,  3 Jan 94 00:00:00 +0000", 757'555'200},
        {"Thu, 1 Jan 1970 00:00:00 +0000", 0},
        {"29 Feb 2024 12:00:00 +0000", 1'709'208'000},
        {"", std::nullopt},
        {"yesterday", std::nullopt},
        {"Mon, 13 Foo 2023 10:00:05 +0100", std::nullopt},
        {"Mon, 13 Nov 2023 25:00:05 +0100", std::nullopt},
        {"Mon, 13 Nov 2023 10:00:05 +01", std::nullopt},
        {"31 Feb 2023 10:00:05 +0000", std::nullopt},  // no such day
        {"29 Feb 2023 10:00:05 +0000", std::nullopt},  // 2023 is no leap year
        {"31 Dec 2099 23:59:59 +0000", 4'102'444'799},
    };
    for (const DateRow& row : rows) {
        SCOPED_TRACE(row.text);
        EXPECT_EQ(parse_rfc5322_date(row.text), row.expected);
    }
}

const std::string message =
    "Received: from a by b;\r\n Mon, 1 Jan 2001 00:00:00 +0000\r\n"
    "Message-ID:\r\n <abc@example.org>\r\n"
    "Date: Mon, 13 Nov 2023\r\n 10:00:05 +0100\r\n"
    "Subject: x\r\n"
    "\r\n"
    "Date: Tue, 14 Nov 2023 10:00:05 +0100\r\n"
    "body\r\n";

void expect_scanned(const HeaderScan& scan) {
    EXPECT_TRUE(scan.complete());
    EXPECT_EQ(scan.message_id(), "<abc@example.org>");
    EXPECT_EQ(scan.date(), std::optional<std::int64_t>(1'699'866'005));
    EXPECT_EQ(scan.header().find("body"), std::string::npos);  // the body is not kept
}

TEST(SyncHeaderScan, FindsMessageIdAndDateAtEverySplit) {
    for (std::size_t split = 0; split <= message.size(); ++split) {
        SCOPED_TRACE(split);
        HeaderScan scan;
        scan.feed(std::string_view(message).substr(0, split));
        scan.feed(std::string_view(message).substr(split));
        expect_scanned(scan);
    }
    HeaderScan bytewise;
    for (char c : message) {
        bytewise.feed(std::string_view(&c, 1));
    }
    expect_scanned(bytewise);
}

TEST(SyncHeaderScan, StopsAtItsLimitAndWithoutFieldsReportsNone) {
    HeaderScan scan(16);
    scan.feed("Subject: a very long subject line\r\n\r\nbody");
    EXPECT_TRUE(scan.complete());
    EXPECT_EQ(scan.header().size(), 16U);
    EXPECT_EQ(scan.message_id(), "");
    EXPECT_EQ(scan.date(), std::nullopt);

    HeaderScan bare;
    bare.feed("\r\nbody only\r\n");
    EXPECT_TRUE(bare.complete());
    EXPECT_EQ(bare.header(), "\r\n");
}

}  // namespace
}  // namespace mailferry::sync
