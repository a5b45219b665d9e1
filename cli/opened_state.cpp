#include "cli/opened_state.hpp"

namespace mailferry::cli {

state::Result<void> open_state(OpenedState& opened, const std::filesystem::path& path,
                               bool dry_run) {
    std::filesystem::path file = path;
    if (dry_run && !std::filesystem::exists(path)) {
        opened.temp.emplace("mailferry-dry-run-");
        file = opened.temp->path() / "state.db";
    }
    auto store = state::StateStore::open(file);
    if (!store) {
        return store.error();
    }
    opened.store.emplace(std::move(*store));
    return {};
}

ExitCode open_failure_exit_code(const state::Failure& failure) noexcept {
    return failure.code == state::error::disk_full ? ExitCode::interrupted : ExitCode::usage;
}

}  // namespace mailferry::cli
