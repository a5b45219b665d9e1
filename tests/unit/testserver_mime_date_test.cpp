// RFC 5322 §3.3 / §4.3 date-time parsing for SEARCH SENT* and the Date field.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>

#include "contrib/testserver/mime/message.hpp"

namespace {

using mailferry::testserver::mime::parse_rfc5322_date;
using mailferry::testserver::mime::ParsedMessage;

struct DateCase {
    const char* text;
    std::optional<std::int64_t> expected;  // seconds since the epoch, UTC
};

TEST(MimeDate, ParsesCurrentAndObsoleteForms) {
    const DateCase cases[] = {
        {"Tue, 1 Jul 2003 10:52:37 +0200", 1057049557},
        {"1 Jul 2003 10:52:37 +0200", 1057049557},                     // no day of week
        {"tue, 01 JUL 2003 10:52:37 +0200", 1057049557},               // case, leading zero
        {"Tue, 1 Jul 2003 10:52 +0200", 1057049520},                   // no seconds
        {"  Tue ,  1  Jul  2003  10 : 52 : 37  +0200  ", 1057049557},  // obsolete blanks
        {"Tue, 1 Jul 2003 10:52:37 +0200 (CEST)", 1057049557},         // trailing comment
        {"(sent) Tue, 1 (day) Jul 2003 10:52:37 +0200", 1057049557},
        {"Tue, 1 Jul\r\n 2003 10:52:37 +0200", 1057049557},  // folded
        {"Fri, 1 Jan 99 00:00 EST", 915166800},              // 2-digit year, EST
        {"Fri, 31 Dec 49 23:59:59 GMT", 2524607999},         // 49 -> 2049
        {"Sun, 1 Jan 50 00:00:00 UT", -631152000},           // 50 -> 1950
        {"1 Jan 103 00:00:00 +0000", 1041379200},            // 3-digit year
        {"Tue, 29 Feb 2000 12:00:00 PDT", 951850800},        // leap day, PDT -7
        {"1 Jan 1970 00:00:00 Z", 0},                        // military: -0000
        {"1 Jan 1970 00:00:00 A", 0},
        {"1 Jan 1970 00:00:00 -0000", 0},
        {"5 Mar 2024 08:05:09 +0530", 1709606109},
        {"1 Jan 2003 00:00:00 PST", 1041408000},
        {"1 Jan 1903 00:00:00 +0000", -2114380800},
        {"31 Dec 2016 23:59:60 +0000", 1483228800},  // leap second
        {"31 Dec 1969 23:00:00 +0000", -3600},
        {"1 Jan 1970 00:00:00 XYZ", 0},  // unknown alphabetic zone: -0000 (§4.3)
    };
    for (const DateCase& c : cases) {
        EXPECT_EQ(parse_rfc5322_date(c.text), c.expected) << c.text;
    }
}

TEST(MimeDate, RejectsWhatDoesNotParse) {
    const char* cases[] = {
        "",
        "yesterday",
        "Tue, 1 Jul 2003",                  // no time
        "Tue, 1 Jul 2003 10:52:37",         // no zone
        "Xyz, 1 Jul 2003 10:52:37 +0200",   // bad day name
        "Tue 1 Jul 2003 10:52:37 +0200",    // day name without comma
        "Tue, 1 Jux 2003 10:52:37 +0200",   // bad month
        "Tue, 32 Jul 2003 10:52:37 +0200",  // day out of range
        "Sat, 29 Feb 2003 10:52:37 +0200",  // not a leap year
        "Tue, 0 Jul 2003 10:52:37 +0200",
        "Tue, 1 Jul 2003 24:00:00 +0200",       // hour
        "Tue, 1 Jul 2003 10:60:00 +0200",       // minute
        "Tue, 1 Jul 2003 10:52:61 +0200",       // second
        "Tue, 1 Jul 2003 10:52:37 +02",         // short offset
        "Tue, 1 Jul 2003 10:52:37 +0260",       // offset minutes
        "Tue, 1 Jul 2003 10:52:37 +0200 junk",  // trailing text
        "Tue, 1 Jul 1899 10:52:37 +0200",       // 4-digit year before 1900
        "Tue, 1 Jul 20031 10:52:37 +0200",
        "Tue, 100 Jul 2003 10:52:37 +0200",
        "Tue, 1 Jul 2003 10:52:37 +0200 (unterminated",
        "2003-07-01T10:52:37Z",  // ISO 8601 is not RFC 5322
    };
    for (const char* text : cases) {
        EXPECT_EQ(parse_rfc5322_date(text), std::nullopt) << text;
    }
}

TEST(MimeDate, AsWrittenIgnoresTheZone) {
    // 30 Jun 2003 23:30:00 as written; 1 Jul 04:30 UTC.
    EXPECT_EQ(parse_rfc5322_date("Mon, 30 Jun 2003 23:30:00 -0500", false), 1057015800);
    EXPECT_EQ(parse_rfc5322_date("Mon, 30 Jun 2003 23:30:00 -0500"), 1057033800);
    EXPECT_EQ(parse_rfc5322_date("30 Jun 2003 23:30 EST", false), 1057015800);
}

TEST(MimeDate, MessageDateUsesTheDateField) {
    const std::string with_date = "Subject: x\r\ndate:  Tue, 1 Jul 2003 10:52:37 +0200\r\n\r\n";
    EXPECT_EQ(ParsedMessage(with_date).date(), 1057049557);
    const std::string bad_date = "Date: someday\r\n\r\n";
    EXPECT_EQ(ParsedMessage(bad_date).date(), std::nullopt);
    const std::string no_date = "Subject: x\r\n\r\nDate: Tue, 1 Jul 2003 10:52:37 +0200\r\n";
    EXPECT_EQ(ParsedMessage(no_date).date(), std::nullopt);
}

}  // namespace
