#pragma once
// mailferry's memory of what it moved: account pairs, their folders, every
// source message's place on the target, and the history of runs. One SQLite
// file (see database.hpp), opened by one StateStore at a time, and read by
// any number of read-only ones (`mailferry status`) meanwhile.
//
// Crash safety (STYLE §6). The sync engine
//   1. records its intent: record_pending() before the APPEND,
//   2. appends, and waits for the server's tagged OK (and APPENDUID),
//   3. commits the result and the folder's high-water marks in one
//      transaction: confirm_copied(folder, confirmations, progress). This
//      commit does not wait for the disk (RelaxedDurability): a kill -9
//      keeps it, a power loss may take it back to step 1, and the next
//      intent's commit, or the end of the run, puts it on the disk.
// After an interruption the next run reads pending_messages() and looks for
// each on the target (APPENDUID, else Message-ID + size + date) before
// sending it again: found ones are confirmed, missing ones forgotten with
// forget_pending() and sent anew. Every call that changes something is one
// transaction: it happens entirely or not at all. Batch calls take any number
// of rows in one transaction (one per batch of APPENDs, not per message); a
// batch with a bad row (unknown id, wrong status, invalid value) changes
// nothing.
//
// A UIDVALIDITY change on either side is never silent:
// set_folder_uidvalidity() refuses a differing value, and
// invalidate_folder_mapping() turns the folder's rows stale for re-matching
// (rematch(), drop_stale()).
//
// Errors: every call returns Result<T>; the Failure carries a state::error
// and a message for the user naming the file. No exception leaves the store
// except std::bad_alloc. After a failure (disk full included) the store stays
// usable and the file consistent: the failed transaction was rolled back.
//
// Not thread-safe: one thread uses a StateStore at a time (the io_context
// thread, STYLE §4). Calls block for the duration of one short transaction,
// which for an intent and the end of a run includes an fsync
// (synchronous=FULL).

#include "state/database.hpp"
#include "state/error.hpp"
#include "state/records.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace mailferry::state {

class StateStore {
  public:
    // Opens (creating it and its directories if needed) the state at `file`
    // and holds its lock until the store is destroyed. With
    // options.read_only, opens an existing file without the lock, to read
    // only: every call that changes something fails with error::read_only.
    // See Database::open for the failures.
    static Result<StateStore> open(const std::filesystem::path& file,
                                   const OpenOptions& options = {});

    // A moved-from store may only be destroyed or assigned to.
    StateStore(StateStore&&) noexcept;
    StateStore& operator=(StateStore&&) noexcept;
    ~StateStore();

    const std::filesystem::path& file() const noexcept;

    // --- account pairs ---------------------------------------------------

    // The pair of these identities, created on first use with a new id.
    // error::invalid_identity when an identity has a password or is
    // malformed (check_account_identity).
    Result<AccountPair> ensure_pair(std::string_view source, std::string_view target);
    Result<std::optional<AccountPair>> find_pair(std::string_view source, std::string_view target);
    Result<std::vector<AccountPair>> pairs();

    // --- folders ---------------------------------------------------------

    // The folder record of `source_name` in `pair`, created on first use
    // with `target_name`. An existing record is returned as stored: when
    // its target_name differs from the one given, the caller decides.
    Result<FolderRecord> ensure_folder(PairId pair, std::string_view source_name,
                                       std::string_view target_name);
    Result<FolderRecord> folder(FolderId id);
    // The pair's folders in source-name byte order.
    Result<std::vector<FolderRecord>> folders(PairId pair);

    // Stores the UIDVALIDITY of each side given, where none was stored.
    // A value equal to the stored one is fine; a differing one fails with
    // error::uidvalidity_changed and changes nothing.
    Result<void> set_folder_uidvalidity(FolderId id, const UidValidityChange& values);
    Result<void> mark_folder_created(FolderId id);
    // The folder now lands in another target folder (a changed --map or
    // special-use mapping): the new name is stored, the old target's
    // UIDVALIDITY and creation mark are forgotten, pending and copied rows
    // become stale with their target UIDs cleared (re-matched in the new
    // folder), and deleted_on_source rows lose their target UIDs. One
    // transaction; a no-op when the name is unchanged.
    Result<void> retarget_folder(FolderId id, std::string_view target_name);
    // Sets the high-water marks given (unset ones stay). Modseq values must
    // be below 2^63 (RFC 7162 §3.1.6).
    Result<void> update_folder_progress(FolderId id, const FolderProgress& progress);
    // Records that a pass left the folder settled, replacing an earlier
    // settlement, and advances the high-water marks to it (UIDNEXT,
    // HIGHESTMODSEQ), in one write. error::invalid_argument when filtered >
    // messages or the modseq is beyond 2^63-1.
    Result<void> settle_folder(FolderId id, const FolderSettlement& settlement);
    // Forgets the folder's settlement, before a run writes to the folder:
    // a settled folder then never has pending rows.
    Result<void> unsettle_folder(FolderId id);

    // A UIDVALIDITY changed on one or both sides. For each side whose
    // stored value differs from the new one:
    // - its pending and copied rows become stale (a target change also
    //   clears their target UIDs; a source change frees their source keys);
    // - a source change deletes its deleted_on_source/deleted_on_target rows
    //   (their keys mean nothing any more) and clears the high-water marks;
    //   a target change clears the target UID of deleted_on_source rows;
    // - the new value is stored and the settlement cleared.
    // A side with no stored value just takes the new one. Returns the number
    // of rows made stale.
    Result<std::uint64_t> invalidate_folder_mapping(FolderId id, const UidValidityChange& values);

    // --- messages ---------------------------------------------------------

    // Records the intent to APPEND. A message the folder already tracks as
    // pending is updated and keeps its id (a retried intent); one tracked
    // as copied or deleted fails with error::already_tracked.
    Result<MessageRowId> record_pending(FolderId folder, const PendingMessage& message);
    Result<std::vector<MessageRowId>> record_pending(FolderId folder,
                                                     std::span<const PendingMessage> messages);

    // The server confirmed the APPENDs: the rows become copied and the
    // folder's high-water marks (those set in `progress`) are stored, in one
    // transaction. Each row must be pending and in `folder`
    // (error::wrong_status, error::not_found).
    Result<void> confirm_copied(FolderId folder, std::span<const Confirmation> confirmations,
                                const FolderProgress& progress = {});
    Result<void> confirm_copied(FolderId folder, const Confirmation& confirmation);

    // The folder's pending rows, oldest first.
    Result<std::vector<MessageRecord>> pending_messages(FolderId folder);
    // The pending message was not stored by the target: drop the intent.
    // Rows must be pending (error::wrong_status).
    Result<void> forget_pending(std::span<const MessageRowId> rows);
    Result<void> forget_pending(MessageRowId row);

    // Every row of the folder, whatever its status, in id order; one query.
    Result<std::vector<MessageRecord>> messages(FolderId folder);
    // The folder's live rows (not stale) of these source keys (keys without
    // one are left out), in the order of `keys`: one indexed look-up each,
    // so the cost follows the keys, not the folder.
    Result<std::vector<MessageRecord>> messages(FolderId folder,
                                                std::span<const std::string> source_keys);
    // The source UIDs of the folder's rows that are pending, copied or
    // deleted_on_source (those with one), ascending: 4 bytes a message,
    // where its rows would be a few hundred.
    Result<std::vector<std::uint32_t>> live_source_uids(FolderId folder);
    // How many rows of the folder are pending, copied or deleted_on_source:
    // counted on an index, no row read.
    Result<std::uint64_t> live_message_count(FolderId folder);
    // The folder's pending, copied and deleted_on_source rows whose source
    // UID is in [first, last] (last 0: no end), by UID: one window of a
    // large folder, read by index, so the cost follows the window.
    Result<std::vector<MessageRecord>> messages_in_uid_range(FolderId folder, std::uint32_t first,
                                                             std::uint32_t last);
    // The target UIDs of the folder's confirmed copies (copied or
    // deleted_on_source rows that have one), ascending.
    Result<std::vector<std::uint32_t>> copied_target_uids(FolderId folder);

    // Flags brought in step; rows must be copied.
    Result<void> record_flags(std::span<const FlagSync> updates);
    // Copied rows whose message was deleted: `status` is deleted_on_source
    // or deleted_on_target (error::invalid_argument otherwise).
    Result<void> mark_deleted(std::span<const MessageRowId> rows, MessageStatus status);

    // Stale rows matched again: they take the new identities and become
    // copied. error::already_tracked when the new source key is tracked by
    // another live row of the folder.
    Result<void> rematch(std::span<const Rematch> matches);
    // Deletes the folder's stale rows (those the re-match did not find);
    // returns how many.
    Result<std::uint64_t> drop_stale(FolderId folder);

    // --- runs ---------------------------------------------------------------

    Result<RunId> begin_run(PairId pair, std::string_view command, bool dry_run,
                            std::int64_t started);
    Result<void> add_run_errors(RunId run, std::span<const RunError> errors);
    // The end of a run as the engine saw it: totals and one line for people.
    Result<void> finish_run(RunId run, std::int64_t finished, const RunTotals& totals,
                            std::string_view outcome);
    // The exit status the command that ran it gave (SPEC "Exit status").
    Result<void> record_exit_code(RunId run, int exit_code);
    // The pair's runs, the last one first; at most `limit` (0: all).
    Result<std::vector<RunRecord>> runs(PairId pair, std::size_t limit = 0);
    Result<std::vector<RunError>> run_errors(RunId run);

    // Every pair with its last run, its folder count and its message rows
    // by status, in pair id order: what `mailferry status` shows.
    Result<std::vector<PairSummary>> summary();

    // --- jobs ---------------------------------------------------------------

    // A job's run ended: its row (created on its first run) takes the run as
    // its last one and the schedule given, and adds the run to its totals
    // (runs, messages, bytes; failures when run.failed). A run that did not
    // fail sets last_success to run.finished and consecutive_failures to 0;
    // a failed one counts consecutive failures on from the stored count, or
    // takes schedule.consecutive_failures when that is higher (the
    // scheduler's own count). error::invalid_argument for an empty name,
    // error::invalid_identity for a malformed non-empty identity.
    Result<void> record_job_run(const JobRun& run, const JobSchedule& schedule);
    // The schedule changed between runs (a trigger, a back-off computed
    // anew): stored as given. A no-op for a job without a row.
    Result<void> update_job_schedule(std::string_view name, const JobSchedule& schedule);
    // Every job in name byte order.
    Result<std::vector<JobRecord>> jobs();
    // The job left the config: its row goes (its pair and runs stay). A
    // no-op for a job without a row.
    Result<void> forget_job(std::string_view name);

  private:
    explicit StateStore(std::unique_ptr<Database> db) noexcept;

    // Whether the file has the tables of schema `version`. Only a read-only
    // store can be behind latest_schema_version; its calls read the tables
    // a schema does not have yet as empty.
    bool has_schema(int version) const noexcept;
    // The one UID column `sql` selects, its one parameter bound to `folder`.
    Result<std::vector<std::uint32_t>> select_uids(FolderId folder, const char* sql);

    std::unique_ptr<Database> db_;
};

}  // namespace mailferry::state
