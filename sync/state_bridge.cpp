#include "sync/state_bridge.hpp"

#include "sync/folder_mapping.hpp"

namespace mailferry::sync {
namespace {

using state::Result;
using Done = Result<void>;

std::optional<CopyStatus> to_model(state::MessageStatus s) {
    switch (s) {
        case state::MessageStatus::pending:
            return CopyStatus::pending;
        case state::MessageStatus::copied:
            return CopyStatus::copied;
        case state::MessageStatus::deleted_on_source:
            return CopyStatus::deleted_on_source;
        case state::MessageStatus::deleted_on_target:
        case state::MessageStatus::stale:
            break;
    }
    return std::nullopt;
}

// The rows the planner sees (pending, copied, deleted_on_source).
std::vector<MessageState> to_model(const std::vector<state::MessageRecord>& rows) {
    std::vector<MessageState> out;
    out.reserve(rows.size());
    for (const state::MessageRecord& r : rows) {
        auto status = to_model(r.status);
        if (!status) {
            continue;
        }
        MessageState m;
        m.source_key = r.source_key;
        m.source_uid = r.source_uid.value_or(0);
        m.target_uid = r.target_uid;
        m.message_id = r.message_id;
        m.size = r.size;
        m.internal_date = r.internal_date;
        m.source_flags = split_flags(r.source_flags);
        m.target_flags = split_flags(r.target_flags);
        m.status = *status;
        out.push_back(std::move(m));
    }
    return out;
}

}  // namespace

Result<StateBridge> StateBridge::open(state::StateStore& store, std::string source,
                                      std::string target, bool create) {
    if (create) {
        auto pair = store.ensure_pair(source, target);
        if (!pair) {
            return pair.error();
        }
        return StateBridge(store, pair->id);
    }
    auto pair = store.find_pair(source, target);
    if (!pair) {
        return pair.error();
    }
    return StateBridge(store, *pair ? std::optional<state::PairId>((*pair)->id) : std::nullopt);
}

Result<StateView> StateBridge::view(std::optional<std::string> only, bool settled_rows,
                                    std::size_t rows_up_to) {
    StateView view;
    if (!pair_) {
        return view;
    }
    auto folders = store_->folders(*pair_);
    if (!folders) {
        return folders.error();
    }
    for (const state::FolderRecord& f : *folders) {
        if (only && normalize_name(f.source_name) != normalize_name(*only)) {
            continue;
        }
        bool wanted_rows = settled_rows || !f.settled;
        if (wanted_rows && !f.settled && rows_up_to != 0) {
            auto count = store_->live_message_count(f.id);
            if (!count) {
                return count.error();
            }
            wanted_rows = *count <= rows_up_to;
        }
        auto rows = wanted_rows ? store_->messages(f.id)
                                : state::Result<std::vector<state::MessageRecord>>(
                                      std::vector<state::MessageRecord>{});
        if (!rows) {
            return rows.error();
        }
        FolderState fs;
        fs.source_name = f.source_name;
        fs.target_name = f.target_name;
        fs.source_uidvalidity = f.source_uidvalidity;
        fs.target_uidvalidity = f.target_uidvalidity;
        fs.source_uidnext = f.source_uidnext.value_or(0);
        fs.source_highest_modseq = f.source_highestmodseq.value_or(0);
        if (f.settled) {
            SettledPass settled;
            settled.source.uidnext = f.settled->uidnext;
            settled.source.highest_modseq = f.settled->highestmodseq;
            settled.source.messages = f.settled->messages;
            settled.filtered = f.settled->filtered;
            settled.plan_key = f.settled->plan;
            fs.settled = std::move(settled);
        }
        fs.messages = to_model(*rows);
        fs.rows_unread = !wanted_rows;
        // A folder without rows is new to the planner (it matches by
        // content), unless a run settled it: then it was empty or all
        // filtered, and a run must know that to skip it.
        if (!fs.messages.empty() || fs.settled || fs.rows_unread) {
            view.folders.push_back(std::move(fs));
        }
    }
    return view;
}

Result<std::optional<state::FolderId>> StateBridge::folder_of(const std::string& source_name) {
    std::optional<state::FolderId> none;
    if (!pair_) {
        return none;
    }
    auto folders = store_->folders(*pair_);
    if (!folders) {
        return folders.error();
    }
    for (const state::FolderRecord& f : *folders) {
        if (normalize_name(f.source_name) == normalize_name(source_name)) {
            return std::optional<state::FolderId>(f.id);
        }
    }
    return none;
}

Result<std::vector<MessageState>> StateBridge::rows_of(state::FolderId folder,
                                                       const std::vector<std::string>& keys) {
    auto rows = store_->messages(folder, keys);
    if (!rows) {
        return rows.error();
    }
    return to_model(*rows);
}

Result<std::vector<std::uint32_t>> StateBridge::stored_uids(state::FolderId folder) {
    return store_->live_source_uids(folder);
}

Result<std::vector<MessageState>> StateBridge::rows_in_range(state::FolderId folder,
                                                             UidRange range) {
    auto rows = store_->messages_in_uid_range(folder, range.first, range.last);
    if (!rows) {
        return rows.error();
    }
    return to_model(*rows);
}

Result<std::vector<std::uint32_t>> StateBridge::copied_target_uids(state::FolderId folder) {
    return store_->copied_target_uids(folder);
}

Result<state::FolderId> StateBridge::begin_folder(const FolderPlan& plan,
                                                  std::uint32_t target_uidvalidity) {
    auto folder = store_->ensure_folder(*pair_, plan.source, plan.target);
    if (!folder) {
        return folder.error();
    }
    if (folder->settled) {
        if (auto unsettled = store_->unsettle_folder(folder->id); !unsettled) {
            return unsettled.error();
        }
    }
    if (folder->target_name != plan.target) {
        // The plan re-matched the folder in its new target; from now on the
        // state follows the new mapping, so later runs need no re-match.
        if (auto moved = store_->retarget_folder(folder->id, plan.target); !moved) {
            return moved.error();
        }
    }
    state::UidValidityChange values;
    if (plan.source_uidvalidity != 0) {
        values.source_uidvalidity = plan.source_uidvalidity;
    }
    if (target_uidvalidity != 0) {
        values.target_uidvalidity = target_uidvalidity;
    }
    bool invalidate = plan.rematch;
    if (!invalidate) {
        auto set = store_->set_folder_uidvalidity(folder->id, values);
        if (!set && set.error().code == state::error::uidvalidity_changed) {
            invalidate = true;
        } else if (!set) {
            return set.error();
        }
    }
    if (invalidate) {
        // The plan matched this folder by content; its old rows mean nothing.
        auto stale = store_->invalidate_folder_mapping(folder->id, values);
        if (!stale) {
            return stale.error();
        }
    }
    auto dropped = store_->drop_stale(folder->id);
    if (!dropped) {
        return dropped.error();
    }
    if (plan.created) {
        auto created = store_->mark_folder_created(folder->id);
        if (!created) {
            return created.error();
        }
    }
    return folder->id;
}

Result<void> StateBridge::record_confirmations(state::FolderId folder, const FolderPlan& plan,
                                               std::uint32_t target_uidvalidity) {
    if (plan.confirmations.empty()) {
        return Done{};
    }
    std::vector<state::PendingMessage> pending;
    for (const TargetMatch& c : plan.confirmations) {
        state::PendingMessage p;
        p.source_key = c.source_key;
        if (c.source_uid != 0) {
            p.source_uid = c.source_uid;
            p.source_uidvalidity = plan.source_uidvalidity;
        }
        p.message_id = c.message_id;
        p.size = c.size;
        p.internal_date = c.internal_date;
        p.flags = join_flags(c.source_flags);
        pending.push_back(std::move(p));
    }
    auto rows = store_->record_pending(folder, pending);
    if (!rows) {
        return rows.error();
    }
    std::vector<state::Confirmation> confirmed;
    for (std::size_t i = 0; i < rows->size(); ++i) {
        state::Confirmation c;
        c.pending = (*rows)[i];
        c.target_uid = plan.confirmations[i].target_uid;
        if (target_uidvalidity != 0) {
            c.target_uidvalidity = target_uidvalidity;
        }
        c.flags = join_flags(plan.confirmations[i].target_flags);
        confirmed.push_back(std::move(c));
    }
    return store_->confirm_copied(folder, confirmed);
}

Result<std::vector<state::MessageRowId>> StateBridge::record_pending(
    state::FolderId folder, std::uint32_t source_uidvalidity, const std::vector<Intent>& intents) {
    std::vector<state::PendingMessage> pending;
    for (const Intent& in : intents) {
        state::PendingMessage p;
        p.source_key = in.item->source_key;
        if (in.item->source_uid != 0) {
            p.source_uid = in.item->source_uid;
            p.source_uidvalidity = source_uidvalidity;
        }
        p.message_id = in.message_id;
        p.size = in.size;
        p.internal_date = in.internal_date;
        p.flags = join_flags(in.item->source_flags);
        pending.push_back(std::move(p));
    }
    return store_->record_pending(folder, pending);
}

Result<void> StateBridge::confirm(state::FolderId folder, const std::vector<Copied>& copied,
                                  std::optional<std::uint32_t> target_uidvalidity,
                                  std::uint32_t source_uidnext) {
    std::vector<state::Confirmation> confirmations;
    for (const Copied& c : copied) {
        state::Confirmation conf;
        conf.pending = c.row;
        conf.target_uid = c.target_uid;
        if (c.target_uid) {
            conf.target_uidvalidity = target_uidvalidity;
        }
        conf.flags = join_flags(c.flags);
        confirmations.push_back(std::move(conf));
    }
    state::FolderProgress progress;
    if (source_uidnext != 0) {
        progress.source_uidnext = source_uidnext;
    }
    return store_->confirm_copied(folder, confirmations, progress);
}

Result<std::map<std::string, state::MessageRecord>> StateBridge::rows_by_key(
    state::FolderId folder, const std::vector<std::string>& keys) {
    auto rows = store_->messages(folder, keys);
    if (!rows) {
        return rows.error();
    }
    std::map<std::string, state::MessageRecord> out;
    for (state::MessageRecord& r : *rows) {
        if (r.status != state::MessageStatus::stale) {
            out[r.source_key] = std::move(r);
        }
    }
    return out;
}

Result<void> StateBridge::record_flags(state::FolderId folder,
                                       const std::vector<FlagRecord>& records) {
    if (records.empty()) {
        return Done{};
    }
    std::vector<std::string> keys;
    keys.reserve(records.size());
    for (const FlagRecord& r : records) {
        keys.push_back(r.source_key);
    }
    auto rows = rows_by_key(folder, keys);
    if (!rows) {
        return rows.error();
    }
    std::vector<state::FlagSync> updates;
    for (const FlagRecord& r : records) {
        auto it = rows->find(r.source_key);
        if (it != rows->end() && it->second.status == state::MessageStatus::copied) {
            updates.push_back(
                {it->second.id, join_flags(r.source_flags), join_flags(r.target_flags)});
        }
    }
    return store_->record_flags(updates);
}

Result<void> StateBridge::mark_deleted(state::FolderId folder, const std::vector<std::string>& keys,
                                       state::MessageStatus status) {
    if (keys.empty()) {
        return Done{};
    }
    auto rows = rows_by_key(folder, keys);
    if (!rows) {
        return rows.error();
    }
    std::vector<state::MessageRowId> ids;
    for (const std::string& k : keys) {
        auto it = rows->find(k);
        if (it != rows->end() && it->second.status == state::MessageStatus::copied) {
            ids.push_back(it->second.id);
        }
    }
    return store_->mark_deleted(ids, status);
}

Result<void> StateBridge::forget(state::FolderId folder, const std::vector<std::string>& keys) {
    if (keys.empty()) {
        return Done{};
    }
    auto rows = rows_by_key(folder, keys);
    if (!rows) {
        return rows.error();
    }
    std::vector<state::MessageRowId> pending;
    std::vector<state::MessageRowId> copied;
    for (const std::string& k : keys) {
        auto it = rows->find(k);
        if (it == rows->end()) {
            continue;
        }
        if (it->second.status == state::MessageStatus::pending) {
            pending.push_back(it->second.id);
        } else if (it->second.status == state::MessageStatus::copied) {
            copied.push_back(it->second.id);
        }
    }
    auto forgot = store_->forget_pending(pending);
    if (!forgot) {
        return forgot;
    }
    return store_->mark_deleted(copied, state::MessageStatus::deleted_on_target);
}

Result<void> StateBridge::finish_folder(state::FolderId folder, const FolderStatus& source,
                                        std::size_t filtered, const std::string& plan_key) {
    if (source.highest_modseq == 0 || source.uidnext == 0) {
        // No CONDSTORE: a STATUS cannot show a flag change, so nothing settles.
        state::FolderProgress progress;
        if (source.uidnext != 0) {
            progress.source_uidnext = source.uidnext;
        }
        return store_->update_folder_progress(folder, progress);
    }
    state::FolderSettlement settled;
    settled.uidnext = source.uidnext;
    settled.highestmodseq = source.highest_modseq;
    settled.messages = source.messages;
    settled.filtered = static_cast<std::uint32_t>(filtered);
    settled.plan = plan_key;
    return store_->settle_folder(folder, settled);
}

}  // namespace mailferry::sync
