#include "sync/plan.hpp"

#include <algorithm>

namespace mailferry::sync {

std::size_t FolderPlan::filtered_by(FilterReason r) const {
    return static_cast<std::size_t>(std::count_if(
        filtered.begin(), filtered.end(), [r](const FilteredItem& f) { return f.reason == r; }));
}

std::size_t FolderPlan::flag_update_count() const {
    std::size_t n = 0;
    for (const FlagUpdateGroup& g : flag_updates) {
        n += g.target_uids.size();
    }
    return n;
}

FolderCounts FolderPlan::counts() const {
    FolderCounts c;
    c.source = source_messages;
    c.to_copy = copies.size();
    for (const CopyItem& item : copies) {
        c.bytes_to_copy += item.size;
    }
    c.already_there = already_there;
    c.filtered = filtered.size() + filtered_unlisted;
    c.flag_updates = flag_update_count();
    c.deletions = target_deletions.size() + source_deletions.size();
    if (delete_source_after_copy) {
        c.deletions += copies.size() + confirmations.size();
    }
    return c;
}

PlanTotals Plan::totals() const {
    PlanTotals t;
    for (const FolderPlan& f : folders) {
        const FolderCounts c = f.counts();
        t.messages.source += c.source;
        t.messages.to_copy += c.to_copy;
        t.messages.bytes_to_copy += c.bytes_to_copy;
        t.messages.already_there += c.already_there;
        t.messages.filtered += c.filtered;
        t.messages.flag_updates += c.flag_updates;
        t.messages.deletions += c.deletions;
    }
    t.folders_created = folders_to_create.size();
    return t;
}

}  // namespace mailferry::sync
