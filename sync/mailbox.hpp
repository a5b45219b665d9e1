#pragma once
// The narrow interface through which the migration engine reaches mailboxes
// (STYLE §1): list folders, list messages, fetch bodies as a stream, append
// from a stream, set flags, delete. The IMAP and POP3 engines each provide an
// adapter (imap_source.hpp, pop3_source.hpp, imap_target.hpp) translating
// their results into the planner's model (model.hpp): UTF-8 names with '/'
// between levels, decimal UIDs or UIDLs as source keys.
//
// Bodies move through the engine-neutral stream interfaces of
// clients/net/body_stream.hpp (BodySink, BodySource, AppendBatch); no
// adapter holds a whole message in memory (STYLE §3).
//
// Executor: every call runs on the io_context the adapter was connected on,
// one call at a time per adapter. Errors are values (MailboxError); nothing
// throws for wire or server failures.

#include "clients/net/body_stream.hpp"
#include "sync/model.hpp"
#include "sync/plan.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mailferry::sync {

struct MailboxError {
    enum class Kind {
        // The connection is gone (hang-up, BYE, timeout, protocol error);
        // reconnecting may help.
        connection_lost,
        // The server refused this operation (NO/-ERR); the connection is usable.
        rejected,
        // The server lacks what the operation needs (UIDPLUS for UID EXPUNGE).
        unsupported,
        // Connecting, TLS or login failed.
        connect_failed,
    };
    MailboxError() = default;
    MailboxError(Kind k, std::string m, std::string b = {})
        : kind(k), message(std::move(m)), busy(std::move(b)) {}

    Kind kind = Kind::connection_lost;
    std::string message;  // for the user: server, step, the server's words
    // Not empty when the server refused or hung up because of load or its
    // limits on this account (a provider's throttling, see
    // clients/imap/busy_signal.hpp): the server's words. Any kind may carry
    // it; the engine then backs off instead of failing anything.
    std::string busy;
};

template <class T>
using MailboxResult = boost::system::result<T, MailboxError>;

// Required by boost::system::result<T, MailboxError>::value(); throws
// std::runtime_error(e.message). Callers check results instead.
[[noreturn]] void throw_exception_from_error(const MailboxError& e,
                                             const boost::source_location& loc);

// A message's metadata as known once its body is at hand (POP3: after RETR).
struct PreparedMeta {
    std::uint64_t size = 0;
    std::int64_t internal_date = 0;  // 0: unknown (the target's "now")
    std::string message_id;
};

// Which messages SourceMailbox::open_folder() lists.
struct ListingScope {
    UidRange range;  // only these (IMAP); POP3 lists its one maildrop whole
    // Not 0: a folder holding more messages than this (range whole) is
    // listed in windows of this many: only the first window is listed, and
    // SourceFolderListing::window_ends says where each ends, so the engine
    // can list, plan and copy one window after the other.
    std::size_t window_size = 0;
};

// The source UIDs the state holds of a folder (the rows view() gives),
// ascending, read only when asked; std::nullopt when the state could not be
// read (the caller knows why).
using StoredUids = std::function<std::optional<std::vector<std::uint32_t>>()>;

class SourceMailbox {
  public:
    virtual ~SourceMailbox() = default;
    virtual SourceTraits traits() const = 0;
    // Every folder (IMAP LIST; POP3: one "INBOX").
    virtual boost::asio::awaitable<MailboxResult<std::vector<MailboxFolder>>> list_folders() = 0;
    // Opens `folder` (read-only unless `writable`) and, when `list`, lists
    // its messages. The folder stays open for the calls below. `known` (may
    // be null) is what the state remembers of the folder: an adapter may
    // take unchanged messages from it instead of listing them (IMAP with
    // CONDSTORE); the listing is the same either way. Not listing, a folder
    // open already in a mode that allows what is asked (a listing left it
    // so) is not opened again: the status is then as it was opened.
    // `scope` limits the listing to a range of UIDs or a first window; a
    // limited listing is always a full one of its messages, never taken
    // from `known`.
    virtual boost::asio::awaitable<MailboxResult<SourceFolderListing>> open_folder(
        MailboxFolder folder, bool writable, bool list, const FolderState* known,
        ListingScope scope) = 0;
    // Opens `folder` read-only and lists only what changed since a run
    // settled it (`known.settled`): the messages whose flags changed or that
    // arrived since (IMAP with CONDSTORE: one FETCH CHANGEDSINCE the settled
    // HIGHESTMODSEQ, RFC 7162), and counts the rest as that run left them
    // (SourceFolderListing::unlisted), with the messages of `stored_uids()`
    // that are gone (`vanished`). When only new messages arrived, nothing
    // else is asked (and `stored_uids` is not called); otherwise the
    // folder's UIDs and which are \Deleted (a few bytes a message), never
    // their metadata. std::nullopt: the source cannot tell (POP3, no
    // CONDSTORE, another UIDVALIDITY) or `stored_uids` could not read them;
    // list it with open_folder(). `now`, the folder's STATUS when this run
    // looked at it (if it did), only helps guess what to ask at once.
    virtual boost::asio::awaitable<MailboxResult<std::optional<SourceFolderListing>>> open_changed(
        MailboxFolder /*folder*/, const FolderState& /*known*/, const StoredUids& /*stored_uids*/,
        const std::optional<FolderStatus>& /*now*/) {
        co_return std::nullopt;
    }
    // The folder's STATUS as the last list_folders() carried it (LIST-STATUS,
    // RFC 5819), which spares a folder_status(); as of that listing, so for
    // deciding what to list, never for recording what a run left.
    virtual std::optional<FolderStatus> listed_status(const std::string& /*name*/) const {
        return std::nullopt;
    }
    // The folder's STATUS without opening it (RFC 3501 §6.3.10): whether it
    // changed since a run settled it. POP3: std::nullopt (it cannot tell).
    virtual boost::asio::awaitable<MailboxResult<std::optional<FolderStatus>>> folder_status(
        MailboxFolder folder) = 0;
    // Makes the bodies of `items` ready and returns their exact metadata,
    // one per item; std::nullopt for an item that could not be read (gone).
    // IMAP: nothing to do, the listing is exact. POP3: RETR into a spool.
    virtual boost::asio::awaitable<MailboxResult<std::vector<std::optional<PreparedMeta>>>> prepare(
        std::vector<CopyItem> items) = 0;
    // Streams the bodies of `items` (those prepare() returned) into `sink`,
    // calling sink.begin(index, size) with the item's index in `items`.
    // Items that vanished are skipped. Returns the number delivered.
    virtual boost::asio::awaitable<MailboxResult<std::size_t>> fetch_bodies(
        std::vector<CopyItem> items, net::BodySink& sink) = 0;
    // Deletes messages from the open folder. IMAP: \Deleted + UID EXPUNGE of
    // exactly these UIDs (unsupported without UIDPLUS). POP3: DELE; they
    // go only with commit().
    virtual boost::asio::awaitable<MailboxResult<void>> delete_messages(
        std::vector<SourceDeletion> messages) = 0;
    // Makes deletions final (POP3 QUIT); IMAP: nothing. The session ends
    // for POP3.
    virtual boost::asio::awaitable<MailboxResult<void>> commit() = 0;
    // Whether delete_messages() can delete exactly the given messages.
    virtual bool can_delete_exactly() const = 0;
    // Gmail (X-GM-EXT-1): a message is in every folder of its labels.
    virtual bool has_gmail_labels() const { return false; }
    virtual bool is_open() const = 0;
    // Ends the session politely (never commits POP3 deletions); never fails.
    virtual boost::asio::awaitable<void> logout() = 0;
};

// What the target reported for one append().
struct Appended {
    std::optional<std::uint32_t> uidvalidity;  // from APPENDUID (RFC 4315)
    // One per message the batch handed over and the target was sent, in
    // order: its UID in the target when stored and reported (APPENDUID).
    std::vector<std::optional<std::uint32_t>> uids;
    // One per entry of `uids`: the target confirmed storing it. One not
    // stored was refused, or its fate is unknown (connection lost); a later
    // attempt looks for it on the target before sending it again.
    std::vector<bool> stored;
    // Why a message was not stored: the first refusal (Kind::rejected, the
    // server's words) or what ended the session. Messages the batch had not
    // handed over then were not sent.
    std::optional<MailboxError> error;
};

// What the state vouches for in one target folder: every message runs put
// there and still account for, by the UID APPENDUID gave it, under this
// UIDVALIDITY (migration.cpp says when the engine offers one).
struct KnownTargetFolder {
    std::uint32_t uidvalidity = 0;
    std::vector<TargetMessage> messages;  // metadata as recorded
};

class TargetMailbox {
  public:
    virtual ~TargetMailbox() = default;
    // Every folder, and the hierarchy separator.
    virtual boost::asio::awaitable<MailboxResult<std::vector<MailboxFolder>>> list_folders() = 0;
    virtual char separator() const = 0;
    // What the target will refuse (capabilities and INBOX's quota root);
    // fields it cannot tell are empty.
    virtual boost::asio::awaitable<MailboxResult<TargetLimits>> limits() = 0;
    // SELECT (EXAMINE when read_only) and list the messages (when `list`).
    // With `known` (may be null) under the folder's current UIDVALIDITY, the
    // listing is the known messages that still exist, asked for by UID
    // only: no message's metadata is read, and messages the state does not
    // know are left out (the planner needs them only in a folder it matches
    // by content, and for that it is offered no `known`). Not listing, a
    // folder open already in a mode that allows what is asked is not opened
    // again: the status is then as it was opened.
    virtual boost::asio::awaitable<MailboxResult<TargetFolderListing>> open_folder(
        MailboxFolder folder, bool read_only, bool list, const KnownTargetFolder* known) = 0;
    // The folder's STATUS as the last list_folders() carried it (LIST-STATUS,
    // RFC 5819), which spares a folder_status(); as of that listing, so for
    // deciding what to list, never for recording what a run left.
    virtual std::optional<FolderStatus> listed_status(const std::string& /*name*/) const {
        return std::nullopt;
    }
    // The folder's STATUS without opening it (RFC 3501 §6.3.10).
    virtual boost::asio::awaitable<MailboxResult<FolderStatus>> folder_status(
        MailboxFolder folder) = 0;
    // CREATE; true when this created the folder, false when it existed
    // already (RFC 5530 ALREADYEXISTS, e.g. made meanwhile by someone else).
    virtual boost::asio::awaitable<MailboxResult<bool>> create_folder(std::string name) = 0;
    // APPEND what `batch` produces to `folder`; the per-message target UIDs
    // when the server reports them (APPENDUID).
    virtual boost::asio::awaitable<MailboxResult<Appended>> append(std::string folder,
                                                                   net::AppendBatch& batch) = 0;
    // In the open folder: the messages of `uids` as the target holds them
    // now (UID, size, date, Message-ID, flags); UIDs it no longer has are
    // left out. Reads a copy back before its source may be deleted.
    virtual boost::asio::awaitable<MailboxResult<std::vector<TargetMessage>>> read_back(
        std::vector<std::uint32_t> uids) = 0;
    // In the open folder: the messages whose UIDs are not in `known`
    // (ascending), with the metadata a listing reads, when there are at most
    // `at_most` of them; std::nullopt when there are more. For a large
    // folder the state knows most of: what else is there, without listing
    // what it knows.
    virtual boost::asio::awaitable<MailboxResult<std::optional<std::vector<TargetMessage>>>>
    unknown_messages(const std::vector<std::uint32_t>& known, std::size_t at_most) = 0;
    // Whether an append names its copies' UIDs (APPENDUID, RFC 4315): the
    // state can then find them again by UID, without a listing.
    virtual bool names_appended_uids() const = 0;
    // In the open folder: each group's +FLAGS.SILENT / -FLAGS.SILENT for its
    // target UIDs, all sent at once. Each group's outcome, in order
    // (std::nullopt: stored); an error when the connection failed.
    virtual boost::asio::awaitable<MailboxResult<std::vector<std::optional<MailboxError>>>>
    store_flags(const std::vector<FlagUpdateGroup>& groups) = 0;
    // In the open folder: \Deleted + UID EXPUNGE of exactly `uids`.
    virtual boost::asio::awaitable<MailboxResult<void>> delete_messages(
        std::vector<std::uint32_t> uids) = 0;
    // Gmail (X-GM-EXT-1): one stored message carries labels, shown as folders.
    virtual bool has_gmail_labels() const = 0;
    // In the open folder: gives `uids` the labels of these target folders
    // (UID STORE +X-GM-LABELS); unsupported without X-GM-EXT-1.
    virtual boost::asio::awaitable<MailboxResult<void>> add_gmail_labels(
        std::vector<std::uint32_t> uids, std::vector<MailboxFolder> folders) = 0;
    virtual bool is_open() const = 0;
    virtual boost::asio::awaitable<void> logout() = 0;
};

}  // namespace mailferry::sync
