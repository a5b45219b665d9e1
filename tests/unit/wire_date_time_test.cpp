// Calendar arithmetic and RFC 3501 date-time, written and read.

#include "clients/wire/date_time.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace mailferry::wire;

TEST(WireDateTime, DaysFromCivilAndBack) {
    struct Row {
        CivilDate date;
        std::int64_t days;
    };
    const std::vector<Row> rows = {
        {{1970, 1, 1}, 0},      {{1969, 12, 31}, -1},      {{2000, 2, 29}, 11016},
        {{2000, 3, 1}, 11017},  {{1900, 3, 1}, -25508},    {{1600, 1, 1}, -135140},
        {{2038, 1, 19}, 24855}, {{9999, 12, 31}, 2932896}, {{0, 3, 1}, -719468},
    };
    for (const auto& row : rows) {
        EXPECT_EQ(days_from_civil(row.date.year, row.date.month, row.date.day), row.days)
            << row.date.year << "-" << row.date.month << "-" << row.date.day;
        EXPECT_EQ(civil_from_days(row.days), row.date) << row.days;
    }
    // Year boundaries both ways.
    EXPECT_EQ(civil_from_days(days_from_civil(2023, 12, 31) + 1), (CivilDate{2024, 1, 1}));
    EXPECT_EQ(civil_from_days(days_from_civil(2024, 1, 1) - 1), (CivilDate{2023, 12, 31}));
    // Every day of four centuries round-trips and follows its predecessor.
    CivilDate previous = civil_from_days(days_from_civil(1800, 1, 1) - 1);
    for (std::int64_t d = days_from_civil(1800, 1, 1); d < days_from_civil(2200, 1, 1); ++d) {
        const CivilDate c = civil_from_days(d);
        ASSERT_EQ(days_from_civil(c.year, c.month, c.day), d);
        const bool next_day =
            c.year == previous.year && c.month == previous.month && c.day == previous.day + 1;
        const bool next_month =
            c.day == 1 && previous.day == days_in_month(previous.year, previous.month);
        ASSERT_TRUE(next_day || next_month) << c.year << "-" << c.month << "-" << c.day;
        previous = c;
    }
}

TEST(WireDateTime, LeapYearsAndMonthLengths) {
    EXPECT_TRUE(is_leap_year(2000));
    EXPECT_TRUE(is_leap_year(2024));
    EXPECT_FALSE(is_leap_year(1900));
    EXPECT_FALSE(is_leap_year(2100));
    EXPECT_FALSE(is_leap_year(2023));
    EXPECT_EQ(days_in_month(2000, 2), 29u);
    EXPECT_EQ(days_in_month(1900, 2), 28u);
    EXPECT_EQ(days_in_month(2024, 2), 29u);
    EXPECT_EQ(days_in_month(2023, 2), 28u);
    EXPECT_EQ(days_in_month(2023, 1), 31u);
    EXPECT_EQ(days_in_month(2023, 4), 30u);
    EXPECT_EQ(days_in_month(2023, 12), 31u);
    EXPECT_EQ(days_in_month(2023, 0), 0u);
    EXPECT_EQ(days_in_month(2023, 13), 0u);
}

TEST(WireDateTime, WeekdayNames) {
    EXPECT_EQ(weekday_name(0), "Thu");   // 1970-01-01
    EXPECT_EQ(weekday_name(-1), "Wed");  // 1969-12-31
    EXPECT_EQ(weekday_name(-4), "Sun");  // 1969-12-28
    EXPECT_EQ(weekday_name(days_from_civil(2000, 2, 29)), "Tue");
    EXPECT_EQ(weekday_name(days_from_civil(2026, 1, 5)), "Mon");
    EXPECT_EQ(weekday_name(days_from_civil(1900, 1, 1)), "Mon");
    EXPECT_TRUE(is_weekday_name("Sun"));
    EXPECT_TRUE(is_weekday_name("wed"));
    EXPECT_TRUE(is_weekday_name("FRI"));
    for (const char* bad : {"", "Mo", "Mond", "Monday", "Thu,"}) {
        EXPECT_FALSE(is_weekday_name(bad)) << bad;
    }
}

TEST(WireDateTime, MonthAndZoneNames) {
    EXPECT_EQ(month_name(1), "Jan");
    EXPECT_EQ(month_name(12), "Dec");
    EXPECT_EQ(month_name(0), "");
    EXPECT_EQ(month_name(13), "");
    EXPECT_EQ(parse_month_name("jan"), 1u);
    EXPECT_EQ(parse_month_name("SEP"), 9u);
    EXPECT_EQ(parse_month_name("Dec"), 12u);
    for (const char* bad : {"", "Ja", "Janu", "January", "Foo", "J\xc3\xa4n"}) {
        EXPECT_EQ(parse_month_name(bad), std::nullopt) << bad;
    }
    EXPECT_EQ(named_zone_offset("UT"), 0);
    EXPECT_EQ(named_zone_offset("gmt"), 0);
    EXPECT_EQ(named_zone_offset("EST"), -300);
    EXPECT_EQ(named_zone_offset("EDT"), -240);
    EXPECT_EQ(named_zone_offset("CDT"), -300);
    EXPECT_EQ(named_zone_offset("PST"), -480);
    EXPECT_EQ(named_zone_offset("pdt"), -420);
    // Military letters and unknown names are the reader's call.
    for (const char* other : {"", "Z", "A", "CET", "UTC", "+0000"}) {
        EXPECT_EQ(named_zone_offset(other), std::nullopt) << other;
    }
}

TEST(WireDateTime, FormatsDateTimeInItsZone) {
    // 1996-07-17 09:44:25 UTC is 837596665.
    const auto space = DayPadding::space;
    EXPECT_EQ(format_date_time({837596665, -7 * 60}, space), "\"17-Jul-1996 02:44:25 -0700\"");
    EXPECT_EQ(format_date_time({837596665, 0}, space), "\"17-Jul-1996 09:44:25 +0000\"");
    EXPECT_EQ(format_date_time({837596665, 5 * 60 + 30}, space), "\"17-Jul-1996 15:14:25 +0530\"");
    EXPECT_EQ(format_date_time({0, 0}, space), "\" 1-Jan-1970 00:00:00 +0000\"");
    EXPECT_EQ(format_date_time({-1, 0}, space), "\"31-Dec-1969 23:59:59 +0000\"");
    EXPECT_EQ(format_date_time({951782400, 0}, space), "\"29-Feb-2000 00:00:00 +0000\"");
    // The zone moves the date across a year boundary.
    EXPECT_EQ(format_date_time({0, -60}, space), "\"31-Dec-1969 23:00:00 -0100\"");
    EXPECT_EQ(format_date_time({1703980800 + 86399, 60}, space), "\" 1-Jan-2024 00:59:59 +0100\"");

    const auto zero = DayPadding::zero;
    EXPECT_EQ(format_date_time({0, 0}, zero), "\"01-Jan-1970 00:00:00 +0000\"");
    EXPECT_EQ(format_date_time({837596665, -420}, zero), "\"17-Jul-1996 02:44:25 -0700\"");
    EXPECT_EQ(format_date_time({1700000000, 120}, zero), "\"15-Nov-2023 00:13:20 +0200\"");
    EXPECT_EQ(format_date_time({951782400, 330}, zero), "\"29-Feb-2000 05:30:00 +0530\"");
}

TEST(WireDateTime, ParsesDateTime) {
    EXPECT_EQ(parse_date_time("17-Jul-1996 02:44:25 -0700"), (DateTime{837596665, -420}));
    EXPECT_EQ(parse_date_time(" 1-Jan-1970 00:00:00 +0000"), (DateTime{0, 0}));
    EXPECT_EQ(parse_date_time("1-jan-1970 01:00:00 +0100"), (DateTime{0, 60}));
    EXPECT_EQ(parse_date_time("01-JAN-1970 00:00:00 +0000"), (DateTime{0, 0}));
    EXPECT_EQ(parse_date_time("29-Feb-2000 00:00:00 +0000"), (DateTime{951782400, 0}));
    EXPECT_EQ(parse_date_time("31-Dec-1969 23:00:00 -0100"), (DateTime{0, -60}));
    const std::string_view bad[] = {
        "",
        "17-Jul-1996 02:44:25",
        "17-Jul-1996 02:44:25 0700",
        "17-Jul-1996 24:00:00 +0000",
        "17-Jul-1996 02:60:00 +0000",
        "17-Jul-1996 02:44:60 +0000",
        "17-Jul-1996 02:44:25 +0060",
        "29-Feb-1999 02:44:25 +0000",
        "29-Feb-1900 02:44:25 +0000",
        "31-Apr-2024 02:44:25 +0000",
        "32-Jul-1996 02:44:25 +0000",
        "32-Jan-2000 00:00:00 +0000",
        "0-Jul-1996 02:44:25 +0000",
        "17-Foo-1996 02:44:25 +0000",
        "17-Jul-96 02:44:25 +0000",
        "117-Jul-1996 02:44:25 +0000",
        "17-Jul-1996  2:44:25 +0000",
        "17-Jul-1996 02:44:25 -0700 ",
        "17-Jul-1996 02:44 +0000",
        "\"17-Jul-1996 02:44:25 -0700\"",
    };
    for (const auto& text : bad) {
        EXPECT_EQ(parse_date_time(text), std::nullopt) << text;
    }
}

TEST(WireDateTime, DateTimeRoundTrips) {
    for (std::int64_t t :
         {std::int64_t{0}, std::int64_t{837596665}, std::int64_t{1700000000},
          std::int64_t{951782400}, std::int64_t{4102444799}, std::int64_t{-86400 * 365}}) {
        for (int offset : {0, -420, 330, 840, -720}) {
            for (DayPadding padding : {DayPadding::zero, DayPadding::space}) {
                std::string text = format_date_time({t, offset}, padding);
                text = text.substr(1, text.size() - 2);
                EXPECT_EQ(parse_date_time(text), (DateTime{t, offset})) << text;
            }
        }
    }
}

}  // namespace
