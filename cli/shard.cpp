#include "cli/shard.hpp"

#include "clients/wire/decimal.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>

namespace mailferry::cli {

namespace {

// Messages are built without fmt: the config fuzz target compiles this file
// with the standard library alone.
[[noreturn]] void bad_shard(std::string_view text, std::string_view why) {
    throw std::invalid_argument("--shard '" + std::string(text) +
                                "' is not valid: " + std::string(why));
}

}  // namespace

Shard parse_shard(std::string_view text) {
    const auto slash = text.find('/');
    const auto number = [](std::string_view digits) -> std::optional<std::uint64_t> {
        if (digits.size() > 10) {
            return std::nullopt;
        }
        return wire::parse_u64(digits);
    };
    const auto k = slash == std::string_view::npos ? std::nullopt : number(text.substr(0, slash));
    const auto n = slash == std::string_view::npos ? std::nullopt : number(text.substr(slash + 1));
    if (!k || !n) {
        bad_shard(text, "expected K/N, e.g. 0/3 for the first of 3 shards");
    }
    if (*n > std::numeric_limits<std::uint32_t>::max()) {
        bad_shard(text, "N is too large");
    }
    if (*n == 0) {
        bad_shard(text, "N must be at least 1");
    }
    if (*k >= *n) {
        bad_shard(text, "K must be less than N (shards are numbered 0 to N-1)");
    }
    return Shard{static_cast<std::uint32_t>(*k), static_cast<std::uint32_t>(*n)};
}

std::uint32_t shard_of(std::string_view job_name, std::uint32_t count) {
    if (count == 0) {
        return 0;
    }
    std::uint64_t hash = 14695981039346656037ULL;
    for (const char c : job_name) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ULL;
    }
    return static_cast<std::uint32_t>(hash % count);
}

}  // namespace mailferry::cli
