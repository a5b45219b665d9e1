#include "sync/planner.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "sync/flags.hpp"
#include "sync/message_matching.hpp"

namespace mailferry::sync {
namespace {

const std::vector<TargetMessage> no_messages;

// One folder pair with everything the planner reads for it.
struct Work {
    const SourceFolderListing* source = nullptr;
    FolderPair pair;
    const FolderState* state = nullptr;           // nullptr: first run, or ignored (rematch)
    const TargetFolderListing* target = nullptr;  // nullptr: to be created
    std::string rematch_reason;
    // Resolved target UIDs of copied rows, and of pending rows found there.
    std::map<std::string, std::uint32_t> copied_uid;
    std::map<std::string, std::uint32_t> pending_found;
};

std::string stale_reason(const Work& w, const FolderState& st) {
    const std::uint32_t src_now = w.source->status.uidvalidity;
    if (st.source_uidvalidity && src_now != 0 && *st.source_uidvalidity != src_now) {
        return "source UIDVALIDITY changed from " + std::to_string(*st.source_uidvalidity) +
               " to " + std::to_string(src_now);
    }
    if (normalize_name(st.target_name) != w.pair.target) {
        return "target folder changed from \"" + normalize_name(st.target_name) + "\"";
    }
    if (st.target_uidvalidity) {
        if (w.target == nullptr) {
            return "target folder no longer exists";
        }
        const std::uint32_t tgt_now = w.target->status.uidvalidity;
        if (tgt_now != 0 && *st.target_uidvalidity != tgt_now) {
            return "target UIDVALIDITY changed from " + std::to_string(*st.target_uidvalidity) +
                   " to " + std::to_string(tgt_now);
        }
    }
    return {};
}

// Stored rows, once per target pool, claimed before any content matching so
// that no target message serves two source messages.
void resolve_state(Work& w, TargetPool& pool) {
    if (w.state == nullptr) {
        return;
    }
    for (const MessageState& row : w.state->messages) {
        if (row.status != CopyStatus::pending && row.target_uid && pool.claim(*row.target_uid)) {
            w.copied_uid[row.source_key] = *row.target_uid;
        }
    }
    for (const MessageState& row : w.state->messages) {
        if (row.status == CopyStatus::pending || row.target_uid) {
            continue;
        }
        // Copied without APPENDUID: find it by content for flag updates and deletions.
        if (auto uid = pool.claim_match(row.message_id, row.size, row.internal_date)) {
            w.copied_uid[row.source_key] = *uid;
        }
    }
}

void resolve_pending(Work& w, TargetPool& pool) {
    if (w.state == nullptr) {
        return;
    }
    for (const MessageState& row : w.state->messages) {
        if (row.status != CopyStatus::pending) {
            continue;
        }
        std::optional<std::uint32_t> uid;
        if (row.target_uid) {
            if (pool.claim(*row.target_uid)) {
                uid = row.target_uid;
            }
        } else if (!message_id_key(row.message_id).empty()) {
            uid = pool.claim_match(row.message_id, row.size, row.internal_date);
        } else {
            uid = pool.claim_match_without_id(row.size, row.internal_date);
        }
        if (uid) {
            w.pending_found[row.source_key] = *uid;
        }
    }
}

// Collects flag changes of one folder and groups equal changes.
class FlagPlanner {
  public:
    FlagPlanner(FolderPlan& plan, bool keywords_allowed)
        : plan_(plan), keywords_allowed_(keywords_allowed) {}

    // Flags to APPEND with.
    std::vector<std::string> append_flags(const std::vector<std::string>& now) {
        if (keywords_allowed_ || keywords_of(now).empty()) {
            return now;
        }
        ++plan_.keywords_dropped;
        return without_keywords(now);
    }

    // A recorded message: the source's change since the last sync.
    void recorded(const MessageState& row, const std::vector<std::string>& now,
                  std::optional<std::uint32_t> target_uid) {
        const std::vector<std::string> before = syncable_flags(row.source_flags);
        if (same_flags(before, now)) {
            return;
        }
        auto [add, remove] = storable(flags_minus(now, before), flags_minus(before, now));
        const std::vector<std::string> target_before = syncable_flags(row.target_flags);
        std::vector<std::string> target_after = flags_minus(target_before, remove);
        for (const std::string& f : flags_minus(add, target_before)) {
            target_after.push_back(f);
        }
        plan_.flag_records.push_back({row.source_key, now, syncable_flags(target_after)});
        if (target_uid) {
            store(add, remove, *target_uid, row.source_key);
        }
    }

    // A message found by content: the difference to the target's flags.
    // Returns the target's flags after the update.
    std::vector<std::string> found(const std::string& source_key,
                                   const std::vector<std::string>& now,
                                   const TargetMessage& target) {
        const std::vector<std::string> target_flags = syncable_flags(target.flags);
        auto [add, remove] =
            storable(flags_minus(now, target_flags), flags_minus(target_flags, now));
        store(add, remove, target.uid, source_key);
        std::vector<std::string> after = flags_minus(target_flags, remove);
        after.insert(after.end(), add.begin(), add.end());
        return syncable_flags(after);
    }

    void finish() {
        for (auto& [change, group] : groups_) {
            std::vector<std::pair<std::uint32_t, std::string>> members;
            for (std::size_t i = 0; i < group.target_uids.size(); ++i) {
                members.emplace_back(group.target_uids[i], group.source_keys[i]);
            }
            std::sort(members.begin(), members.end());
            group.target_uids.clear();
            group.source_keys.clear();
            for (auto& [uid, key] : members) {
                group.target_uids.push_back(uid);
                group.source_keys.push_back(std::move(key));
            }
            plan_.flag_updates.push_back(std::move(group));
        }
        // Groups in the order of their lowest target UID, for stable output.
        std::sort(plan_.flag_updates.begin(), plan_.flag_updates.end(),
                  [](const FlagUpdateGroup& a, const FlagUpdateGroup& b) {
                      return a.target_uids.front() < b.target_uids.front();
                  });
    }

  private:
    using Change = std::pair<std::vector<std::string>, std::vector<std::string>>;

    Change storable(std::vector<std::string> add, std::vector<std::string> remove) {
        if (!keywords_allowed_ && (!keywords_of(add).empty() || !keywords_of(remove).empty())) {
            ++plan_.keywords_dropped;
            add = without_keywords(add);
            remove = without_keywords(remove);
        }
        return {std::move(add), std::move(remove)};
    }

    void store(const std::vector<std::string>& add, const std::vector<std::string>& remove,
               std::uint32_t target_uid, const std::string& source_key) {
        if (add.empty() && remove.empty()) {
            return;
        }
        FlagUpdateGroup& group = groups_[{add, remove}];
        group.add = add;
        group.remove = remove;
        group.target_uids.push_back(target_uid);
        group.source_keys.push_back(source_key);
    }

    FolderPlan& plan_;
    bool keywords_allowed_;
    std::map<Change, FlagUpdateGroup> groups_;
};

// --max-deletions, against the folder the deletions are taken from: the
// source's listing, or the target folder as it was listed.
void limit_deletions(FolderPlan& fp, const DeletionLimit& limit,
                     const TargetFolderListing* target) {
    std::size_t planned = fp.source_deletions.size();
    std::size_t base = fp.source_messages;
    std::string where = "source folder \"" + fp.source + "\"";
    if (fp.delete_source_after_copy) {
        planned += fp.copies.size() + fp.confirmations.size();
    }
    if (!fp.target_deletions.empty()) {
        planned = fp.target_deletions.size();
        base = target == nullptr
                   ? 0
                   : std::max<std::size_t>(target->status.messages, target->messages.size());
        where = "target folder \"" + fp.target + "\"";
    }
    if (planned == 0 || planned <= limit.allowed(base)) {
        return;
    }
    fp.deletions_held_back = planned;
    fp.held_back_reason =
        "held back " + std::to_string(planned) + " deletion(s) from the " + where + " of " +
        std::to_string(base) + " message(s): more than --max-deletions allows (" +
        limit.to_string() + ", never a whole folder unless raised), so nothing was deleted " +
        "there. Check that the accounts and folders are the right ones; if these deletions " +
        "are intended, run again with --max-deletions " + std::to_string(planned) + " (or 100%)";
    hold_back_deletions(fp);
}

FolderPlan plan_folder(Work& w, TargetPool& pool, const SourceListing& source,
                       const PlanOptions& options) {
    FolderPlan fp;
    fp.source = w.pair.source;
    fp.target = w.pair.target;
    fp.created = w.pair.created;
    fp.reason = w.pair.reason;
    if (w.source->listed_later) {
        fp.listed_later = true;
        return fp;
    }
    if (w.source->unchanged) {
        // Its messages were not listed: whatever else holds, nothing may be
        // planned from an empty listing (it would look like a folder emptied).
        fp.unchanged = true;
        fp.source_uidvalidity = w.source->status.uidvalidity;
        fp.target_uidvalidity = w.target != nullptr ? w.target->status.uidvalidity : 0;
        if (w.state == nullptr || !w.state->settled) {
            fp.notes.push_back(
                "not listed, and the state no longer says why; the next run "
                "lists it");
            return fp;
        }
        const SettledPass& settled = *w.state->settled;
        fp.source_messages = settled.source.messages;
        fp.filtered_unlisted = std::min<std::size_t>(settled.filtered, fp.source_messages);
        fp.already_there = fp.source_messages - fp.filtered_unlisted;
        return fp;
    }
    fp.rematch = !w.rematch_reason.empty();
    if (fp.rematch) {
        fp.notes.push_back("re-matching by content: " + w.rematch_reason);
    }
    fp.source_uidvalidity = w.source->status.uidvalidity;
    fp.target_uidvalidity = w.target != nullptr ? w.target->status.uidvalidity : 0;
    fp.source_messages = w.source->messages.size();
    fp.delete_source_after_copy = options.delete_source;
    // Only the messages that changed since a run settled the folder were
    // listed (SourceFolderListing::unlisted), with their rows: the others
    // stay as that run left them, and none is matched by content.
    const UnlistedMessages* unlisted = nullptr;
    if (w.source->unlisted) {
        if (w.state == nullptr || !w.state->settled) {
            fp.notes.push_back(
                "listed in part, and the state no longer says why; the next run "
                "lists it");
            return fp;
        }
        unlisted = &*w.source->unlisted;
    }

    // A folder still to be created is listed nowhere: keywords are assumed allowed.
    FlagPlanner flags(fp, w.target == nullptr || w.target->keywords_allowed);

    std::map<std::string, const MessageState*> rows;
    if (w.state != nullptr) {
        for (const MessageState& row : w.state->messages) {
            rows[row.source_key] = &row;
        }
    }
    // A folder the state knows no message of is matched as on a first run.
    const bool match_by_content =
        unlisted == nullptr && (w.state == nullptr || w.state->messages.empty());
    const MatchReason match_reason = fp.rematch ? MatchReason::rematched : MatchReason::matched;

    std::vector<const SourceMessage*> ordered;
    for (const SourceMessage& m : w.source->messages) {
        ordered.push_back(&m);
    }
    std::stable_sort(
        ordered.begin(), ordered.end(),
        [](const SourceMessage* a, const SourceMessage* b) { return a->uid < b->uid; });

    auto confirm = [&](const SourceMessage& m, std::uint32_t target_uid,
                       const std::vector<std::string>& now, MatchReason reason) {
        const TargetMessage& t = *pool.find(target_uid);
        std::vector<std::string> target_after = flags.found(m.source_key, now, t);
        fp.confirmations.push_back({m.uid, m.source_key, target_uid, m.message_id, m.size,
                                    m.internal_date, now, std::move(target_after), reason});
        ++fp.already_there;
    };

    // A recorded message leaves the source only while the target listing
    // shows its copy (by its UID, or found by content when the copy's UID
    // was never reported): one deleted or lost on the target stays.
    auto delete_if_on_target = [&](const SourceMessage& m) {
        if (w.copied_uid.count(m.source_key) != 0) {
            fp.source_deletions.push_back({m.source_key, m.uid});
        } else {
            fp.kept_on_source.push_back({m.source_key, m.uid});
        }
    };

    for (const SourceMessage* mp : ordered) {
        const SourceMessage& m = *mp;
        const std::vector<std::string> now = syncable_flags(m.flags);
        auto row_it = rows.find(m.source_key);
        const MessageState* row = row_it == rows.end() ? nullptr : row_it->second;
        if (row != nullptr && row->status == CopyStatus::deleted_on_source) {
            // Its deletion from the source did not complete: send it again.
            ++fp.already_there;
            if (options.delete_source) {
                delete_if_on_target(m);
            }
            continue;
        }
        if (row != nullptr && row->status == CopyStatus::copied) {
            // SPEC "What a migration does": a \Deleted message counts as
            // filtered, also when it was copied before it got the flag. Only
            // the count differs: the target copy stays (flagged or not, it is
            // still on the source, so --sync-deletions leaves it), its other
            // flags are still brought over, and --delete-source still moves it.
            if (m.deleted) {
                fp.filtered.push_back({m.uid, m.source_key, m.size, FilterReason::deleted});
            } else {
                ++fp.already_there;
            }
            auto uid = w.copied_uid.find(m.source_key);
            flags.recorded(*row, now,
                           uid == w.copied_uid.end() ? std::nullopt
                                                     : std::optional<std::uint32_t>(uid->second));
            if (options.delete_source) {
                delete_if_on_target(m);
            }
            continue;
        }
        if (row != nullptr) {
            auto found = w.pending_found.find(m.source_key);
            if (found != w.pending_found.end()) {
                confirm(m, found->second, now, MatchReason::pending_found);
                continue;
            }
        }
        if (auto reason = filter_reason(m, options)) {
            fp.filtered.push_back({m.uid, m.source_key, m.size, *reason});
            continue;
        }
        if (match_by_content) {
            if (auto uid = pool.claim_match(m.message_id, m.size, m.internal_date)) {
                confirm(m, *uid, now, match_reason);
                continue;
            }
        }
        fp.copies.push_back({m.uid, m.source_key, m.size, m.internal_date, m.message_id,
                             flags.append_flags(now), now, row != nullptr});
    }
    flags.finish();

    if (w.state != nullptr) {
        std::set<std::string> present;
        for (const SourceMessage& m : w.source->messages) {
            present.insert(m.source_key);
        }
        const bool mirror_deletions =
            options.sync_deletions && !options.delete_source && !source.traits.single_folder;
        for (const MessageState& row : w.state->messages) {
            // Moved off the source by --delete-source: the target copy stays,
            // whatever --sync-deletions says.
            if (present.count(row.source_key) != 0 || row.status == CopyStatus::deleted_on_source) {
                continue;
            }
            auto uid = w.copied_uid.find(row.source_key);
            if (row.status == CopyStatus::copied && mirror_deletions && uid != w.copied_uid.end()) {
                fp.target_deletions.push_back({row.source_key, uid->second});
            } else if (row.status == CopyStatus::pending || mirror_deletions) {
                fp.forget.push_back(row.source_key);
            }
        }
        std::sort(fp.target_deletions.begin(), fp.target_deletions.end(),
                  [](const TargetDeletion& a, const TargetDeletion& b) {
                      return a.target_uid < b.target_uid;
                  });
    }
    if (unlisted != nullptr) {
        fp.source_messages += unlisted->messages;
        fp.filtered_unlisted = std::min(unlisted->filtered, unlisted->messages);
        fp.already_there += unlisted->messages - fp.filtered_unlisted;
    }
    limit_deletions(fp, options.max_deletions, w.target);
    return fp;
}

}  // namespace

std::optional<FilterReason> filter_reason(const SourceMessage& m, const PlanOptions& options) {
    if (m.deleted) {
        return FilterReason::deleted;
    }
    if (!m.stored_in.empty()) {
        return FilterReason::gmail_label;
    }
    if (options.max_size && m.size > *options.max_size) {
        return FilterReason::too_large;
    }
    if (options.since && m.internal_date != 0 && m.internal_date < *options.since) {
        return FilterReason::too_old;
    }
    return std::nullopt;
}

void refuse_over_limits(Plan& plan, const TargetLimits& limits) {
    std::optional<std::uint64_t> left = limits.storage_left;
    for (FolderPlan& fp : plan.folders) {
        std::vector<CopyItem> kept;
        for (CopyItem& c : fp.copies) {
            if (limits.append_limit && c.size > *limits.append_limit) {
                fp.refused.push_back({c.source_key, c.size,
                                      "larger (" + std::to_string(c.size) +
                                          " octets) than the target takes (APPENDLIMIT " +
                                          std::to_string(*limits.append_limit) + ", RFC 7889)"});
            } else if (left && c.size > *left) {
                fp.refused.push_back({c.source_key, c.size,
                                      "the target's quota has " + std::to_string(*left) +
                                          " octets left, less than its " + std::to_string(c.size) +
                                          "; free space or raise the quota there, and run again"});
            } else {
                if (left) {
                    *left -= c.size;
                }
                kept.push_back(std::move(c));
            }
        }
        fp.copies = std::move(kept);
    }
}

void hold_back_deletions(FolderPlan& plan) {
    plan.source_deletions.clear();
    plan.target_deletions.clear();
    plan.delete_source_after_copy = false;
}

std::string settled_plan_key(const PlanOptions& o) {
    std::string key = "1";
    key += ";max_size=" + (o.max_size ? std::to_string(*o.max_size) : std::string("-"));
    key += ";since=" + (o.since ? std::to_string(*o.since) : std::string("-"));
    key += std::string(";delete_source=") + (o.delete_source ? "1" : "0");
    key += std::string(";sync_deletions=") + (o.sync_deletions ? "1" : "0");
    if (o.gmail_labels == GmailLabelMode::copy) {
        key += ";gmail_labels=copy";  // absent for the default: older keys stay valid
    }
    return key;
}

Plan plan_sync(const SourceListing& source, const TargetListing& target, const StateView& state,
               const PlanOptions& options) {
    std::vector<MailboxFolder> source_folders;
    for (const SourceFolderListing& s : source.folders) {
        source_folders.push_back(s.folder);
    }
    std::vector<MailboxFolder> target_folders;
    for (const TargetFolderListing& t : target.folders) {
        target_folders.push_back(t.folder);
    }
    return plan_sync(source, target, state, options,
                     map_account_folders(source.traits, source_folders, target_folders,
                                         target.separator, options));
}

Plan plan_sync(const SourceListing& source, const TargetListing& target, const StateView& state,
               const PlanOptions& options, const FolderMappingResult& mapping) {
    Plan plan;
    std::map<std::string, const TargetFolderListing*> target_by_name;
    for (const TargetFolderListing& t : target.folders) {
        target_by_name[normalize_name(t.folder.name)] = &t;
    }
    std::map<std::string, const SourceFolderListing*> source_by_name;
    for (const SourceFolderListing& s : source.folders) {
        source_by_name.emplace(normalize_name(s.folder.name), &s);
    }
    if (source.traits.single_folder && options.sync_deletions) {
        plan.notes.push_back("--sync-deletions applies to IMAP sources only; ignored");
    }
    if (options.sync_deletions && options.delete_source && !source.traits.single_folder) {
        plan.notes.push_back(
            "--sync-deletions is ignored with --delete-source: messages moved off the source "
            "must stay on the target");
    }
    plan.folders_to_create = mapping.to_create;
    plan.excluded = mapping.excluded;
    plan.notes.insert(plan.notes.end(), mapping.notes.begin(), mapping.notes.end());

    std::map<std::string, const FolderState*> state_by_source;
    for (const FolderState& f : state.folders) {
        state_by_source.emplace(normalize_name(f.source_name), &f);
    }

    std::vector<Work> work;
    for (const FolderPair& pair : mapping.pairs) {
        const SourceFolderListing* src = nullptr;
        if (source.traits.single_folder) {
            src = source.folders.empty() ? nullptr : &source.folders.front();
        } else if (auto listed = source_by_name.find(pair.source); listed != source_by_name.end()) {
            src = listed->second;
        }
        if (src == nullptr) {
            continue;
        }
        Work w;
        w.source = src;
        w.pair = pair;
        auto t = target_by_name.find(pair.target);
        w.target = t == target_by_name.end() ? nullptr : t->second;
        auto st = state_by_source.find(pair.source);
        if (st != state_by_source.end()) {
            w.rematch_reason = stale_reason(w, *st->second);
            if (w.rematch_reason.empty()) {
                w.state = st->second;
            }
        }
        work.push_back(std::move(w));
    }
    for (const auto& [name, st] : state_by_source) {
        const bool planned = std::any_of(work.begin(), work.end(),
                                         [&](const Work& w) { return w.pair.source == name; });
        const bool excluded =
            std::find(plan.excluded.begin(), plan.excluded.end(), name) != plan.excluded.end();
        if (!planned && !excluded) {
            plan.notes.push_back("folder \"" + name +
                                 "\" was synced before but is no longer on the source; its "
                                 "target folder is left as it is");
        }
    }

    // One pool per target folder, shared by every source folder merged into it.
    std::map<std::string, std::unique_ptr<TargetPool>> pools;
    for (const Work& w : work) {
        if (pools.count(w.pair.target) == 0) {
            pools[w.pair.target] = std::make_unique<TargetPool>(
                w.target != nullptr ? w.target->messages : no_messages);
        }
    }
    for (Work& w : work) {
        resolve_state(w, *pools.at(w.pair.target));
    }
    for (Work& w : work) {
        resolve_pending(w, *pools.at(w.pair.target));
    }
    for (Work& w : work) {
        plan.folders.push_back(plan_folder(w, *pools.at(w.pair.target), source, options));
    }
    return plan;
}

}  // namespace mailferry::sync
