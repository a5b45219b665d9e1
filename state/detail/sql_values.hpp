#pragma once
// Conversions between the store's plain values and SQLite columns, shared by
// the StateStore sources. SQLite integers are signed 64-bit: UIDs widen,
// counters and sizes are checked or clamped below 2^63.

#include "state/error.hpp"
#include "state/records.hpp"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace mailferry::state::detail {

inline constexpr std::uint64_t max_sql_integer =
    static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

// A HIGHESTMODSEQ to store: at most 2^63-1 (RFC 7162 §3.1.6), which is also
// what an SQLite integer holds.
inline Result<void> check_modseq(std::uint64_t modseq) {
    if (modseq > max_sql_integer) {
        return Failure(error::invalid_argument, "HIGHESTMODSEQ " + std::to_string(modseq) +
                                                    " is beyond 2^63-1 (RFC 7162 §3.1.6)");
    }
    return {};
}

template <class Id>
std::int64_t raw(Id id) noexcept {
    return static_cast<std::int64_t>(id);
}

inline void bind_optional(SQLite::Statement& s, int index, std::optional<std::uint32_t> v) {
    if (v) {
        s.bind(index, static_cast<std::int64_t>(*v));
    } else {
        s.bind(index);
    }
}

// `v` must be at most max_sql_integer (checked by the caller).
inline void bind_optional(SQLite::Statement& s, int index, std::optional<std::uint64_t> v) {
    if (v) {
        s.bind(index, static_cast<std::int64_t>(*v));
    } else {
        s.bind(index);
    }
}

// Counters: a value beyond 2^63-1 is stored as 2^63-1.
inline std::int64_t clamp_counter(std::uint64_t v) noexcept {
    return static_cast<std::int64_t>(v > max_sql_integer ? max_sql_integer : v);
}

inline std::optional<std::uint32_t> optional_u32(const SQLite::Column& c) {
    if (c.isNull()) {
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(c.getInt64());
}

inline std::optional<std::uint64_t> optional_u64(const SQLite::Column& c) {
    if (c.isNull()) {
        return std::nullopt;
    }
    return static_cast<std::uint64_t>(c.getInt64());
}

inline std::uint64_t u64(const SQLite::Column& c) {
    const std::int64_t v = c.getInt64();
    return v < 0 ? 0 : static_cast<std::uint64_t>(v);
}

// The name of a row for messages: "message row 42".
template <class Id>
std::string row_name(std::string_view kind, Id id) {
    return std::string(kind) + " " + std::to_string(raw(id));
}

// Whether row `id` exists in `table` (a fixed table name, never user input).
inline bool row_exists(SQLite::Database& db, const char* table, std::int64_t id) {
    SQLite::Statement q(db, std::string("SELECT 1 FROM ") + table + " WHERE id = ?");
    q.bind(1, id);
    return q.executeStep();
}

inline Failure not_found(const std::filesystem::path& file, std::string_view what) {
    return Failure(error::not_found, "state file " + file.string() + " has no " +
                                         std::string(what) +
                                         " (was it dropped, or does it belong to another file?)");
}

}  // namespace mailferry::state::detail
