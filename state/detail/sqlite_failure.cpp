#include "state/detail/sqlite_failure.hpp"

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <system_error>

namespace mailferry::state::detail {

namespace {

// Less room than SQLite needs for its shared-memory index (32 KiB) and a
// few pages of log is a full disk for the state file.
constexpr std::uintmax_t full_below = 256 * 1024;

bool disk_is_full(const std::filesystem::path& file) {
    std::error_code ec;
    const std::filesystem::path dir =
        file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    const std::filesystem::space_info space = std::filesystem::space(dir, ec);
    return !ec && space.available < full_below;
}

}  // namespace

Failure sqlite_failure(const std::filesystem::path& file, int extended_code,
                       std::string_view sqlite_text, std::string_view doing) {
    const std::string name = "state file " + file.string();
    const std::string text(sqlite_text);
    const std::string what(doing);
    // The primary result code is the low byte of an extended one
    // (https://www.sqlite.org/rescode.html).
    switch (extended_code & 0xff) {
        case SQLITE_FULL:
            return {error::disk_full, name + ": disk full while " + what +
                                          "; nothing was lost, free space and re-run"};
        case SQLITE_READONLY:
            return {error::read_only,
                    name + " is read-only (" + text + ") while " + what +
                        "; make it and its directory writable or use another --state"};
        case SQLITE_NOTADB:
        case SQLITE_CORRUPT:
            return {error::corrupt, name + " is not a mailferry state database or is damaged (" +
                                        text +
                                        "); use another --state or restore the file from a backup"};
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return {error::busy, name + " is locked by another program (" + text + ") while " +
                                     what + "; close that program and re-run"};
        case SQLITE_CANTOPEN:
        case SQLITE_IOERR:
            // A full disk shows as an I/O error where SQLite cannot size its
            // shared-memory file or grow the log, not only as SQLITE_FULL.
            if (disk_is_full(file)) {
                return {error::disk_full, name + ": disk full while " + what + " (" + text +
                                              "); nothing was lost, free space and re-run"};
            }
            [[fallthrough]];
        case SQLITE_PERM:
        case SQLITE_AUTH:
            return {error::io_error, name + ": cannot be read or written while " + what + " (" +
                                         text + "); check the disk and that the path is writable"};
        default:
            return {error::database, name + ": " + what + " failed: " + text};
    }
}

Failure opened_read_only(const std::filesystem::path& file, std::string_view doing) {
    return {error::read_only, "state file " + file.string() +
                                  " was opened read-only (as `mailferry status` does); " +
                                  std::string(doing) + " needs it opened for writing"};
}

}  // namespace mailferry::state::detail
