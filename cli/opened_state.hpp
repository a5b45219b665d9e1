#pragma once
// The state store a command that moves mail works on. A dry run changes
// nothing, the state file included: when there is none yet, it plans
// against an empty store in a temporary directory that goes away with it.

#include "cli/app.hpp"
#include "cli/temp_directory.hpp"
#include "state/state_store.hpp"

#include <filesystem>
#include <optional>

namespace mailferry::cli {

struct OpenedState {
    std::optional<TempDirectory> temp;  // a dry run without a state file uses an empty one here
    std::optional<state::StateStore> store;
};

// Opens `path` (holding its lock) into `opened`; the store's failure
// otherwise (error::locked names the process that holds it).
state::Result<void> open_state(OpenedState& opened, const std::filesystem::path& path,
                               bool dry_run);

// The exit status for a state file that could not be opened: a full disk
// is an interruption that a re-run resumes once there is room; anything
// else is the set-up's to fix.
ExitCode open_failure_exit_code(const state::Failure& failure) noexcept;

}  // namespace mailferry::cli
