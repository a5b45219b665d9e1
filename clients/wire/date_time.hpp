#pragma once
// Calendar arithmetic and the date forms of IMAP and Internet mail:
// RFC 3501 date-time ("17-Jul-1996 02:44:25 -0700", INTERNALDATE and
// APPEND), month and zone names shared with RFC 5322 Date: fields and
// SEARCH dates. Proleptic Gregorian calendar, UTC seconds since 1970-01-01,
// no time zone database and no timegm(), so results never depend on the
// machine's TZ or locale.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailferry::wire {

struct CivilDate {
    std::int64_t year = 1970;
    unsigned month = 1;  // 1..12
    unsigned day = 1;    // 1..31
    friend bool operator==(const CivilDate&, const CivilDate&) = default;
};

// Days since 1970-01-01 of a date (H. Hinnant's days_from_civil). The date
// is not checked: 31 Feb is 3 Mar (2 Mar in a leap year).
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) noexcept;
// The date `days` after 1970-01-01 (negative: before).
CivilDate civil_from_days(std::int64_t days) noexcept;

bool is_leap_year(std::int64_t year) noexcept;
// 28..31; 0 for a month outside 1..12.
unsigned days_in_month(std::int64_t year, unsigned month) noexcept;

// "Jan".."Dec" for 1..12.
std::string_view month_name(unsigned month) noexcept;
// 1..12 for a three-letter English month name in any ASCII case, else
// std::nullopt.
std::optional<unsigned> parse_month_name(std::string_view name) noexcept;

// "Mon".."Sun": the day of the week of the day `days` after 1970-01-01 (a
// Thursday).
std::string_view weekday_name(std::int64_t days) noexcept;
// True for "Mon".."Sun" in any ASCII case (RFC 5322 day-name).
bool is_weekday_name(std::string_view name) noexcept;

// RFC 5322 §4.3 obs-zone names with a defined offset ("UT", "GMT", "EST",
// "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT", any case): minutes east
// of UTC. std::nullopt for anything else, military letters included, whose
// meaning each reader decides.
std::optional<int> named_zone_offset(std::string_view name) noexcept;

// A moment and the zone it was stated in.
struct DateTime {
    std::int64_t seconds = 0;  // since the epoch, UTC
    int offset_minutes = 0;    // zone of the text, minutes east of UTC
    friend bool operator==(const DateTime&, const DateTime&) = default;
};

// How a day below 10 is written in date-time: RFC 3501's date-day-fixed
// allows " 7" and "07"; servers commonly send the first, clients the second.
enum class DayPadding { zero, space };

// `"17-Jul-1996 02:44:25 -0700"` (RFC 3501 §9 date-time), with its quotes:
// `date.seconds` shown in the zone `date.offset_minutes`.
std::string format_date_time(const DateTime& date, DayPadding padding);

// Parses date-time without its quotes: "17-Jul-1996 02:44:25 -0700". One
// leading space is skipped, so the day may be " 7", "7" or "07"; the month
// name may be in any case. std::nullopt for anything else, including days
// that do not exist ("29-Feb-1999"), hours above 23, minutes or seconds
// above 59 and zones with minutes above 59.
std::optional<DateTime> parse_date_time(std::string_view text);

}  // namespace mailferry::wire
