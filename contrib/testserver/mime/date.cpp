// RFC 5322 §3.3 date-time with the obsolete forms of §4.3: optional day of
// week, 2- and 3-digit years, alphabetic zones, CFWS between tokens.
#include <cstdint>
#include <optional>
#include <string_view>

#include "clients/wire/ascii.hpp"
#include "clients/wire/date_time.hpp"
#include "contrib/testserver/mime/message.hpp"

namespace mailferry::testserver::mime {

namespace {

using wire::iequals;

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

// The first second (UTC) of a proleptic Gregorian date; std::nullopt when
// there is no such day ("31 Feb").
std::optional<std::int64_t> midnight_of(std::int64_t year, int month, int day) {
    if (year < 0 || year > 9999 || month < 1 || month > 12 || day < 1 ||
        static_cast<unsigned>(day) > wire::days_in_month(year, static_cast<unsigned>(month))) {
        return std::nullopt;
    }
    return wire::days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) *
           86400;
}

// RFC 5322 §4.3 obs-zone, in minutes east of UTC. Military letters and
// unknown names mean "no zone information", i.e. -0000.
std::optional<int> alphabetic_zone(std::string_view name) {
    if (const auto named = wire::named_zone_offset(name)) {
        return named;
    }
    if (name.empty()) {
        return std::nullopt;
    }
    return 0;
}

}  // namespace

std::optional<std::int64_t> parse_rfc5322_date(std::string_view text, bool apply_zone) {
    DateLexer lex(text);
    std::size_t digits = 0;
    lex.skip_cfws();
    // [day-of-week ","]
    if (std::string_view day_name = lex.letters(); !day_name.empty()) {
        const bool known = wire::is_weekday_name(day_name);
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
    const int month = static_cast<int>(wire::parse_month_name(month_name).value_or(0));
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
    const std::int64_t as_written = *midnight + *hour * 3600 + *minute * 60 + *second;
    return apply_zone ? as_written - offset_minutes * 60 : as_written;
}

}  // namespace mailferry::testserver::mime
