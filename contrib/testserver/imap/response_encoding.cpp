#include "contrib/testserver/imap/response_encoding.hpp"

#include "contrib/testserver/imap/detail/text.hpp"

#include <algorithm>
#include <cstdio>

namespace mailferry::testserver::imap {
namespace {

constexpr std::string_view month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// RFC 3501 §9 ASTRING-CHAR = ATOM-CHAR / resp-specials.
bool is_astring_char(char ch) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f) {
        return false;
    }
    switch (c) {
        case '(':
        case ')':
        case '{':
        case '%':
        case '*':
        case '"':
        case '\\':
            return false;
        default:
            return true;
    }
}

// RFC 3501 §9 QUOTED-CHAR: TEXT-CHAR (CHAR except CR, LF; CHAR excludes NUL
// and 8-bit).
bool is_quotable(char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c >= 0x01 && c <= 0x7f && c != '\r' && c != '\n';
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil), so no time zone database or timegm() is involved.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
    std::int64_t year;
    unsigned month;
    unsigned day;
};

Civil civil_from_days(std::int64_t z) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

std::optional<unsigned> digits(std::string_view s, std::size_t count) {
    if (s.size() != count) {
        return std::nullopt;
    }
    const auto n = detail::parse_decimal(s, 9999);
    if (!n) {
        return std::nullopt;
    }
    return static_cast<unsigned>(*n);
}

}  // namespace

std::string quoted_or_literal(std::string_view s) {
    if (std::all_of(s.begin(), s.end(), is_quotable)) {
        std::string out;
        out.reserve(s.size() + 2);
        out += '"';
        for (const char c : s) {
            if (c == '"' || c == '\\') {
                out += '\\';
            }
            out += c;
        }
        out += '"';
        return out;
    }
    std::string out = "{" + std::to_string(s.size()) + "}\r\n";
    out.append(s);
    return out;
}

std::string astring(std::string_view s) {
    if (!s.empty() && std::all_of(s.begin(), s.end(), is_astring_char) &&
        !detail::iequals(s, "NIL")) {
        return std::string(s);
    }
    return quoted_or_literal(s);
}

std::string nstring(std::optional<std::string_view> s) {
    return s ? quoted_or_literal(*s) : std::string("NIL");
}

std::string flag_list(std::span<const std::string> flags) {
    std::string out = "(";
    for (std::size_t i = 0; i < flags.size(); ++i) {
        if (i > 0) {
            out += ' ';
        }
        out += flags[i];
    }
    out += ')';
    return out;
}

std::string mailbox_name(std::string_view name) {
    return astring(name);
}

std::string format_internal_date(std::int64_t seconds, int offset_minutes) {
    const std::int64_t local = seconds + std::int64_t{offset_minutes} * 60;
    const std::int64_t days = floor_div(local, 86400);
    const std::int64_t secs = local - days * 86400;
    const Civil date = civil_from_days(days);
    const int offset = offset_minutes < 0 ? -offset_minutes : offset_minutes;
    char buf[64];
    std::snprintf(buf, sizeof buf, "\"%2u-%s-%04lld %02d:%02d:%02d %c%02d%02d\"", date.day,
                  month_names[date.month - 1].data(), static_cast<long long>(date.year),
                  static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                  static_cast<int>(secs % 60), offset_minutes < 0 ? '-' : '+', offset / 60,
                  offset % 60);
    return buf;
}

std::optional<DateTime> parse_internal_date(std::string_view text) {
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
    unsigned month = 0;
    for (unsigned m = 0; m < 12; ++m) {
        if (detail::iequals(text.substr(0, 3), month_names[m])) {
            month = m + 1;
        }
    }
    const auto year = digits(text.substr(4, 4), 4);
    const auto hour = digits(text.substr(9, 2), 2);
    const auto minute = digits(text.substr(12, 2), 2);
    const auto second = digits(text.substr(15, 2), 2);
    const auto zone_h = digits(text.substr(19, 2), 2);
    const auto zone_m = digits(text.substr(21, 2), 2);
    if (!day || month == 0 || !year || !hour || !minute || !second || !zone_h || !zone_m ||
        *hour > 23 || *minute > 59 || *second > 59 || *zone_m > 59 || *day == 0) {
        return std::nullopt;
    }
    static constexpr unsigned month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (*year % 4 == 0 && *year % 100 != 0) || *year % 400 == 0;
    if (*day > month_days[month - 1] + (month == 2 && leap ? 1u : 0u)) {
        return std::nullopt;
    }
    int offset = static_cast<int>(*zone_h * 60 + *zone_m);
    if (text[18] == '-') {
        offset = -offset;
    }
    const std::int64_t local = days_from_civil(*year, month, *day) * 86400 +
                               std::int64_t{*hour} * 3600 + std::int64_t{*minute} * 60 + *second;
    return DateTime{local - std::int64_t{offset} * 60, offset};
}

}  // namespace mailferry::testserver::imap
