#pragma once
// A settled folder listed in part (SourceMailbox::open_changed): from the
// messages that changed since the settling run, the folder's UIDs now, those
// flagged \Deleted, and the UIDs the state has rows of, what the planner is
// given and what it counts without seeing. Pure; every list is ascending.
//
// A message not listed is unchanged since that run, which left every
// message either copied (a row) or filtered (no row: \Deleted, too large,
// too old; a settled run failed nothing). Unchanged, it is still so: its
// size, date and flags are as they were, and the options are the same
// (SettledPass::plan_key). A copied message flagged \Deleted counts as
// filtered too, as the planner counts a listed one.

#include "sync/model.hpp"

#include <cstdint>
#include <vector>

namespace mailferry::sync {

struct ChangedListing {
    std::vector<SourceMessage> messages;  // the changed ones still on the source
    UnlistedMessages unlisted;
    std::vector<std::uint32_t> vanished;  // stored UIDs no longer on the source
};

ChangedListing split_changed(std::vector<SourceMessage> changed,
                             const std::vector<std::uint32_t>& present,
                             const std::vector<std::uint32_t>& deleted,
                             const std::vector<std::uint32_t>& stored);

}  // namespace mailferry::sync
