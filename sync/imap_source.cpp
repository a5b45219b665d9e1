#include "sync/imap_source.hpp"

#include "sync/detail/imap_common.hpp"

#include <map>

namespace mailferry::sync {
namespace {

using boost::asio::awaitable;

// Hands bodies on with the item's index instead of its UID.
class IndexSink final : public imap::BodySink {
  public:
    IndexSink(imap::BodySink& inner, std::map<std::uint32_t, std::uint32_t> index)
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
    imap::BodySink& inner_;
    std::map<std::uint32_t, std::uint32_t> index_;
};

}  // namespace

awaitable<MailboxResult<std::vector<Folder>>> ImapSource::list_folders() {
    auto listed = co_await client_->list_folders();
    if (!listed) {
        co_return detail::to_mailbox_error(listed.error(), *client_);
    }
    std::vector<Folder> out;
    for (const imap::Folder& f : *listed) {
        out.push_back(detail::to_model(f));
    }
    co_return out;
}

awaitable<MailboxResult<SourceFolderListing>> ImapSource::open_folder(Folder folder, bool writable,
                                                                      bool list) {
    SourceFolderListing listing;
    listing.folder = folder;
    if (!folder.selectable) {
        co_return listing;
    }
    auto selected = co_await client_->select(folder.name, !writable);
    if (!selected) {
        co_return detail::to_mailbox_error(selected.error(), *client_);
    }
    listing.status = detail::to_model(*selected);
    if (!list || selected->exists == 0) {
        co_return listing;
    }
    auto metas = co_await client_->fetch_metadata("1:*");
    if (!metas) {
        co_return detail::to_mailbox_error(metas.error(), *client_);
    }
    listing.messages.reserve(metas->size());
    for (imap::MessageMeta& m : *metas) {
        MessageMeta out;
        out.uid = m.uid;
        out.source_key = std::to_string(m.uid);
        out.size = m.size;
        out.internal_date = m.internal_date ? m.internal_date->seconds : 0;
        out.deleted = detail::has_flag(m.flags, "\\Deleted");
        out.flags = std::move(m.flags);
        out.message_id = std::move(m.message_id);
        out.modseq = m.modseq.value_or(0);
        listing.messages.push_back(std::move(out));
    }
    co_return listing;
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
                                                               imap::BodySink& sink) {
    std::map<std::uint32_t, std::uint32_t> index;
    std::vector<std::uint32_t> uids;
    for (std::size_t i = 0; i < items.size(); ++i) {
        index[items[i].source_uid] = static_cast<std::uint32_t>(i);
        uids.push_back(items[i].source_uid);
    }
    IndexSink indexed(sink, std::move(index));
    auto fetched = co_await client_->fetch_bodies(imap::format_uid_set(std::move(uids)), indexed);
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
    const std::string set = imap::format_uid_set(std::move(uids));
    std::vector<std::string> deleted_flag{"\\Deleted"};
    auto stored =
        co_await client_->store_flags(set, imap::FlagOperation::add, std::move(deleted_flag));
    if (!stored) {
        co_return detail::to_mailbox_error(stored.error(), *client_);
    }
    auto expunged = co_await client_->expunge_uids(set);
    if (!expunged) {
        co_return detail::to_mailbox_error(expunged.error(), *client_);
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
