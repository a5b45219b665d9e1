// The work of one connection pair: folder units taken from the run's queue,
// each brought over in batches (copy_pipeline.hpp), with the state written
// in the order of STYLE §6: intent, act, confirmation, commit.
//
// After a lost connection the pair reconnects (a bounded number of times)
// and the folder is planned again from fresh listings and the state: the
// planner finds the batch that was in flight on the target (APPENDUID, else
// Message-ID + size + date) and only what is really missing is sent again.
// A NO to an APPEND (MULTIAPPEND: nothing of the batch was stored; single
// APPENDs: those confirmed were, and are recorded) also re-plans, then
// sends one message per APPEND, so that one refused message cannot hold
// back the others; each message is tried `retries` more times before it is
// reported.
//
// A server that throttles (MailboxError::busy: NO [THROTTLED], a BYE for
// load, a login refused over the connection limit) fails nothing: the pair
// backs off (throttle.hpp), a pair beyond the lowered number of connections
// hands its unit back to the queue and closes, and the others reconnect if
// need be and re-plan, exactly as after a lost connection.
#include "sync/folder_runner.hpp"

#include "sync/adapters/connect.hpp"
#include "sync/copy_pipeline.hpp"
#include "sync/detail/both_at_once.hpp"
#include "sync/folder_mapping.hpp"
#include "sync/planner.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <optional>
#include <variant>

namespace mailferry::sync::detail {
namespace {

using boost::asio::awaitable;

constexpr std::size_t batch_messages = 100;
constexpr std::uint64_t batch_bytes = 32ULL * 1024 * 1024;
// Bodies in flight between the source's FETCH and the target's APPEND, shared
// by the pairs at work: more connections copy more at once, in the same
// memory. A pipe never gets less than the floor (below it, each APPEND
// would wait on the FETCH in small steps).
constexpr std::size_t in_flight_bytes = 1024 * 1024;
constexpr std::size_t pipe_floor_bytes = 64 * 1024;
constexpr unsigned max_reconnects = 3;

enum class Step {
    done,     // the unit is finished (possibly with reported failures)
    lost,     // a connection was lost: reconnect, re-plan, go on
    replan,   // the target refused an APPEND: re-plan, go on
    busy,     // a server throttled: back off, maybe reconnect, re-plan, go on
    stopped,  // the run stops (cancelled, state failure)
};

// What one unit carries out of its folder's plan, built anew from each plan
// of the folder (the first one and every re-plan): its slice of the copies
// and, for the primary unit, the flag updates, the deletions and the rows to
// forget.
struct UnitWork {
    std::string source;  // folder names, as in FolderPlan
    std::string target;
    std::uint32_t source_uidvalidity = 0;
    std::vector<CopyItem> copies;
    std::vector<FlagUpdateGroup> flag_updates;
    std::vector<FlagRecord> flag_records;
    std::vector<TargetDeletion> target_deletions;
    // After the copies; with --delete-source also every message the plan
    // found already on the target (its confirmations, recorded by then).
    std::vector<SourceDeletion> source_deletions;
    bool delete_source_after_copy = false;  // each copied message, batch by batch
    std::vector<std::string> forget;
};

// A unit takes its copies out of the plan (nothing reads them there
// afterwards: the report and the queue were made from the plan before):
// a unit of the whole folder all of them, a slice its share, so a large
// folder's copy list is never held twice.
UnitWork work_of(FolderPlan& plan, const WorkUnit& unit) {
    UnitWork work;
    work.source = plan.source;
    work.target = plan.target;
    work.source_uidvalidity = plan.source_uidvalidity;
    work.delete_source_after_copy = plan.delete_source_after_copy;
    if (unit.keys.empty()) {
        work.copies = std::move(plan.copies);
        plan.copies = {};
    } else {
        const auto mine = std::stable_partition(
            plan.copies.begin(), plan.copies.end(),
            [&](const CopyItem& c) { return !unit.keys.contains(c.source_key); });
        work.copies.assign(std::make_move_iterator(mine),
                           std::make_move_iterator(plan.copies.end()));
        plan.copies.erase(mine, plan.copies.end());
    }
    if (!unit.primary) {
        // Its own copies that a re-plan found on the target by content (no
        // APPENDUID): they leave the source with this unit.
        for (const SourceDeletion& d : plan.source_deletions) {
            if (unit.keys.count(d.source_key) != 0) {
                work.source_deletions.push_back(d);
            }
        }
        return work;
    }
    work.flag_updates = plan.flag_updates;
    work.flag_records = plan.flag_records;
    work.target_deletions = plan.target_deletions;
    work.source_deletions = plan.source_deletions;
    if (plan.delete_source_after_copy) {
        for (const TargetMatch& c : plan.confirmations) {
            work.source_deletions.push_back({c.source_key, c.source_uid});
        }
    }
    work.forget = plan.forget;
    return work;
}

struct UnitRun {
    RunContext& ctx;
    std::size_t pair_index;
    WorkUnit unit;
    UnitWork plan;
    std::map<std::string, unsigned> failures;
    std::set<std::string> given_up;
    std::size_t batch_limit = batch_messages;
    std::string last_error;
    // --delete-source: copies stored without a reported UID, to be found by
    // content in a fresh listing before their source may go.
    bool read_back_by_listing = false;

    ConnectionPair& pair() { return ctx.pairs[pair_index]; }
    const std::string& folder() const { return plan.source; }
    state::FolderId folder_id() const { return ctx.folder_ids.at(unit.folder); }

    Step state_failed(const state::Failure& f) {
        ctx.interrupted = true;
        ctx.stop("the state could not be written: " + f.message +
                 "; nothing was lost, re-run once the problem is fixed");
        return Step::stopped;
    }
    // done: the operation's own failure, to report; else what to do.
    Step mailbox_failed(const MailboxError& e) {
        last_error = e.message;
        if (!e.busy.empty()) {
            return Step::busy;
        }
        return e.kind == MailboxError::Kind::rejected || e.kind == MailboxError::Kind::unsupported
                   ? Step::done
                   : Step::lost;
    }
    // A failure the unit cannot go on after: throttled, or lost.
    Step interrupted_by(const MailboxError& e) {
        last_error = e.message;
        return e.busy.empty() ? Step::lost : Step::busy;
    }
    void fail(const std::string& key, std::string error) {
        ctx.report->record_failed(folder(), key, std::move(error));
    }
};

MailboxFolder source_folder(const RunContext& ctx, const std::string& name) {
    for (const SourceFolderListing& f : ctx.source_listing.folders) {
        if (normalize_name(f.folder.name) == name) {
            return f.folder;
        }
    }
    return MailboxFolder{name, "", true};
}

// A connection runs one operation at a time: the first batch of a unit that
// also updates flags (or deletes) on the target fetches its bodies and
// records its intent meanwhile, and its APPEND waits here for those to end.
class TargetTurn {
  public:
    explicit TargetTurn(const boost::asio::any_io_executor& executor)
        : timer_(executor, boost::asio::steady_timer::time_point::max()) {}

    // The target's other work is over; `go_on`: it went well, append.
    void give(bool go_on) {
        go_on_ = go_on;
        given_ = true;
        timer_.cancel();
    }

    awaitable<bool> wait() {
        if (!given_) {
            boost::system::error_code cancelled;
            co_await timer_.async_wait(
                boost::asio::redirect_error(boost::asio::use_awaitable, cancelled));
        }
        co_return go_on_;  // false also when the wait ended without a give()
    }

  private:
    boost::asio::steady_timer timer_;
    bool given_ = false;
    bool go_on_ = false;
};

// Every group's STORE at once; a group the target refused fails its
// messages (their flags are tried again next run), the others are recorded.
awaitable<Step> apply_flags(UnitRun& run) {
    std::set<std::string> failed;
    const std::vector<FlagUpdateGroup>& groups = run.plan.flag_updates;
    if (!groups.empty()) {
        auto stored = co_await run.pair().target->store_flags(groups);
        if (!stored) {
            co_return run.interrupted_by(stored.error());
        }
        for (std::size_t g = 0; g < groups.size(); ++g) {
            const std::optional<MailboxError>& refused = (*stored)[g];
            if (!refused) {
                continue;
            }
            if (const Step s = run.mailbox_failed(*refused); s != Step::done) {
                co_return s;
            }
            for (const std::string& key : groups[g].source_keys) {
                failed.insert(key);
                run.fail(key, "setting its flags on the target failed: " + refused->message);
            }
        }
    }
    std::vector<FlagRecord> records;
    for (const FlagRecord& r : run.plan.flag_records) {
        if (failed.count(r.source_key) == 0) {
            records.push_back(r);
        }
    }
    if (auto r = run.ctx.bridge->record_flags(run.folder_id(), records); !r) {
        co_return run.state_failed(r.error());
    }
    co_return Step::done;
}

awaitable<Step> apply_target_deletions(UnitRun& run) {
    if (run.plan.target_deletions.empty()) {
        co_return Step::done;
    }
    std::vector<std::uint32_t> uids;
    std::vector<std::string> keys;
    for (const TargetDeletion& d : run.plan.target_deletions) {
        uids.push_back(d.target_uid);
        keys.push_back(d.source_key);
    }
    auto deleted = co_await run.pair().target->delete_messages(uids);
    if (!deleted) {
        if (const Step s = run.mailbox_failed(deleted.error()); s != Step::done) {
            co_return s;
        }
        run.fail("", "deleting messages gone from the source failed: " + deleted.error().message);
        co_return Step::done;
    }
    if (auto r = run.ctx.bridge->mark_deleted(run.folder_id(), keys,
                                              state::MessageStatus::deleted_on_target);
        !r) {
        co_return run.state_failed(r.error());
    }
    co_return Step::done;
}

// Intent first (deleted_on_source), then the deletion: an interruption leaves
// a row that says "moved" for a message still on the source, which the next
// run deletes again, never one that --sync-deletions could take for gone.
awaitable<Step> delete_from_source(UnitRun& run, std::vector<SourceDeletion> deletions) {
    if (deletions.empty()) {
        co_return Step::done;
    }
    std::vector<std::string> keys;
    for (const SourceDeletion& d : deletions) {
        keys.push_back(d.source_key);
    }
    if (auto r = run.ctx.bridge->mark_deleted(run.folder_id(), keys,
                                              state::MessageStatus::deleted_on_source);
        !r) {
        co_return run.state_failed(r.error());
    }
    auto deleted = co_await run.pair().source->delete_messages(std::move(deletions));
    if (!deleted) {
        if (const Step s = run.mailbox_failed(deleted.error()); s != Step::done) {
            co_return s;
        }
        run.fail("", "deleting copied messages from the source failed: " + deleted.error().message +
                         "; the next run tries again");
    }
    co_return Step::done;
}

// A message this run stored on the target, as the target reported it.
struct CopyOnTarget {
    SourceDeletion source;
    std::optional<std::uint32_t> target_uid;  // from APPENDUID
    std::uint64_t size = 0;                   // octets sent
};

// --delete-source: the copies whose source may go now. A copy counts when
// the target, read back, holds a message of the size sent under the UID
// APPENDUID reported. One without a reported UID is left to a fresh listing
// of the folder (the unit re-plans once its copies are done: the planner
// finds it by content); one read back wrong, or not at all, stays on the
// source and is reported.
awaitable<std::variant<std::vector<SourceDeletion>, Step>> read_back(
    UnitRun& run, std::vector<CopyOnTarget> copies) {
    std::vector<std::uint32_t> uids;
    for (const CopyOnTarget& c : copies) {
        if (c.target_uid) {
            uids.push_back(*c.target_uid);
        } else {
            run.read_back_by_listing = true;
        }
    }
    std::vector<SourceDeletion> confirmed;
    if (uids.empty()) {
        co_return confirmed;
    }
    auto held = co_await run.pair().target->read_back(std::move(uids));
    if (!held) {
        if (const Step s = run.mailbox_failed(held.error()); s != Step::done) {
            co_return s;
        }
        for (const CopyOnTarget& c : copies) {
            if (c.target_uid) {
                run.fail(c.source.source_key,
                         "reading its copy back from the target failed (" + held.error().message +
                             "): kept on the source; the next run deletes it once it is confirmed");
            }
        }
        co_return confirmed;
    }
    std::map<std::uint32_t, std::uint64_t> size_of;
    for (const TargetMessage& m : *held) {
        size_of[m.uid] = m.size;
    }
    for (const CopyOnTarget& c : copies) {
        if (!c.target_uid) {
            continue;
        }
        auto found = size_of.find(*c.target_uid);
        if (found != size_of.end() && found->second == c.size) {
            confirmed.push_back(c.source);
        } else if (found == size_of.end()) {
            run.fail(c.source.source_key, "the target does not show its copy (UID " +
                                              std::to_string(*c.target_uid) +
                                              ") when read back: kept on the source");
        } else {
            run.fail(c.source.source_key, "the target holds " + std::to_string(found->second) +
                                              " octets under UID " + std::to_string(*c.target_uid) +
                                              ", not the " + std::to_string(c.size) +
                                              " sent: kept on the source");
        }
    }
    co_return confirmed;
}

// The intent is recorded once the source's FETCH of the bodies has gone out
// (it only reads), so the disk's wait for it overlaps the source's; the
// APPEND follows it and, given `turn`, the target's other work of the unit.
awaitable<Step> copy_batch(UnitRun& run, std::vector<CopyItem> batch, TargetTurn* turn = nullptr) {
    RunContext& ctx = run.ctx;
    auto prepared = co_await run.pair().source->prepare(batch);
    if (!prepared) {
        co_return run.interrupted_by(prepared.error());
    }
    std::vector<CopyItem> ready;
    std::vector<PreparedMeta> metas;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if ((*prepared)[i]) {
            ready.push_back(batch[i]);
            metas.push_back(*(*prepared)[i]);
        } else {
            run.fail(batch[i].source_key, "no longer on the source (deleted during the run)");
        }
    }
    if (ready.empty()) {
        co_return Step::done;
    }
    std::vector<StateBridge::Intent> intents;
    std::uint32_t uidnext = 0;
    for (std::size_t i = 0; i < ready.size(); ++i) {
        intents.push_back({&ready[i], metas[i].size, metas[i].internal_date, metas[i].message_id});
        ctx.attempted.insert({run.unit.folder, ready[i].source_key});
        uidnext = std::max(uidnext, ready[i].source_uid + 1);
    }
    std::vector<state::MessageRowId> rows;
    Step held = Step::done;
    auto record_intent = [&]() -> awaitable<bool> {
        auto recorded =
            ctx.bridge->record_pending(run.folder_id(), run.plan.source_uidvalidity, intents);
        if (!recorded) {
            held = run.state_failed(recorded.error());
            co_return false;
        }
        rows = std::move(*recorded);
        if (turn == nullptr) {
            co_return true;
        }
        // Not given: the unit's other target work failed and says what next.
        const bool given = co_await turn->wait();
        co_return given;
    };

    const std::size_t pipe =
        std::max(pipe_floor_bytes, in_flight_bytes / std::max<std::size_t>(1, ctx.open_pairs));
    BatchResult result = co_await transfer_batch(
        *run.pair().source, *run.pair().target, run.plan.target, ready, metas, pipe, record_intent);
    if (result.held_back) {
        co_return held;  // the rows stay pending: a re-plan looks for them
    }

    std::vector<StateBridge::Copied> copied;
    std::vector<CopyOnTarget> moved;
    for (std::size_t i = 0; i < ready.size(); ++i) {
        const BatchItemResult& r = result.items[i];
        if (r.status == BatchItemResult::Status::copied) {
            copied.push_back({rows[i], r.target_uid, ready[i].flags});
            moved.push_back(
                {{ready[i].source_key, ready[i].source_uid}, r.target_uid, metas[i].size});
        }
    }
    // The high-water mark only when everything below it is done.
    const bool contiguous = run.unit.keys.empty() && copied.size() == ready.size() &&
                            run.failures.empty() && run.given_up.empty();
    if (!copied.empty()) {
        ctx.throttle.on_progress();
        if (auto r = ctx.bridge->confirm(run.folder_id(), copied, result.target_uidvalidity,
                                         contiguous ? uidnext : 0);
            !r) {
            co_return run.state_failed(r.error());
        }
    }
    for (std::size_t i = 0; i < ready.size(); ++i) {
        const BatchItemResult& r = result.items[i];
        if (r.status == BatchItemResult::Status::copied) {
            ctx.report->record_copied(run.folder(), metas[i].size);
            if (ctx.options.list_copied) {
                ctx.copied[run.folder()].insert(ready[i].source_key);
            }
            ctx.message_done(run.folder(), metas[i].size);
        } else if (r.status == BatchItemResult::Status::failed) {
            run.fail(ready[i].source_key, r.error);
        }
    }
    if (run.plan.delete_source_after_copy) {
        auto confirmed = co_await read_back(run, std::move(moved));
        if (const Step* lost = std::get_if<Step>(&confirmed)) {
            co_return *lost;
        }
        auto deletions = std::get<std::vector<SourceDeletion>>(std::move(confirmed));
        const Step s = co_await delete_from_source(run, std::move(deletions));
        if (s != Step::done) {
            co_return s;
        }
    }
    // A side that throttled explains the other's failure (a BYE for load on
    // the target cuts the source's FETCH stream short).
    for (const auto& err : {result.target_error, result.source_error}) {
        if (err && !err->busy.empty()) {
            co_return run.interrupted_by(*err);
        }
    }
    for (const auto& err : {result.source_error, result.target_error}) {
        if (err && err->kind != MailboxError::Kind::rejected) {
            co_return run.interrupted_by(*err);
        }
    }
    // Refused by either side (a NO to the APPEND, or to the FETCH of the
    // bodies): what was not stored is neither gone nor done. Count a failure
    // for each, give up on those beyond their retries, and go on one
    // message per batch.
    const std::optional<MailboxError>& refused =
        result.target_error ? result.target_error : result.source_error;
    if (refused && !refused->busy.empty()) {
        // Throttled: nothing of it counts against the messages' retries.
        co_return run.interrupted_by(*refused);
    }
    if (refused) {
        const std::string why =
            result.target_error ? "the target refused it: " : "the source refused to send it: ";
        for (std::size_t i = 0; i < ready.size(); ++i) {
            if (result.items[i].status != BatchItemResult::Status::not_sent) {
                continue;
            }
            const std::string& key = ready[i].source_key;
            if (++run.failures[key] > ctx.options.retries) {
                run.given_up.insert(key);
                run.fail(key, why + refused->message);
            }
        }
        run.batch_limit = 1;
        run.last_error = refused->message;
        co_return Step::replan;
    }
    co_return Step::done;
}

// The primary unit's work on the target besides copies: flag updates, then
// deletions, then the rows to forget; `turn` is given when they are over.
awaitable<Step> target_phases(UnitRun& run, TargetTurn* turn = nullptr) {
    Step step = Step::done;
    for (auto* phase : {&apply_flags, &apply_target_deletions}) {
        step = co_await (*phase)(run);
        if (step != Step::done) {
            break;
        }
    }
    if (step == Step::done) {
        if (auto r = run.ctx.bridge->forget(run.folder_id(), run.plan.forget); !r) {
            step = run.state_failed(r.error());
        }
    }
    if (turn != nullptr) {
        turn->give(step == Step::done);
    }
    co_return step;
}

// Whether opening a folder succeeded; execute() needs no listing.
template <class Listing>
awaitable<MailboxResult<void>> opened(awaitable<MailboxResult<Listing>> open) {
    MailboxResult<void> done;
    auto listing = co_await std::move(open);
    if (!listing) {
        co_return listing.error();
    }
    co_return done;
}

awaitable<MailboxResult<void>> nothing_to_open() {
    MailboxResult<void> done;
    co_return done;
}

awaitable<Step> execute(UnitRun& run) {
    RunContext& ctx = run.ctx;
    // The source is read for copies and written for deletions; flag updates
    // and target deletions alone leave it as the listing left it. Both sides
    // at once: a changed folder costs one round trip, not two.
    const bool source_used = !run.plan.copies.empty() || !run.plan.source_deletions.empty();
    auto open_source = source_used ? opened(run.pair().source->open_folder(
                                         source_folder(ctx, run.folder()),
                                         ctx.options.plan.delete_source, false, nullptr, {}))
                                   : nothing_to_open();
    auto open_target = opened(run.pair().target->open_folder(
        MailboxFolder{run.plan.target, "", true}, false, false, nullptr));
    auto [source, target] = co_await both_at_once(std::move(open_source), std::move(open_target));
    for (const auto& [result, what] :
         {std::pair(&source, "source"), std::pair(&target, "target")}) {
        if (result->has_error()) {
            if (const Step s = run.mailbox_failed(result->error()); s != Step::done) {
                co_return s;
            }
            run.fail("", std::string("opening the ") + what +
                             " folder failed: " + result->error().message);
            co_return Step::done;
        }
    }
    std::vector<CopyItem> todo;
    for (const CopyItem& c : run.plan.copies) {
        if (run.given_up.count(c.source_key) == 0) {
            todo.push_back(c);
        }
    }
    std::size_t pos = 0;
    auto next_batch = [&] {
        std::vector<CopyItem> batch;
        std::uint64_t bytes = 0;
        while (pos < todo.size() && batch.size() < run.batch_limit &&
               (batch.empty() || bytes + todo[pos].size <= batch_bytes)) {
            bytes += todo[pos].size;
            batch.push_back(todo[pos++]);
        }
        return batch;
    };
    if (run.unit.primary && (todo.empty() || ctx.stopping())) {
        if (const Step s = co_await target_phases(run); s != Step::done) {
            co_return s;
        }
    } else if (run.unit.primary) {
        // The first batch's FETCH and intent while the target updates flags:
        // a changed folder then waits for one of the two, not both.
        TargetTurn turn(co_await boost::asio::this_coro::executor);
        auto [phases, first] =
            co_await both_at_once(target_phases(run, &turn), copy_batch(run, next_batch(), &turn));
        for (const Step s : {phases, first}) {
            if (s != Step::done) {
                co_return s;
            }
        }
    }
    while (pos < todo.size()) {
        if (ctx.stopping()) {
            co_return Step::stopped;
        }
        const Step s = co_await copy_batch(run, next_batch());
        if (s != Step::done) {
            co_return s;
        }
    }
    if (run.read_back_by_listing) {
        // Copies stored without APPENDUID: a re-plan lists the folder afresh
        // and deletes from the source those it finds there.
        run.read_back_by_listing = false;
        co_return Step::replan;
    }
    co_return co_await delete_from_source(run, run.plan.source_deletions);
}

// What a re-plan of the unit's folder plans from besides the source's
// listing: the target folder and the state.
struct ReplanInputs {
    TargetFolderListing target;
    StateView view;
};

// The re-plan's inputs of a folder copied in windows, held for its current
// window alone, as a resumed folder's windows are planned: the state's rows
// of the window's UIDs and, of the target, only the messages the state does
// not know (the copy of an APPEND whose OK was lost among them, found there
// by its pending row). The other windows' copies are not listed, so none is
// taken for one of this window's. std::nullopt: the folder is not windowed,
// or its target holds more than a window of messages the state does not
// know; it is planned from the whole folder.
awaitable<std::variant<std::optional<ReplanInputs>, Step>> window_inputs(
    UnitRun& run, const MailboxFolder& target_folder) {
    RunContext& ctx = run.ctx;
    std::optional<ReplanInputs> whole;
    if (ctx.windowed_folder(run.folder()) == nullptr) {
        co_return whole;
    }
    auto copies = ctx.bridge->copied_target_uids(run.folder_id());
    if (!copies) {
        co_return run.state_failed(copies.error());
    }
    TargetMailbox& target = *run.pair().target;
    auto opened = co_await target.open_folder(target_folder, false, false, nullptr);
    if (!opened) {
        co_return run.interrupted_by(opened.error());
    }
    auto unknown = co_await target.unknown_messages(*copies, ctx.options.window_messages);
    if (!unknown) {
        co_return run.interrupted_by(unknown.error());
    }
    if (!*unknown) {
        co_return whole;
    }
    // Only now: a folder planned whole reads every row of it instead.
    auto view = ctx.bridge->view(run.folder(), true, ctx.options.window_messages);
    if (!view) {
        co_return run.state_failed(view.error());
    }
    for (FolderState& f : view->folders) {
        if (f.rows_unread) {
            auto rows = ctx.bridge->rows_in_range(run.folder_id(), ctx.listed_range(run.folder()));
            if (!rows) {
                co_return run.state_failed(rows.error());
            }
            f.messages = std::move(*rows);
            f.rows_unread = false;
        }
    }
    opened->messages = std::move(**unknown);
    co_return ReplanInputs{std::move(*opened), std::move(*view)};
}

// The re-plan's inputs whole: the target folder listed, every row of the
// folder in the state.
awaitable<std::variant<std::optional<ReplanInputs>, Step>> whole_inputs(
    UnitRun& run, const MailboxFolder& target_folder) {
    auto target = co_await run.pair().target->open_folder(target_folder, false, true, nullptr);
    if (!target) {
        co_return run.interrupted_by(target.error());
    }
    auto view = run.ctx.bridge->view(run.folder());
    if (!view) {
        co_return run.state_failed(view.error());
    }
    co_return ReplanInputs{std::move(*target), std::move(*view)};
}

// Plans the unit's folder again from fresh listings and the state. A folder
// copied in windows lists its current window again on the source, and reads
// the rest as window_inputs() says; whole, the state and the target are
// read whole, so that no copy of another window is taken for one of this
// window's (the rows of the others are only claimed: their messages are not
// listed).
awaitable<Step> replan(UnitRun& run) {
    RunContext& ctx = run.ctx;
    const MailboxFolder source_box = source_folder(ctx, run.folder());
    const MailboxFolder target_folder{run.plan.target, "", true};
    auto listed =
        co_await run.pair().source->open_folder(source_box, ctx.options.plan.delete_source, true,
                                                nullptr, {ctx.listed_range(run.folder()), 0});
    if (!listed) {
        co_return run.interrupted_by(listed.error());
    }
    apply_gmail_labels(*listed, ctx.gmail);
    auto inputs = co_await window_inputs(run, target_folder);
    if (const auto* windowed = std::get_if<std::optional<ReplanInputs>>(&inputs);
        windowed != nullptr && !*windowed) {
        inputs = co_await whole_inputs(run, target_folder);
    }
    if (const Step* failed = std::get_if<Step>(&inputs)) {
        co_return *failed;
    }
    ReplanInputs& read = *std::get<std::optional<ReplanInputs>>(inputs);
    TargetFolderListing& target = read.target;
    const std::uint32_t uidvalidity = target.status.uidvalidity;
    SourceListing source{ctx.source_listing.traits, {std::move(*listed)}};
    TargetListing targets = ctx.target_listing;
    bool found = false;
    for (TargetFolderListing& t : targets.folders) {
        if (normalize_name(t.folder.name) == run.plan.target) {
            t.status = target.status;
            t.messages = std::move(target.messages);
            found = true;
        }
    }
    if (!found) {
        // Created by this run: the first plan assumed keywords allowed there
        // (nothing was listed), and a re-plan keeps to what it sent.
        target.keywords_allowed = true;
        targets.folders.push_back(std::move(target));
    }
    StateView& view = read.view;
    const UidRange range = ctx.listed_range(run.folder());
    for (FolderState& f : view.folders) {
        // Another window's intent is not this listing's to settle: its
        // message is not listed, which would look like a message gone.
        std::erase_if(f.messages, [&](const MessageState& m) {
            return m.status == CopyStatus::pending && !range.contains(m.source_uid);
        });
    }
    // The run's first plan judged the folder's deletions against
    // --max-deletions; what is left of them is not judged again. A folder
    // copied in windows has no deletion to mirror (its first copy), and the
    // copies of its other windows, which this listing leaves out, are not
    // gone from the source.
    PlanOptions options = ctx.options.plan;
    options.max_deletions = DeletionLimit::unlimited();
    if (ctx.windowed_folder(run.folder()) != nullptr) {
        options.sync_deletions = false;
    }
    Plan plan = plan_sync(source, targets, view, options, ctx.mapping);
    auto it = std::find_if(plan.folders.begin(), plan.folders.end(),
                           [&](const FolderPlan& f) { return f.source == run.plan.source; });
    if (it == plan.folders.end()) {
        co_return Step::done;
    }
    const FolderPlan& first = ctx.plan.folders[run.unit.folder];
    if (first.deletions_held_back > 0) {
        hold_back_deletions(*it);
    }
    // Refused by the target's limits in the first plan: reported, not sent.
    std::erase_if(it->copies, [&](const CopyItem& c) {
        return std::any_of(first.refused.begin(), first.refused.end(),
                           [&](const RefusedCopy& r) { return r.source_key == c.source_key; });
    });
    for (const SourceDeletion& kept : it->kept_on_source) {
        const bool reported =
            std::any_of(first.kept_on_source.begin(), first.kept_on_source.end(),
                        [&](const SourceDeletion& k) { return k.source_key == kept.source_key; });
        const bool own = run.unit.keys.empty() || run.unit.keys.count(kept.source_key) != 0;
        if (!reported && own) {
            run.fail(kept.source_key, std::string(kept_on_source_reason));
        }
    }
    if (!run.unit.keys.empty()) {
        // Other slices of this folder may have a batch in flight whose rows
        // are still pending; only they may confirm those.
        std::erase_if(it->confirmations,
                      [&](const TargetMatch& c) { return run.unit.keys.count(c.source_key) == 0; });
    }
    if (it->rematch) {
        if (auto r = ctx.bridge->begin_folder(*it, uidvalidity); !r) {
            co_return run.state_failed(r.error());
        }
    }
    if (auto r = ctx.bridge->record_confirmations(run.folder_id(), *it, uidvalidity); !r) {
        co_return run.state_failed(r.error());
    }
    for (const TargetMatch& c : it->confirmations) {
        // Sent by this run, confirmed only now (its tagged OK was lost).
        if (ctx.attempted.count({run.unit.folder, c.source_key}) != 0) {
            ctx.report->record_copied(run.folder(), c.size);
            if (ctx.options.list_copied) {
                ctx.copied[run.folder()].insert(c.source_key);
            }
            ctx.message_done(run.folder(), c.size);
        }
    }
    run.plan = work_of(*it, run.unit);
    co_return Step::done;
}

// Closes pair `index` (logging out of both sides) when the run uses fewer
// connections after throttling.
awaitable<void> close_pair(RunContext& ctx, std::size_t index) {
    ConnectionPair& pair = ctx.pairs[index];
    co_await logout_pair(pair);
    pair.source.reset();
    pair.target.reset();
}

enum class AfterBackOff {
    go_on,   // the pair is connected: re-plan and go on
    retire,  // one connection fewer: this pair closed, its unit is queued again
    stop,    // the run stops
};

// After a busy signal: waits out the episode, then closes this pair if the
// run now uses fewer connections than are open, or reconnects it if the
// server hung up. A reconnect refused for load is one more signal.
awaitable<AfterBackOff> recover_from_busy(UnitRun& run, bool wait_first = true) {
    RunContext& ctx = run.ctx;
    for (bool wait = wait_first;; wait = true) {
        if (wait && !co_await back_off(ctx, run.folder() + ": " + run.last_error)) {
            co_return AfterBackOff::stop;
        }
        if (ctx.open_pairs > ctx.throttle.connections()) {
            // Counted out before closing: another pair waking meanwhile must
            // not close too.
            --ctx.open_pairs;
            co_await close_pair(ctx, run.pair_index);
            co_return AfterBackOff::retire;
        }
        ConnectionPair& pair = run.pair();
        if (pair.source && pair.source->is_open() && pair.target && pair.target->is_open()) {
            co_return AfterBackOff::go_on;
        }
        const std::optional<PairFailure> failed = co_await connect_both(ctx, pair);
        if (!failed) {
            co_return AfterBackOff::go_on;
        }
        if (failed->error.busy.empty()) {
            ctx.interrupted = true;
            ctx.stop("connecting again to " + failed->side + ": " + failed->error.message);
            co_return AfterBackOff::stop;
        }
        run.last_error = failed->error.message;  // refused for load: back off again
    }
}

// What run_unit() returns after a back-off that ends the unit on this pair
// (the run stops: true; the pair retires and queues the unit again: false),
// or nothing when it goes on.
std::optional<bool> unit_ends_after(AfterBackOff next, UnitRun& run) {
    if (next == AfterBackOff::stop) {
        return true;
    }
    if (next == AfterBackOff::retire) {
        WorkUnit handed_back = run.unit;
        handed_back.resume = true;
        run.ctx.queue.push_front(std::move(handed_back));
        return false;
    }
    return std::nullopt;
}

// Runs one unit on pair `index`; false when the pair closed (fewer
// connections after throttling) and handed the unit back to the queue.
awaitable<bool> run_unit(RunContext& ctx, std::size_t index, WorkUnit unit) {
    // The first plan's confirmations were recorded before the workers began.
    UnitRun run{ctx, index, unit,           work_of(ctx.plan.folders[unit.folder], unit),
                {},  {},    batch_messages, {}};
    Step step = Step::replan;
    if (!unit.resume) {
        step = co_await execute(run);
    }
    for (;;) {
        if (step == Step::done || step == Step::stopped || ctx.stopping()) {
            co_return true;
        }
        // Lost, throttled or refused: reconnect or back off as needed,
        // re-plan, then execute again.
        if (step == Step::lost) {
            if (++run.pair().reconnects > max_reconnects) {
                ctx.interrupted = true;
                ctx.stop("the connection was lost " + std::to_string(max_reconnects + 1) +
                         " times (last: " + run.last_error +
                         "); run again to resume where this run stopped");
                co_return true;
            }
            ctx.log().warn("{}: connection lost ({}); reconnecting", run.folder(), run.last_error);
            // Reconnected at once; a login refused for load backs off.
            run.pair().source.reset();
            run.pair().target.reset();
            const AfterBackOff next = co_await recover_from_busy(run, false);
            if (const auto ends = unit_ends_after(next, run)) {
                co_return *ends;
            }
        } else if (step == Step::busy) {
            // Smaller batches too: a batch that cannot be prepared within
            // the server's window (POP3 RETRs, after a re-listing that used
            // most of it) would otherwise never make progress.
            run.batch_limit = std::max<std::size_t>(1, run.batch_limit / 2);
            const AfterBackOff next = co_await recover_from_busy(run);
            if (const auto ends = unit_ends_after(next, run)) {
                co_return *ends;
            }
        }
        step = co_await replan(run);
        if (step == Step::done) {
            step = co_await execute(run);
        }
    }
}

}  // namespace

// Connects pair `pair` anew, both sides at once, and stores both, or says
// which side failed (the source when both did); the side that did log in
// logs out again, so nothing is stored then.
awaitable<std::optional<PairFailure>> connect_both(RunContext& ctx, ConnectionPair& pair) {
    pair.source.reset();
    pair.target.reset();
    auto [source, target] = co_await both_at_once(connect_source(ctx.source_access, ctx.options),
                                                  connect_target(ctx.target_access, ctx.options));
    if (source && target) {
        pair.source = std::move(*source);
        pair.target = std::move(*target);
        co_return std::nullopt;
    }
    if (source) {
        co_await (*source)->logout();
    }
    if (target) {
        co_await (*target)->logout();
    }
    PairFailure failure = !source ? PairFailure{"the source", source.error()}
                                  : PairFailure{"the target", target.error()};
    co_return failure;
}

namespace {

template <class Mailbox>
awaitable<void> logout_of(Mailbox* side) {
    if (side != nullptr) {
        co_await side->logout();
    }
}

}  // namespace

awaitable<ListedWindows> list_windows(RunContext& ctx, SourceMailbox& source, std::size_t ahead) {
    ListedWindows listed;
    for (const WindowedFolder& w : ctx.windowed) {
        const std::size_t window = w.current + ahead;
        if (w.finished || window > w.ends.size()) {
            continue;
        }
        auto listing =
            co_await source.open_folder(w.folder, false, true, nullptr, {w.range_of(window), 0});
        if (!listing) {
            listed.failed_at = &w;
            listed.error = listing.error();
            co_return listed;
        }
        listed.windows.push_back({w.name, window, std::move(*listing)});
    }
    co_return listed;
}

namespace {

// Lists the next windows on pair `index` ahead of their pass. A failure only
// drops what was listed ahead: the pass lists again, with its own retries.
awaitable<void> list_ahead(RunContext& ctx, std::size_t index) {
    ConnectionPair& pair = ctx.pairs[index];
    ctx.list_ahead = false;
    if (ctx.stopping() || !pair.source || !pair.source->is_open()) {
        co_return;
    }
    ListedWindows ahead = co_await list_windows(ctx, *pair.source, 1);
    if (ahead.failed_at != nullptr) {
        ctx.log().debug("listing the next window of \"{}\" ahead failed ({}); its pass lists it",
                        ahead.failed_at->folder.name, ahead.error.message);
        co_return;
    }
    ctx.prefetched = std::move(ahead.windows);
}

}  // namespace

awaitable<void> logout_pair(ConnectionPair& pair) {
    using namespace boost::asio::experimental::awaitable_operators;
    co_await (logout_of(pair.source.get()) && logout_of(pair.target.get()));
}

awaitable<bool> connect_pair(RunContext& ctx, std::size_t index, bool required) {
    const std::optional<PairFailure> failed = co_await connect_both(ctx, ctx.pairs[index]);
    if (failed) {
        const std::string why = failed->side + ": " + failed->error.message;
        if (required) {
            ctx.interrupted = true;
            ctx.stop("connecting again to " + why);
        } else if (!failed->error.busy.empty()) {
            // Over the server's connection limit: one throttling episode
            // (logged by it), without a wait; the open pairs go on.
            const Throttle::Decision d =
                ctx.throttle.on_signal(Throttle::Clock::now(), ctx.open_pairs, false);
            if (d.new_episode) {
                ctx.log().warn("throttled by the server ({}); {} connection(s) from now on", why,
                               d.connections);
            }
        } else {
            ctx.log().warn("an extra connection could not be opened ({}); going on with fewer",
                           why);
        }
        co_return false;
    }
    co_return true;
}

awaitable<bool> back_off(RunContext& ctx, const std::string& what) {
    // Before the workers start (listing), only the limit says how many
    // pairs the run means to open.
    const std::size_t open = ctx.open_pairs == 0 ? ctx.throttle.connections() : ctx.open_pairs;
    const Throttle::Decision d = ctx.throttle.on_signal(Throttle::Clock::now(), open);
    if (d.give_up) {
        ctx.interrupted = true;
        ctx.stop("the server kept refusing for load after " +
                 std::to_string(ctx.throttle.episodes()) + " back-offs (last: " + what +
                 "); nothing failed, run again later to resume");
        co_return false;
    }
    if (d.new_episode) {
        ctx.log().warn("throttled by the server ({}); backing off {:.1f} s, then {} connection(s)",
                       what, std::chrono::duration<double>(d.wait).count(), d.connections);
    }
    // In short steps, so a cancellation is not held up by a long wait.
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    while (Throttle::Clock::now() < d.until) {
        if (ctx.stopping()) {
            co_return false;
        }
        timer.expires_at(
            std::min(d.until, Throttle::Clock::now() + std::chrono::milliseconds(100)));
        co_await timer.async_wait(boost::asio::use_awaitable);
    }
    co_return !ctx.stopping();
}

awaitable<void> run_worker(RunContext& ctx, std::size_t index) {
    if (!ctx.pairs[index].source) {
        const bool connected = co_await connect_pair(ctx, index, false);
        if (!connected) {
            co_return;
        }
    }
    ++ctx.open_pairs;
    while (!ctx.queue.empty() && !ctx.stopping()) {
        WorkUnit unit = std::move(ctx.queue.front());
        ctx.queue.pop_front();
        const bool kept = co_await run_unit(ctx, index, std::move(unit));
        if (!kept) {
            co_return;  // closed for fewer connections, already counted out
        }
    }
    if (ctx.list_ahead) {
        co_await list_ahead(ctx, index);
    }
    --ctx.open_pairs;
}

}  // namespace mailferry::sync::detail
