// run_migration (migration.hpp): connect, list both sides, plan, and unless
// dry_run carry the plan out over `connections` connection pairs.
//
// Order of a real run: folders are created (parents first), each folder's
// state record is made ready (UIDVALIDITYs stored; a re-match replaces the
// folder's rows) and the planner's confirmations recorded; then the workers
// take folder units from one queue. Later passes follow: the next windows of
// folders listed in windows, then each settled folder that changed a little
// (put_off()), listed and carried out on one connection pair. Everything
// runs on the caller's io_context thread, so state writes never race.
#include "sync/migration.hpp"

#include "sync/adapters/connect.hpp"
#include "sync/detail/both_at_once.hpp"
#include "sync/detail/run_context.hpp"
#include "sync/folder_mapping.hpp"
#include "sync/folder_runner.hpp"
#include "sync/planner.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <utility>
#include <variant>

namespace mailferry::sync {
namespace {

using boost::asio::awaitable;
using detail::RunContext;

constexpr std::size_t slice_threshold = 200;  // copies before a folder is spread out
constexpr std::size_t copies_per_extra_pair = 100;

std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

MigrationResult failed(Outcome outcome, std::string message) {
    MigrationResult r;
    r.outcome = outcome;
    r.message = std::move(message);
    return r;
}

constexpr unsigned max_listing_reconnects = 3;

// Why listing failed: the message for the user, and whether reconnecting
// may help.
struct ListingFailure {
    std::string message;
    bool connection_lost = false;
    bool busy = false;  // throttled: back off and list again
};

ListingFailure listing_failed(std::string what, const MailboxError& e) {
    return {what + " failed: " + e.message, e.kind == MailboxError::Kind::connection_lost,
            !e.busy.empty()};
}

// Target folder `name`'s STATUS: as the folder listing carried it
// (LIST-STATUS), else asked for.
awaitable<MailboxResult<FolderStatus>> target_status_of(TargetMailbox& target,
                                                        const std::string& name) {
    if (const std::optional<FolderStatus> listed = target.listed_status(name)) {
        co_return *listed;
    }
    co_return co_await target.folder_status(MailboxFolder{name, "", true});
}

// Whether what a run settled of a source folder (FolderState::settled) still
// speaks for it: same options, same target folder, both UIDVALIDITYs known.
bool settlement_applies(const FolderState* known, const std::string& target_name,
                        const std::string& plan_key) {
    return known != nullptr && known->settled && known->settled->plan_key == plan_key &&
           known->source_uidvalidity && known->target_uidvalidity &&
           normalize_name(known->target_name) == target_name;
}

// A source folder's STATUS when it needs no listing: it and its target are
// as a run that settled it left them (same STATUS under the same options,
// the same target folder with the same UIDVALIDITY; nothing is pending in a
// settled folder, see StateBridge). std::nullopt: list it. `target_status`
// gets the target folder's STATUS, `source_now` the source folder's when it
// was looked at. A STATUS the listing carried (listed_status) is taken
// instead of asking again.
awaitable<MailboxResult<std::optional<FolderStatus>>> settled_status(
    RunContext& ctx, const MailboxFolder& folder, const FolderState* known,
    const std::string& target_name, const std::string& plan_key,
    std::map<std::string, FolderStatus>& target_status, std::optional<FolderStatus>& source_now) {
    if (!settlement_applies(known, target_name, plan_key)) {
        co_return std::nullopt;
    }
    const std::optional<FolderStatus> listed = ctx.pairs[0].source->listed_status(folder.name);
    MailboxResult<std::optional<FolderStatus>> source = listed;
    if (!listed) {
        source = co_await ctx.pairs[0].source->folder_status(folder);
    }
    if (!source) {
        co_return source.error();
    }
    source_now = *source;
    const FolderStatus& was = known->settled->source;
    if (!*source || (*source)->highest_modseq == 0 ||
        (*source)->uidvalidity != *known->source_uidvalidity || (*source)->uidnext != was.uidnext ||
        (*source)->highest_modseq != was.highest_modseq || (*source)->messages != was.messages) {
        co_return std::nullopt;
    }
    auto target = co_await target_status_of(*ctx.pairs[0].target, target_name);
    if (!target) {
        if (target.error().kind == MailboxError::Kind::rejected) {
            co_return std::nullopt;  // gone, say: listing shows what to do
        }
        co_return target.error();
    }
    if (target->uidvalidity != *known->target_uidvalidity) {
        co_return std::nullopt;
    }
    target_status[target_name] = *target;
    co_return *source;
}

// The copies `state`'s rows vouch for in its target folder, by the UIDs
// APPENDUID gave them: std::nullopt when a row is pending or has no target
// UID (it must be looked for by Message-ID).
std::optional<KnownTargetFolder> vouched_copies(const FolderState& state) {
    KnownTargetFolder vouched{state.target_uidvalidity.value_or(0), {}};
    vouched.messages.reserve(state.messages.size());
    for (const MessageState& m : state.messages) {
        if (m.status == CopyStatus::pending || !m.target_uid) {
            return std::nullopt;
        }
        vouched.messages.push_back(
            {*m.target_uid, m.size, m.internal_date, m.message_id, m.target_flags});
    }
    std::sort(vouched.messages.begin(), vouched.messages.end(),
              [](const TargetMessage& a, const TargetMessage& b) { return a.uid < b.uid; });
    return vouched;
}

// What the state vouches for in the target folder of `pair` (see
// KnownTargetFolder), when the planner will need nothing else there: the
// source folder was listed under the UIDVALIDITY the state recorded (so no
// re-match by content), the state knows at least one message (else the
// planner matches by content), and every row has its target UID from
// APPENDUID and none is pending (else the planner looks for them by
// Message-ID). The adapter checks the target's UIDVALIDITY.
std::optional<KnownTargetFolder> known_target(
    const SourceListing& listed, const std::map<std::string, FolderState*>& known_folders,
    const FolderPair& pair) {
    auto known = known_folders.find(pair.source);
    if (known == known_folders.end()) {
        return std::nullopt;
    }
    const FolderState& state = *known->second;
    auto source = std::find_if(
        listed.folders.begin(), listed.folders.end(),
        [&](const SourceFolderListing& s) { return normalize_name(s.folder.name) == pair.source; });
    if (source == listed.folders.end() || source->unchanged || state.messages.empty() ||
        !state.target_uidvalidity || normalize_name(state.target_name) != pair.target ||
        (state.source_uidvalidity && source->status.uidvalidity != 0 &&
         *state.source_uidvalidity != source->status.uidvalidity)) {
        return std::nullopt;
    }
    return vouched_copies(state);
}

// Whether a source folder may be listed in windows (MigrationOptions::
// window_messages): an IMAP folder the state knows no message of, mapped to
// a target folder, in a run that neither deletes from the source nor follows
// Gmail labels. Its target must be empty too (target_is_empty()), checked
// once the source shows the folder is large. --sync-deletions has nothing
// to mirror there (no copy is known yet; see replan() for the run's own).
bool may_list_in_windows(const RunContext& ctx, const FolderState* state, bool mapped) {
    const SourceTraits& traits = ctx.source_listing.traits;
    const PlanOptions& plan = ctx.options.plan;
    return ctx.options.window_messages != 0 && mapped && !traits.single_folder &&
           traits.concurrent_sessions && !plan.delete_source &&
           !ctx.pairs[0].source->has_gmail_labels() && !ctx.pairs[0].target->has_gmail_labels() &&
           (state == nullptr || (state->messages.empty() && !state->rows_unread));
}

// Whether source folder `name`, whose first copy was interrupted (`state`:
// never settled, no pass of it ever finished, so no CHANGEDSINCE listing can
// stand in for a whole one), may be resumed in windows (resume_in_windows()):
// as may_list_in_windows() allows, into a target that names its copies' UIDs
// (APPENDUID), so the state knows them without a listing, and that no other
// source folder goes to (whose copies the state of this one does not know).
bool may_resume_in_windows(const RunContext& ctx, const FolderState& state,
                           const std::string& target_name) {
    const SourceTraits& traits = ctx.source_listing.traits;
    const PlanOptions& plan = ctx.options.plan;
    const bool sole_source =
        std::count_if(ctx.mapping.pairs.begin(), ctx.mapping.pairs.end(),
                      [&](const FolderPair& p) { return p.target == target_name; }) == 1;
    return ctx.options.window_messages != 0 && !state.settled && state.source_highest_modseq == 0 &&
           state.source_uidvalidity && state.target_uidvalidity &&
           normalize_name(state.target_name) == target_name && !traits.single_folder &&
           traits.concurrent_sessions && !plan.sync_deletions && !plan.delete_source &&
           !ctx.pairs[0].source->has_gmail_labels() && !ctx.pairs[0].target->has_gmail_labels() &&
           ctx.pairs[0].target->names_appended_uids() && sole_source;
}

// Whether target folder `name` holds no message (or does not exist yet):
// then nothing there can be a copy of a source message, and a window's plan
// needs no listing of it.
awaitable<std::variant<bool, ListingFailure>> target_is_empty(
    RunContext& ctx, const std::vector<MailboxFolder>& target_folders, const std::string& name) {
    const bool exists =
        std::any_of(target_folders.begin(), target_folders.end(),
                    [&](const MailboxFolder& f) { return normalize_name(f.name) == name; });
    if (!exists) {
        co_return true;
    }
    auto status = co_await target_status_of(*ctx.pairs[0].target, name);
    if (!status) {
        if (status.error().kind == MailboxError::Kind::rejected) {
            co_return false;  // unknown: listed whole, as any folder
        }
        co_return listing_failed("asking for the STATUS of target folder \"" + name + "\"",
                                 status.error());
    }
    co_return status->messages == 0;
}

// Opening target folder `name` for a partial listing failed: the folder is
// gone (std::nullopt: listed as any other, which says what to do), or the
// listing fails.
std::variant<std::optional<SourceFolderListing>, ListingFailure> opening_target_failed(
    const std::string& name, const MailboxError& e) {
    if (e.kind == MailboxError::Kind::rejected) {
        return std::optional<SourceFolderListing>();
    }
    return listing_failed("opening target folder \"" + name + "\"", e);
}

// Resumes the first copy of large source folder `folder` (`known`: its
// state, not settled) one window of UIDs at a time, as a first copy into an
// empty folder is made, so that neither its rows nor either side's metadata
// is held whole. Each window's plan reads the rows of its UIDs
// (window_state()); the target is not listed: the state knows its copies by
// the UIDs APPENDUID gave them, and the few messages there it does not know
// (an interrupted APPEND's, whose pending row a window's plan looks for
// there) are read once and offered to every window's plan until one claims
// them (drop_claimed()). The folder is listed whole, as before, when the
// state's UIDVALIDITYs no longer hold or the target holds more than a
// window of messages the state does not know. The listing: its first window
// (the folder is then in ctx.windowed), all of it (no larger than a window),
// or std::nullopt (list it as any other).
awaitable<std::variant<std::optional<SourceFolderListing>, ListingFailure>> resume_in_windows(
    RunContext& ctx, const MailboxFolder& folder, FolderState& known,
    const std::string& target_name, std::map<std::string, TargetFolderListing>& opened_targets) {
    std::optional<SourceFolderListing> whole;
    auto id = ctx.bridge->folder_of(known.source_name);
    if (!id) {
        co_return ListingFailure{"the state could not be read: " + id.error().message};
    }
    if (!*id) {
        co_return whole;
    }
    auto listed = co_await ctx.pairs[0].source->open_folder(folder, false, true, nullptr,
                                                            {{}, ctx.options.window_messages});
    if (!listed) {
        co_return listing_failed("listing source folder \"" + folder.name + "\"", listed.error());
    }
    if (listed->window_ends.empty()) {
        co_return std::move(*listed);  // all of it, in one window
    }
    if (listed->status.uidvalidity != *known.source_uidvalidity) {
        co_return whole;  // re-matched by content: listed whole
    }
    TargetMailbox& target = *ctx.pairs[0].target;
    const MailboxFolder target_folder{target_name, "", true};
    auto opened = co_await target.open_folder(target_folder, ctx.options.dry_run, false, nullptr);
    if (!opened) {
        auto failed = opening_target_failed(target_name, opened.error());
        if (auto* failure = std::get_if<ListingFailure>(&failed)) {
            co_return *failure;
        }
        co_return whole;
    }
    if (opened->status.uidvalidity != *known.target_uidvalidity) {
        co_return whole;
    }
    auto copies = ctx.bridge->copied_target_uids(**id);
    if (!copies) {
        co_return ListingFailure{"the state could not be read: " + copies.error().message};
    }
    auto unknown = co_await target.unknown_messages(*copies, ctx.options.window_messages);
    if (!unknown) {
        co_return listing_failed("listing target folder \"" + target_name + "\"", unknown.error());
    }
    if (!*unknown) {
        co_return whole;
    }
    detail::WindowedFolder w{folder, normalize_name(folder.name), std::move(listed->window_ends), 0,
                             listed->status};
    auto rows = ctx.bridge->rows_in_range(**id, w.range());
    if (!rows) {
        co_return ListingFailure{"the state could not be read: " + rows.error().message};
    }
    known.messages = std::move(*rows);
    known.rows_unread = false;
    FolderState without_rows = known;
    without_rows.messages.clear();
    w.resumed = detail::ResumedFolder{**id, std::move(without_rows), std::move(**unknown)};
    opened->messages = w.resumed->unknown;
    opened_targets[target_name] = std::move(*opened);
    ctx.windowed.push_back(std::move(w));
    co_return std::move(*listed);
}

// Whether settled folder `known` may be listed by what changed in it since
// (changed_since_settled()), as far as can be told before opening it.
bool may_list_changes(const RunContext& ctx, const FolderState& known,
                      const std::optional<FolderStatus>& source_now, const std::string& target_name,
                      const std::string& plan_key) {
    const SourceMailbox& source = *ctx.pairs[0].source;
    const TargetMailbox& target = *ctx.pairs[0].target;
    // Without APPENDUID the rows name no copy by its UID: the planner looks
    // for them by Message-ID in the whole target folder. A STATUS with
    // another UIDVALIDITY, or without CONDSTORE: listed whole.
    return settlement_applies(&known, target_name, plan_key) && !ctx.options.plan.delete_source &&
           !source.has_gmail_labels() && !target.has_gmail_labels() &&
           target.names_appended_uids() && source_now &&
           source_now->uidvalidity == *known.source_uidvalidity && source_now->highest_modseq != 0;
}

// A settled folder that changed since (SourceMailbox::open_changed): its
// listing is the messages that changed or arrived, and of the state only
// their rows are read (a message that arrived while the settling run listed
// was copied by it), with those of the messages gone from the source when
// deletions are mirrored. The target folder is opened, and listed only for
// which of those rows' copies it still has (KnownTargetFolder); nothing there
// needs matching, and `opened_targets` gets it. std::nullopt: list the folder
// as any other. Not with --delete-source (its kept messages are looked at
// every run) nor Gmail (a message's labels span folders).
awaitable<std::variant<std::optional<SourceFolderListing>, ListingFailure>> changed_since_settled(
    RunContext& ctx, const MailboxFolder& folder, FolderState& known,
    const std::optional<FolderStatus>& source_now, const std::string& target_name,
    const std::string& plan_key, std::map<std::string, TargetFolderListing>& opened_targets) {
    std::optional<SourceFolderListing> none;
    SourceMailbox& source = *ctx.pairs[0].source;
    TargetMailbox& target = *ctx.pairs[0].target;
    if (!may_list_changes(ctx, known, source_now, target_name, plan_key)) {
        co_return none;
    }
    auto id = ctx.bridge->folder_of(known.source_name);
    if (!id) {
        co_return ListingFailure{"the state could not be read: " + id.error().message};
    }
    if (!*id) {
        co_return none;
    }
    std::optional<std::string> unreadable;  // why the state's UIDs could not be read
    const StoredUids stored_uids = [&]() -> std::optional<std::vector<std::uint32_t>> {
        auto uids = ctx.bridge->stored_uids(**id);
        if (!uids) {
            unreadable = uids.error().message;
            return std::nullopt;
        }
        return std::move(*uids);
    };
    // The target folder is opened while the source lists (the copies to
    // ask it about are known only then): one round trip less.
    const MailboxFolder target_folder{target_name, "", true};
    auto [listed, opened] = co_await detail::both_at_once(
        source.open_changed(folder, known, stored_uids, source_now),
        target.open_folder(target_folder, ctx.options.dry_run, false, nullptr));
    if (unreadable) {
        co_return ListingFailure{"the state could not be read: " + *unreadable};
    }
    if (!listed) {
        co_return listing_failed("listing source folder \"" + folder.name + "\"", listed.error());
    }
    if (!*listed) {
        co_return none;
    }
    if (!opened) {
        co_return opening_target_failed(target_name, opened.error());
    }
    std::vector<std::string> keys;
    keys.reserve((*listed)->messages.size());
    for (const SourceMessage& m : (*listed)->messages) {
        keys.push_back(m.source_key);
    }
    if (ctx.options.plan.sync_deletions) {
        keys.insert(keys.end(), (*listed)->vanished.begin(), (*listed)->vanished.end());
    }
    auto rows = ctx.bridge->rows_of(**id, keys);
    if (!rows) {
        co_return ListingFailure{"the state could not be read: " + rows.error().message};
    }
    known.messages = std::move(*rows);  // the rows this listing needs, not all
    known.rows_unread = false;
    const std::optional<KnownTargetFolder> vouched = vouched_copies(known);
    if (!vouched) {
        co_return none;  // a copy to look for by content: listed whole
    }
    opened = co_await target.open_folder(target_folder, ctx.options.dry_run,
                                         !vouched->messages.empty(), &*vouched);
    if (!opened) {
        co_return opening_target_failed(target_name, opened.error());
    }
    if (opened->status.uidvalidity != *known.target_uidvalidity) {
        co_return none;
    }
    opened_targets[target_name] = std::move(*opened);
    co_return std::move(*listed);
}

// Reads every row of settled folder `state` into it (the view of settled
// folders leaves them out until they are needed).
std::optional<ListingFailure> read_rows(RunContext& ctx, FolderState& state) {
    auto rows = ctx.bridge->view(state.source_name);
    if (!rows) {
        return ListingFailure{"the state could not be read: " + rows.error().message};
    }
    state.messages.clear();
    state.rows_unread = false;
    if (!rows->folders.empty()) {
        state.messages = std::move(rows->folders.front().messages);
    }
    return std::nullopt;
}

// Whether settled folder `known`, changed since, is listed after this pass
// on its own (detail::ChangedFolder): when the mail that arrived in it and in
// the folders put off before it (`arrived`) would not earn a second
// connection pair (pairs_for_queue()). One pair then carries the changes out
// folder after folder on the selections that listed them, instead of opening
// each folder again. More mail is listed now, for the workers to share. Not in
// a dry run, which carries nothing out.
bool put_off(RunContext& ctx, const MailboxFolder& folder, const FolderState& known,
             const std::optional<FolderStatus>& source_now, const std::string& target_name,
             const std::string& plan_key, std::size_t& arrived) {
    if (ctx.options.dry_run || !may_list_changes(ctx, known, source_now, target_name, plan_key)) {
        return false;
    }
    const std::uint32_t was = known.settled->source.uidnext;
    const std::size_t new_here = source_now->uidnext > was ? source_now->uidnext - was : 0;
    if (ctx.options.connections > 1 && arrived + new_here >= copies_per_extra_pair) {
        return false;
    }
    arrived += new_here;
    ctx.listed_later.push_back({folder, known, *source_now, target_name});
    return true;
}

// Lists every selected source folder and every target folder the plan may
// write to; `known` (the state) lets the source list only what changed, and
// a folder unchanged since a run settled it (settled_status) is not opened
// on either side; one that changed a little is left to a later pass
// (put_off()).
awaitable<std::optional<ListingFailure>> list_both(RunContext& ctx, StateView& known) {
    SourceMailbox& source = *ctx.pairs[0].source;
    TargetMailbox& target = *ctx.pairs[0].target;
    const SourceTraits traits = source.traits();
    ctx.source_listing = {};
    ctx.target_listing = {};
    ctx.windowed.clear();
    ctx.listed_later.clear();
    ctx.source_listing.traits = traits;
    std::map<std::string, FolderState*> known_folders;
    for (FolderState& f : known.folders) {
        known_folders[f.source_name] = &f;
    }
    auto [source_folders, target_folders] =
        co_await detail::both_at_once(source.list_folders(), target.list_folders());
    if (!source_folders) {
        co_return listing_failed("listing the source's folders", source_folders.error());
    }
    if (!target_folders) {
        co_return listing_failed("listing the target's folders", target_folders.error());
    }
    ctx.target_listing.separator = target.separator();
    ctx.mapping = map_account_folders(traits, *source_folders, *target_folders, target.separator(),
                                      ctx.options.plan);
    std::map<std::string, std::string> target_of;  // source name -> target name
    for (const FolderPair& p : ctx.mapping.pairs) {
        target_of[p.source] = p.target;
    }
    ctx.gmail = gmail_folders(*source_folders, ctx.mapping, ctx.options.plan.gmail_labels);

    const std::string plan_key = settled_plan_key(ctx.options.plan);
    std::map<std::string, FolderStatus> settled_targets;        // target name -> STATUS
    std::map<std::string, TargetFolderListing> opened_targets;  // opened, not listed
    std::set<std::string> listed_sources;
    std::size_t arrived_later = 0;  // in the folders put off (put_off())
    for (const MailboxFolder& f : *source_folders) {
        const std::string name = normalize_name(f.name);
        if (!traits.single_folder && !folder_selected(name, ctx.options.plan)) {
            ctx.source_listing.folders.push_back({f, {}, {}});
            continue;
        }
        auto remembered = known_folders.find(name);
        FolderState* state = remembered == known_folders.end() ? nullptr : remembered->second;
        auto mapped = target_of.find(name);
        std::optional<FolderStatus> source_now;  // its STATUS, when asked
        if (traits.reports_changes && f.selectable && mapped != target_of.end()) {
            auto settled = co_await settled_status(ctx, f, state, mapped->second, plan_key,
                                                   settled_targets, source_now);
            if (!settled) {
                co_return listing_failed("asking for the STATUS of \"" + f.name + "\"",
                                         settled.error());
            }
            if (*settled) {
                SourceFolderListing unchanged{f, **settled, {}};
                unchanged.unchanged = true;
                ctx.source_listing.folders.push_back(std::move(unchanged));
                continue;
            }
        }
        if (state != nullptr && state->settled && mapped != target_of.end()) {
            if (put_off(ctx, f, *state, source_now, mapped->second, plan_key, arrived_later)) {
                SourceFolderListing later{f, *source_now, {}};
                later.listed_later = true;
                ctx.source_listing.folders.push_back(std::move(later));
                continue;
            }
            auto changed = co_await changed_since_settled(ctx, f, *state, source_now,
                                                          mapped->second, plan_key, opened_targets);
            if (auto* failure = std::get_if<ListingFailure>(&changed)) {
                co_return *failure;
            }
            if (auto& listing = std::get<std::optional<SourceFolderListing>>(changed)) {
                ctx.source_listing.folders.push_back(std::move(*listing));
                continue;
            }
        }
        std::optional<SourceFolderListing> listed_whole;
        if (state != nullptr && mapped != target_of.end() && f.selectable &&
            may_resume_in_windows(ctx, *state, mapped->second)) {
            auto resumed =
                co_await resume_in_windows(ctx, f, *state, mapped->second, opened_targets);
            if (auto* failure = std::get_if<ListingFailure>(&resumed)) {
                co_return *failure;
            }
            auto& listing = std::get<std::optional<SourceFolderListing>>(resumed);
            if (listing && ctx.windowed_folder(name) != nullptr) {
                ctx.source_listing.folders.push_back(std::move(*listing));
                continue;
            }
            listed_whole = std::move(listing);
        }
        if (state != nullptr && (state->settled || state->rows_unread)) {
            // Settled, but something moved, or a large first copy resumed
            // whole: its rows, left unread in case they were not needed
            // (StateBridge::view), are needed now.
            if (auto failure = read_rows(ctx, *state)) {
                co_return *failure;
            }
        }
        if (f.selectable) {
            // A \Noselect folder holds no messages: its target folder is
            // made if missing, never listed (which would cost a SELECT
            // there on every run).
            listed_sources.insert(name);
        }
        if (listed_whole) {
            ctx.source_listing.folders.push_back(std::move(*listed_whole));
            continue;
        }
        bool windows = may_list_in_windows(ctx, state, mapped != target_of.end());
        // Known large already (LIST-STATUS): whether its target is empty is
        // asked first, so a folder matched whole is listed once.
        std::optional<bool> target_empty;
        const auto said = source.listed_status(f.name);
        if (windows && said && said->messages > ctx.options.window_messages) {
            auto empty = co_await target_is_empty(ctx, *target_folders, mapped->second);
            if (auto* failure = std::get_if<ListingFailure>(&empty)) {
                co_return *failure;
            }
            target_empty = std::get<bool>(empty);
            windows = *target_empty;
        }
        auto listed = co_await source.open_folder(f, false, true, state,
                                                  {{}, windows ? ctx.options.window_messages : 0});
        if (!listed) {
            co_return listing_failed("listing source folder \"" + f.name + "\"", listed.error());
        }
        if (!listed->window_ends.empty()) {
            if (!target_empty) {
                auto empty = co_await target_is_empty(ctx, *target_folders, mapped->second);
                if (auto* failure = std::get_if<ListingFailure>(&empty)) {
                    co_return *failure;
                }
                target_empty = std::get<bool>(empty);
            }
            if (*target_empty) {
                ctx.windowed.push_back(
                    {f, name, std::move(listed->window_ends), 0, listed->status});
            } else {
                // Its messages may be on the target already: matched by
                // content against the whole folder, so listed whole.
                listed = co_await source.open_folder(f, false, true, state, {});
                if (!listed) {
                    co_return listing_failed("listing source folder \"" + f.name + "\"",
                                             listed.error());
                }
            }
        }
        apply_gmail_labels(*listed, ctx.gmail);
        ctx.source_listing.folders.push_back(std::move(*listed));
    }

    // A target folder is listed when a selectable source folder going there
    // was.
    std::set<std::string> wanted;
    std::map<std::string, const FolderPair*> sole_source;  // target -> its one source, or null
    for (const FolderPair& p : ctx.mapping.pairs) {
        if (traits.single_folder || listed_sources.count(p.source) != 0) {
            wanted.insert(p.target);
        }
        auto [it, first] = sole_source.emplace(p.target, &p);
        if (!first) {
            it->second = nullptr;  // merged: the state's rows of one source are not all
        }
    }
    for (const MailboxFolder& f : *target_folders) {
        const std::string name = normalize_name(f.name);
        if (auto opened = opened_targets.find(name);
            opened != opened_targets.end() && wanted.count(name) == 0) {
            opened->second.folder = f;
            ctx.target_listing.folders.push_back(std::move(opened->second));
            continue;
        }
        if (!f.selectable || wanted.count(name) == 0) {
            // Not listed; one a settled source folder goes to has its STATUS.
            auto settled = settled_targets.find(name);
            const FolderStatus status =
                settled == settled_targets.end() ? FolderStatus{} : settled->second;
            ctx.target_listing.folders.push_back({f, status, {}});
            continue;
        }
        std::optional<KnownTargetFolder> vouched;
        if (auto only = sole_source.find(name); only != sole_source.end() && only->second) {
            vouched = known_target(ctx.source_listing, known_folders, *only->second);
        }
        const KnownTargetFolder* known_target_folder = vouched ? &*vouched : nullptr;
        auto opened =
            co_await target.open_folder(f, ctx.options.dry_run, true, known_target_folder);
        if (!opened) {
            co_return listing_failed("listing target folder \"" + f.name + "\"", opened.error());
        }
        ctx.target_listing.folders.push_back(std::move(*opened));
    }
    co_return std::nullopt;
}

// A target folder the first window made is in no listing of the run: it is
// added as the plan assumed it then (keywords allowed), with the UIDVALIDITY
// the state was readied with.
void add_made_targets(RunContext& ctx) {
    for (const detail::WindowedFolder& w : ctx.windowed) {
        const auto pair = std::find_if(ctx.mapping.pairs.begin(), ctx.mapping.pairs.end(),
                                       [&](const FolderPair& p) { return p.source == w.name; });
        if (w.finished || w.target_uidvalidity == 0 || pair == ctx.mapping.pairs.end()) {
            continue;
        }
        const bool listed =
            std::any_of(ctx.target_listing.folders.begin(), ctx.target_listing.folders.end(),
                        [&](const TargetFolderListing& t) {
                            return normalize_name(t.folder.name) == pair->target;
                        });
        if (!listed) {
            TargetFolderListing made;
            made.folder = MailboxFolder{pair->target, "", true};
            made.status.uidvalidity = w.target_uidvalidity;
            ctx.target_listing.folders.push_back(std::move(made));
        }
    }
}

// The pass's source listing from the windows listed (ahead, or now), when
// they are every folder's current window; false: list them now.
bool take_listed_windows(RunContext& ctx) {
    std::vector<detail::ListedWindow> ahead = std::exchange(ctx.prefetched, {});
    std::vector<SourceFolderListing> listings;
    for (const detail::WindowedFolder& w : ctx.windowed) {
        if (w.finished) {
            continue;
        }
        auto it = std::find_if(ahead.begin(), ahead.end(), [&](const detail::ListedWindow& p) {
            return p.name == w.name && p.window == w.current;
        });
        if (it == ahead.end()) {
            return false;
        }
        listings.push_back(std::move(it->listing));
    }
    ctx.source_listing.folders = std::move(listings);
    add_made_targets(ctx);
    return true;
}

// The next window of each folder listed in windows: its source messages.
// Its target folder is not listed again: it held no message when the run
// began (or was made by it), and the run's copies of other windows are of
// other messages, so nothing there can match; the first window's listing of
// it (status, whether it takes keywords) still holds. Each window's copying
// opens it, which finds a folder removed meanwhile.
awaitable<std::optional<ListingFailure>> list_next_windows(RunContext& ctx) {
    detail::ListedWindows listed = co_await detail::list_windows(ctx, *ctx.pairs[0].source, 0);
    if (listed.failed_at != nullptr) {
        co_return listing_failed("listing source folder \"" + listed.failed_at->folder.name + "\"",
                                 listed.error);
    }
    ctx.prefetched = std::move(listed.windows);
    take_listed_windows(ctx);
    co_return std::nullopt;
}

// Into Gmail: gives each message copied once the labels of the other source
// folders it was in (apply_gmail_target()). Errors: message.
awaitable<std::optional<std::string>> add_gmail_labels(RunContext& ctx) {
    if (ctx.gmail_label_jobs.empty() || ctx.stopping()) {
        co_return std::nullopt;
    }
    TargetMailbox& target = *ctx.pairs[0].target;
    std::map<std::string, std::string> target_of;  // source folder -> target folder
    for (const FolderPair& p : ctx.mapping.pairs) {
        target_of[p.source] = p.target;
    }
    const auto target_folder = [&](const std::string& name) {
        for (const TargetFolderListing& t : ctx.target_listing.folders) {
            if (normalize_name(t.folder.name) == name) {
                return MailboxFolder{name, t.folder.special_use, true};
            }
        }
        return MailboxFolder{name, "", true};
    };
    // home folder -> (target UID -> label folders)
    std::map<std::string, std::map<std::uint32_t, std::vector<MailboxFolder>>> work;
    std::map<std::string, std::map<std::string, std::uint32_t>> uid_of;  // home -> key -> UID
    for (const GmailLabelJob& job : ctx.gmail_label_jobs) {
        if (!uid_of.contains(job.home)) {
            auto view = ctx.bridge->view(job.home);
            if (!view) {
                co_return "reading the state for Gmail labels failed: " + view.error().message;
            }
            auto& uids = uid_of[job.home];
            for (const FolderState& f : view->folders) {
                for (const MessageState& m : f.messages) {
                    if (m.target_uid && m.status != CopyStatus::pending) {
                        uids[m.source_key] = *m.target_uid;
                    }
                }
            }
        }
        auto uid = uid_of[job.home].find(job.home_key);
        auto other = target_of.find(job.other);
        if (uid == uid_of[job.home].end() || other == target_of.end() ||
            other->second == target_of[job.home]) {
            continue;  // not copied (failed, or no APPENDUID): Gmail labels it on a later run
        }
        work[job.home][uid->second].push_back(target_folder(other->second));
    }
    for (auto& [home, by_uid] : work) {
        const MailboxFolder folder{target_of[home], "", true};
        auto opened = co_await target.open_folder(folder, false, false, nullptr);
        if (!opened) {
            co_return "opening \"" + folder.name +
                "\" for Gmail labels failed: " + opened.error().message;
        }
        // One STORE for every message that takes the same labels, not one
        // per message.
        std::map<std::vector<std::string>,
                 std::pair<std::vector<MailboxFolder>, std::vector<std::uint32_t>>>
            by_labels;
        for (auto& [uid, labels] : by_uid) {
            std::vector<std::string> names;
            for (const MailboxFolder& label : labels) {
                names.push_back(label.name);
            }
            auto& [folders, uids] = by_labels[names];
            folders = labels;
            uids.push_back(uid);
        }
        for (auto& [names, labelled] : by_labels) {
            auto added =
                co_await target.add_gmail_labels(std::move(labelled.second), labelled.first);
            if (!added) {
                co_return "adding Gmail labels in \"" + folder.name +
                    "\" failed: " + added.error().message;
            }
        }
    }
    co_return std::nullopt;
}

void forget_messages(SourceListing& source, TargetListing& target) {
    for (SourceFolderListing& f : source.folders) {
        f.messages = {};
    }
    for (TargetFolderListing& f : target.folders) {
        f.messages = {};
    }
}

bool has_work(const FolderPlan& f) {
    return !f.copies.empty() || !f.flag_updates.empty() || !f.flag_records.empty() ||
           !f.target_deletions.empty() || !f.forget.empty() || !f.source_deletions.empty() ||
           (f.delete_source_after_copy && !f.confirmations.empty());
}

// Creates folders and readies each folder's state record. Errors: message.
awaitable<std::optional<std::string>> prepare_folders(RunContext& ctx) {
    TargetMailbox& target = *ctx.pairs[0].target;
    std::map<std::string, std::string> failed;  // target folder -> why
    for (const std::string& name : ctx.plan.folders_to_create) {
        auto created = co_await target.create_folder(name);
        if (!created) {
            if (created.error().kind != MailboxError::Kind::rejected) {
                co_return "creating target folder \"" + name +
                    "\" failed: " + created.error().message;
            }
            failed[name] = "creating target folder \"" + name +
                           "\" failed: " + created.error().message + "; the next run tries again";
            continue;
        }
        if (*created) {
            ctx.report->record_folder_created(name);
        }
    }
    for (const auto& [name, why] : failed) {
        const bool planned = std::any_of(ctx.plan.folders.begin(), ctx.plan.folders.end(),
                                         [&](const FolderPlan& fp) { return fp.target == name; });
        if (!planned) {
            ctx.report->record_folder_error("", why);  // a parent only: no source folder of its own
        }
    }
    for (std::size_t i = 0; i < ctx.plan.folders.size(); ++i) {
        const FolderPlan& fp = ctx.plan.folders[i];
        if (fp.unchanged || fp.listed_later) {
            continue;  // the state holds it as it is (or not yet): nothing to write
        }
        if (auto why = failed.find(fp.target); why != failed.end()) {
            // Its messages cannot go anywhere this run: each one failed.
            for (const CopyItem& c : fp.copies) {
                ctx.report->record_failed(fp.source, c.source_key, why->second);
            }
            if (fp.copies.empty()) {
                ctx.report->record_folder_error(fp.source, why->second);
            }
            continue;
        }
        std::uint32_t uidvalidity = fp.target_uidvalidity;
        if (const auto listed = target.listed_status(fp.target); uidvalidity == 0 && listed) {
            uidvalidity = listed->uidvalidity;  // LIST-STATUS told it: no SELECT for it
        }
        if (uidvalidity == 0) {
            MailboxFolder folder{fp.target, "", true};
            auto opened = co_await target.open_folder(folder, true, false, nullptr);
            if (!opened) {
                co_return "opening target folder \"" + fp.target +
                    "\" failed: " + opened.error().message;
            }
            uidvalidity = opened->status.uidvalidity;
        }
        auto id = ctx.bridge->begin_folder(fp, uidvalidity);
        if (!id) {
            co_return "the state could not be written: " + id.error().message;
        }
        if (detail::WindowedFolder* w = ctx.windowed_folder(fp.source)) {
            w->target_uidvalidity = uidvalidity;
        }
        if (auto r = ctx.bridge->record_confirmations(*id, fp, uidvalidity); !r) {
            co_return "the state could not be written: " + r.error().message;
        }
        ctx.folder_ids[i] = *id;
        if (!has_work(fp)) {
            continue;
        }
        // A large folder is spread over the connections in contiguous slices.
        const std::size_t slices =
            ctx.source_listing.traits.concurrent_sessions && fp.copies.size() >= slice_threshold
                ? std::min<std::size_t>(ctx.options.connections, fp.copies.size() / 100)
                : 1;
        if (slices <= 1) {
            ctx.queue.push_back({i, {}, true});
            continue;
        }
        const std::size_t per = (fp.copies.size() + slices - 1) / slices;
        for (std::size_t s = 0; s < slices; ++s) {
            detail::WorkUnit unit{i, {}, s == 0};
            for (std::size_t k = s * per; k < std::min(fp.copies.size(), (s + 1) * per); ++k) {
                unit.keys.insert(fp.copies[k].source_key);
            }
            ctx.queue.push_back(std::move(unit));
        }
    }
    co_return std::nullopt;
}

// Connection pairs for the queued work: one more pair per
// copies_per_extra_pair queued copies, up to --connections and the number of
// units. Opening a pair (connect, TLS, login on both sides) costs more than
// a few copies or flag updates gain from it.
std::size_t pairs_for_queue(const RunContext& ctx) {
    if (!ctx.source_listing.traits.concurrent_sessions) {
        return 1;
    }
    std::size_t copies = 0;
    for (const detail::WorkUnit& unit : ctx.queue) {
        copies +=
            unit.keys.empty() ? ctx.plan.folders[unit.folder].copies.size() : unit.keys.size();
    }
    const std::size_t most = std::min<std::size_t>(ctx.options.connections, ctx.queue.size());
    return std::max<std::size_t>(1, std::min(most, 1 + copies / copies_per_extra_pair));
}

awaitable<void> run_workers(RunContext& ctx) {
    const std::size_t wanted = std::min(pairs_for_queue(ctx), ctx.throttle.connections());
    if (ctx.throttle.episodes() == 0) {
        ctx.throttle.start(wanted);  // what the run starts its work with
    }
    ctx.pairs.resize(std::max(ctx.pairs.size(), wanted));
    auto executor = co_await boost::asio::this_coro::executor;
    using Op = decltype(boost::asio::co_spawn(executor, detail::run_worker(ctx, 0),
                                              boost::asio::deferred));
    std::vector<Op> ops;
    for (std::size_t i = 0; i < wanted; ++i) {
        ops.push_back(
            boost::asio::co_spawn(executor, detail::run_worker(ctx, i), boost::asio::deferred));
    }
    auto [order, exceptions] =
        co_await boost::asio::experimental::make_parallel_group(std::move(ops))
            .async_wait(boost::asio::experimental::wait_for_all(), boost::asio::use_awaitable);
    for (const std::exception_ptr& e : exceptions) {
        if (e) {
            std::rethrow_exception(e);
        }
    }
}

// Stores each fully synced folder's UIDNEXT and HIGHESTMODSEQ as the
// source listed them, so the next run asks only for what changed since
// (CHANGEDSINCE), and settles it: a run that finds the same STATUS skips it.
// A folder with any failure keeps its old mark and settlement: the next run
// then looks at its messages again.
void record_folder_marks(RunContext& ctx) {
    if (!ctx.source_listing.traits.reports_changes || ctx.interrupted || ctx.stopping()) {
        return;
    }
    std::set<std::string> failed;
    for (const ReportError& e : ctx.report->errors()) {
        failed.insert(e.folder);
    }
    std::map<std::string, const FolderStatus*> listed;  // source name -> its listing's STATUS
    for (const SourceFolderListing& f : ctx.source_listing.folders) {
        listed.emplace(normalize_name(f.folder.name), &f.status);
    }
    const std::string plan_key = settled_plan_key(ctx.options.plan);
    for (const auto& [index, id] : ctx.folder_ids) {
        const FolderPlan& fp = ctx.plan.folders[index];
        auto status = listed.find(fp.source);
        if (failed.count(fp.source) != 0 || status == listed.end()) {
            continue;
        }
        const FolderStatus* source = status->second;
        std::size_t filtered = fp.counts().filtered;
        if (detail::WindowedFolder* w = ctx.windowed_folder(fp.source)) {
            // Marked once, for the whole folder, as its first window saw it.
            w->filtered += filtered;
            if (!w->last()) {
                continue;
            }
            source = &w->status;
            filtered = w->filtered;
        }
        if (auto r = ctx.bridge->finish_folder(id, *source, filtered, plan_key); !r) {
            ctx.log().warn("recording the progress of \"{}\" failed: {}", fp.source,
                           r.error().message);
        }
    }
}

awaitable<void> logout_all(RunContext& ctx) {
    for (detail::ConnectionPair& pair : ctx.pairs) {
        co_await detail::logout_pair(pair);
    }
}

state::RunTotals to_run_totals(const ReportTotals& t) {
    state::RunTotals r;
    r.messages_source = t.messages.source;
    r.messages_to_copy = t.messages.to_copy;
    r.messages_copied = t.messages.copied;
    r.messages_already_there = t.messages.already_there;
    r.messages_filtered = t.messages.filtered;
    r.messages_failed = t.messages.failed;
    r.bytes_to_copy = t.bytes.to_copy;
    r.bytes_copied = t.bytes.copied;
    r.flag_updates = t.flag_updates;
    r.deletions = t.deletions;
    r.folders_created = t.folders_created;
    return r;
}

// Lists for a pass of the run with `list`: the first pass (list_both()) or
// a `later` one (the next windows, a changed folder). A connection lost while
// listing is worth a few fresh starts (nothing was written for the pass yet);
// a server that throttles is waited out. Errors: why the run stops.
awaitable<std::optional<std::string>> list_pass(
    RunContext& ctx, bool later,
    const std::function<awaitable<std::optional<ListingFailure>>()>& list) {
    for (unsigned attempt = 1;; ++attempt) {
        const bool connected = ctx.pairs[0].source && ctx.pairs[0].source->is_open() &&
                               ctx.pairs[0].target && ctx.pairs[0].target->is_open();
        if (!connected) {
            if (later && attempt == 1) {
                // Lost while the last pass copied (or listed ahead) on it.
                ctx.log().warn("the connection that lists was lost; reconnecting");
            }
            if (!co_await detail::connect_pair(ctx, 0, true)) {
                co_return ctx.stop_reason.value_or("connecting again failed") +
                    "; run again to resume";
            }
        }
        const std::optional<ListingFailure> failure = co_await list();
        if (!failure) {
            co_return std::nullopt;
        }
        if (failure->busy) {
            // Throttled while listing: wait, then list again (bounded by
            // the back-off policy, not by the reconnects).
            --attempt;
            if (!co_await detail::back_off(ctx, failure->message)) {
                co_return ctx.stop_reason.value_or(failure->message);
            }
            continue;
        }
        if (!failure->connection_lost || attempt > max_listing_reconnects) {
            co_return failure->message + "; run again to resume";
        }
        ctx.log().warn("{}; reconnecting", failure->message);
        if (!co_await detail::connect_pair(ctx, 0, true)) {
            co_return ctx.stop_reason.value_or(failure->message) + "; run again to resume";
        }
    }
}

// What the target will refuse is taken out of the plan before anything is
// sent (a dry run shows it too); asked only when there is something to
// copy, and once a run: a pass of one changed folder would otherwise cost a
// round trip (GETQUOTAROOT) for a few messages. Errors: why the run stops.
awaitable<std::optional<std::string>> refuse_over_target_limits(RunContext& ctx) {
    if (ctx.plan.totals().messages.to_copy == 0) {
        co_return std::nullopt;
    }
    if (!ctx.target_limits) {
        auto limits = co_await ctx.pairs[0].target->limits();
        if (!limits) {
            co_return "asking the target for its limits failed: " + limits.error().message +
                "; run again to resume";
        }
        ctx.target_limits = *limits;
        ctx.bytes_done_at_limits = ctx.progress.bytes_done;
    }
    TargetLimits now = *ctx.target_limits;
    if (now.storage_left) {
        const std::uint64_t stored = ctx.progress.bytes_done - ctx.bytes_done_at_limits;
        now.storage_left = *now.storage_left > stored ? *now.storage_left - stored : 0;
    }
    refuse_over_limits(ctx.plan, now);
    co_return std::nullopt;
}

// Carries out the pass's plan: target folders made, the state readied, the
// workers, then the marks of the folders it finished.
awaitable<void> carry_out(RunContext& ctx) {
    ctx.folder_ids.clear();
    ctx.queue.clear();
    ctx.attempted.clear();
    if (auto error = co_await prepare_folders(ctx)) {
        ctx.interrupted = true;
        ctx.stop(*error + "; run again to resume");
        co_return;
    }
    ctx.list_ahead =
        std::any_of(ctx.windowed.begin(), ctx.windowed.end(),
                    [](const detail::WindowedFolder& w) { return !w.finished && !w.last(); });
    co_await run_workers(ctx);
    record_folder_marks(ctx);
}

// Moves each folder listed in windows on to its next window; false when
// every one has had its last.
bool next_windows(RunContext& ctx) {
    bool more = false;
    for (detail::WindowedFolder& w : ctx.windowed) {
        if (w.finished || w.last()) {
            w.finished = true;
            continue;
        }
        ++w.current;
        more = true;
    }
    return more;
}

// A target message the plan claimed (an interrupted APPEND found) is no
// longer offered to the later windows of a resumed folder.
void drop_claimed(RunContext& ctx) {
    for (detail::WindowedFolder& w : ctx.windowed) {
        if (!w.resumed) {
            continue;
        }
        for (const FolderPlan& fp : ctx.plan.folders) {
            if (fp.source != w.name) {
                continue;
            }
            std::set<std::uint32_t> claimed;
            for (const TargetMatch& c : fp.confirmations) {
                claimed.insert(c.target_uid);
            }
            std::erase_if(w.resumed->unknown,
                          [&](const TargetMessage& t) { return claimed.count(t.uid) != 0; });
        }
    }
}

// The state of the pass's windows: of a resumed folder the rows of its
// current window's UIDs, and its target's messages the state does not know
// in the target listing; of the others nothing (the state knows nothing of
// them). Errors: why the run stops.
std::variant<StateView, std::string> window_state(RunContext& ctx) {
    StateView view;
    for (const detail::WindowedFolder& w : ctx.windowed) {
        if (w.finished || !w.resumed) {
            continue;
        }
        auto rows = ctx.bridge->rows_in_range(w.resumed->id, w.range());
        if (!rows) {
            return "the state could not be read: " + rows.error().message + "; run again to resume";
        }
        FolderState state = w.resumed->state;
        state.messages = std::move(*rows);
        const std::string target = normalize_name(state.target_name);
        for (TargetFolderListing& t : ctx.target_listing.folders) {
            if (normalize_name(t.folder.name) == target) {
                t.messages = w.resumed->unknown;
            }
        }
        view.folders.push_back(std::move(state));
    }
    return view;
}

// Plans what a later pass listed (`view`: the state of it), adds the plan
// to the report and, unless a dry run, carries it out. Errors: why the run
// stops.
awaitable<std::optional<std::string>> plan_pass(RunContext& ctx, const StateView& view,
                                                Report& report) {
    ctx.plan =
        plan_sync(ctx.source_listing, ctx.target_listing, view, ctx.options.plan, ctx.mapping);
    drop_claimed(ctx);
    ctx.plan.folders_to_create.clear();  // made by the first pass
    forget_messages(ctx.source_listing, ctx.target_listing);
    if (auto error = co_await refuse_over_target_limits(ctx)) {
        co_return error;
    }
    report.add_plan(ctx.plan);
    const PlanTotals totals = ctx.plan.totals();
    ctx.progress.messages_total += totals.messages.to_copy;
    ctx.progress.bytes_total += totals.messages.bytes_to_copy;
    if (!ctx.options.dry_run) {
        co_await carry_out(ctx);
    }
    co_return std::nullopt;
}

// A pass over the next windows: listed (the state knows nothing of them, see
// list_next_windows()), planned and carried out. Errors: why the run stops.
awaitable<std::optional<std::string>> window_pass(RunContext& ctx, Report& report) {
    if (take_listed_windows(ctx)) {
        ctx.log().debug("the next windows were listed ahead");
    } else if (auto stopped =
                   co_await list_pass(ctx, true, [&] { return list_next_windows(ctx); })) {
        co_return stopped;
    }
    auto view = window_state(ctx);
    if (auto* error = std::get_if<std::string>(&view)) {
        co_return *error;
    }
    co_return co_await plan_pass(ctx, std::get<StateView>(view), report);
}

// Lists changed folder `later` alone as the pass's listings: what changed,
// or all of it when the state cannot vouch for the rest
// (changed_since_settled()). `view` gets its state with the rows the plan
// needs.
awaitable<std::optional<ListingFailure>> list_changed_folder(RunContext& ctx,
                                                             const detail::ChangedFolder& later,
                                                             StateView& view) {
    ctx.source_listing.folders.clear();
    ctx.target_listing.folders.clear();
    FolderState state = later.state;
    std::map<std::string, TargetFolderListing> opened_targets;
    auto changed =
        co_await changed_since_settled(ctx, later.folder, state, later.source_now, later.target,
                                       settled_plan_key(ctx.options.plan), opened_targets);
    if (auto* failure = std::get_if<ListingFailure>(&changed)) {
        co_return *failure;
    }
    if (auto& listing = std::get<std::optional<SourceFolderListing>>(changed)) {
        ctx.source_listing.folders.push_back(std::move(*listing));
        ctx.target_listing.folders.push_back(std::move(opened_targets.at(later.target)));
    } else {
        // Both sides listed whole, with every row of the folder.
        if (auto failure = read_rows(ctx, state)) {
            co_return *failure;
        }
        auto listed =
            co_await ctx.pairs[0].source->open_folder(later.folder, false, true, &state, {});
        if (!listed) {
            co_return listing_failed("listing source folder \"" + later.folder.name + "\"",
                                     listed.error());
        }
        const MailboxFolder target_folder{later.target, "", true};
        auto opened =
            co_await ctx.pairs[0].target->open_folder(target_folder, false, true, nullptr);
        if (!opened) {
            co_return listing_failed("listing target folder \"" + later.target + "\"",
                                     opened.error());
        }
        ctx.source_listing.folders.push_back(std::move(*listed));
        ctx.target_listing.folders.push_back(std::move(*opened));
    }
    view.folders = {std::move(state)};
    co_return std::nullopt;
}

// A pass over one settled folder that changed (put_off()): listed, planned
// and carried out on the selections that listed it. Errors: why the run
// stops.
awaitable<std::optional<std::string>> changed_folder_pass(RunContext& ctx,
                                                          const detail::ChangedFolder& later,
                                                          Report& report) {
    StateView view;
    if (auto stopped =
            co_await list_pass(ctx, true, [&] { return list_changed_folder(ctx, later, view); })) {
        co_return stopped;
    }
    co_return co_await plan_pass(ctx, view, report);
}

awaitable<MigrationResult> migrate(RunContext& ctx, state::StateStore& store) {
    const auto started = Report::Clock::now();
    const auto clock_start = std::chrono::steady_clock::now();
    auto source_url = parse_access(ctx.source_access);
    auto target_url = parse_access(ctx.target_access);
    if (!source_url || !target_url) {
        co_return failed(Outcome::usage, !source_url ? "source: " + source_url.error()
                                                     : "target: " + target_url.error());
    }
    if (!target_url->is_imap()) {
        co_return failed(Outcome::usage,
                         "the target must be an IMAP account (imap:// or "
                         "imaps://), not " +
                             target_url->to_string());
    }
    ctx.options.connections = std::max(1U, ctx.options.connections);
    ctx.throttle = Throttle(ctx.options.backoff);
    ctx.throttle.start(ctx.options.connections);

    ctx.pairs.resize(1);
    for (;;) {
        const std::optional<detail::PairFailure> refused =
            co_await detail::connect_both(ctx, ctx.pairs[0]);
        if (!refused) {
            break;
        }
        // A login refused for load (over the connection limit) is waited
        // out like any other throttling.
        bool waited = false;
        if (!refused->error.busy.empty()) {
            waited = co_await detail::back_off(ctx, refused->error.message);
        }
        if (!waited) {
            // Still refused for load after the back-offs: interrupted, as
            // throttling ends any run.
            co_return failed(ctx.stop_reason ? Outcome::interrupted : Outcome::connect_failed,
                             ctx.stop_reason.value_or(refused->error.message));
        }
    }

    if (ctx.options.plan.delete_source && !ctx.options.dry_run &&
        !ctx.pairs[0].source->can_delete_exactly()) {
        co_await logout_all(ctx);
        co_return failed(Outcome::usage,
                         "--delete-source needs UIDPLUS on the source (to expunge exactly the "
                         "copied messages and not others marked \\Deleted), and " +
                             source_url->to_string() + " does not offer it; run without it");
    }

    auto bridge = StateBridge::open(store, account_identity(*source_url),
                                    account_identity(*target_url), !ctx.options.dry_run);
    if (!bridge) {
        co_await logout_all(ctx);
        co_return failed(Outcome::interrupted, bridge.error().message);
    }
    ctx.bridge = &*bridge;

    // Settled folders without their rows: a run that skips them never reads
    // them, so a re-run where nothing changed costs the same for 10 or
    // 100,000 messages. So is a large folder whose first copy was
    // interrupted: it is resumed a window at a time (resume_in_windows()).
    auto view = bridge->view(std::nullopt, false, ctx.options.window_messages);
    if (!view) {
        co_await logout_all(ctx);
        co_return failed(Outcome::interrupted, view.error().message);
    }
    if (auto stopped = co_await list_pass(ctx, false, [&] { return list_both(ctx, *view); })) {
        co_await logout_all(ctx);
        co_return failed(Outcome::interrupted, *stopped);
    }
    if (ctx.pairs[0].target->has_gmail_labels() && !ctx.source_listing.traits.single_folder) {
        ctx.gmail_label_jobs = apply_gmail_target(ctx.source_listing);
    }
    ctx.plan =
        plan_sync(ctx.source_listing, ctx.target_listing, *view, ctx.options.plan, ctx.mapping);
    drop_claimed(ctx);
    ctx.plan.gmail =
        gmail_source_strategy(ctx.source_listing, ctx.plan, ctx.options.plan.gmail_labels);
    if (!ctx.gmail_label_jobs.empty()) {
        ctx.plan.gmail = gmail_target_strategy(ctx.plan);
    }
    // The plan holds what the run needs of each message: the listings keep
    // their folders and STATUS only, and the state's rows go, so a large
    // account's metadata is not held three times while it is copied.
    forget_messages(ctx.source_listing, ctx.target_listing);
    view->folders = {};
    if (auto error = co_await refuse_over_target_limits(ctx)) {
        co_await logout_all(ctx);
        co_return failed(Outcome::interrupted, *error);
    }
    Report report = Report::from_plan(ctx.plan, source_url->to_string(), target_url->to_string(),
                                      ctx.options.dry_run, started);
    ctx.report = &report;
    for (const std::string& note : ctx.plan.notes) {
        ctx.log().info("{}", note);
    }
    MigrationResult result;
    if (ctx.options.dry_run) {
        while (next_windows(ctx)) {
            if (auto stopped = co_await window_pass(ctx, report)) {
                co_await logout_all(ctx);
                co_return failed(Outcome::interrupted, *stopped);
            }
        }
        co_await logout_all(ctx);
        report.set_duration(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - clock_start).count());
        result.report = std::move(report);
        co_return result;
    }

    const PlanTotals totals = ctx.plan.totals();
    ctx.progress.messages_total = totals.messages.to_copy;
    ctx.progress.bytes_total = totals.messages.bytes_to_copy;
    auto run = store.begin_run(*bridge->pair(), ctx.options.command, false, now_seconds());
    if (!run) {
        co_await logout_all(ctx);
        co_return failed(Outcome::interrupted, run.error().message);
    }

    co_await carry_out(ctx);
    while (!ctx.stopping() && next_windows(ctx)) {
        if (auto stopped = co_await window_pass(ctx, report)) {
            ctx.interrupted = true;
            ctx.stop(*stopped);
        }
    }
    for (const detail::ChangedFolder& later : ctx.listed_later) {
        if (ctx.stopping()) {
            break;
        }
        if (auto stopped = co_await changed_folder_pass(ctx, later, report)) {
            ctx.interrupted = true;
            ctx.stop(*stopped);
        }
    }
    if (auto error = co_await add_gmail_labels(ctx)) {
        report.record_folder_error("", *error);
    }
    // POP3: QUIT makes the DELEs final (RFC 1939 §6); they were sent only
    // for messages the target holds and the state records.
    if (ctx.source_listing.traits.deletes_on_commit && ctx.pairs[0].source &&
        ctx.pairs[0].source->is_open()) {
        auto committed = co_await ctx.pairs[0].source->commit();
        if (!committed) {
            report.record_failed(ctx.plan.folders.empty() ? "INBOX" : ctx.plan.folders[0].source,
                                 "",
                                 "ending the POP3 session failed, so its deletions were not "
                                 "made: " +
                                     committed.error().message);
        }
    }
    co_await logout_all(ctx);
    report.set_throttling({ctx.throttle.episodes(),
                           std::chrono::duration<double>(ctx.throttle.total_wait()).count(),
                           ctx.throttle.connections_at_start(), ctx.throttle.connections()});

    if (ctx.interrupted || ctx.stopping()) {
        result.outcome = Outcome::interrupted;
        result.message = ctx.stop_reason.value_or(
            "interrupted; the messages in flight were settled, run again to resume");
    } else if (!report.errors().empty()) {
        result.outcome = Outcome::partial;
        result.message = std::to_string(report.errors().size()) +
                         " message(s) or folder(s) failed; see the report. The next run retries "
                         "them";
    }
    report.set_duration(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - clock_start).count());
    std::vector<state::RunError> errors;
    for (const ReportError& e : report.errors()) {
        errors.push_back({e.folder, e.source_id, e.error});
    }
    if (result.outcome == Outcome::interrupted) {
        errors.push_back({"", "", result.message});
    }
    auto added = store.add_run_errors(*run, errors);
    auto finished = store.finish_run(*run, now_seconds(), to_run_totals(report.totals()),
                                     result.outcome == Outcome::ok ? "ok" : result.message);
    if (!added || !finished) {
        ctx.log().warn("recording the run in the state failed: {}",
                       !added ? added.error().message : finished.error().message);
    }
    result.report = std::move(report);
    result.run = *run;
    result.copied = std::move(ctx.copied);
    co_return result;
}

}  // namespace

std::string_view to_string(Outcome outcome) noexcept {
    switch (outcome) {
        case Outcome::ok:
            return "ok";
        case Outcome::partial:
            return "partial";
        case Outcome::usage:
            return "usage";
        case Outcome::connect_failed:
            return "connect_failed";
        case Outcome::interrupted:
            return "interrupted";
    }
    return "interrupted";
}

awaitable<MigrationResult> run_migration(AccountAccess source, AccountAccess target,
                                         state::StateStore& state, MigrationOptions options,
                                         ProgressCallback progress) {
    // A cancellation (SIGINT/SIGTERM) must not abort the batch in flight:
    // it is recorded here and looked at between batches, and not passed on
    // to the operations below (STYLE §4).
    const bool throw_before = co_await boost::asio::this_coro::throw_if_cancelled();
    co_await boost::asio::this_coro::throw_if_cancelled(false);
    co_await boost::asio::this_coro::reset_cancellation_state(
        boost::asio::enable_terminal_cancellation(),
        [](boost::asio::cancellation_type) { return boost::asio::cancellation_type::none; });

    RunContext ctx;
    ctx.source_access = std::move(source);
    ctx.target_access = std::move(target);
    ctx.options = std::move(options);
    ctx.progress_callback = std::move(progress);
    ctx.cancel = co_await boost::asio::this_coro::cancellation_state;
    MigrationResult result = co_await migrate(ctx, state);

    co_await boost::asio::this_coro::reset_cancellation_state();
    co_await boost::asio::this_coro::throw_if_cancelled(throw_before);
    co_return result;
}

}  // namespace mailferry::sync
