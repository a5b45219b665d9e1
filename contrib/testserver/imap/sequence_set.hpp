#pragma once
// RFC 3501 §9 sequence-set ("1,3:5,7:*", "*"), resolved against the
// largest number in use, as a sorted list of disjoint, non-adjacent ranges.
// Used for message sequence numbers and for UIDs alike; the caller decides
// what numbers beyond `max` mean (an error for sequence numbers, simply no
// message for UIDs, RFC 3501 §6.4.8).

#include "contrib/testserver/imap/parse_result.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::testserver::imap {

struct SeqRange {
    std::uint32_t first = 0;  // first <= last, both >= 1
    std::uint32_t last = 0;
    bool operator==(const SeqRange&) const = default;
};

class SequenceSet {
  public:
    // Parses `text`. `*` stands for `max` (the number of messages, or the
    // largest UID in use); "n:m" with n > m is the same as "m:n", so
    // "559:*" includes the last message even when 559 > max (RFC 3501
    // §6.4.8). When max is 0 (empty mailbox) every element that uses `*`
    // stands for no number. Errors ("invalid sequence set"): empty text,
    // 0, leading zeros, numbers above 4294967295, anything but digits, ":",
    // "," and "*", empty elements.
    static ParseResult<SequenceSet> parse(std::string_view text, std::uint32_t max);

    // Normalised ranges: sorted, disjoint, adjacent ranges merged.
    const std::vector<SeqRange>& ranges() const noexcept { return ranges_; }
    bool empty() const noexcept { return ranges_.empty(); }
    bool contains(std::uint32_t n) const noexcept;
    // How many numbers the set holds.
    std::uint64_t count() const noexcept;
    // Largest number in the set, 0 when empty (a session checks this
    // against the message count for sequence numbers).
    std::uint32_t highest() const noexcept;
    // All numbers in ascending order; nullopt when there are more than
    // `cap`. Prefer contains() while walking the mailbox for UID sets like
    // "1:4294967295".
    std::optional<std::vector<std::uint32_t>> expand(std::size_t cap) const;

    // Builds a set from arbitrary ranges (normalising them), e.g. to write
    // a COPYUID or ESEARCH response with to_string().
    static SequenceSet from_ranges(std::vector<SeqRange> ranges);
    // Compact text form: "1:3,5,7:9"; empty string for the empty set.
    std::string to_string() const;

  private:
    std::vector<SeqRange> ranges_;
};

}  // namespace mailferry::testserver::imap
