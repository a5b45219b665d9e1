#include "clients/wire/decimal.hpp"

namespace mailferry::wire {

std::optional<std::uint64_t> parse_decimal(std::string_view digits, std::uint64_t max) noexcept {
    if (digits.empty() || digits.size() > 20) {
        return std::nullopt;
    }
    std::uint64_t n = 0;
    for (const char c : digits) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        const auto d = static_cast<std::uint64_t>(c - '0');
        if (d > max || n > (max - d) / 10) {
            return std::nullopt;
        }
        n = n * 10 + d;
    }
    return n;
}

std::optional<std::uint32_t> parse_u32(std::string_view digits) noexcept {
    const auto n = parse_decimal(digits, std::numeric_limits<std::uint32_t>::max());
    if (!n) {
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(*n);
}

std::optional<std::uint64_t> parse_u64(std::string_view digits) noexcept {
    return parse_decimal(digits);
}

}  // namespace mailferry::wire
