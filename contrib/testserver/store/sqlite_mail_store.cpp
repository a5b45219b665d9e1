// Users and mailboxes of SqliteMailStore; messages are in
// sqlite_mail_store_messages.cpp.
#include "contrib/testserver/store/sqlite_mail_store.hpp"

#include "contrib/testserver/store/flag_set.hpp"
#include "contrib/testserver/store/mailbox_name.hpp"
#include "contrib/testserver/store/schema.hpp"
#include "contrib/testserver/store/store_clock.hpp"
#include "contrib/testserver/store/subscriber_registry.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace mailferry::testserver::store {

namespace {

struct DefaultMailbox {
    std::string_view name;
    std::string_view special_use;
};

// RFC 6154 special-use mailboxes every new user gets, besides INBOX.
constexpr std::array<DefaultMailbox, 6> default_mailboxes = {{
    {inbox_name, ""},
    {"Sent", "\\Sent"},
    {"Drafts", "\\Drafts"},
    {"Trash", "\\Trash"},
    {"Junk", "\\Junk"},
    {"Archive", "\\Archive"},
}};

// RFC 6154 \All and \Flagged, RFC 8457 \Important: not given to new
// users, but Gmail's folders have them.
constexpr std::array<std::string_view, 3> other_special_uses = {"\\All", "\\Flagged",
                                                                "\\Important"};

bool is_known_special_use(std::string_view special_use) {
    return special_use.empty() ||
           std::find(other_special_uses.begin(), other_special_uses.end(), special_use) !=
               other_special_uses.end() ||
           std::any_of(default_mailboxes.begin(), default_mailboxes.end(),
                       [&](const DefaultMailbox& d) {
                           return !d.special_use.empty() && d.special_use == special_use;
                       });
}

}  // namespace

SqliteMailStore::SqliteMailStore(const std::string& path, StoreOptions options)
    : options_(options),
      db_(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE),
      subscribers_(std::make_shared<SubscriberRegistry>()) {
    if (path != ":memory:") {
        const std::string mode = db_.execAndGet("PRAGMA journal_mode = WAL").getString();
        if (mode != "wal") {
            throw std::runtime_error("cannot switch " + path + " to WAL mode (got " + mode + ")");
        }
        // Every commit reaches the disk before the call returns: a kill -9
        // or power loss after a reply never loses what the reply promised.
        db_.exec("PRAGMA synchronous = FULL");
    }
    db_.exec("PRAGMA foreign_keys = ON");
    migrate(db_, now_seconds());
    if (options_.max_database_pages > 0) {
        db_.exec("PRAGMA max_page_count = " + std::to_string(options_.max_database_pages));
    }
    load_all();
}

SqliteMailStore::~SqliteMailStore() = default;

StoreError SqliteMailStore::fail_io(const std::exception& e) {
    last_io_error_ = e.what();
    return StoreError::io_error;
}

void SqliteMailStore::notify(std::string_view user, std::string_view mailbox) {
    subscribers_->notify(user, mailbox);
}

MailboxInfo SqliteMailStore::with_counts(const CachedMailbox& box) {
    MailboxInfo info = box.info;
    info.messages = static_cast<std::uint32_t>(box.messages.size());
    info.recent = static_cast<std::uint32_t>(box.recent.size());
    info.unseen = 0;
    info.total_size = 0;
    for (const auto& message : box.messages) {
        if (!message.has_flag("\\Seen")) {
            ++info.unseen;
        }
        info.total_size += message.size;
    }
    return info;
}

// ---- cache ----

const SqliteMailStore::CachedUser* SqliteMailStore::find_user(std::string_view user) const {
    const auto it = users_.find(user);
    return it == users_.end() ? nullptr : &it->second;
}

SqliteMailStore::CachedUser* SqliteMailStore::find_user(std::string_view user) {
    const auto it = users_.find(user);
    return it == users_.end() ? nullptr : &it->second;
}

SqliteMailStore::CachedMailbox* SqliteMailStore::find_mailbox(CachedUser& user,
                                                              std::string_view name) {
    const auto canonical = canonical_mailbox_name(name);
    if (!canonical) {
        return nullptr;
    }
    const auto it = user.mailboxes.find(*canonical);
    return it == user.mailboxes.end() ? nullptr : &it->second;
}

const SqliteMailStore::CachedMailbox* SqliteMailStore::find_mailbox(std::string_view user,
                                                                    std::string_view name) const {
    const CachedUser* cached = find_user(user);
    if (cached == nullptr) {
        return nullptr;
    }
    const auto canonical = canonical_mailbox_name(name);
    if (!canonical) {
        return nullptr;
    }
    const auto it = cached->mailboxes.find(*canonical);
    return it == cached->mailboxes.end() ? nullptr : &it->second;
}

SqliteMailStore::MailboxMap SqliteMailStore::load_mailboxes(std::int64_t user_id) {
    MailboxMap boxes;
    SQLite::Statement select_boxes(db_,
                                   "SELECT id, name, special_use, subscribed, uidvalidity, "
                                   "uidnext, highest_modseq FROM mailboxes WHERE user_id = ?");
    select_boxes.bind(1, user_id);
    SQLite::Statement select_messages(db_,
                                      "SELECT uid, modseq, size, internal_date, date_offset, "
                                      "flags, recent FROM messages WHERE mailbox_id = ? "
                                      "ORDER BY uid");
    while (select_boxes.executeStep()) {
        CachedMailbox box;
        box.id = select_boxes.getColumn(0).getInt64();
        box.info.name = select_boxes.getColumn(1).getString();
        box.info.special_use = select_boxes.getColumn(2).getString();
        box.info.subscribed = select_boxes.getColumn(3).getInt() != 0;
        box.info.uidvalidity = select_boxes.getColumn(4).getUInt();
        box.info.uidnext = select_boxes.getColumn(5).getUInt();
        box.info.highest_modseq = static_cast<std::uint64_t>(select_boxes.getColumn(6).getInt64());
        select_messages.reset();
        select_messages.bind(1, box.id);
        while (select_messages.executeStep()) {
            MessageInfo message;
            message.uid = select_messages.getColumn(0).getUInt();
            message.modseq = static_cast<std::uint64_t>(select_messages.getColumn(1).getInt64());
            message.size = static_cast<std::uint64_t>(select_messages.getColumn(2).getInt64());
            message.internal_date.seconds = select_messages.getColumn(3).getInt64();
            message.internal_date.offset_minutes = select_messages.getColumn(4).getInt();
            message.flags = split_flags(select_messages.getColumn(5).getString());
            if (select_messages.getColumn(6).getInt() != 0) {
                box.recent.insert(message.uid);
            }
            box.messages.push_back(std::move(message));
        }
        std::string name = box.info.name;
        boxes.emplace(std::move(name), std::move(box));
    }
    return boxes;
}

void SqliteMailStore::load_all() {
    SQLite::Statement select_users(db_, "SELECT id, name, password FROM users");
    while (select_users.executeStep()) {
        CachedUser user;
        user.id = select_users.getColumn(0).getInt64();
        user.password = select_users.getColumn(2).getString();
        user.mailboxes = load_mailboxes(user.id);
        users_.emplace(select_users.getColumn(1).getString(), std::move(user));
    }
}

SqliteMailStore::CachedMailbox SqliteMailStore::insert_mailbox(std::int64_t user_id,
                                                               const std::string& name,
                                                               std::string_view special_use,
                                                               bool subscribed) {
    CachedMailbox box;
    box.info.name = name;
    box.info.special_use = std::string(special_use);
    box.info.subscribed = subscribed;
    box.info.uidvalidity = next_uidvalidity(db_, now_seconds());
    SQLite::Statement insert(db_,
                             "INSERT INTO mailboxes (user_id, name, special_use, subscribed, "
                             "uidvalidity) VALUES (?, ?, ?, ?, ?)");
    insert.bind(1, user_id);
    insert.bind(2, name);
    insert.bind(3, box.info.special_use);
    insert.bind(4, subscribed ? 1 : 0);
    insert.bind(5, box.info.uidvalidity);
    insert.exec();
    box.id = db_.getLastInsertRowid();
    return box;
}

void SqliteMailStore::update_mailbox_counters(const CachedMailbox& box, std::uint32_t uidnext,
                                              std::uint64_t highest_modseq) {
    SQLite::Statement update(db_,
                             "UPDATE mailboxes SET uidnext = ?, highest_modseq = ? WHERE id = ?");
    update.bind(1, uidnext);
    update.bind(2, static_cast<std::int64_t>(highest_modseq));
    update.bind(3, box.id);
    update.exec();
}

// ---- users ----

StoreError SqliteMailStore::add_user(std::string_view user, std::string_view password) {
    if (user.empty()) {
        return StoreError::invalid_name;
    }
    try {
        SQLite::Transaction transaction(db_, SQLite::TransactionBehavior::IMMEDIATE);
        if (CachedUser* existing = find_user(user)) {
            SQLite::Statement update(db_, "UPDATE users SET password = ? WHERE id = ?");
            update.bind(1, std::string(password));
            update.bind(2, existing->id);
            update.exec();
            transaction.commit();
            existing->password = std::string(password);
            return StoreError::ok;
        }
        SQLite::Statement insert(db_, "INSERT INTO users (name, password) VALUES (?, ?)");
        insert.bind(1, std::string(user));
        insert.bind(2, std::string(password));
        insert.exec();
        CachedUser cached;
        cached.id = db_.getLastInsertRowid();
        cached.password = std::string(password);
        for (const auto& d : default_mailboxes) {
            std::string name(d.name);
            cached.mailboxes.emplace(name, insert_mailbox(cached.id, name, d.special_use, true));
        }
        transaction.commit();
        users_.emplace(std::string(user), std::move(cached));
        return StoreError::ok;
    } catch (const std::exception& e) {
        return fail_io(e);
    }
}

StoreError SqliteMailStore::check_password(std::string_view user, std::string_view password) const {
    const CachedUser* cached = find_user(user);
    if (cached == nullptr) {
        return StoreError::no_such_user;
    }
    return cached->password == password ? StoreError::ok : StoreError::bad_password;
}

std::optional<std::string> SqliteMailStore::password_of(std::string_view user) const {
    const CachedUser* cached = find_user(user);
    if (cached == nullptr) {
        return std::nullopt;
    }
    return cached->password;
}

bool SqliteMailStore::has_user(std::string_view user) const {
    return find_user(user) != nullptr;
}

bool SqliteMailStore::try_lock_maildrop(std::string_view user) {
    return locked_maildrops_.emplace(user).second;
}

void SqliteMailStore::unlock_maildrop(std::string_view user) {
    const auto it = locked_maildrops_.find(user);
    if (it != locked_maildrops_.end()) {
        locked_maildrops_.erase(it);
    }
}

// ---- mailboxes ----

std::vector<MailboxInfo> SqliteMailStore::list_mailboxes(std::string_view user) const {
    std::vector<MailboxInfo> result;
    const CachedUser* cached = find_user(user);
    if (cached == nullptr) {
        return result;
    }
    // INBOX first, the rest in name order.
    const auto inbox = cached->mailboxes.find(inbox_name);
    if (inbox != cached->mailboxes.end()) {
        result.push_back(with_counts(inbox->second));
    }
    for (const auto& [name, box] : cached->mailboxes) {
        if (name != inbox_name) {
            result.push_back(with_counts(box));
        }
    }
    return result;
}

std::optional<MailboxInfo> SqliteMailStore::mailbox(std::string_view user,
                                                    std::string_view name) const {
    const CachedMailbox* box = find_mailbox(user, name);
    if (box == nullptr) {
        return std::nullopt;
    }
    return with_counts(*box);
}

StoreError SqliteMailStore::create_mailbox(std::string_view user, std::string_view name,
                                           std::string_view special_use) {
    const auto canonical = canonical_mailbox_name(name);
    if (!canonical || !is_known_special_use(special_use)) {
        return StoreError::invalid_name;
    }
    CachedUser* cached = find_user(user);
    if (cached == nullptr) {
        return StoreError::no_such_user;
    }
    if (cached->mailboxes.count(*canonical) != 0) {
        return StoreError::mailbox_exists;
    }
    try {
        SQLite::Transaction transaction(db_, SQLite::TransactionBehavior::IMMEDIATE);
        std::vector<CachedMailbox> created;
        // RFC 3501 §6.3.3: create the superior names that do not exist yet.
        for (const auto& parent : parents_of(*canonical)) {
            if (cached->mailboxes.count(parent) == 0) {
                created.push_back(insert_mailbox(cached->id, parent, {}, false));
            }
        }
        created.push_back(insert_mailbox(cached->id, *canonical, special_use, false));
        transaction.commit();
        for (auto& box : created) {
            std::string box_name = box.info.name;
            cached->mailboxes.emplace(std::move(box_name), std::move(box));
        }
        return StoreError::ok;
    } catch (const std::exception& e) {
        return fail_io(e);
    }
}

StoreError SqliteMailStore::delete_mailbox(std::string_view user, std::string_view name) {
    const auto canonical = canonical_mailbox_name(name);
    if (!canonical) {
        return StoreError::invalid_name;
    }
    if (*canonical == inbox_name) {
        return StoreError::inbox_is_special;  // RFC 3501 §6.3.4
    }
    CachedUser* cached = find_user(user);
    if (cached == nullptr) {
        return StoreError::no_such_user;
    }
    const auto it = cached->mailboxes.find(*canonical);
    if (it == cached->mailboxes.end()) {
        return StoreError::no_such_mailbox;
    }
    for (const auto& [other, box] : cached->mailboxes) {
        if (other != *canonical && is_same_or_under(other, *canonical)) {
            return StoreError::mailbox_exists;
        }
    }
    try {
        SQLite::Transaction transaction(db_, SQLite::TransactionBehavior::IMMEDIATE);
        SQLite::Statement delete_messages(db_, "DELETE FROM messages WHERE mailbox_id = ?");
        delete_messages.bind(1, it->second.id);
        delete_messages.exec();
        SQLite::Statement delete_box(db_, "DELETE FROM mailboxes WHERE id = ?");
        delete_box.bind(1, it->second.id);
        delete_box.exec();
        transaction.commit();
    } catch (const std::exception& e) {
        return fail_io(e);
    }
    cached->mailboxes.erase(it);
    notify(user, *canonical);
    return StoreError::ok;
}

StoreError SqliteMailStore::rename_mailbox(std::string_view user, std::string_view from,
                                           std::string_view to) {
    const auto source = canonical_mailbox_name(from);
    const auto target = canonical_mailbox_name(to);
    if (!source || !target) {
        return StoreError::invalid_name;
    }
    CachedUser* cached = find_user(user);
    if (cached == nullptr) {
        return StoreError::no_such_user;
    }
    const auto it = cached->mailboxes.find(*source);
    if (it == cached->mailboxes.end()) {
        return StoreError::no_such_mailbox;
    }
    if (*target == inbox_name) {
        return StoreError::inbox_is_special;
    }
    if (cached->mailboxes.count(*target) != 0) {
        return StoreError::mailbox_exists;
    }
    const bool from_inbox = *source == inbox_name;
    // Moving a mailbox below itself has no meaning; INBOX is the exception,
    // since only its messages move ("RENAME INBOX INBOX/old" is common).
    if (!from_inbox && is_same_or_under(*target, *source)) {
        return StoreError::invalid_name;
    }
    std::vector<std::pair<std::string, std::string>> moves;  // old name, new name
    if (!from_inbox) {
        for (const auto& [name, box] : cached->mailboxes) {
            if (is_same_or_under(name, *source)) {
                std::string renamed = *target + name.substr(source->size());
                if (cached->mailboxes.count(renamed) != 0) {
                    return StoreError::mailbox_exists;
                }
                moves.emplace_back(name, std::move(renamed));
            }
        }
    }
    MailboxMap reloaded;
    try {
        SQLite::Transaction transaction(db_, SQLite::TransactionBehavior::IMMEDIATE);
        for (const auto& parent : parents_of(*target)) {
            if (cached->mailboxes.count(parent) == 0) {
                insert_mailbox(cached->id, parent, {}, false);
            }
        }
        if (from_inbox) {
            // RFC 3501 §6.3.5: the messages move to a new mailbox and INBOX
            // stays, empty. UIDs travel with them; the new UIDVALIDITY says
            // they belong to another mailbox now.
            const CachedMailbox& inbox = it->second;
            const CachedMailbox fresh = insert_mailbox(cached->id, *target, {}, false);
            SQLite::Statement move(db_, "UPDATE messages SET mailbox_id = ? WHERE mailbox_id = ?");
            move.bind(1, fresh.id);
            move.bind(2, inbox.id);
            move.exec();
            update_mailbox_counters(fresh, inbox.info.uidnext, inbox.info.highest_modseq);
            if (!inbox.messages.empty()) {
                update_mailbox_counters(inbox, inbox.info.uidnext, inbox.info.highest_modseq + 1);
            }
        } else {
            SQLite::Statement rename(db_,
                                     "UPDATE mailboxes SET name = ?, uidvalidity = ? WHERE id = ?");
            for (const auto& [old_name, new_name] : moves) {
                rename.reset();
                rename.bind(1, new_name);
                rename.bind(2, next_uidvalidity(db_, now_seconds()));
                rename.bind(3, cached->mailboxes.at(old_name).id);
                rename.exec();
            }
        }
        reloaded = load_mailboxes(cached->id);
        transaction.commit();
    } catch (const std::exception& e) {
        return fail_io(e);
    }
    cached->mailboxes = std::move(reloaded);
    if (from_inbox) {
        notify(user, inbox_name);
    }
    for (const auto& [old_name, new_name] : moves) {
        notify(user, old_name);
    }
    return StoreError::ok;
}

StoreError SqliteMailStore::set_subscribed(std::string_view user, std::string_view name, bool on) {
    if (!canonical_mailbox_name(name)) {
        return StoreError::invalid_name;
    }
    CachedUser* cached = find_user(user);
    if (cached == nullptr) {
        return StoreError::no_such_user;
    }
    CachedMailbox* box = find_mailbox(*cached, name);
    if (box == nullptr) {
        return StoreError::no_such_mailbox;
    }
    if (box->info.subscribed == on) {
        return StoreError::ok;
    }
    try {
        SQLite::Transaction transaction(db_, SQLite::TransactionBehavior::IMMEDIATE);
        SQLite::Statement update(db_, "UPDATE mailboxes SET subscribed = ? WHERE id = ?");
        update.bind(1, on ? 1 : 0);
        update.bind(2, box->id);
        update.exec();
        transaction.commit();
    } catch (const std::exception& e) {
        return fail_io(e);
    }
    box->info.subscribed = on;
    return StoreError::ok;
}

std::unique_ptr<MailStore::Subscription> SqliteMailStore::subscribe(
    std::string_view user, std::string_view mailbox, std::function<void()> on_change) {
    const auto canonical = canonical_mailbox_name(mailbox);
    return subscribers_->add(user, canonical ? std::string_view(*canonical) : mailbox,
                             std::move(on_change));
}

}  // namespace mailferry::testserver::store
