#pragma once
// The store's one reading of the wall clock: default INTERNALDATE of an
// APPEND without a date, and the floor of new UIDVALIDITY values.

#include <chrono>
#include <cstdint>

namespace mailferry::testserver::store {

inline std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace mailferry::testserver::store
