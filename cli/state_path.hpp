#pragma once
// Where the state database lives when --state is not given (SPEC.md,
// "Commands and options"): $XDG_STATE_HOME/mailferry/state.db, else
// ~/.local/state/mailferry/state.db. An empty or relative XDG_STATE_HOME is
// ignored, as the XDG Base Directory specification requires.

#include <filesystem>
#include <optional>
#include <string>

namespace mailferry::cli {

// The default path from these environment values (nullptr: unset). Returns
// nothing when neither gives an absolute directory; the caller then asks for
// --state.
std::optional<std::filesystem::path> default_state_path(const char* xdg_state_home,
                                                        const char* home);

// `given` when not empty, else the default from the process environment.
// Throws std::invalid_argument with a message for the user when there is no
// default (no XDG_STATE_HOME and no HOME).
std::filesystem::path resolve_state_path(const std::string& given);

}  // namespace mailferry::cli
