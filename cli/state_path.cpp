#include "cli/state_path.hpp"

#include <cstdlib>
#include <stdexcept>

namespace mailferry::cli {

namespace {

bool usable_directory(const char* value) {
    return value != nullptr && value[0] != '\0' && std::filesystem::path(value).is_absolute();
}

}  // namespace

std::optional<std::filesystem::path> default_state_path(const char* xdg_state_home,
                                                        const char* home) {
    if (usable_directory(xdg_state_home)) {
        return std::filesystem::path(xdg_state_home) / "mailferry" / "state.db";
    }
    if (usable_directory(home)) {
        return std::filesystem::path(home) / ".local" / "state" / "mailferry" / "state.db";
    }
    return std::nullopt;
}

std::filesystem::path resolve_state_path(const std::string& given) {
    if (!given.empty()) {
        return given;
    }
    // getenv is read once at start-up, before any thread exists.
    auto path = default_state_path(std::getenv("XDG_STATE_HOME"), std::getenv("HOME"));
    if (!path) {
        throw std::invalid_argument(
            "no state file: neither XDG_STATE_HOME nor HOME is set; give --state PATH");
    }
    return *path;
}

}  // namespace mailferry::cli
