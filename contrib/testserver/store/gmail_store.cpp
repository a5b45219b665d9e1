#include "contrib/testserver/store/gmail_store.hpp"

#include "clients/wire/ascii.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <functional>
#include <set>

namespace mailferry::testserver {

namespace {

struct SystemFolder {
    std::string_view folder;
    std::string_view special_use;
    std::string_view label;  // "" when the folder is no label
};

// Gmail's folders, in Gmail's LIST order, with their X-GM-LABELS names.
constexpr std::array<SystemFolder, 8> system_folders = {{
    {"[Gmail]/All Mail", "\\All", ""},
    {"[Gmail]/Drafts", "\\Drafts", "\\Draft"},
    {"[Gmail]/Important", "\\Important", "\\Important"},
    {"[Gmail]/Sent Mail", "\\Sent", "\\Sent"},
    {"[Gmail]/Spam", "\\Junk", ""},
    {"[Gmail]/Starred", "\\Flagged", "\\Starred"},
    {"[Gmail]/Trash", "\\Trash", ""},
    {"INBOX", "", "\\Inbox"},
}};

// Mailboxes the plain store gives every new user, which Gmail does not have.
constexpr std::array<std::string_view, 5> plain_defaults = {"Sent", "Drafts", "Trash", "Junk",
                                                            "Archive"};

// Folders whose messages carry a label (and so sit in All Mail too).
bool is_labelled(std::string_view folder) {
    return folder != GmailStore::root && folder != "[Gmail]/Trash" && folder != "[Gmail]/Spam";
}

// The Message-ID field value, unfolded and trimmed; "" when absent.
std::string message_id_of(std::string_view body) {
    std::size_t pos = 0;
    while (pos < body.size()) {
        auto end = body.find('\n', pos);
        if (end == std::string_view::npos) {
            end = body.size();
        }
        std::string_view line = body.substr(pos, end - pos);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line.empty()) {
            return "";  // end of the header
        }
        constexpr std::string_view field = "message-id:";
        if (line.size() >= field.size() && wire::iequals(line.substr(0, field.size()), field)) {
            std::string value(line.substr(field.size()));
            // Folded continuation lines belong to the value.
            auto next = end + 1;
            while (next < body.size() && (body[next] == ' ' || body[next] == '\t')) {
                auto stop = body.find('\n', next);
                if (stop == std::string_view::npos) {
                    stop = body.size();
                }
                value += body.substr(next, stop - next);
                next = stop + 1;
            }
            std::string trimmed;
            for (const char c : value) {
                if (c != ' ' && c != '\t' && c != '\r') {
                    trimmed += c;
                }
            }
            return trimmed;
        }
        pos = end + 1;
    }
    return "";
}

std::string identity_key(std::string_view body) {
    const std::string id = message_id_of(body);
    if (!id.empty()) {
        return "id:" + id + ":" + std::to_string(body.size());
    }
    return "raw:" + std::to_string(body.size()) + ":" + std::string(body);
}

bool is_deleted_flag(const std::string& flag) {
    return wire::iequals(flag, "\\Deleted");
}

std::vector<std::string> without_deleted(std::vector<std::string> flags) {
    std::erase_if(flags, is_deleted_flag);
    return flags;
}

bool has(const std::vector<std::string>& flags, std::string_view flag) {
    return std::any_of(flags.begin(), flags.end(),
                       [&](const std::string& f) { return wire::iequals(f, flag); });
}

}  // namespace

std::string gmail_label_of_folder(std::string_view folder) {
    for (const auto& s : system_folders) {
        if (s.folder == folder) {
            return std::string(s.label);
        }
    }
    if (folder == GmailStore::root) {
        return "";
    }
    return std::string(folder);
}

std::optional<std::string> gmail_folder_of_label(std::string_view label) {
    for (const auto& s : system_folders) {
        if (!s.label.empty() && wire::iequals(s.label, label)) {
            return std::string(s.folder);
        }
    }
    if (label.starts_with('\\') || label.empty() || label == GmailStore::root ||
        label.starts_with("[Gmail]/")) {
        return std::nullopt;
    }
    if (wire::iequals(label, "inbox")) {
        return std::string("INBOX");
    }
    return std::string(label);
}

const GmailStore::Occurrence* GmailStore::Entry::in(std::string_view mailbox) const {
    for (const auto& o : where) {
        if (o.mailbox == mailbox) {
            return &o;
        }
    }
    return nullptr;
}

GmailStore::GmailStore(std::unique_ptr<MailStore> inner) : inner_(std::move(inner)) {}

StoreError GmailStore::add_user(std::string_view user, std::string_view password) {
    const bool is_new = !inner_->has_user(user);
    if (auto error = inner_->add_user(user, password); error != StoreError::ok || !is_new) {
        return error;
    }
    for (const auto name : plain_defaults) {
        inner_->delete_mailbox(user, name);
    }
    for (const auto& s : system_folders) {
        if (s.folder == "INBOX") {
            continue;
        }
        if (auto error = inner_->create_mailbox(user, s.folder, s.special_use);
            error != StoreError::ok) {
            return error;
        }
        inner_->set_subscribed(user, s.folder, true);
    }
    changed();
    return StoreError::ok;
}

std::vector<MailboxInfo> GmailStore::list_mailboxes(std::string_view user) const {
    auto boxes = inner_->list_mailboxes(user);
    for (auto& box : boxes) {
        box.noselect = box.name == root;
    }
    return boxes;
}

std::optional<MailboxInfo> GmailStore::mailbox(std::string_view user, std::string_view name) const {
    auto box = inner_->mailbox(user, name);
    if (box) {
        box->noselect = box->name == root;
    }
    return box;
}

StoreError GmailStore::create_mailbox(std::string_view user, std::string_view name,
                                      std::string_view special_use) {
    changed();
    return inner_->create_mailbox(user, name, special_use);
}

StoreError GmailStore::delete_mailbox(std::string_view user, std::string_view name) {
    changed();
    return inner_->delete_mailbox(user, name);
}

StoreError GmailStore::rename_mailbox(std::string_view user, std::string_view from,
                                      std::string_view to) {
    changed();
    return inner_->rename_mailbox(user, from, to);
}

std::optional<std::string> GmailStore::canonical(std::string_view user,
                                                 std::string_view name) const {
    auto box = inner_->mailbox(user, name);
    if (!box) {
        return std::nullopt;
    }
    return box->name;
}

std::optional<MessageInfo> GmailStore::info_of(std::string_view user, std::string_view mailbox,
                                               std::uint32_t uid) const {
    for (auto& info : inner_->messages(user, mailbox)) {
        if (info.uid == uid) {
            return info;
        }
    }
    return std::nullopt;
}

std::string GmailStore::key_of(std::string_view user, const std::string& mailbox,
                               std::uint32_t uidvalidity, const MessageInfo& info) const {
    auto id = std::make_tuple(std::string(user), mailbox, uidvalidity, info.uid);
    auto it = keys_.find(id);
    if (it != keys_.end()) {
        return it->second;
    }
    auto body = inner_->body(user, mailbox, info.uid);
    std::string key = identity_key(body ? std::string_view(*body) : std::string_view());
    keys_.emplace(std::move(id), key);
    return key;
}

const GmailStore::UserIndex& GmailStore::index(std::string_view user) const {
    auto found = indexes_.find(user);
    if (found != indexes_.end()) {
        return found->second;
    }
    UserIndex index;
    const auto boxes = inner_->list_mailboxes(user);
    // All Mail first, so that its UIDs name the messages.
    std::vector<const MailboxInfo*> order;
    for (const auto& box : boxes) {
        if (box.name == all_mail) {
            order.insert(order.begin(), &box);
        } else if (is_labelled(box.name)) {
            order.push_back(&box);
        }
    }
    for (const auto* box : order) {
        for (const auto& info : inner_->messages(user, box->name)) {
            std::string key = key_of(user, box->name, box->uidvalidity, info);
            auto& entry = index.by_key[key];
            if (entry.msgid == 0) {
                entry.msgid = (std::uint64_t{box->uidvalidity} << 32) | info.uid;
            }
            if (!entry.in(box->name)) {
                entry.where.push_back({box->name, info.uid});
            }
            index.key_of.emplace(std::make_pair(box->name, info.uid), std::move(key));
        }
    }
    return indexes_.emplace(std::string(user), std::move(index)).first->second;
}

const GmailStore::Entry* GmailStore::entry_of(std::string_view user, std::string_view mailbox,
                                              std::uint32_t uid) const {
    const auto& idx = index(user);
    auto key = idx.key_of.find(std::make_pair(std::string(mailbox), uid));
    if (key == idx.key_of.end()) {
        return nullptr;
    }
    auto entry = idx.by_key.find(key->second);
    return entry == idx.by_key.end() ? nullptr : &entry->second;
}

std::optional<GmailIds> GmailStore::ids(std::string_view user, std::string_view mailbox,
                                        std::uint32_t uid) const {
    if (const auto* entry = entry_of(user, mailbox, uid)) {
        return GmailIds{entry->msgid, entry->msgid};
    }
    // Trash and Spam: outside the index, named by their own UIDs.
    auto box = inner_->mailbox(user, mailbox);
    if (!box) {
        return std::nullopt;
    }
    const std::uint64_t id = (std::uint64_t{box->uidvalidity} << 32) | uid;
    return GmailIds{id, id};
}

std::vector<std::string> GmailStore::labels(std::string_view user, std::string_view mailbox,
                                            std::uint32_t uid) const {
    std::vector<std::string> system, own;
    const auto* entry = entry_of(user, mailbox, uid);
    if (!entry) {
        return {};
    }
    for (const auto& o : entry->where) {
        if (o.mailbox == mailbox) {
            continue;
        }
        std::string label = gmail_label_of_folder(o.mailbox);
        if (label.empty()) {
            continue;
        }
        (label.starts_with('\\') ? system : own).push_back(std::move(label));
    }
    std::sort(own.begin(), own.end());
    system.insert(system.end(), own.begin(), own.end());
    return system;
}

std::optional<std::uint32_t> GmailStore::place(std::string_view user, const Entry& entry,
                                               std::string_view folder, StoreError& error) {
    if (const auto* there = entry.in(folder)) {
        return there->uid;
    }
    const Occurrence& from = entry.where.front();
    auto body = inner_->body(user, from.mailbox, from.uid);
    auto info = info_of(user, from.mailbox, from.uid);
    if (!body || !info) {
        error = StoreError::no_such_mailbox;
        return std::nullopt;
    }
    NewMessage copy{*body, without_deleted(info->flags), info->internal_date};
    std::vector<NewMessage> one;
    one.push_back(std::move(copy));
    auto appended = inner_->append(user, folder, std::move(one));
    changed();
    if (appended.error != StoreError::ok) {
        error = appended.error;
        return std::nullopt;
    }
    return appended.uids.front();
}

void GmailStore::spread_flags(std::string_view user, const std::string& mailbox,
                              const MessageInfo& info) {
    const auto* found = entry_of(user, mailbox, info.uid);
    if (!found) {
        return;
    }
    const Entry entry = *found;  // the index is rebuilt by the changes below
    const auto flags = without_deleted(info.flags);
    for (const auto& o : entry.where) {
        if (o.mailbox == mailbox) {
            continue;
        }
        auto other = info_of(user, o.mailbox, o.uid);
        if (!other) {
            continue;
        }
        auto wanted = flags;
        if (other->has_flag("\\Deleted")) {
            wanted.push_back("\\Deleted");
        }
        std::sort(wanted.begin(), wanted.end());
        auto current = other->flags;
        std::sort(current.begin(), current.end());
        if (wanted != current) {
            inner_->store_flags(user, o.mailbox, {o.uid}, FlagMode::replace, wanted, {});
        }
    }
    changed();
    const bool flagged = has(flags, "\\Flagged");
    const auto* in_starred = entry.in(starred);
    if (flagged && !in_starred) {
        StoreError ignored = StoreError::ok;
        place(user, entry, starred, ignored);
    } else if (!flagged && in_starred) {
        inner_->expunge(user, starred, {in_starred->uid}, nullptr);
        changed();
    }
}

void GmailStore::appended_one(std::string_view user, const std::string& mailbox, NewMessage message,
                              Appended& out) {
    if (!message.internal_date) {
        const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        message.internal_date = InternalDate{now, 0};
    }
    if (mailbox == starred && !has(message.flags, "\\Flagged")) {
        message.flags.push_back("\\Flagged");
    }
    const std::string key = identity_key(message.body);
    const auto& idx = index(user);
    if (auto existing = idx.by_key.find(key); existing != idx.by_key.end()) {
        const Entry entry = existing->second;
        auto uid = place(user, entry, mailbox, out.error);
        if (!uid) {
            return;
        }
        out.uids.push_back(*uid);
        // The new label's flags join the message's.
        auto info = info_of(user, mailbox, *uid);
        if (info) {
            std::vector<std::string> added;
            for (const auto& flag : without_deleted(message.flags)) {
                if (!info->has_flag(flag)) {
                    added.push_back(flag);
                }
            }
            if (!added.empty()) {
                inner_->store_flags(user, mailbox, {*uid}, FlagMode::add, added, {});
                info = info_of(user, mailbox, *uid);
            }
            spread_flags(user, mailbox, *info);
        }
        return;
    }
    const bool flagged = has(message.flags, "\\Flagged");
    std::vector<std::string> folders;
    if (mailbox != all_mail) {
        folders.emplace_back(all_mail);
    }
    folders.push_back(mailbox);
    if (flagged && mailbox != starred) {
        folders.emplace_back(starred);
    }
    for (const auto& folder : folders) {
        NewMessage copy{message.body, message.flags, message.internal_date};
        if (folder != mailbox) {
            copy.flags = without_deleted(copy.flags);
        }
        std::vector<NewMessage> one;
        one.push_back(std::move(copy));
        auto appended = inner_->append(user, folder, std::move(one));
        changed();
        if (appended.error != StoreError::ok) {
            out.error = appended.error;
            return;
        }
        if (folder == mailbox) {
            out.uids.push_back(appended.uids.front());
        }
    }
}

MailStore::Appended GmailStore::append(std::string_view user, std::string_view mailbox,
                                       std::vector<NewMessage> messages) {
    auto name = canonical(user, mailbox);
    if (!name || *name == root) {
        return Appended{StoreError::no_such_mailbox, 0, {}};
    }
    if (!is_labelled(*name)) {
        return inner_->append(user, *name, std::move(messages));
    }
    Appended out;
    out.uidvalidity = inner_->mailbox(user, *name)->uidvalidity;
    for (auto& message : messages) {
        appended_one(user, *name, std::move(message), out);
        if (out.error != StoreError::ok) {
            out.uids.clear();
            break;
        }
    }
    return out;
}

MailStore::FlagResult GmailStore::store_flags(std::string_view user, std::string_view mailbox,
                                              const std::vector<std::uint32_t>& uids, FlagMode mode,
                                              const std::vector<std::string>& flags,
                                              std::optional<std::uint64_t> unchanged_since) {
    auto result = inner_->store_flags(user, mailbox, uids, mode, flags, unchanged_since);
    auto name = canonical(user, mailbox);
    if (!name || !is_labelled(*name)) {
        return result;
    }
    changed();
    for (const auto uid : result.changed) {
        if (auto info = info_of(user, *name, uid)) {
            spread_flags(user, *name, *info);
        }
    }
    return result;
}

std::vector<std::uint32_t> GmailStore::expunge(std::string_view user, std::string_view mailbox,
                                               const std::vector<std::uint32_t>& uids,
                                               StoreError* error) {
    auto name = canonical(user, mailbox);
    if (!name || !is_labelled(*name)) {
        return inner_->expunge(user, mailbox, uids, error);
    }
    for (const auto uid : uids) {
        const auto* found = entry_of(user, *name, uid);
        if (!found) {
            continue;
        }
        const Entry entry = *found;
        if (*name == all_mail) {
            // Deleting from All Mail deletes the message everywhere.
            for (const auto& o : entry.where) {
                if (o.mailbox != *name) {
                    inner_->expunge(user, o.mailbox, {o.uid}, nullptr);
                }
            }
        } else if (*name == starred) {
            // Leaving Starred is losing \Flagged.
            for (const auto& o : entry.where) {
                if (o.mailbox != *name) {
                    inner_->store_flags(user, o.mailbox, {o.uid}, FlagMode::remove, {"\\Flagged"},
                                        {});
                }
            }
        }
        changed();
    }
    auto removed = inner_->expunge(user, *name, uids, error);
    changed();
    return removed;
}

MailStore::Copied GmailStore::copy(std::string_view user, std::string_view from,
                                   const std::vector<std::uint32_t>& uids, std::string_view to,
                                   bool move) {
    auto source = canonical(user, from);
    auto target = canonical(user, to);
    if (!source || !target || *target == root) {
        return Copied{StoreError::no_such_mailbox, 0, {}, {}};
    }
    if (!is_labelled(*source) || !is_labelled(*target)) {
        changed();
        return inner_->copy(user, *source, uids, *target, move);
    }
    // Within the labels a copy is a new label and a move a relabel.
    Copied out;
    out.uidvalidity = inner_->mailbox(user, *target)->uidvalidity;
    for (const auto uid : uids) {
        auto body = inner_->body(user, *source, uid);
        auto info = info_of(user, *source, uid);
        if (!body || !info) {
            continue;
        }
        std::vector<NewMessage> one;
        one.push_back(NewMessage{*body, without_deleted(info->flags), info->internal_date});
        auto appended = append(user, *target, std::move(one));
        if (appended.error != StoreError::ok) {
            out.error = appended.error;
            return out;
        }
        out.source_uids.push_back(uid);
        out.target_uids.push_back(appended.uids.front());
    }
    if (move && *source != *target) {
        expunge(user, *source, out.source_uids, nullptr);
    }
    return out;
}

StoreError GmailStore::change_labels(std::string_view user, std::string_view mailbox,
                                     const std::vector<std::uint32_t>& uids, FlagMode mode,
                                     const std::vector<std::string>& labels) {
    std::set<std::string> wanted;
    for (const auto& label : labels) {
        auto folder = gmail_folder_of_label(label);
        if (!folder) {
            return StoreError::invalid_name;
        }
        wanted.insert(*folder);
    }
    for (const auto& folder : wanted) {
        if (mode != FlagMode::remove && !inner_->mailbox(user, folder)) {
            if (auto error = inner_->create_mailbox(user, folder, {}); error != StoreError::ok) {
                return error;
            }
            inner_->set_subscribed(user, folder, true);
            changed();
        }
    }
    for (const auto uid : uids) {
        const auto* found = entry_of(user, mailbox, uid);
        if (!found) {
            continue;
        }
        const Entry entry = *found;
        std::set<std::string> current;
        for (const auto& o : entry.where) {
            if (!gmail_label_of_folder(o.mailbox).empty()) {
                current.insert(o.mailbox);
            }
        }
        std::set<std::string> add, remove;
        if (mode == FlagMode::add || mode == FlagMode::replace) {
            std::set_difference(wanted.begin(), wanted.end(), current.begin(), current.end(),
                                std::inserter(add, add.end()));
        }
        if (mode == FlagMode::remove) {
            std::set_intersection(wanted.begin(), wanted.end(), current.begin(), current.end(),
                                  std::inserter(remove, remove.end()));
        } else if (mode == FlagMode::replace) {
            std::set_difference(current.begin(), current.end(), wanted.begin(), wanted.end(),
                                std::inserter(remove, remove.end()));
            remove.erase(std::string(mailbox));  // the folder's own label is not listed
        }
        for (const auto& folder : add) {
            StoreError error = StoreError::ok;
            if (!place(user, entry, folder, error)) {
                return error;
            }
            if (folder == starred) {
                auto info = info_of(user, mailbox, uid);
                if (info && !info->has_flag("\\Flagged")) {
                    store_flags(user, mailbox, {uid}, FlagMode::add, {"\\Flagged"}, {});
                }
            }
        }
        for (const auto& folder : remove) {
            if (const auto* o = entry.in(folder)) {
                expunge(user, folder, {o->uid}, nullptr);
            }
        }
        changed();
    }
    return StoreError::ok;
}

}  // namespace mailferry::testserver
