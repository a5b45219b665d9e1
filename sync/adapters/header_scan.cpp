#include "sync/adapters/header_scan.hpp"

#include "clients/imap/command_text.hpp"
#include "clients/wire/ascii.hpp"
#include "clients/wire/date_time.hpp"

#include <cctype>
#include <cstring>

namespace mailferry::sync {
namespace {

class Tokens {
  public:
    explicit Tokens(std::string_view s) : s_(s) {}
    // The next run of letters, digits, '+' or '-' (a zone or a number), or
    // a single other character; separators (space, comma, ':') are returned
    // as themselves except white space, which is skipped.
    std::string_view next() {
        while (pos_ < s_.size() &&
               (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\r' || s_[pos_] == '\n')) {
            ++pos_;
        }
        if (pos_ >= s_.size()) {
            return {};
        }
        const std::size_t start = pos_;
        if (std::isalnum(static_cast<unsigned char>(s_[pos_])) != 0 || s_[pos_] == '+' ||
            s_[pos_] == '-') {
            ++pos_;
            while (pos_ < s_.size() && std::isalnum(static_cast<unsigned char>(s_[pos_])) != 0) {
                ++pos_;
            }
        } else {
            ++pos_;
        }
        return s_.substr(start, pos_ - start);
    }

  private:
    std::string_view s_;
    std::size_t pos_ = 0;
};

std::optional<int> number(std::string_view t, std::size_t min_digits, std::size_t max_digits) {
    if (t.size() < min_digits || t.size() > max_digits) {
        return std::nullopt;
    }
    int v = 0;
    for (char c : t) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        v = v * 10 + (c - '0');
    }
    return v;
}

std::optional<int> zone_minutes(std::string_view t) {
    if (!t.empty() && (t[0] == '+' || t[0] == '-')) {
        auto v = number(t.substr(1), 4, 4);
        if (!v) {
            return std::nullopt;
        }
        const int minutes = (*v / 100) * 60 + *v % 100;
        return t[0] == '-' ? -minutes : minutes;
    }
    // RFC 5322 §4.3 obs-zone.
    if (const auto named = wire::named_zone_offset(t)) {
        return named;
    }
    // Military zones ("Z" included) are unreliable (§4.3: treat as -0000).
    if (t.size() == 1 && std::isalpha(static_cast<unsigned char>(t[0])) != 0) {
        return 0;
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::int64_t> parse_rfc5322_date(std::string_view text) {
    Tokens tok(text);
    std::string_view t = tok.next();
    // Optional day-of-week and comma.
    if (!t.empty() && std::isalpha(static_cast<unsigned char>(t[0])) != 0) {
        t = tok.next();
        if (t == ",") {
            t = tok.next();
        }
    }
    auto day = number(t, 1, 2);
    t = tok.next();
    const auto month = wire::parse_month_name(t);
    auto year = number(tok.next(), 2, 4);
    auto hour = number(tok.next(), 1, 2);
    if (!day || !month || !year || !hour || tok.next() != ":") {
        return std::nullopt;
    }
    auto minute = number(tok.next(), 2, 2);
    int second = 0;
    t = tok.next();
    if (t == ":") {
        auto s = number(tok.next(), 2, 2);
        if (!s) {
            return std::nullopt;
        }
        second = *s;
        t = tok.next();
    }
    auto zone = zone_minutes(t);
    if (!minute || !zone || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 || second > 60) {
        return std::nullopt;
    }
    int y = *year;
    // RFC 5322 §4.3: two-digit years below 50 are 20xx, others 19xx;
    // three-digit years add 1900.
    if (y < 50) {
        y += 2000;
    } else if (y < 1000) {
        y += 1900;
    }
    const auto mday = static_cast<unsigned>(*day);
    if (mday > wire::days_in_month(y, *month)) {
        return std::nullopt;  // "31 Feb": no such day
    }
    const std::int64_t midnight = wire::days_from_civil(y, *month, mday) * 86400;
    return midnight + *hour * 3600 + *minute * 60 + second - static_cast<std::int64_t>(*zone) * 60;
}

void HeaderScan::feed(std::string_view chunk) {
    if (done_) {
        return;
    }
    for (char c : chunk) {
        if (header_.size() >= limit_) {
            done_ = true;
            return;
        }
        header_.push_back(c);
        const std::size_t n = header_.size();
        // The header ends at the first empty line (RFC 5322 §2.1), CRLF or bare LF.
        if (c == '\n' && ((n >= 2 && header_[n - 2] == '\n') ||
                          (n >= 3 && header_[n - 2] == '\r' && header_[n - 3] == '\n') || n == 1 ||
                          (n == 2 && header_[0] == '\r'))) {
            done_ = true;
            return;
        }
    }
}

std::string HeaderScan::message_id() const {
    return imap::extract_message_id(header_);
}

std::optional<std::int64_t> HeaderScan::date() const {
    // The first Date: field, unfolded up to its end.
    std::size_t pos = 0;
    while (pos < header_.size()) {
        std::size_t eol = header_.find('\n', pos);
        if (eol == std::string::npos) {
            eol = header_.size();
        }
        std::string_view line(header_.data() + pos, eol - pos);
        if (line.size() > 5 && wire::iequals(line.substr(0, 5), "date:")) {
            std::string value(line.substr(5));
            std::size_t next = eol + 1;
            while (next < header_.size() && (header_[next] == ' ' || header_[next] == '\t')) {
                std::size_t e = header_.find('\n', next);
                if (e == std::string::npos) {
                    e = header_.size();
                }
                value += ' ';
                value.append(header_, next, e - next);
                next = e + 1;
            }
            return parse_rfc5322_date(value);
        }
        pos = eol + 1;
    }
    return std::nullopt;
}

}  // namespace mailferry::sync
