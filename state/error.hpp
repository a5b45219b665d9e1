#pragma once
// Errors of the state store, as boost::system::error_code values in their own
// category, and the Failure every fallible call returns: the code plus a
// message for the user that names the state file, says what happened and what
// to do. Messages never contain a password (the store never sees one).

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <type_traits>
#include <utility>

namespace mailferry::state {

enum class error {
    // The file's PRAGMA user_version is newer than the schema this program
    // knows; nothing was changed. Use a newer mailferry or another file.
    newer_schema = 1,
    // Another store (in this or another process) holds the state's lock file.
    locked,
    // SQLITE_FULL: the disk (or the file's page limit) is full. The failed
    // transaction was rolled back; what was committed before is intact.
    disk_full,
    // The file could not be opened, read or written (SQLITE_CANTOPEN,
    // SQLITE_IOERR, SQLITE_PERM, a lock file that cannot be created, ...).
    io_error,
    // SQLITE_READONLY: the file or its directory is not writable.
    read_only,
    // SQLITE_NOTADB / SQLITE_CORRUPT: not a SQLite database, or damaged.
    corrupt,
    // SQLITE_BUSY / SQLITE_LOCKED beyond the busy timeout: another program
    // (not a mailferry store, which the lock file keeps out) holds the file.
    busy,
    // An account identity carries a password or is not scheme://[user@]host[:port].
    invalid_identity,
    // An argument is out of range or malformed (empty source key, a content
    // hash that is not hex SHA-256, a size beyond 2^63-1, ...).
    invalid_argument,
    // No pair, folder, message row or run with the given id.
    not_found,
    // A message row is not in the status the call needs (confirming a row
    // that is not pending, re-matching one that is not stale, ...). The
    // whole batch was rolled back.
    wrong_status,
    // A folder's stored UIDVALIDITY differs from the one given; the caller
    // must call invalidate_folder_mapping, so a change is never silent.
    uidvalidity_changed,
    // record_pending for a source message the folder already tracks as
    // copied or deleted.
    already_tracked,
    // Any other SQLite failure; the message carries SQLite's text.
    database,
};

const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(error e) noexcept {
    return {static_cast<int>(e), error_category()};
}

// A failed call: `code` to branch on, `message` to show the user.
struct Failure {
    Failure() = default;  // no failure; result<T, Failure>::error() of a value
    Failure(boost::system::error_code c, std::string m) : code(c), message(std::move(m)) {}
    Failure(error e, std::string m) : code(make_error_code(e)), message(std::move(m)) {}

    boost::system::error_code code;
    std::string message;
};

// Found by ADL when result<T, Failure>::value() is called on a failure:
// throws boost::system::system_error with the code and the message.
[[noreturn]] void throw_exception_from_error(const Failure& f, const boost::source_location& loc);

template <class T>
using Result = boost::system::result<T, Failure>;

}  // namespace mailferry::state

template <>
struct boost::system::is_error_code_enum<mailferry::state::error> : std::true_type {};
