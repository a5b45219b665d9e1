#pragma once
// IMAP sequence sets of UIDs (RFC 3501 §9 sequence-set, RFC 4315 uid-set)
// in their compact written form, "1:3,5,7:8".

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::wire {

// Appends "first" or "first:last" to a set being written, after a comma
// unless `out` is empty.
void append_uid_range(std::string& out, std::uint32_t first, std::uint32_t last);

// `uids` in the order given, each run of consecutive ascending numbers
// written as "first:last": {5, 6, 7, 2} is "5:7,2". The order is kept
// because COPYUID pairs its source and target sets position by position
// (RFC 4315 §3). "" for no numbers.
std::string format_sequence(std::span<const std::uint32_t> uids);

// The set of `uids`: sorted, duplicates dropped, runs collapsed:
// {3, 1, 2, 5, 8, 7, 7} is "1:3,5,7:8".
std::string format_uid_set(std::vector<std::uint32_t> uids);

// Expands a uid-set as servers send it in APPENDUID, COPYUID and ESEARCH
// ALL: nz-numbers and "a:b" ranges (either order), comma-separated, no "*".
// std::nullopt when malformed or when it expands to more than `limit` UIDs.
std::optional<std::vector<std::uint32_t>> parse_uid_set(std::string_view set,
                                                        std::size_t limit = 10'000'000);

}  // namespace mailferry::wire
