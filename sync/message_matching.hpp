#pragma once
// Content matching of source messages against one target folder's listing,
// used when no state says where a message went: the first run into a target
// that already holds mail, a re-match after a UIDVALIDITY change, an
// interrupted APPEND without APPENDUID.
//
// The key is Message-ID + size + INTERNALDATE (to the second). Two messages
// sharing a Message-ID but differing in size or date are two messages. The
// date may also differ by a whole time-zone offset (a multiple of 15 minutes,
// at most 14 hours), which is what a tool that stored the local time under
// the wrong zone leaves behind; Message-ID and size must still agree.
//
// The pool is a multiset: each target message is claimed at most once, so N
// identical source messages match at most N target messages. Ties go to the
// lowest target UID, which keeps plans deterministic.
//
// Messages without a Message-ID are not matched by claim_match: size + date
// alone collide too easily (automated mail sent in the same second), and a
// false match loses a message while a missed match only duplicates one.
// claim_match_without_id exists for one narrower case, an interrupted APPEND
// (see the planner).
//
// The pool keeps pointers into the listing, which must outlive it.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sync/model.hpp"

namespace mailferry::sync {

class TargetPool {
  public:
    explicit TargetPool(const std::vector<TargetMessage>& messages);

    // The listed message with this UID, claimed or not; nullptr when absent.
    const TargetMessage* find(std::uint32_t uid) const;

    // Claims the message with this UID; false when absent or already claimed.
    bool claim(std::uint32_t uid);

    // Claims the unclaimed message matching by Message-ID, size and date.
    // An empty Message-ID never matches.
    std::optional<std::uint32_t> claim_match(const std::string& message_id, std::uint64_t size,
                                             std::int64_t internal_date);

    // Claims an unclaimed message that has no Message-ID either, with the
    // same size and exactly the same date.
    std::optional<std::uint32_t> claim_match_without_id(std::uint64_t size,
                                                        std::int64_t internal_date);

  private:
    std::optional<std::uint32_t> claim_first(const std::vector<std::uint32_t>& candidates,
                                             std::int64_t internal_date, bool allow_zone_shift);

    std::map<std::uint32_t, const TargetMessage*> by_uid_;
    std::map<std::pair<std::string, std::uint64_t>, std::vector<std::uint32_t>> by_key_;
    std::set<std::uint32_t> claimed_;
};

// Message-ID as compared: surrounding white space removed.
std::string message_id_key(const std::string& message_id);

}  // namespace mailferry::sync
