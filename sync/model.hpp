#pragma once
// Plain input types of the sync planner: what the adapters list on each side,
// what the state store remembers, and what the user asked for. No protocol or
// SQLite types appear here; the engine translates both ways.
//
// Folder names are UTF-8 (modified UTF-7 already decoded) with '/' between
// hierarchy levels, whatever separator the server uses; the adapters translate
// the separator. "INBOX" is spelled in capitals. A '/' inside one level of a
// source name (possible where the source separates with '.') cannot be told
// apart from a level break here, so the source adapter replaces it before
// listing (folder_mapping.hpp handles the target's separator).

#include "sync/deletion_limit.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mailferry::sync {

// One folder of either side as the engine sees it: a mailbox as LIST shows
// it (POP3: the one "INBOX"), its name translated as described above.
struct MailboxFolder {
    std::string name;         // UTF-8, '/' separated, "INBOX" for the inbox
    std::string special_use;  // RFC 6154 attribute ("\\Sent"), "" when none
    bool selectable = true;   // false for \Noselect / \NonExistent
};

// What SELECT/EXAMINE (or STATUS) reports for one mailbox.
struct FolderStatus {
    std::uint32_t uidvalidity = 0;  // 0: unknown (POP3 has none)
    std::uint32_t uidnext = 0;
    std::uint64_t highest_modseq = 0;  // 0: no CONDSTORE
    std::uint32_t messages = 0;
};

// One source message as listed (IMAP FETCH of UID, RFC822.SIZE, INTERNALDATE,
// FLAGS, Message-ID; POP3 UIDL + LIST, optionally TOP for headers).
struct SourceMessage {
    std::uint32_t uid = 0;           // IMAP UID; 0 for POP3
    std::string source_key;          // IMAP: decimal UID; POP3: UIDL or "sha256:<hex>"
    std::uint64_t size = 0;          // octets as the source serves the message
    std::int64_t internal_date = 0;  // seconds since the epoch, UTC; 0: unknown
    std::vector<std::string> flags;  // as FETCH FLAGS reports them; empty for POP3
    std::string message_id;          // Message-ID field value, "" when none
    std::uint64_t modseq = 0;
    bool deleted = false;  // carries \Deleted
    // Gmail (X-GM-EXT-1): X-GM-MSGID and the labels besides this folder's
    // own (X-GM-LABELS as sent: "\\Inbox", modified UTF-7 user labels).
    std::optional<std::uint64_t> gmail_msgid;
    std::vector<std::string> gmail_labels;
    // Set by apply_gmail_labels() (gmail_labels.hpp): the source folder
    // whose copy of this Gmail message is migrated instead of this one.
    std::string stored_in;
};

// One target message as listed (UID FETCH of RFC822.SIZE, INTERNALDATE, FLAGS,
// Message-ID).
struct TargetMessage {
    std::uint32_t uid = 0;
    std::uint64_t size = 0;
    std::int64_t internal_date = 0;
    std::string message_id;
    std::vector<std::string> flags;
};

// The UIDs from `first` to `last` (0: to the end of the folder).
struct UidRange {
    std::uint32_t first = 1;
    std::uint32_t last = 0;

    bool whole() const { return first <= 1 && last == 0; }
    bool contains(std::uint32_t uid) const { return uid >= first && (last == 0 || uid <= last); }
};

// The messages of a folder listed in part (SourceFolderListing::unlisted):
// how many, and how many of them are filtered (not on the target: never
// copied, or \Deleted).
struct UnlistedMessages {
    std::size_t messages = 0;
    std::size_t filtered = 0;
};

struct SourceFolderListing {
    MailboxFolder folder;
    FolderStatus status;
    std::vector<SourceMessage> messages;  // for a \Noselect folder: empty
    // Listed in windows (ListingScope::window_size): the messages are the
    // first window's, and these are the last UIDs of it and of each later
    // window but the last, which runs to the end of the folder. Empty: all
    // the messages asked for are listed.
    std::vector<std::uint32_t> window_ends{};
    // The mailbox's FLAGS name a keyword (RFC 3501 §7.2.6): it has stored
    // one, so it takes keywords even when no message holds one now.
    bool keywords_defined = false;
    // Not opened nor listed: its STATUS (`status`) and its target's are as
    // a run that settled it left them, so nothing there changed.
    bool unchanged = false;
    // Settled by a run and changed since: listed after this pass, on its
    // own, and carried out on the selections that listed it (run_migration);
    // no plan of this pass has anything of it.
    bool listed_later = false;
    // Listed in part (SourceMailbox::open_changed): the messages are those
    // that changed or arrived since a run settled the folder; every other one
    // is as that run left it, on the target or filtered, and `unlisted` says
    // how many there are.
    std::optional<UnlistedMessages> unlisted{};
    // With `unlisted`: the source keys of the state's messages no longer on
    // the source (expunged since it knew them).
    std::vector<std::string> vanished{};
};

struct TargetFolderListing {
    MailboxFolder folder;
    FolderStatus status;
    std::vector<TargetMessage> messages;
    // PERMANENTFLAGS holds `\*`: keywords can be stored here (RFC 3501
    // §7.1). EXAMINE reports no PERMANENTFLAGS, so a read-only listing says
    // true.
    bool keywords_allowed = true;
};

// What the target will refuse, known before anything is sent: the largest
// message it takes (APPENDLIMIT=N, RFC 7889 §3) and the storage its quota
// has left (RFC 9208 STORAGE of INBOX's quota root), in octets.
struct TargetLimits {
    std::optional<std::uint64_t> append_limit;
    std::optional<std::uint64_t> storage_left;
};

// What kind of source the engine reads, as isync's driver flags say it: the
// engine and the planner branch on these, never on the protocol. The
// defaults are an IMAP source's.
struct SourceTraits {
    // One maildrop without folders (POP3), listed as "INBOX": it goes to
    // PlanOptions::pop3_folder; --include/--exclude and --sync-deletions do
    // not apply to it.
    bool single_folder = false;
    // A folder's STATUS (UIDNEXT, HIGHESTMODSEQ) says whether it changed, so
    // a folder left complete is settled and a later run may skip it.
    bool reports_changes = true;
    // Several connections may work on one folder at once. A POP3 maildrop
    // is locked by its one session (RFC 1939 §8).
    bool concurrent_sessions = true;
    // Deletions take effect only when the session ends well (POP3 QUIT,
    // RFC 1939 §6): the engine commits the session before logging out.
    bool deletes_on_commit = false;
};

// Everything read from the source. A single-folder source has exactly one
// folder, whose name is "INBOX".
struct SourceListing {
    SourceTraits traits;
    std::vector<SourceFolderListing> folders;
};

// Everything read from the target. Messages are listed only for the folders
// the planner may copy into; every folder LIST returned is listed.
struct TargetListing {
    char separator = '/';  // the target's hierarchy delimiter (LIST), for name checks
    std::vector<TargetFolderListing> folders;
};

// ---- stored state, as the engine reads it from the state store ----

// Where the copy of one source message stands, as the planner needs to know
// it (the state's rows in these statuses; state::MessageStatus has more).
enum class CopyStatus {
    pending,  // intent recorded before APPEND; the outcome is unknown
    copied,   // the target confirmed the APPEND
    // Copied, then deleted from the source by --delete-source (recorded
    // before the deletion is sent). Never "gone from the source" for
    // --sync-deletions: the target copy is the only one left. Still listed
    // on the source (a deletion that did not complete): already there.
    deleted_on_source,
};

struct MessageState {
    std::string source_key;
    std::uint32_t source_uid = 0;             // 0 for POP3
    std::optional<std::uint32_t> target_uid;  // from APPENDUID (RFC 4315), if any
    std::string message_id;
    std::uint64_t size = 0;
    std::int64_t internal_date = 0;
    std::vector<std::string> source_flags;  // flags last synced, as seen on the source
    std::vector<std::string> target_flags;  // flags last synced, as set on the target
    CopyStatus status = CopyStatus::pending;
};

// What a run that settled a source folder saw: every message it listed was
// on the target or filtered, nothing pending, nothing failed. A folder whose
// STATUS is still `source` under the same options (`plan_key`) and whose
// target kept its UIDVALIDITY has nothing to do.
struct SettledPass {
    FolderStatus source;  // the folder when it was listed (uidvalidity unused)
    std::size_t filtered = 0;
    std::string plan_key;  // see settled_plan_key()
};

struct FolderState {
    std::string source_name;
    std::string target_name;
    std::optional<std::uint32_t> source_uidvalidity;
    std::optional<std::uint32_t> target_uidvalidity;
    std::uint32_t source_uidnext = 0;
    std::uint64_t source_highest_modseq = 0;
    std::vector<MessageState> messages;  // rows that are pending, copied or deleted_on_source
    std::optional<SettledPass> settled;
    // The view left the rows out (StateBridge::view): `messages` is empty
    // whatever the folder holds, and is read before the folder is planned.
    bool rows_unread = false;
};

struct StateView {
    std::vector<FolderState> folders;  // at most one per source folder name
};

// ---- what the user asked for ----

// How a Gmail source's labels reach the target (--gmail-labels).
enum class GmailLabelMode { keywords, copy };

struct FolderMap {
    std::string source;  // '/' separated; also renames the folder's descendants
    std::string target;

    friend bool operator==(const FolderMap&, const FolderMap&) = default;
};

struct PlanOptions {
    // Globs on the source name ('/' separated). `*` matches any run of
    // characters including '/', `%` any run without '/' (as in IMAP LIST,
    // RFC 3501 §6.3.8); every other character matches itself, and the whole
    // name must match. The first component "INBOX" is compared
    // case-insensitively. No include means every folder; exclude wins.
    std::vector<std::string> include;
    std::vector<std::string> exclude;
    std::vector<FolderMap> map;
    std::optional<std::uint64_t> max_size;  // skip messages larger than this
    std::optional<std::int64_t> since;      // skip INTERNALDATE before this (epoch seconds)
    bool sync_deletions = false;
    bool delete_source = false;
    DeletionLimit max_deletions;        // for --sync-deletions and --delete-source
    std::string pop3_folder = "INBOX";  // POP3 source: target folder
    // Gmail source (gmail_labels.hpp): each message once, its other labels
    // as keywords (keywords), or a copy in every label folder (copy).
    GmailLabelMode gmail_labels = GmailLabelMode::keywords;
};

}  // namespace mailferry::sync
