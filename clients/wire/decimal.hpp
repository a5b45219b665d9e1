#pragma once
// Unsigned decimal numbers as protocols write them (RFC 3501 §9 number,
// RFC 1939 message numbers and sizes, config values): one or more ASCII
// digits, nothing else: no sign, no blanks, no "0x". Leading zeros are
// allowed, but more than 20 characters never parse, so a run of zeros
// cannot be used to make the caller read an unbounded string.

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

namespace mailferry::wire {

// The value of `digits` when it is at most `max`; std::nullopt when empty,
// longer than 20 characters, holding a non-digit, or above `max`
// (checked before anything overflows).
std::optional<std::uint64_t> parse_decimal(
    std::string_view digits,
    std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) noexcept;

// parse_decimal() bounded by the type's range.
std::optional<std::uint32_t> parse_u32(std::string_view digits) noexcept;
std::optional<std::uint64_t> parse_u64(std::string_view digits) noexcept;

}  // namespace mailferry::wire
