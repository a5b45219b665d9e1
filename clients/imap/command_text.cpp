#include "clients/imap/command_text.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <limits>

namespace mailferry::imap {
namespace {

constexpr std::array<std::string_view, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

char ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return ascii_lower(x) == ascii_lower(y);
           });
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
    std::int64_t year;
    unsigned month, day;
};

Civil civil_from_days(std::int64_t z) noexcept {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {m <= 2 ? y + 1 : y, m, d};
}

template <typename T>
bool parse_number(std::string_view s, T& out) noexcept {
    if (s.empty()) {
        return false;
    }
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

bool needs_literal(std::string_view s) noexcept {
    return std::any_of(s.begin(), s.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u == 0 || c == '\r' || c == '\n' || u >= 0x80;
    });
}

std::string quote(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    out += '"';
    for (char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    out += '"';
    return out;
}

std::string format_uid_set(std::vector<std::uint32_t> uids) {
    std::sort(uids.begin(), uids.end());
    uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
    std::string out;
    std::size_t i = 0;
    while (i < uids.size()) {
        std::size_t j = i;
        while (j + 1 < uids.size() && uids[j + 1] == uids[j] + 1) {
            ++j;
        }
        if (!out.empty()) {
            out += ',';
        }
        out += std::to_string(uids[i]);
        if (j > i) {
            out += ':';
            out += std::to_string(uids[j]);
        }
        i = j + 1;
    }
    return out;
}

std::optional<std::vector<std::uint32_t>> parse_uid_set(std::string_view set, std::size_t limit) {
    std::vector<std::uint32_t> out;
    while (!set.empty()) {
        const auto comma = set.find(',');
        const std::string_view part = set.substr(0, comma);
        set = comma == std::string_view::npos ? std::string_view() : set.substr(comma + 1);
        if (comma != std::string_view::npos && set.empty()) {
            return std::nullopt;
        }
        const auto colon = part.find(':');
        std::uint32_t first = 0, last = 0;
        if (!parse_number(part.substr(0, colon), first) || first == 0) {
            return std::nullopt;
        }
        last = first;
        if (colon != std::string_view::npos &&
            (!parse_number(part.substr(colon + 1), last) || last == 0)) {
            return std::nullopt;
        }
        if (first > last) {
            std::swap(first, last);
        }
        if (last - first >= limit || out.size() + (last - first) >= limit) {
            return std::nullopt;
        }
        for (std::uint64_t u = first; u <= last; ++u) {
            out.push_back(static_cast<std::uint32_t>(u));
        }
    }
    return out;
}

std::string format_flag_list(const std::vector<std::string>& flags) {
    std::string out = "(";
    for (const auto& f : flags) {
        if (iequals(f, "\\Recent")) {
            continue;
        }
        if (out.size() > 1) {
            out += ' ';
        }
        out += f;
    }
    out += ')';
    return out;
}

std::string format_internal_date(const InternalDate& date) {
    const std::int64_t local = date.seconds + std::int64_t{date.offset_minutes} * 60;
    std::int64_t days = local / 86400;
    std::int64_t rest = local % 86400;
    if (rest < 0) {
        rest += 86400;
        --days;
    }
    const Civil c = civil_from_days(days);
    const int offset = date.offset_minutes < 0 ? -date.offset_minutes : date.offset_minutes;
    std::array<char, 64> buf{};
    std::snprintf(buf.data(), buf.size(), "\"%02u-%s-%04lld %02lld:%02lld:%02lld %c%02d%02d\"",
                  c.day, months[c.month - 1].data(), static_cast<long long>(c.year),
                  static_cast<long long>(rest / 3600), static_cast<long long>(rest / 60 % 60),
                  static_cast<long long>(rest % 60), date.offset_minutes < 0 ? '-' : '+',
                  offset / 60, offset % 60);
    return std::string(buf.data());
}

std::optional<InternalDate> parse_internal_date(std::string_view text) {
    // date-day-fixed "-" date-month "-" date-year SP time SP zone
    while (!text.empty() && text.front() == ' ') {
        text.remove_prefix(1);
    }
    const auto dash1 = text.find('-');
    if (dash1 == std::string_view::npos || text.size() < dash1 + 22) {
        return std::nullopt;
    }
    unsigned day = 0, month = 0;
    int year = 0, hour = 0, minute = 0, second = 0, zh = 0, zm = 0;
    if (!parse_number(text.substr(0, dash1), day) || day < 1 || day > 31) {
        return std::nullopt;
    }
    const std::string_view rest = text.substr(dash1 + 1);
    // "Jul-1996 02:44:25 -0700"
    if (rest.size() != 23 || rest[3] != '-' || rest[8] != ' ' || rest[11] != ':' ||
        rest[14] != ':' || rest[17] != ' ' || (rest[18] != '+' && rest[18] != '-')) {
        return std::nullopt;
    }
    for (std::size_t i = 0; i < months.size(); ++i) {
        if (iequals(rest.substr(0, 3), months[i])) {
            month = static_cast<unsigned>(i + 1);
        }
    }
    if (month == 0 || !parse_number(rest.substr(4, 4), year) ||
        !parse_number(rest.substr(9, 2), hour) || !parse_number(rest.substr(12, 2), minute) ||
        !parse_number(rest.substr(15, 2), second) || !parse_number(rest.substr(19, 2), zh) ||
        !parse_number(rest.substr(21, 2), zm) || hour > 23 || minute > 59 || second > 60 ||
        zm > 59) {
        return std::nullopt;
    }
    const int offset = (zh * 60 + zm) * (rest[18] == '-' ? -1 : 1);
    const std::int64_t local =
        days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
    return InternalDate{local - std::int64_t{offset} * 60, offset};
}

std::string extract_message_id(std::string_view section) {
    std::size_t pos = 0;
    while (pos < section.size()) {
        auto eol = section.find('\n', pos);
        if (eol == std::string_view::npos) {
            eol = section.size();
        }
        const std::string_view line = section.substr(pos, eol - pos);
        pos = eol + 1;
        const auto colon = line.find(':');
        if (colon == std::string_view::npos || line.empty() || line[0] == ' ' || line[0] == '\t') {
            continue;
        }
        std::string_view name = line.substr(0, colon);
        while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) {
            name.remove_suffix(1);
        }
        if (!iequals(name, "Message-ID")) {
            continue;
        }
        std::string value(line.substr(colon + 1));
        // Continuation lines start with white space (RFC 5322 §2.2.3).
        while (pos < section.size() && (section[pos] == ' ' || section[pos] == '\t')) {
            eol = section.find('\n', pos);
            if (eol == std::string_view::npos) {
                eol = section.size();
            }
            value += section.substr(pos, eol - pos);
            pos = eol + 1;
        }
        std::erase(value, '\r');
        std::replace(value.begin(), value.end(), '\t', ' ');
        const auto first = value.find_first_not_of(' ');
        if (first == std::string::npos) {
            return {};
        }
        const auto last = value.find_last_not_of(' ');
        return value.substr(first, last - first + 1);
    }
    return {};
}

}  // namespace mailferry::imap
