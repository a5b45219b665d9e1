#pragma once
// --shard K/N of `sync` and `daemon`: N processes sharing one config split
// its jobs between them.

#include <cstdint>
#include <string_view>

namespace mailferry::cli {

// --shard K/N: this process runs shard K (0 <= K < N) of N.
struct Shard {
    std::uint32_t index = 0, count = 1;
};

// "K/N" in decimal. Throws std::invalid_argument naming --shard.
Shard parse_shard(std::string_view text);

// The shard of a job: FNV-1a 64-bit of the name's bytes, modulo `count`
// (0 when count is 0). Stable across versions and machines: N processes
// sharing a config split the jobs between them by it.
std::uint32_t shard_of(std::string_view job_name, std::uint32_t count);

}  // namespace mailferry::cli
