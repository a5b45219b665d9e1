#include "sync/changed_listing.hpp"

#include <algorithm>
#include <iterator>

namespace mailferry::sync {

ChangedListing split_changed(std::vector<SourceMessage> changed,
                             const std::vector<std::uint32_t>& present,
                             const std::vector<std::uint32_t>& deleted,
                             const std::vector<std::uint32_t>& stored) {
    ChangedListing out;
    std::sort(changed.begin(), changed.end(),
              [](const SourceMessage& a, const SourceMessage& b) { return a.uid < b.uid; });
    // A UID that changed but was expunged before the UIDs were asked for is gone.
    std::vector<std::uint32_t> listed;
    for (SourceMessage& m : changed) {
        if (std::binary_search(present.begin(), present.end(), m.uid)) {
            listed.push_back(m.uid);
            out.messages.push_back(std::move(m));
        }
    }
    // One pass over the folder's UIDs, the others followed alongside.
    auto next_listed = listed.begin();
    auto next_deleted = deleted.begin();
    auto next_stored = stored.begin();
    for (const std::uint32_t uid : present) {
        while (next_listed != listed.end() && *next_listed < uid) {
            ++next_listed;
        }
        while (next_deleted != deleted.end() && *next_deleted < uid) {
            ++next_deleted;
        }
        while (next_stored != stored.end() && *next_stored < uid) {
            out.vanished.push_back(*next_stored++);
        }
        const bool has_row = next_stored != stored.end() && *next_stored == uid;
        if (has_row) {
            ++next_stored;
        }
        if (next_listed != listed.end() && *next_listed == uid) {
            continue;
        }
        ++out.unlisted.messages;
        const bool flagged_deleted = next_deleted != deleted.end() && *next_deleted == uid;
        if (!has_row || flagged_deleted) {
            ++out.unlisted.filtered;
        }
    }
    out.vanished.insert(out.vanished.end(), next_stored, stored.end());
    return out;
}

}  // namespace mailferry::sync
