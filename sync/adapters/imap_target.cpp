#include "sync/adapters/imap_target.hpp"

#include "clients/wire/ascii.hpp"
#include "clients/wire/decimal.hpp"
#include "clients/wire/modified_utf7.hpp"
#include "clients/wire/sequence_set.hpp"
#include "sync/adapters/detail/imap_common.hpp"

#include <algorithm>
#include <iterator>
#include <limits>

namespace mailferry::sync {

using boost::asio::awaitable;
using Done = boost::system::result<void, MailboxError>;

namespace {
// Known messages asked for by UID, not by listing the folder's UIDs: a set of
// this many scattered UIDs is a few KB, within any server's line limit.
constexpr std::size_t kFewKnownMessages = 1000;
}  // namespace

awaitable<MailboxResult<std::vector<MailboxFolder>>> ImapTarget::list_folders() {
    auto listed = co_await client_->list_folders();
    if (!listed) {
        co_return detail::to_mailbox_error(listed.error(), *client_);
    }
    std::vector<MailboxFolder> out;
    listed_status_.clear();
    for (const imap::Folder& f : *listed) {
        out.push_back(detail::to_model(f));
        if (f.status) {
            listed_status_[out.back().name] = detail::to_model(*f.status);
        }
    }
    co_return out;
}

std::optional<FolderStatus> ImapTarget::listed_status(const std::string& name) const {
    auto it = listed_status_.find(name);
    return it == listed_status_.end() ? std::nullopt : std::optional(it->second);
}

awaitable<MailboxResult<TargetLimits>> ImapTarget::limits() {
    TargetLimits limits;
    for (const std::string& cap : client_->capabilities()) {
        // RFC 7889 §3: "APPENDLIMIT=" number for every mailbox; a bare
        // APPENDLIMIT leaves the limit to each mailbox's STATUS.
        constexpr std::string_view prefix = "APPENDLIMIT=";
        if (wire::iequals(std::string_view(cap).substr(0, prefix.size()), prefix)) {
            if (auto n = wire::parse_u64(std::string_view(cap).substr(prefix.size()))) {
                limits.append_limit = *n;
            }
        }
    }
    if (!client_->has_capability("QUOTA")) {
        co_return limits;
    }
    auto quota = co_await client_->quota_root("INBOX");
    if (!quota) {
        const MailboxError e = detail::to_mailbox_error(quota.error(), *client_);
        if (e.kind == MailboxError::Kind::connection_lost) {
            co_return e;
        }
        co_return limits;  // a quota the server will not tell is no limit we know
    }
    for (const imap::QuotaResource& r : *quota) {
        // RFC 9208 §5.1: STORAGE in units of 1024 octets.
        if (r.name == "STORAGE") {
            const std::uint64_t left = r.limit > r.usage ? r.limit - r.usage : 0;
            limits.storage_left =
                std::min(limits.storage_left.value_or(std::numeric_limits<std::uint64_t>::max()),
                         left * 1024);
        }
    }
    co_return limits;
}

awaitable<MailboxResult<TargetFolderListing>> ImapTarget::open_folder(
    MailboxFolder folder, bool read_only, bool list, const KnownTargetFolder* known) {
    TargetFolderListing listing;
    listing.folder = folder;
    const bool open_already = opened_ && opened_->folder.name == folder.name &&
                              detail::still_selected(*client_, folder.name, read_only);
    if (open_already && (!list || known != nullptr)) {
        // Open already (its listing, or an open_folder() without listing,
        // left it so): no second SELECT.
        listing = *opened_;
    } else {
        auto selected = co_await client_->select(folder.name, read_only);
        if (!selected) {
            co_return detail::to_mailbox_error(selected.error(), *client_);
        }
        listing.status = detail::to_model(*selected);
        // EXAMINE reports no PERMANENTFLAGS (RFC 3501 §6.3.2: nothing can be
        // stored), so a read-only listing assumes keywords are allowed.
        listing.keywords_allowed = read_only || selected->keywords_allowed;
        opened_ = listing;
    }
    if (!list || listing.status.messages == 0) {
        co_return listing;
    }
    if (known != nullptr && known->uidvalidity == listing.status.uidvalidity) {
        // Which of the known messages are still here: asked for by their UIDs
        // when they are a few of a large folder (a re-run listing only what
        // changed), else the folder's UIDs (one compact ESEARCH set).
        const bool few = known->messages.size() <= kFewKnownMessages &&
                         known->messages.size() * 2 < listing.status.messages;
        // GCC 12: no co_await inside a conditional expression, nor of one.
        imap::ClientResult<std::vector<std::uint32_t>> uids = std::vector<std::uint32_t>{};
        if (few) {
            std::vector<std::uint32_t> asked;
            for (const TargetMessage& m : known->messages) {
                asked.push_back(m.uid);
            }
            uids = co_await client_->existing_uids(wire::format_uid_set(std::move(asked)));
        } else {
            uids = co_await client_->list_uids();
        }
        if (!uids) {
            co_return detail::to_mailbox_error(uids.error(), *client_);
        }
        for (const TargetMessage& m : known->messages) {
            if (std::binary_search(uids->begin(), uids->end(), m.uid)) {
                listing.messages.push_back(m);
            }
        }
        co_return listing;
    }
    auto messages = co_await read_metadata("1:*");
    if (!messages) {
        co_return messages.error();
    }
    listing.messages = std::move(*messages);
    co_return listing;
}

awaitable<MailboxResult<std::optional<std::vector<TargetMessage>>>> ImapTarget::unknown_messages(
    const std::vector<std::uint32_t>& known, std::size_t at_most) {
    auto uids = co_await client_->list_uids();  // one compact ESEARCH set where offered
    if (!uids) {
        co_return detail::to_mailbox_error(uids.error(), *client_);
    }
    std::vector<std::uint32_t> unknown;
    std::set_difference(uids->begin(), uids->end(), known.begin(), known.end(),
                        std::back_inserter(unknown));
    if (unknown.size() > at_most) {
        co_return std::optional<std::vector<TargetMessage>>();
    }
    if (unknown.empty()) {
        co_return std::optional<std::vector<TargetMessage>>(std::vector<TargetMessage>{});
    }
    auto messages = co_await read_metadata(wire::format_uid_set(std::move(unknown)));
    if (!messages) {
        co_return messages.error();
    }
    co_return std::optional<std::vector<TargetMessage>>(std::move(*messages));
}

awaitable<MailboxResult<std::vector<TargetMessage>>> ImapTarget::read_back(
    std::vector<std::uint32_t> uids) {
    if (uids.empty()) {
        std::vector<TargetMessage> none;
        co_return none;
    }
    co_return co_await read_metadata(wire::format_uid_set(std::move(uids)));
}

awaitable<MailboxResult<std::vector<TargetMessage>>> ImapTarget::read_metadata(
    std::string uid_set) {
    auto metas = co_await client_->fetch_metadata(std::move(uid_set));
    if (!metas) {
        co_return detail::to_mailbox_error(metas.error(), *client_);
    }
    std::vector<TargetMessage> messages;
    messages.reserve(metas->size());
    for (imap::MessageMeta& m : *metas) {
        TargetMessage t;
        t.uid = m.uid;
        t.size = m.size;
        t.internal_date = m.internal_date ? m.internal_date->seconds : 0;
        t.message_id = std::move(m.message_id);
        t.flags = std::move(m.flags);
        messages.push_back(std::move(t));
    }
    co_return messages;
}

awaitable<MailboxResult<FolderStatus>> ImapTarget::folder_status(MailboxFolder folder) {
    auto status = co_await client_->status(folder.name, imap::Client::StatusDetail::changes);
    if (!status) {
        co_return detail::to_mailbox_error(status.error(), *client_);
    }
    co_return detail::to_model(*status);
}

awaitable<MailboxResult<bool>> ImapTarget::create_folder(std::string name) {
    auto created = co_await client_->create(std::move(name));
    if (!created) {
        co_return detail::to_mailbox_error(created.error(), *client_);
    }
    co_return *created;
}

awaitable<MailboxResult<Appended>> ImapTarget::append(std::string folder, net::AppendBatch& batch) {
    auto appended = co_await client_->append(std::move(folder), batch);
    if (!appended) {
        co_return detail::to_mailbox_error(appended.error(), *client_);
    }
    Appended out;
    out.uidvalidity = appended->uidvalidity;
    for (const imap::AppendOutcome& m : appended->messages) {
        const bool stored = m.status == imap::AppendOutcome::Status::appended;
        out.uids.push_back(stored ? m.uid : std::nullopt);
        out.stored.push_back(stored);
        if (m.status == imap::AppendOutcome::Status::failed && m.error && !out.error) {
            out.error = detail::to_mailbox_error(*m.error, *client_);
        }
    }
    // What closed the connection outranks a refusal: the session is lost.
    if (appended->error) {
        out.error = detail::to_mailbox_error(*appended->error, *client_);
    }
    co_return out;
}

awaitable<MailboxResult<std::vector<std::optional<MailboxError>>>> ImapTarget::store_flags(
    const std::vector<FlagUpdateGroup>& groups) {
    std::vector<imap::FlagStore> stores;
    std::vector<std::size_t> group_of;  // by store
    for (std::size_t g = 0; g < groups.size(); ++g) {
        const std::string set = wire::format_uid_set(groups[g].target_uids);
        for (const auto& [op, flags] :
             {std::pair(imap::FlagOperation::add, &groups[g].add),
              std::pair(imap::FlagOperation::remove, &groups[g].remove)}) {
            if (!flags->empty()) {
                stores.push_back({set, op, *flags});
                group_of.push_back(g);
            }
        }
    }
    std::vector<std::optional<MailboxError>> outcomes(groups.size());
    if (stores.empty()) {
        co_return outcomes;
    }
    auto stored = co_await client_->store_flags(std::move(stores));
    if (!stored) {
        co_return detail::to_mailbox_error(stored.error(), *client_);
    }
    for (std::size_t i = 0; i < stored->size(); ++i) {
        std::optional<MailboxError>& outcome = outcomes[group_of[i]];
        if ((*stored)[i] && !outcome) {
            outcome = detail::to_mailbox_error(*(*stored)[i], *client_);
        }
    }
    co_return outcomes;
}

awaitable<MailboxResult<void>> ImapTarget::delete_messages(std::vector<std::uint32_t> uids) {
    if (uids.empty()) {
        co_return Done{};
    }
    auto deleted = co_await client_->delete_uids(wire::format_uid_set(std::move(uids)));
    if (!deleted) {
        co_return detail::to_mailbox_error(deleted.error(), *client_);
    }
    co_return Done{};
}

awaitable<void> ImapTarget::logout() {
    co_await client_->logout();
}

awaitable<MailboxResult<void>> ImapTarget::add_gmail_labels(std::vector<std::uint32_t> uids,
                                                            std::vector<MailboxFolder> folders) {
    if (uids.empty() || folders.empty()) {
        co_return boost::system::result<void, MailboxError>{};
    }
    // Gmail names a label by its folder, system folders by their label.
    std::vector<std::string> labels;
    for (const MailboxFolder& f : folders) {
        if (f.name == "INBOX") {
            labels.emplace_back("\\Inbox");
        } else if (wire::iequals(f.special_use, "\\Sent")) {
            labels.emplace_back("\\Sent");
        } else if (wire::iequals(f.special_use, "\\Drafts")) {
            labels.emplace_back("\\Draft");
        } else if (wire::iequals(f.special_use, "\\Flagged")) {
            labels.emplace_back("\\Starred");
        } else if (wire::iequals(f.special_use, "\\Important")) {
            labels.emplace_back("\\Important");
        } else {
            labels.push_back(wire::modified_utf7::encode(f.name));
        }
    }
    auto stored = co_await client_->add_gmail_labels(wire::format_uid_set(std::move(uids)),
                                                     std::move(labels));
    if (!stored) {
        co_return detail::to_mailbox_error(stored.error(), *client_);
    }
    co_return boost::system::result<void, MailboxError>{};
}

}  // namespace mailferry::sync
