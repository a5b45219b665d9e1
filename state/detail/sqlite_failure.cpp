#include "state/detail/sqlite_failure.hpp"

#include <sqlite3.h>

#include <string>

namespace mailferry::state::detail {

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
