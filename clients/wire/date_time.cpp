#include "clients/wire/date_time.hpp"

#include "clients/wire/ascii.hpp"
#include "clients/wire/decimal.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace mailferry::wire {
namespace {

constexpr std::array<std::string_view, 12> month_names = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

constexpr std::array<std::string_view, 7> weekday_names = {"Mon", "Tue", "Wed", "Thu",
                                                           "Fri", "Sat", "Sun"};

std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

// Exactly `count` digits.
std::optional<unsigned> digits(std::string_view s, std::size_t count) noexcept {
    if (s.size() != count) {
        return std::nullopt;
    }
    const auto n = parse_decimal(s, 9999);
    if (!n) {
        return std::nullopt;
    }
    return static_cast<unsigned>(*n);
}

}  // namespace

std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) noexcept {
    year -= month <= 2 ? 1 : 0;
    const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
    const auto yoe = static_cast<unsigned>(year - era * 400);
    const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

CivilDate civil_from_days(std::int64_t days) noexcept {
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const auto doe = static_cast<unsigned>(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

bool is_leap_year(std::int64_t year) noexcept {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

unsigned days_in_month(std::int64_t year, unsigned month) noexcept {
    static constexpr std::array<unsigned, 12> days = {31, 28, 31, 30, 31, 30,
                                                      31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12) {
        return 0;
    }
    return days[month - 1] + (month == 2 && is_leap_year(year) ? 1 : 0);
}

std::string_view month_name(unsigned month) noexcept {
    return month >= 1 && month <= 12 ? month_names[month - 1] : std::string_view();
}

std::optional<unsigned> parse_month_name(std::string_view name) noexcept {
    for (unsigned m = 0; m < month_names.size(); ++m) {
        if (iequals(name, month_names[m])) {
            return m + 1;
        }
    }
    return std::nullopt;
}

std::string_view weekday_name(std::int64_t days) noexcept {
    // 1970-01-01, day 0, was a Thursday (index 3).
    return weekday_names[static_cast<std::size_t>(((days + 3) % 7 + 7) % 7)];
}

bool is_weekday_name(std::string_view name) noexcept {
    return std::any_of(weekday_names.begin(), weekday_names.end(),
                       [&](std::string_view day) { return iequals(name, day); });
}

std::optional<int> named_zone_offset(std::string_view name) noexcept {
    struct Zone {
        std::string_view name;
        int hours;
    };
    static constexpr std::array<Zone, 10> zones = {{{"UT", 0},
                                                    {"GMT", 0},
                                                    {"EST", -5},
                                                    {"EDT", -4},
                                                    {"CST", -6},
                                                    {"CDT", -5},
                                                    {"MST", -7},
                                                    {"MDT", -6},
                                                    {"PST", -8},
                                                    {"PDT", -7}}};
    for (const Zone& zone : zones) {
        if (iequals(zone.name, name)) {
            return zone.hours * 60;
        }
    }
    return std::nullopt;
}

std::string format_date_time(const DateTime& date, DayPadding padding) {
    const std::int64_t local = date.seconds + std::int64_t{date.offset_minutes} * 60;
    const std::int64_t days = floor_div(local, 86400);
    const std::int64_t secs = local - days * 86400;
    const CivilDate civil = civil_from_days(days);
    const int offset = date.offset_minutes < 0 ? -date.offset_minutes : date.offset_minutes;
    std::array<char, 64> buf{};
    std::snprintf(buf.data(), buf.size(),
                  padding == DayPadding::zero ? "\"%02u-%s-%04lld %02d:%02d:%02d %c%02d%02d\""
                                              : "\"%2u-%s-%04lld %02d:%02d:%02d %c%02d%02d\"",
                  civil.day, month_names[civil.month - 1].data(),
                  static_cast<long long>(civil.year), static_cast<int>(secs / 3600),
                  static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60),
                  date.offset_minutes < 0 ? '-' : '+', offset / 60, offset % 60);
    return std::string(buf.data());
}

std::optional<DateTime> parse_date_time(std::string_view text) {
    // date-day-fixed "-" date-month "-" date-year SP time SP zone, where
    // date-day-fixed = (SP DIGIT) / 2DIGIT; a lone digit is accepted too.
    if (!text.empty() && text.front() == ' ') {
        text.remove_prefix(1);
    }
    const auto dash = text.find('-');
    if (dash == std::string_view::npos || dash == 0 || dash > 2) {
        return std::nullopt;
    }
    const auto day = digits(text.substr(0, dash), dash);
    text.remove_prefix(dash + 1);
    // "Jul-1996 02:44:25 -0700"
    if (text.size() != 23 || text[3] != '-' || text[8] != ' ' || text[11] != ':' ||
        text[14] != ':' || text[17] != ' ' || (text[18] != '+' && text[18] != '-')) {
        return std::nullopt;
    }
    const auto month = parse_month_name(text.substr(0, 3));
    const auto year = digits(text.substr(4, 4), 4);
    const auto hour = digits(text.substr(9, 2), 2);
    const auto minute = digits(text.substr(12, 2), 2);
    const auto second = digits(text.substr(15, 2), 2);
    const auto zone_h = digits(text.substr(19, 2), 2);
    const auto zone_m = digits(text.substr(21, 2), 2);
    if (!day || !month || !year || !hour || !minute || !second || !zone_h || !zone_m ||
        *hour > 23 || *minute > 59 || *second > 59 || *zone_m > 59 || *day == 0 ||
        *day > days_in_month(*year, *month)) {
        return std::nullopt;
    }
    int offset = static_cast<int>(*zone_h * 60 + *zone_m);
    if (text[18] == '-') {
        offset = -offset;
    }
    const std::int64_t local = days_from_civil(*year, *month, *day) * 86400 +
                               std::int64_t{*hour} * 3600 + std::int64_t{*minute} * 60 + *second;
    return DateTime{local - std::int64_t{offset} * 60, offset};
}

}  // namespace mailferry::wire
