#pragma once
// --max-deletions: the ceiling on what one run deletes from one folder.

#include <cstdint>
#include <string>

namespace mailferry::sync {

// The most messages one run may delete from one folder (--max-deletions),
// as a share of the folder's messages or as a number. A folder whose plan
// would delete more deletes nothing: a source that suddenly looks empty (a
// server fault, a wrong account, a new UIDVALIDITY) must never wipe a
// target, nor a wrong match empty a source.
struct DeletionLimit {
    std::uint64_t value = 10;
    bool percent = true;  // value is a percentage, else a number of messages

    // How many of a folder's `messages` one run may delete. A share below
    // 100% is rounded up (one of a few messages may go) but never allows
    // the whole of a non-empty folder.
    std::uint64_t allowed(std::uint64_t messages) const noexcept;
    static DeletionLimit unlimited() noexcept { return {100, true}; }
    // As --max-deletions takes it: "10%" or "25".
    std::string to_string() const;

    friend bool operator==(const DeletionLimit&, const DeletionLimit&) = default;
};

}  // namespace mailferry::sync
