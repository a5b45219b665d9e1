#include "contrib/testserver/imap/sequence_set.hpp"

#include "clients/wire/decimal.hpp"
#include "clients/wire/sequence_set.hpp"

#include <algorithm>
#include <iterator>
#include <limits>

namespace mailferry::testserver::imap {
namespace {

constexpr std::string_view invalid = "invalid sequence set";

// seq-number = nz-number / "*" (RFC 3501 §9). Returns 0 for "*", nullopt on
// junk; nz-number has no leading zero and fits 32 bits.
std::optional<std::uint32_t> parse_number(std::string_view s, bool& star) {
    star = false;
    if (s == "*") {
        star = true;
        return 0;
    }
    if (s.empty() || s.front() == '0') {
        return std::nullopt;
    }
    return wire::parse_u32(s);
}

}  // namespace

ParseResult<SequenceSet> SequenceSet::parse(std::string_view text, std::uint32_t max) {
    std::vector<SeqRange> ranges;
    if (text.empty()) {
        return ParseResult<SequenceSet>::failure(std::string(invalid));
    }
    std::size_t start = 0;
    for (;;) {
        const auto comma = text.find(',', start);
        const auto element = text.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        const auto colon = element.find(':');
        bool star_a = false;
        bool star_b = false;
        const auto a = parse_number(element.substr(0, colon), star_a);
        const auto b =
            colon == std::string_view::npos ? a : parse_number(element.substr(colon + 1), star_b);
        if (!a || !b) {
            return ParseResult<SequenceSet>::failure(std::string(invalid));
        }
        if (colon == std::string_view::npos) {
            star_b = star_a;
        }
        const bool uses_star = star_a || star_b;
        if (!(uses_star && max == 0)) {
            const std::uint32_t x = star_a ? max : *a;
            const std::uint32_t y = star_b ? max : *b;
            ranges.push_back({std::min(x, y), std::max(x, y)});
        }
        if (comma == std::string_view::npos) {
            break;
        }
        start = comma + 1;
    }
    return from_ranges(std::move(ranges));
}

SequenceSet SequenceSet::from_ranges(std::vector<SeqRange> ranges) {
    std::sort(ranges.begin(), ranges.end(),
              [](const SeqRange& l, const SeqRange& r) { return l.first < r.first; });
    SequenceSet set;
    for (const auto& r : ranges) {
        if (r.first == 0 || r.first > r.last) {
            continue;
        }
        if (!set.ranges_.empty() &&
            static_cast<std::uint64_t>(set.ranges_.back().last) + 1 >= r.first) {
            set.ranges_.back().last = std::max(set.ranges_.back().last, r.last);
        } else {
            set.ranges_.push_back(r);
        }
    }
    return set;
}

bool SequenceSet::contains(std::uint32_t n) const noexcept {
    const auto it =
        std::upper_bound(ranges_.begin(), ranges_.end(), n,
                         [](std::uint32_t v, const SeqRange& r) { return v < r.first; });
    return it != ranges_.begin() && std::prev(it)->last >= n;
}

std::uint64_t SequenceSet::count() const noexcept {
    std::uint64_t total = 0;
    for (const auto& r : ranges_) {
        total += static_cast<std::uint64_t>(r.last) - r.first + 1;
    }
    return total;
}

std::uint32_t SequenceSet::highest() const noexcept {
    return ranges_.empty() ? 0 : ranges_.back().last;
}

std::optional<std::vector<std::uint32_t>> SequenceSet::expand(std::size_t cap) const {
    if (count() > cap) {
        return std::nullopt;
    }
    std::vector<std::uint32_t> out;
    out.reserve(static_cast<std::size_t>(count()));
    for (const auto& r : ranges_) {
        for (std::uint64_t n = r.first; n <= r.last; ++n) {
            out.push_back(static_cast<std::uint32_t>(n));
        }
    }
    return out;
}

std::string SequenceSet::to_string() const {
    std::string out;
    for (const auto& r : ranges_) {
        wire::append_uid_range(out, r.first, r.last);
    }
    return out;
}

}  // namespace mailferry::testserver::imap
