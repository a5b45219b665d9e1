#include "sync/adapters/imap_source.hpp"

#include "clients/wire/sequence_set.hpp"
#include "sync/adapters/detail/imap_common.hpp"
#include "sync/changed_listing.hpp"
#include "sync/flags.hpp"
#include "sync/folder_mapping.hpp"

#include "clients/wire/modified_utf7.hpp"

#include <spdlog/spdlog.h>
#include <boost/algorithm/string/classification.hpp>
#include <boost/algorithm/string/split.hpp>

#include <algorithm>
#include <map>

namespace mailferry::sync {
namespace {

using boost::asio::awaitable;

// Hands bodies on with the item's index instead of its UID.
class IndexSink final : public net::BodySink {
  public:
    IndexSink(net::BodySink& inner, std::map<std::uint32_t, std::uint32_t> index)
        : inner_(inner), index_(std::move(index)) {}
    awaitable<imap::error_code> begin(std::uint32_t uid, std::uint64_t size) override {
        auto it = index_.find(uid);
        if (it == index_.end()) {
            // RFC 3501 §6.4.8 allows unsolicited data, but a body we did not
            // ask for cannot be placed; stop rather than misfile it.
            co_return make_error_code(imap::client_error::protocol_error);
        }
        co_return co_await inner_.begin(it->second, size);
    }
    awaitable<imap::error_code> data(std::span<const char> bytes) override {
        co_return co_await inner_.data(bytes);
    }
    awaitable<imap::error_code> end() override { co_return co_await inner_.end(); }

  private:
    net::BodySink& inner_;
    std::map<std::uint32_t, std::uint32_t> index_;
};

SourceMessage to_model(imap::MessageMeta m) {
    SourceMessage out;
    out.uid = m.uid;
    out.source_key = std::to_string(m.uid);
    out.size = m.size;
    out.internal_date = m.internal_date ? m.internal_date->seconds : 0;
    out.deleted = detail::has_flag(m.flags, "\\Deleted");
    out.flags = std::move(m.flags);
    out.message_id = std::move(m.message_id);
    out.modseq = m.modseq.value_or(0);
    out.gmail_msgid = m.gmail_msgid;
    out.gmail_labels = std::move(m.gmail_labels);
    return out;
}

// A message unchanged since the state recorded it: the recorded metadata
// and the flags last seen on the source are still its own.
SourceMessage from_state(const MessageState& m) {
    SourceMessage out;
    out.uid = m.source_uid;
    out.source_key = m.source_key;
    out.size = m.size;
    out.internal_date = m.internal_date;
    out.flags = m.source_flags;
    out.deleted = detail::has_flag(m.source_flags, "\\Deleted");
    out.message_id = m.message_id;
    return out;
}

// The model's name for a folder with '/' inside a level of its name, which
// the model reserves for level breaks (folder_mapping.hpp); std::nullopt for
// every other folder.
std::optional<std::string> slash_free_name(const imap::Folder& f) {
    if (!f.delimiter || *f.delimiter == '/') {
        return std::nullopt;
    }
    std::vector<std::string> levels;
    boost::algorithm::split(levels, f.raw_name, [&](char c) { return c == *f.delimiter; });
    bool slash = false;
    for (std::string& level : levels) {
        level = wire::decode(level).value_or(level);
        slash = slash || level.find('/') != std::string::npos;
    }
    if (!slash) {
        return std::nullopt;
    }
    return source_name_from_levels(levels);
}

// Whether the folder's STATUS when this run looked at it (`now`) says that
// since `was` mail only arrived, one message at a time: as many messages
// more as UIDs given out, and one mod-sequence for each (a delivery takes
// one, a flag change or an expunge another). Only then is the folder's UID
// inventory not asked for with its changes: it is needed unless only new
// mail changed, and asked with them it costs no round trip of its own. A
// guess either way: a wrong one costs a round trip, never a wrong listing.
bool may_have_only_grown(const FolderStatus& was, const std::optional<FolderStatus>& now) {
    if (!now || now->uidnext <= was.uidnext || now->highest_modseq < was.highest_modseq) {
        return false;
    }
    const std::uint32_t arrived = now->uidnext - was.uidnext;
    return now->messages >= was.messages && now->messages - was.messages == arrived &&
           now->highest_modseq - was.highest_modseq == arrived;
}

}  // namespace

awaitable<MailboxResult<std::vector<MailboxFolder>>> ImapSource::list_folders() {
    auto listed = co_await client_->list_folders();
    if (!listed) {
        co_return detail::to_mailbox_error(listed.error(), *client_);
    }
    std::vector<MailboxFolder> out;
    client_names_.clear();
    listed_status_.clear();
    for (const imap::Folder& f : *listed) {
        MailboxFolder folder = detail::to_model(f);
        if (auto level_safe = slash_free_name(f)) {
            spdlog::warn(
                "source folder \"{}\" has a '/' inside one level of its name; it is "
                "handled as \"{}\"",
                f.raw_name, *level_safe);
            folder.name = std::move(*level_safe);
        }
        client_names_[folder.name] = f.name;
        if (f.status) {
            listed_status_[folder.name] = detail::to_model(*f.status);
        }
        out.push_back(std::move(folder));
    }
    co_return out;
}

std::optional<FolderStatus> ImapSource::listed_status(const std::string& name) const {
    auto it = listed_status_.find(name);
    return it == listed_status_.end() ? std::nullopt : std::optional(it->second);
}

std::string ImapSource::client_name(const std::string& name) const {
    auto it = client_names_.find(name);
    return it == client_names_.end() ? name : it->second;
}

awaitable<MailboxResult<SourceFolderListing>> ImapSource::open_folder(MailboxFolder folder,
                                                                      bool writable, bool list,
                                                                      const FolderState* known,
                                                                      ListingScope scope) {
    SourceFolderListing listing;
    listing.folder = folder;
    if (!folder.selectable) {
        co_return listing;
    }
    const std::string name = client_name(folder.name);
    if (!list && opened_ && opened_->folder.name == folder.name &&
        detail::still_selected(*client_, name, !writable)) {
        // Open already (its listing left it so): no second EXAMINE.
        co_return *opened_;
    }
    auto selected = co_await client_->select(name, !writable);
    if (!selected) {
        co_return detail::to_mailbox_error(selected.error(), *client_);
    }
    listing.status = detail::to_model(*selected);
    listing.keywords_defined = !keywords_of(selected->flags).empty();
    opened_ = listing;
    if (!list || selected->exists == 0) {
        co_return listing;
    }
    if (scope.window_size != 0 && scope.range.whole() && selected->exists > scope.window_size) {
        auto uids = co_await client_->list_uids();
        if (!uids) {
            co_return detail::to_mailbox_error(uids.error(), *client_);
        }
        // Each window but the last holds window_size messages; the last
        // runs to the end of the folder, taking in what arrives meanwhile.
        for (std::size_t i = scope.window_size - 1; i + 1 < uids->size(); i += scope.window_size) {
            listing.window_ends.push_back((*uids)[i]);
        }
        if (!listing.window_ends.empty()) {
            scope.range.last = listing.window_ends.front();
        }
    }
    // RFC 7162 §3.1.4: CHANGEDSINCE is meaningful only against a mod-sequence
    // of the same UIDVALIDITY, and only while the server keeps modseqs
    // (HIGHESTMODSEQ present, not NOMODSEQ).
    const bool incremental = scope.range.whole() && known != nullptr &&
                             client_->condstore_enabled() && selected->highest_modseq.has_value() &&
                             known->source_highest_modseq != 0 &&
                             known->source_uidvalidity == selected->uidvalidity;
    MailboxResult<std::vector<SourceMessage>> messages;
    if (incremental) {
        messages = co_await list_changes(*known);
    } else {
        messages = co_await list_range(scope.range);
    }
    if (!messages) {
        co_return messages.error();
    }
    listing.messages = std::move(*messages);
    co_return listing;
}

awaitable<MailboxResult<std::optional<SourceFolderListing>>> ImapSource::open_changed(
    MailboxFolder folder, const FolderState& known, const StoredUids& stored_uids,
    const std::optional<FolderStatus>& now) {
    std::optional<SourceFolderListing> none;
    if (!known.settled || !known.source_uidvalidity || !folder.selectable ||
        !client_->condstore_enabled() || known.settled->source.highest_modseq == 0) {
        co_return none;
    }
    const SettledPass& settled = *known.settled;
    const FolderStatus& was = settled.source;
    auto found = co_await client_->examine_changes(client_name(folder.name), was.highest_modseq,
                                                   !may_have_only_grown(was, now));
    if (!found) {
        co_return detail::to_mailbox_error(found.error(), *client_);
    }
    const imap::MailboxState& selected = found->state;
    SourceFolderListing listing;
    listing.folder = folder;
    listing.status = detail::to_model(selected);
    listing.keywords_defined = !keywords_of(selected.flags).empty();
    opened_ = listing;
    if (!selected.highest_modseq || selected.uidvalidity != *known.source_uidvalidity) {
        co_return none;
    }
    std::vector<SourceMessage> messages;
    messages.reserve(found->changed.size());
    for (imap::MessageMeta& m : found->changed) {
        messages.push_back(to_model(std::move(m)));
    }
    // Only new UIDs changed, and they account for every message added (an
    // old message changed would show below UIDNEXT, one expunged in the
    // count): the others are as settled, nothing more to ask.
    const bool only_new =
        selected.exists > was.messages &&
        std::all_of(messages.begin(), messages.end(),
                    [&](const SourceMessage& m) { return m.uid >= was.uidnext; }) &&
        messages.size() == selected.exists - was.messages;
    if (only_new) {
        listing.messages = std::move(messages);
        listing.unlisted =
            UnlistedMessages{was.messages, std::min<std::size_t>(settled.filtered, was.messages)};
        co_return listing;
    }
    imap::ClientResult<imap::UidInventory> inventory = imap::UidInventory{};
    if (found->inventory) {
        inventory = std::move(*found->inventory);
    } else {
        inventory = co_await client_->uid_inventory();
    }
    if (!inventory) {
        co_return detail::to_mailbox_error(inventory.error(), *client_);
    }
    const std::optional<std::vector<std::uint32_t>> stored = stored_uids();
    if (!stored) {
        co_return none;
    }
    ChangedListing split =
        split_changed(std::move(messages), inventory->all, inventory->deleted, *stored);
    listing.messages = std::move(split.messages);
    listing.unlisted = split.unlisted;
    listing.vanished.reserve(split.vanished.size());
    for (const std::uint32_t uid : split.vanished) {
        listing.vanished.push_back(std::to_string(uid));
    }
    co_return listing;
}

awaitable<MailboxResult<std::vector<SourceMessage>>> ImapSource::list_range(UidRange range) {
    const std::string set = std::to_string(range.first) + ":" +
                            (range.last == 0 ? std::string("*") : std::to_string(range.last));
    auto metas = co_await client_->fetch_metadata(set);
    if (!metas) {
        co_return detail::to_mailbox_error(metas.error(), *client_);
    }
    std::vector<SourceMessage> out;
    out.reserve(metas->size());
    for (imap::MessageMeta& m : *metas) {
        // "n:*" names the folder's last message even when its UID is below
        // n (RFC 3501 §6.4.8): it belongs to an earlier window.
        if (range.contains(m.uid)) {
            out.push_back(to_model(std::move(m)));
        }
    }
    co_return out;
}

awaitable<MailboxResult<std::optional<FolderStatus>>> ImapSource::folder_status(
    MailboxFolder folder) {
    auto status =
        co_await client_->status(client_name(folder.name), imap::Client::StatusDetail::changes);
    if (!status) {
        co_return detail::to_mailbox_error(status.error(), *client_);
    }
    co_return std::optional(detail::to_model(*status));
}

awaitable<MailboxResult<std::vector<SourceMessage>>> ImapSource::list_changes(
    const FolderState& known) {
    auto uids = co_await client_->list_uids();
    if (!uids) {
        co_return detail::to_mailbox_error(uids.error(), *client_);
    }
    auto changed = co_await client_->fetch_metadata("1:*", known.source_highest_modseq);
    if (!changed) {
        co_return detail::to_mailbox_error(changed.error(), *client_);
    }
    std::map<std::uint32_t, SourceMessage> by_uid;
    for (imap::MessageMeta& m : *changed) {
        const std::uint32_t uid = m.uid;
        by_uid[uid] = to_model(std::move(m));
    }
    std::map<std::uint32_t, const MessageState*> remembered;
    for (const MessageState& m : known.messages) {
        if (m.source_uid != 0) {
            remembered[m.source_uid] = &m;
        }
    }
    std::vector<std::uint32_t> unknown;
    for (std::uint32_t uid : *uids) {
        if (by_uid.count(uid) != 0) {
            continue;
        }
        auto it = remembered.find(uid);
        if (it == remembered.end()) {
            unknown.push_back(uid);  // never copied: filtered, failed, or older than the state
            continue;
        }
        by_uid[uid] = from_state(*it->second);
    }
    if (!unknown.empty()) {
        auto metas = co_await client_->fetch_metadata(wire::format_uid_set(std::move(unknown)));
        if (!metas) {
            co_return detail::to_mailbox_error(metas.error(), *client_);
        }
        for (imap::MessageMeta& m : *metas) {
            const std::uint32_t uid = m.uid;
            by_uid[uid] = to_model(std::move(m));
        }
    }
    // A UID changed since the mark but expunged before list_uids() ran is
    // gone: only what list_uids() saw (sorted) exists.
    std::vector<SourceMessage> out;
    out.reserve(by_uid.size());
    for (auto& [uid, meta] : by_uid) {
        if (std::binary_search(uids->begin(), uids->end(), uid)) {
            out.push_back(std::move(meta));
        }
    }
    co_return out;
}

awaitable<MailboxResult<std::vector<std::optional<PreparedMeta>>>> ImapSource::prepare(
    std::vector<CopyItem> items) {
    // The listing is exact: RFC822.SIZE is the size BODY[] will have.
    std::vector<std::optional<PreparedMeta>> out;
    out.reserve(items.size());
    for (const CopyItem& c : items) {
        out.push_back(PreparedMeta{c.size, c.internal_date, c.message_id});
    }
    co_return out;
}

awaitable<MailboxResult<std::size_t>> ImapSource::fetch_bodies(std::vector<CopyItem> items,
                                                               net::BodySink& sink) {
    std::map<std::uint32_t, std::uint32_t> index;
    std::vector<std::uint32_t> uids;
    for (std::size_t i = 0; i < items.size(); ++i) {
        index[items[i].source_uid] = static_cast<std::uint32_t>(i);
        uids.push_back(items[i].source_uid);
    }
    IndexSink indexed(sink, std::move(index));
    auto fetched = co_await client_->fetch_bodies(wire::format_uid_set(std::move(uids)), indexed);
    if (!fetched) {
        co_return detail::to_mailbox_error(fetched.error(), *client_);
    }
    co_return *fetched;
}

bool ImapSource::can_delete_exactly() const {
    return client_->has_capability("UIDPLUS");
}

awaitable<MailboxResult<void>> ImapSource::delete_messages(std::vector<SourceDeletion> messages) {
    if (messages.empty()) {
        co_return boost::system::result<void, MailboxError>{};
    }
    if (!can_delete_exactly()) {
        co_return MailboxError{MailboxError::Kind::unsupported,
                               client_->server() +
                                   ": the source does not offer UIDPLUS, so messages cannot be "
                                   "expunged one by one without also expunging others marked "
                                   "\\Deleted; run without --delete-source"};
    }
    std::vector<std::uint32_t> uids;
    for (const SourceDeletion& d : messages) {
        uids.push_back(d.source_uid);
    }
    auto deleted = co_await client_->delete_uids(wire::format_uid_set(std::move(uids)));
    if (!deleted) {
        co_return detail::to_mailbox_error(deleted.error(), *client_);
    }
    co_return boost::system::result<void, MailboxError>{};
}

awaitable<MailboxResult<void>> ImapSource::commit() {
    co_return boost::system::result<void, MailboxError>{};
}

awaitable<void> ImapSource::logout() {
    co_await client_->logout();
}

}  // namespace mailferry::sync
