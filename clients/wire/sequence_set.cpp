#include "clients/wire/sequence_set.hpp"

#include "clients/wire/decimal.hpp"

#include <algorithm>
#include <utility>

namespace mailferry::wire {

void append_uid_range(std::string& out, std::uint32_t first, std::uint32_t last) {
    if (!out.empty()) {
        out += ',';
    }
    out += std::to_string(first);
    if (last != first) {
        out += ':';
        out += std::to_string(last);
    }
}

std::string format_sequence(std::span<const std::uint32_t> uids) {
    std::string out;
    std::size_t i = 0;
    while (i < uids.size()) {
        std::size_t j = i;
        while (j + 1 < uids.size() && uids[j] != UINT32_MAX && uids[j + 1] == uids[j] + 1) {
            ++j;
        }
        append_uid_range(out, uids[i], uids[j]);
        i = j + 1;
    }
    return out;
}

std::string format_uid_set(std::vector<std::uint32_t> uids) {
    std::sort(uids.begin(), uids.end());
    uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
    return format_sequence(uids);
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
        const auto first = parse_u32(part.substr(0, colon));
        if (!first || *first == 0) {
            return std::nullopt;
        }
        auto last = first;
        if (colon != std::string_view::npos) {
            last = parse_u32(part.substr(colon + 1));
            if (!last || *last == 0) {
                return std::nullopt;
            }
        }
        const std::uint32_t low = std::min(*first, *last);
        const std::uint32_t high = std::max(*first, *last);
        if (high - low >= limit || out.size() + (high - low) >= limit) {
            return std::nullopt;
        }
        for (std::uint64_t u = low; u <= high; ++u) {
            out.push_back(static_cast<std::uint32_t>(u));
        }
    }
    return out;
}

}  // namespace mailferry::wire
