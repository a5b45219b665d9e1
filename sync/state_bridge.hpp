#pragma once
// Between the state store (plain rows) and the migration engine (plans): reads
// the StateView the planner needs and writes back what the run did, each
// write one store transaction, always after the server confirmed (STYLE §6).
//
// A dry run opens the bridge read-only: find_pair() instead of
// ensure_pair(), and every writing call is refused by the caller (the
// engine never calls them), so not even a run row is written.
//
// A settled folder (FolderState::settled) has no pending rows: begin_folder()
// forgets the settlement before a run writes to the folder.
//
// Folders: the view holds pending, copied and deleted_on_source rows. A
// folder with none of those (after a UIDVALIDITY change was applied and the
// stale rows dropped, or interrupted right there) is left out of the view,
// so the planner matches it by content, as on a first run, and never copies
// what is already on the target.
//
// Not thread-safe: the io_context thread only.

#include "state/state_store.hpp"
#include "sync/joined_flags.hpp"
#include "sync/model.hpp"
#include "sync/plan.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mailferry::sync {

class StateBridge {
  public:
    // `create`: make the pair when new (a real run); else read only.
    static state::Result<StateBridge> open(state::StateStore& store, std::string source,
                                           std::string target, bool create);

    std::optional<state::PairId> pair() const { return pair_; }

    // Every folder of the pair, or (with `only`) that one source folder.
    // Without `settled_rows`, a settled folder comes without its rows: a run
    // reads them (view(name)) only for a settled folder it has to list.
    // With `rows_up_to` (not 0), so does a folder not settled that has more
    // rows than that (a large first copy interrupted): a run resuming it
    // reads them a window of UIDs at a time (rows_in_range()), or all when
    // it lists the folder whole. Either is marked FolderState::rows_unread.
    state::Result<StateView> view(std::optional<std::string> only = std::nullopt,
                                  bool settled_rows = true, std::size_t rows_up_to = 0);

    // The id of the pair's source folder `source_name`, if the state has it.
    state::Result<std::optional<state::FolderId>> folder_of(const std::string& source_name);

    // The rows of `keys` in `folder`, as view() gives them (rows neither
    // pending, copied nor deleted_on_source are left out): for a listing of
    // a few messages of a large folder.
    state::Result<std::vector<MessageState>> rows_of(state::FolderId folder,
                                                     const std::vector<std::string>& keys);

    // The source UIDs of the rows view() would give of `folder`, ascending
    // (StoredUids).
    state::Result<std::vector<std::uint32_t>> stored_uids(state::FolderId folder);

    // The rows view() would give of `folder` whose source UID is in `range`.
    state::Result<std::vector<MessageState>> rows_in_range(state::FolderId folder, UidRange range);

    // The target UIDs of `folder`'s confirmed copies, ascending.
    state::Result<std::vector<std::uint32_t>> copied_target_uids(state::FolderId folder);

    // Makes the folder record ready for this plan: created when new,
    // UIDVALIDITYs stored; on a rematch (or a change found now) the old
    // mapping is invalidated and its rows dropped.
    state::Result<state::FolderId> begin_folder(const FolderPlan& plan,
                                                std::uint32_t target_uidvalidity);

    // The planner's confirmations, recorded as copied.
    state::Result<void> record_confirmations(state::FolderId folder, const FolderPlan& plan,
                                             std::uint32_t target_uidvalidity);

    // Intent before an APPEND (one transaction for the batch).
    struct Intent {
        const CopyItem* item = nullptr;
        std::uint64_t size = 0;
        std::int64_t internal_date = 0;
        std::string message_id;
    };
    state::Result<std::vector<state::MessageRowId>> record_pending(
        state::FolderId folder, std::uint32_t source_uidvalidity,
        const std::vector<Intent>& intents);
    // After the tagged OK: the rows become copied with their target UIDs
    // (one transaction, with the source's UIDNEXT mark).
    struct Copied {
        state::MessageRowId row{};
        std::optional<std::uint32_t> target_uid;
        std::vector<std::string> flags;
    };
    state::Result<void> confirm(state::FolderId folder, const std::vector<Copied>& copied,
                                std::optional<std::uint32_t> target_uidvalidity,
                                std::uint32_t source_uidnext);

    state::Result<void> record_flags(state::FolderId folder,
                                     const std::vector<FlagRecord>& records);
    // Rows of `keys` (copied or deleted_on_source) marked deleted.
    state::Result<void> mark_deleted(state::FolderId folder, const std::vector<std::string>& keys,
                                     state::MessageStatus status);
    // The planner's forget list: pending rows dropped, copied ones marked
    // deleted_on_target (their target copy is gone).
    state::Result<void> forget(state::FolderId folder, const std::vector<std::string>& keys);
    // The folder synced without a failure: its high-water marks advance to
    // `source` (as listed), and with a HIGHESTMODSEQ (CONDSTORE) it is
    // settled, so a run that finds the same STATUS under the same options
    // (`plan_key`) skips it.
    state::Result<void> finish_folder(state::FolderId folder, const FolderStatus& source,
                                      std::size_t filtered, const std::string& plan_key);

    state::StateStore& store() { return *store_; }

  private:
    StateBridge(state::StateStore& store, std::optional<state::PairId> pair)
        : store_(&store), pair_(pair) {}
    // The live rows of `keys`, looked up one by one (never the whole folder).
    state::Result<std::map<std::string, state::MessageRecord>> rows_by_key(
        state::FolderId folder, const std::vector<std::string>& keys);

    state::StateStore* store_;
    std::optional<state::PairId> pair_;
};

}  // namespace mailferry::sync
