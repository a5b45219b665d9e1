// RFC 5322 §3.3 date-time with the obsolete forms of §4.3: optional day of
// week, 2- and 3-digit years, alphabetic zones, CFWS between tokens.
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "contrib/testserver/mime/detail/header_fields.hpp"
#include "contrib/testserver/mime/message.hpp"

namespace mailferry::testserver::mime {

namespace {

using detail::iequals;

class DateLexer {
  public:
    explicit DateLexer(std::string_view text) : text_(text) {}

    bool at_end() const noexcept { return pos_ >= text_.size(); }
    char peek() const noexcept { return at_end() ? '\0' : text_[pos_]; }
    void advance() noexcept { ++pos_; }

    // Blanks, line breaks of folding, and (nested) comments.
    void skip_cfws() noexcept {
        while (!at_end()) {
            const char c = text_[pos_];
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                ++pos_;
            } else if (c == '(') {
                int depth = 0;
                while (!at_end()) {
                    const char d = text_[pos_++];
                    if (d == '\\' && !at_end()) {
                        ++pos_;
                    } else if (d == '(') {
                        ++depth;
                    } else if (d == ')' && --depth == 0) {
                        break;
                    }
                }
                unterminated_comment_ = unterminated_comment_ || depth > 0;
            } else {
                return;
            }
        }
    }

    bool unterminated_comment() const noexcept { return unterminated_comment_; }

    std::string_view letters() noexcept {
        const std::size_t start = pos_;
        while (!at_end() &&
               ((peek() >= 'a' && peek() <= 'z') || (peek() >= 'A' && peek() <= 'Z'))) {
            ++pos_;
        }
        return text_.substr(start, pos_ - start);
    }

    // Up to `max_digits` digits; nullopt when there are none. `count` gets
    // how many were read.
    std::optional<int> number(std::size_t max_digits, std::size_t& count) noexcept {
        int value = 0;
        count = 0;
        while (!at_end() && peek() >= '0' && peek() <= '9') {
            if (++count > max_digits) {
                return std::nullopt;
            }
            value = value * 10 + (peek() - '0');
            ++pos_;
        }
        if (count == 0) {
            return std::nullopt;
        }
        return value;
    }

  private:
    std::string_view text_;
    std::size_t pos_ = 0;
    bool unterminated_comment_ = false;
};

constexpr std::array<std::string_view, 7> day_names = {"Mon", "Tue", "Wed", "Thu",
                                                       "Fri", "Sat", "Sun"};
constexpr std::array<std::string_view, 12> month_names = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// The first second (UTC) of a proleptic Gregorian date; std::nullopt when
// there is no such day ("31 Feb").
std::optional<std::int64_t> midnight_of(std::int64_t year, int month, int day) {
    if (year < 0 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31) {
        return std::nullopt;
    }
    const std::chrono::year_month_day date{std::chrono::year{static_cast<int>(year)},
                                           std::chrono::month{static_cast<unsigned>(month)},
                                           std::chrono::day{static_cast<unsigned>(day)}};
    if (!date.ok()) {
        return std::nullopt;
    }
    return std::chrono::sys_seconds{std::chrono::sys_days{date}}.time_since_epoch().count();
}

// RFC 5322 §4.3 obs-zone, in minutes east of UTC. Military letters and
// unknown names mean "no zone information", i.e. -0000.
std::optional<int> alphabetic_zone(std::string_view name) {
    struct Zone {
        std::string_view name;
        int hours;
    };
    constexpr std::array<Zone, 10> zones = {{{"UT", 0},
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
    if (name.empty()) {
        return std::nullopt;
    }
    return 0;
}

}  // namespace

std::optional<std::int64_t> parse_rfc5322_date(std::string_view text) {
    DateLexer lex(text);
    std::size_t digits = 0;
    lex.skip_cfws();
    // [day-of-week ","]
    if (std::string_view day_name = lex.letters(); !day_name.empty()) {
        bool known = false;
        for (std::string_view name : day_names) {
            known = known || iequals(name, day_name);
        }
        lex.skip_cfws();
        if (!known || lex.peek() != ',') {
            return std::nullopt;
        }
        lex.advance();
        lex.skip_cfws();
    }
    const std::optional<int> day = lex.number(2, digits);
    lex.skip_cfws();
    const std::string_view month_name = lex.letters();
    lex.skip_cfws();
    const std::optional<int> parsed_year = lex.number(4, digits);
    const std::size_t year_digits = digits;
    if (!day || !parsed_year) {
        return std::nullopt;
    }
    int month = 0;
    for (std::size_t i = 0; i < month_names.size(); ++i) {
        if (iequals(month_names[i], month_name)) {
            month = static_cast<int>(i) + 1;
        }
    }
    // RFC 5322 §4.3: a 2-digit year below 50 is 20xx, else 19xx; a 3-digit
    // year is added to 1900.
    std::int64_t year = *parsed_year;
    if (year_digits == 2) {
        year += year < 50 ? 2000 : 1900;
    } else if (year_digits == 3) {
        year += 1900;
    } else if (year < 1900) {
        return std::nullopt;
    }
    const std::optional<std::int64_t> midnight = midnight_of(year, month, *day);
    if (!midnight) {
        return std::nullopt;
    }

    // time-of-day = hour ":" minute [ ":" second ]
    lex.skip_cfws();
    const std::optional<int> hour = lex.number(2, digits);
    lex.skip_cfws();
    if (!hour || lex.peek() != ':') {
        return std::nullopt;
    }
    lex.advance();
    lex.skip_cfws();
    const std::optional<int> minute = lex.number(2, digits);
    lex.skip_cfws();
    std::optional<int> second = 0;
    if (lex.peek() == ':') {
        lex.advance();
        lex.skip_cfws();
        second = lex.number(2, digits);
        lex.skip_cfws();
    }
    // A leap second (60) is allowed by RFC 5322 §3.3.
    if (!minute || !second || *hour > 23 || *minute > 59 || *second > 60) {
        return std::nullopt;
    }

    // zone = ("+" / "-") 4DIGIT / obs-zone
    int offset_minutes = 0;
    if (lex.peek() == '+' || lex.peek() == '-') {
        const bool negative = lex.peek() == '-';
        lex.advance();
        const std::optional<int> zone = lex.number(4, digits);
        if (!zone || digits != 4 || *zone % 100 > 59) {
            return std::nullopt;
        }
        offset_minutes = (*zone / 100) * 60 + *zone % 100;
        if (negative) {
            offset_minutes = -offset_minutes;
        }
    } else {
        const std::optional<int> zone = alphabetic_zone(lex.letters());
        if (!zone) {
            return std::nullopt;
        }
        offset_minutes = *zone;
    }
    lex.skip_cfws();
    if (!lex.at_end() || lex.unterminated_comment()) {
        return std::nullopt;
    }
    return *midnight + *hour * 3600 + *minute * 60 + *second - offset_minutes * 60;
}

}  // namespace mailferry::testserver::mime
