#pragma once
// The plan: everything a run would do, computed without touching either side.
// It is the dry-run report (report.hpp fills the report from it) and the
// engine's work list.
//
// Per folder the source's messages are partitioned: every listed source
// message is counted exactly once, as to_copy, already_there, filtered or
// refused, so source_messages == copies + already_there + filtered + refused.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sync/folder_mapping.hpp"

namespace mailferry::sync {

// One message to APPEND, in ascending source UID order (POP3: listing order).
struct CopyItem {
    std::uint32_t source_uid = 0;  // 0 for POP3
    std::string source_key;
    std::uint64_t size = 0;
    std::int64_t internal_date = 0;
    std::string message_id;
    // Flags to APPEND with: syncable source flags, without keywords when the
    // target folder does not allow them.
    std::vector<std::string> flags;
    std::vector<std::string> source_flags;  // to record as the flags last synced on the source
    bool retry = false;  // a pending intent whose message was not found on the target
};

enum class MatchReason {
    pending_found,  // an interrupted APPEND did arrive
    matched,        // first run: the message was already on the target
    rematched,      // UIDVALIDITY changed (or the target folder changed): found again
};

// A source message found on the target; the engine records it as copied.
// A copy the target is known to refuse (TargetLimits): reported as failed
// with the reason instead of being tried.
struct RefusedCopy {
    std::string source_key;
    std::uint64_t size = 0;
    std::string reason;
};

struct TargetMatch {
    std::uint32_t source_uid = 0;
    std::string source_key;
    std::uint32_t target_uid = 0;
    std::string message_id;
    std::uint64_t size = 0;
    std::int64_t internal_date = 0;
    std::vector<std::string> source_flags;  // syncable source flags now
    std::vector<std::string> target_flags;  // target flags after this plan's flag updates
    MatchReason reason = MatchReason::matched;
};

enum class FilterReason {
    deleted,    // carries \Deleted
    too_large,  // larger than --max-size
    too_old,    // INTERNALDATE before --since
    // Gmail: the same message (X-GM-MSGID) is migrated from another label's
    // folder (SourceMessage::stored_in).
    gmail_label,
};

struct FilteredItem {
    std::uint32_t source_uid = 0;
    std::string source_key;
    std::uint64_t size = 0;
    FilterReason reason = FilterReason::deleted;
};

// Messages receiving the same change; one UID STORE +FLAGS and one -FLAGS
// (RFC 3501 §6.4.6) serve the whole group.
struct FlagUpdateGroup {
    std::vector<std::string> add;
    std::vector<std::string> remove;
    std::vector<std::uint32_t> target_uids;  // ascending
    std::vector<std::string> source_keys;    // same order as target_uids
};

// New "last synced" flags for a message already recorded as copied, to be
// stored once the group's STORE succeeded (or at once when nothing is sent,
// e.g. only keywords changed and the target cannot hold them).
struct FlagRecord {
    std::string source_key;
    std::vector<std::string> source_flags;
    std::vector<std::string> target_flags;
};

struct TargetDeletion {
    std::string source_key;
    std::uint32_t target_uid = 0;
};

struct SourceDeletion {
    std::string source_key;
    std::uint32_t source_uid = 0;  // 0 for POP3: delete by UIDL
};

inline constexpr std::string_view kept_on_source_reason =
    "recorded as copied, but the target folder does not show its copy: kept on the source, "
    "not deleted";

struct FolderCounts {
    std::size_t source = 0;  // messages listed on the source
    std::size_t to_copy = 0;
    std::uint64_t bytes_to_copy = 0;
    std::size_t already_there = 0;
    std::size_t filtered = 0;
    std::size_t flag_updates = 0;  // messages whose flags change on the target
    std::size_t deletions = 0;     // messages deleted from the target or the source
};

struct FolderPlan {
    std::string source;
    std::string target;
    bool created = false;
    MappingReason reason = MappingReason::same_name;
    bool rematch = false;                  // the stored mapping is stale; state rows are rebuilt
    std::uint32_t source_uidvalidity = 0;  // as listed now; to record
    std::uint32_t target_uidvalidity = 0;  // 0 when the folder is still to be created
    std::size_t source_messages = 0;
    std::size_t already_there = 0;  // recorded earlier + confirmations
    std::vector<CopyItem> copies;
    std::vector<RefusedCopy> refused;  // taken out of copies by refuse_over_limits()
    std::vector<TargetMatch> confirmations;
    std::vector<FilteredItem> filtered;
    std::vector<FlagUpdateGroup> flag_updates;
    std::vector<FlagRecord> flag_records;
    std::size_t keywords_dropped = 0;              // messages whose keywords the target cannot hold
    std::vector<TargetDeletion> target_deletions;  // --sync-deletions
    std::vector<SourceDeletion> source_deletions;  // --delete-source, recorded as copied before
    // --delete-source: after this run's copies and confirmations are
    // recorded, those messages are deleted from the source too.
    bool delete_source_after_copy = false;
    std::vector<std::string> forget;  // state rows (source keys) with nothing left to do
    // Deletions this plan holds back because they exceed --max-deletions
    // (then none of the folder's deletions is made), and why, for the user.
    std::size_t deletions_held_back = 0;
    std::string held_back_reason;
    // --delete-source: messages recorded as copied that the target listing
    // does not show; they stay on the source (kept_on_source_reason).
    std::vector<SourceDeletion> kept_on_source;
    std::vector<std::string> notes;
    // Unchanged since a run settled it (SourceFolderListing::unchanged):
    // nothing to do; its counts come from that run, its filtered messages
    // only as a number.
    bool unchanged = false;
    std::size_t filtered_unlisted = 0;
    // Planned on its own after this plan (SourceFolderListing::listed_later):
    // nothing to do in this one, and no counts.
    bool listed_later = false;

    std::size_t filtered_by(FilterReason reason) const;
    std::size_t flag_update_count() const;
    FolderCounts counts() const;
};

struct PlanTotals {
    FolderCounts messages;
    std::size_t folders_created = 0;
};

// Gmail's labels (gmail_labels.hpp): which strategy a run follows and the
// message copies it does not make because of it.
struct GmailStrategy {
    std::string description;  // for the user: "from Gmail: each message once, ..."
    std::size_t messages_saved = 0;
    std::uint64_t bytes_saved = 0;
};

struct Plan {
    std::vector<std::string> folders_to_create;  // parents before children
    std::vector<FolderPlan> folders;
    std::vector<std::string> excluded;  // source folders left out by include/exclude
    std::vector<std::string> notes;
    std::optional<GmailStrategy> gmail;  // a Gmail source or target

    PlanTotals totals() const;
};

}  // namespace mailferry::sync
