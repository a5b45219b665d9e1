#pragma once
// Converts SQLiteCpp exceptions into state::Failure values at the edge of
// every public call, so no exception but std::bad_alloc leaves the store.

#include "state/database.hpp"
#include "state/error.hpp"

#include <SQLiteCpp/Exception.h>

#include <exception>
#include <filesystem>
#include <new>
#include <string_view>
#include <utility>

namespace mailferry::state::detail {

// A Failure for SQLite result code `extended_code` (primary or extended)
// raised while `doing` (e.g. "recording pending messages") on `file`,
// keeping SQLite's own text.
Failure sqlite_failure(const std::filesystem::path& file, int extended_code,
                       std::string_view sqlite_text, std::string_view doing);

// error::read_only for a change asked of a store opened read-only.
Failure opened_read_only(const std::filesystem::path& file, std::string_view doing);

// Runs f(), which returns Result<T>; a SQLite::Exception or other
// std::exception becomes a Failure. RAII transactions inside f() have rolled
// back by the time the failure is returned. std::bad_alloc propagates.
template <class F>
auto guarded(const std::filesystem::path& file, std::string_view doing, F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const SQLite::Exception& e) {
        return sqlite_failure(file, e.getExtendedErrorCode(), e.what(), doing);
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& e) {
        return Failure(error::database, "state file " + file.string() + ": " + std::string(doing) +
                                            " failed: " + e.what());
    }
}

// guarded() for a call on `db`. SQLite refuses every write on a read-only
// connection (SQLITE_READONLY, before anything is written); the message then
// says the store was opened read-only instead of blaming the file's
// permissions.
template <class F>
auto guarded(const Database& db, std::string_view doing, F&& f) -> decltype(f()) {
    auto result = guarded(db.file(), doing, std::forward<F>(f));
    if (!result && db.read_only() && result.error().code == error::read_only) {
        return opened_read_only(db.file(), doing);
    }
    return result;
}

}  // namespace mailferry::state::detail
