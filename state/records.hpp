#pragma once
// The plain values the state store keeps and returns. No protocol types: the
// sync engine translates its UIDs, UIDLs and flag sets into these.
//
// Time is seconds since the Unix epoch, given by the caller. Flags are one
// string of flag names in byte order, separated by one space (see
// flag_string.hpp); the store normalises what it is given.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::state {

// Row ids; distinct types so one cannot be passed for another.
enum class PairId : std::int64_t {};
enum class FolderId : std::int64_t {};
enum class MessageRowId : std::int64_t {};
enum class RunId : std::int64_t {};

// Two accounts known by their identities: "scheme://user@host:port", the
// user percent-encoded, never a password (wire::AccountUrl without password
// and with the port always written gives one).
struct AccountPair {
    PairId id{};
    std::string source;
    std::string target;

    friend bool operator==(const AccountPair&, const AccountPair&) = default;
};

// The source folder as a pass left it settled: every message it listed was
// on the target or filtered, nothing pending, nothing failed. `plan` is a
// key of the options that decided what to copy (the caller's format); a run
// whose STATUS of the folder and options match has nothing to do there.
struct FolderSettlement {
    std::uint32_t uidnext = 0;
    std::uint64_t highestmodseq = 0;
    std::uint32_t messages = 0;
    std::uint32_t filtered = 0;  // of `messages`, left on the source by the options
    std::string plan;

    friend bool operator==(const FolderSettlement&, const FolderSettlement&) = default;
};

// A source folder of a pair and where it goes. Names are UTF-8 with "/" as
// the separator. A UIDVALIDITY is unset until first seen (POP3: never).
struct FolderRecord {
    FolderId id{};
    PairId pair{};
    std::string source_name;
    std::string target_name;
    std::optional<std::uint32_t> source_uidvalidity;
    std::optional<std::uint32_t> target_uidvalidity;
    // High-water marks of the source as of the last committed batch: UIDNEXT
    // and (RFC 7162 CONDSTORE) HIGHESTMODSEQ.
    std::optional<std::uint32_t> source_uidnext;
    std::optional<std::uint64_t> source_highestmodseq;
    bool created_on_target = false;
    // Unset until a pass settles the folder; cleared when its mapping is
    // invalidated or it is retargeted.
    std::optional<FolderSettlement> settled;

    friend bool operator==(const FolderRecord&, const FolderRecord&) = default;
};

enum class MessageStatus {
    // Intent recorded before the APPEND; the message may or may not be on
    // the target. The next run looks for it there before sending it again.
    pending,
    // On the target (server confirmed the APPEND); target_uid when known.
    copied,
    // Copied, then deleted from the source (--delete-source) or found gone
    // from it.
    deleted_on_source,
    // Copied, then deleted from the target (--sync-deletions).
    deleted_on_target,
    // The folder's UIDVALIDITY changed on one side: the row's UIDs are no
    // longer valid and the sync engine must re-match it by fingerprint.
    stale,
};

std::string_view to_string(MessageStatus s) noexcept;
std::optional<MessageStatus> parse_message_status(std::string_view text) noexcept;

struct MessageRecord {
    MessageRowId id{};
    FolderId folder{};
    // The message's identity on the source: the IMAP UID in decimal, the
    // POP3 UIDL, or "sha256:<hex>" for a POP3 server without UIDL.
    std::string source_key;
    std::optional<std::uint32_t> source_uid;
    std::optional<std::uint32_t> source_uidvalidity;
    std::optional<std::uint32_t> target_uid;
    std::optional<std::uint32_t> target_uidvalidity;
    std::string message_id;  // Message-ID header field value, "" when none
    std::uint64_t size = 0;  // octets as the source serves the message
    std::int64_t internal_date = 0;
    std::string content_hash;  // lowercase hex SHA-256 of the message, or ""
    std::string source_flags;  // flags last synced, as seen on the source
    std::string target_flags;  // flags last synced, as set on the target
    MessageStatus status = MessageStatus::pending;

    friend bool operator==(const MessageRecord&, const MessageRecord&) = default;
};

// Input of record_pending: what is known before the APPEND.
struct PendingMessage {
    // Empty with source_uid set means the UID in decimal.
    std::string source_key;
    std::optional<std::uint32_t> source_uid;
    std::optional<std::uint32_t> source_uidvalidity;
    std::string message_id;
    std::uint64_t size = 0;
    std::int64_t internal_date = 0;
    std::string content_hash;
    std::string flags;  // the message's flags on the source; becomes source_flags
};

// Input of confirm_copied: the server's answer to one APPEND. target_uid is
// unset when the server gave no APPENDUID (no UIDPLUS).
struct Confirmation {
    MessageRowId pending{};
    std::optional<std::uint32_t> target_uid;
    std::optional<std::uint32_t> target_uidvalidity;
    std::string flags;  // as set on the target by the APPEND; becomes target_flags
};

// The source's high-water marks committed with a batch.
struct FolderProgress {
    std::optional<std::uint32_t> source_uidnext;
    std::optional<std::uint64_t> source_highestmodseq;
};

// Flags brought in step on both sides (after a STORE on the target).
struct FlagSync {
    MessageRowId message{};
    std::string source_flags;
    std::string target_flags;
};

// New UIDVALIDITY values of a folder; an unset side did not change.
struct UidValidityChange {
    std::optional<std::uint32_t> source_uidvalidity;
    std::optional<std::uint32_t> target_uidvalidity;
};

// A stale row found again on both sides after a UIDVALIDITY change.
struct Rematch {
    MessageRowId stale{};
    std::string source_key;
    std::optional<std::uint32_t> source_uid;
    std::optional<std::uint32_t> source_uidvalidity;
    std::optional<std::uint32_t> target_uid;
    std::optional<std::uint32_t> target_uidvalidity;
    std::string source_flags;
    std::string target_flags;
};

// The report's totals (SPEC "The report").
struct RunTotals {
    std::uint64_t messages_source = 0;
    std::uint64_t messages_to_copy = 0;
    std::uint64_t messages_copied = 0;
    std::uint64_t messages_already_there = 0;
    std::uint64_t messages_filtered = 0;
    std::uint64_t messages_failed = 0;
    std::uint64_t bytes_to_copy = 0;
    std::uint64_t bytes_copied = 0;
    std::uint64_t flag_updates = 0;
    std::uint64_t deletions = 0;
    std::uint64_t folders_created = 0;

    friend bool operator==(const RunTotals&, const RunTotals&) = default;
};

struct RunError {
    std::string folder;     // source folder name, "" when not about one
    std::string source_id;  // UID or UIDL, "" when not about one message
    std::string text;

    friend bool operator==(const RunError&, const RunError&) = default;
};

struct RunRecord {
    RunId id{};
    PairId pair{};
    std::string command;  // "migrate", "sync", "daemon"
    std::int64_t started = 0;
    std::optional<std::int64_t> finished;  // unset while running or when interrupted
    bool dry_run = false;
    RunTotals totals;
    std::optional<int> exit_code;  // SPEC "Exit status"
    std::string outcome;           // one line for people

    friend bool operator==(const RunRecord&, const RunRecord&) = default;
};

// Message rows of a pair by status.
struct MessageCounts {
    std::uint64_t pending = 0;
    std::uint64_t copied = 0;
    std::uint64_t deleted_on_source = 0;
    std::uint64_t deleted_on_target = 0;
    std::uint64_t stale = 0;

    std::uint64_t total() const noexcept {
        return pending + copied + deleted_on_source + deleted_on_target + stale;
    }
    friend bool operator==(const MessageCounts&, const MessageCounts&) = default;
};

// One pair as `mailferry status` shows it.
struct PairSummary {
    AccountPair pair;
    std::optional<RunRecord> last_run;
    std::uint64_t folders = 0;
    MessageCounts messages;
};

// One finished run of a configured job (`sync`, `daemon`), as
// record_job_run takes it.
struct JobRun {
    std::string name;    // the job's name in the config
    std::string source;  // account identities as for pairs; "" when unparsable
    std::string target;
    std::int64_t started = 0;
    std::int64_t finished = 0;
    std::string outcome;  // "ok", "partial", "connect_failed", "interrupted", "usage", ...
    int exit_code = 0;    // SPEC "Exit status"
    bool failed = false;  // counts as a failure (the schedule backs off)
    std::uint64_t messages_copied = 0;
    std::uint64_t bytes_copied = 0;
    std::string error;  // why it failed, "" when it did not; never a password
};

// Where the schedule stands with a job after a run.
struct JobSchedule {
    std::optional<std::int64_t> next_run;  // unset: not scheduled (stopping, running)
    std::int64_t backoff_s = 0;            // current back-off, 0 when none
    std::uint32_t consecutive_failures = 0;
};

// A job as the state knows it: its last run, its schedule and its totals
// over every recorded run.
struct JobRecord {
    std::string name;
    std::string source;
    std::string target;
    std::optional<std::int64_t> last_started;
    std::optional<std::int64_t> last_finished;
    std::optional<std::int64_t> last_success;  // end of the last run that did not fail
    std::string last_outcome;
    int last_exit_code = 0;
    std::uint64_t last_messages_copied = 0;
    std::uint64_t last_bytes_copied = 0;
    std::string last_error;
    std::optional<std::int64_t> next_run;
    std::int64_t backoff_s = 0;
    std::uint32_t consecutive_failures = 0;
    std::uint64_t runs = 0;
    std::uint64_t failures = 0;
    std::uint64_t messages_copied = 0;
    std::uint64_t bytes_copied = 0;

    friend bool operator==(const JobRecord&, const JobRecord&) = default;
};

}  // namespace mailferry::state
