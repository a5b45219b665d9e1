#include "clients/pop3/replies.hpp"

#include "clients/wire/decimal.hpp"

#include <algorithm>
#include <limits>

namespace mailferry::pop3 {
namespace {

constexpr std::size_t max_uidl = 255;

std::vector<std::string_view> words(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) {
            ++i;
        }
        std::size_t j = i;
        while (j < s.size() && s[j] != ' ' && s[j] != '\t') {
            ++j;
        }
        if (j > i) {
            out.push_back(s.substr(i, j - i));
        }
        i = j;
    }
    return out;
}

std::optional<std::uint32_t> message_number(std::string_view s) {
    const auto n = wire::parse_u32(s);
    if (!n || *n == 0) {
        return std::nullopt;
    }
    return n;
}

std::string_view trim_line_end(std::string_view s) {
    while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ')) {
        s.remove_suffix(1);
    }
    return s;
}

}  // namespace

std::optional<Stat> parse_stat(std::string_view text) {
    const auto w = words(text);
    if (w.size() < 2) {
        return std::nullopt;
    }
    const auto count = wire::parse_u64(w[0]);
    const auto octets = wire::parse_u64(w[1]);
    if (!count || !octets || *count > std::numeric_limits<std::uint32_t>::max()) {
        return std::nullopt;
    }
    return Stat{static_cast<std::uint32_t>(*count), *octets};
}

std::optional<ScanListing> parse_list_line(std::string_view line) {
    const auto w = words(trim_line_end(line));
    if (w.size() < 2) {
        return std::nullopt;
    }
    const auto msg = message_number(w[0]);
    const auto octets = wire::parse_u64(w[1]);
    if (!msg || !octets) {
        return std::nullopt;
    }
    return ScanListing{*msg, *octets};
}

std::optional<UidlListing> parse_uidl_line(std::string_view line) {
    const auto w = words(trim_line_end(line));
    if (w.size() != 2) {
        return std::nullopt;
    }
    const auto msg = message_number(w[0]);
    const std::string_view uidl = w[1];
    const bool printable = std::all_of(uidl.begin(), uidl.end(), [](char c) {
        return static_cast<unsigned char>(c) >= 0x21 && static_cast<unsigned char>(c) <= 0x7e;
    });
    if (!msg || uidl.size() > max_uidl || !printable) {
        return std::nullopt;
    }
    return UidlListing{*msg, std::string(uidl)};
}

std::optional<Capability> parse_capa_line(std::string_view line) {
    const auto w = words(trim_line_end(line));
    if (w.empty()) {
        return std::nullopt;
    }
    Capability cap;
    cap.name.assign(w[0]);
    std::transform(cap.name.begin(), cap.name.end(), cap.name.begin(), [](char c) {
        return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    });
    for (std::size_t i = 1; i < w.size(); ++i) {
        cap.args.emplace_back(w[i]);
    }
    return cap;
}

std::vector<std::string_view> split_lines(std::string_view body) {
    std::vector<std::string_view> out;
    while (!body.empty()) {
        const std::size_t lf = body.find('\n');
        std::string_view line = body.substr(0, lf);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        out.push_back(line);
        if (lf == std::string_view::npos) {
            break;
        }
        body.remove_prefix(lf + 1);
    }
    return out;
}

}  // namespace mailferry::pop3
