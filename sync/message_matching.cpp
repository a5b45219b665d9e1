#include "sync/message_matching.hpp"

#include <cstdlib>

namespace mailferry::sync {
namespace {

constexpr std::int64_t zone_step = 15 * 60;
constexpr std::int64_t max_zone_offset = 14 * 60 * 60;  // UTC+14, Line Islands

bool zone_shift(std::int64_t a, std::int64_t b) {
    const std::int64_t diff = std::llabs(a - b);
    return diff != 0 && diff <= max_zone_offset && diff % zone_step == 0;
}

}  // namespace

std::string message_id_key(const std::string& message_id) {
    const auto first = message_id.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) {
        return {};
    }
    const auto last = message_id.find_last_not_of(" \t\r\n");
    return message_id.substr(first, last - first + 1);
}

TargetPool::TargetPool(const std::vector<TargetMessage>& messages) {
    for (const TargetMessage& m : messages) {
        by_uid_[m.uid] = &m;
    }
    // Built from by_uid_ so every candidate list is in ascending UID order.
    for (const auto& [uid, m] : by_uid_) {
        by_key_[{message_id_key(m->message_id), m->size}].push_back(uid);
    }
}

const TargetMessage* TargetPool::find(std::uint32_t uid) const {
    auto it = by_uid_.find(uid);
    return it == by_uid_.end() ? nullptr : it->second;
}

bool TargetPool::claim(std::uint32_t uid) {
    return by_uid_.count(uid) != 0 && claimed_.insert(uid).second;
}

std::optional<std::uint32_t> TargetPool::claim_first(const std::vector<std::uint32_t>& candidates,
                                                     std::int64_t internal_date,
                                                     bool allow_zone_shift) {
    // Exact dates first, so a zone-shifted twin never takes an exact match's place.
    for (bool shifted : {false, true}) {
        if (shifted && !allow_zone_shift) {
            break;
        }
        for (std::uint32_t uid : candidates) {
            const std::int64_t date = by_uid_.at(uid)->internal_date;
            const bool fits = shifted ? zone_shift(date, internal_date) : date == internal_date;
            if (fits && claimed_.count(uid) == 0) {
                claimed_.insert(uid);
                return uid;
            }
        }
    }
    return std::nullopt;
}

std::optional<std::uint32_t> TargetPool::claim_match(const std::string& message_id,
                                                     std::uint64_t size,
                                                     std::int64_t internal_date) {
    const std::string key = message_id_key(message_id);
    if (key.empty()) {
        return std::nullopt;
    }
    auto it = by_key_.find({key, size});
    if (it == by_key_.end()) {
        return std::nullopt;
    }
    return claim_first(it->second, internal_date, true);
}

std::optional<std::uint32_t> TargetPool::claim_match_without_id(std::uint64_t size,
                                                                std::int64_t internal_date) {
    auto it = by_key_.find({std::string(), size});
    if (it == by_key_.end()) {
        return std::nullopt;
    }
    return claim_first(it->second, internal_date, false);
}

}  // namespace mailferry::sync
