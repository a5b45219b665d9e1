// Messages of SqliteMailStore: listing, bodies, APPEND, STORE, EXPUNGE,
// COPY/MOVE and \Recent. Each mutating call computes the new cache state
// beside the transaction and installs it only after the commit succeeded.
#include "contrib/testserver/store/flag_set.hpp"
#include "contrib/testserver/store/mailbox_name.hpp"
#include "contrib/testserver/store/sqlite_mail_store.hpp"
#include "contrib/testserver/store/store_clock.hpp"

#include <algorithm>
#include <climits>
#include <limits>
#include <utility>

namespace mailferry::testserver::store {

namespace {

std::vector<std::uint32_t> sorted_unique(std::vector<std::uint32_t> uids) {
    std::sort(uids.begin(), uids.end());
    uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
    return uids;
}

// Index of `uid` in messages sorted by uid, or npos.
std::size_t index_of(const std::vector<MessageInfo>& messages, std::uint32_t uid) {
    const auto it =
        std::lower_bound(messages.begin(), messages.end(), uid,
                         [](const MessageInfo& m, std::uint32_t wanted) { return m.uid < wanted; });
    if (it == messages.end() || it->uid != uid) {
        return std::string::npos;
    }
    return static_cast<std::size_t>(it - messages.begin());
}

void remove_uids(std::vector<MessageInfo>& messages, std::set<std::uint32_t>& recent,
                 const std::vector<std::uint32_t>& sorted_uids) {
    messages.erase(std::remove_if(messages.begin(), messages.end(),
                                  [&](const MessageInfo& m) {
                                      return std::binary_search(sorted_uids.begin(),
                                                                sorted_uids.end(), m.uid);
                                  }),
                   messages.end());
    for (const auto uid : sorted_uids) {
        recent.erase(uid);
    }
}

}  // namespace

std::vector<MessageInfo> SqliteMailStore::messages(std::string_view user,
                                                   std::string_view mailbox) const {
    const CachedMailbox* box = find_mailbox(user, mailbox);
    return box == nullptr ? std::vector<MessageInfo>{} : box->messages;
}

std::shared_ptr<const std::string> SqliteMailStore::body(std::string_view user,
                                                         std::string_view mailbox,
                                                         std::uint32_t uid) const {
    const CachedMailbox* box = find_mailbox(user, mailbox);
    if (box == nullptr || index_of(box->messages, uid) == std::string::npos) {
        return nullptr;
    }
    try {
        SQLite::Statement select(db_, "SELECT body FROM messages WHERE mailbox_id = ? AND uid = ?");
        select.bind(1, box->id);
        select.bind(2, uid);
        if (!select.executeStep()) {
            return nullptr;
        }
        const SQLite::Column column = select.getColumn(0);
        const auto* data = static_cast<const char*>(column.getBlob());
        const auto size = static_cast<std::size_t>(column.getBytes());
        return std::make_shared<const std::string>(data == nullptr ? std::string()
                                                                   : std::string(data, size));
    } catch (const std::exception& e) {
        last_io_error_ = e.what();
        return nullptr;
    }
}

void SqliteMailStore::delete_messages(std::int64_t mailbox_id,
                                      const std::vector<std::uint32_t>& uids) {
    SQLite::Statement remove(db_, "DELETE FROM messages WHERE mailbox_id = ? AND uid = ?");
    for (const auto uid : uids) {
        remove.reset();
        remove.bind(1, mailbox_id);
        remove.bind(2, uid);
        remove.exec();
    }
}

MailStore::Appended SqliteMailStore::append(std::string_view user, std::string_view mailbox,
                                            std::vector<NewMessage> messages) {
    Appended result;
    CachedUser* cached = find_user(user);
    if (cached == nullptr) {
        result.error = StoreError::no_such_user;
        return result;
    }
    CachedMailbox* box = find_mailbox(*cached, mailbox);
    if (box == nullptr) {
        result.error = canonical_mailbox_name(mailbox) ? StoreError::no_such_mailbox
                                                       : StoreError::invalid_name;
        return result;
    }
    for (const auto& message : messages) {
        // SQLite binds at most INT_MAX octets; a larger limit is capped there.
        if (message.body.size() > options_.max_message_size ||
            message.body.size() > static_cast<std::size_t>(INT_MAX)) {
            result.error = StoreError::message_too_big;
            return result;
        }
    }
    if (std::uint64_t{box->info.uidnext} + messages.size() >
        std::numeric_limits<std::uint32_t>::max()) {
        result.error = StoreError::io_error;
        last_io_error_ = "the mailbox has used up its UIDs";
        return result;
    }
    std::uint32_t uidnext = box->info.uidnext;
    std::uint64_t modseq = box->info.highest_modseq;
    std::vector<MessageInfo> added;
    try {
        SQLite::Transaction transaction(db_, SQLite::TransactionBehavior::IMMEDIATE);
        SQLite::Statement insert(db_,
                                 "INSERT INTO messages (mailbox_id, uid, modseq, size, "
                                 "internal_date, date_offset, flags, recent, body) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)");
        for (const auto& message : messages) {
            MessageInfo info;
            info.uid = uidnext++;
            info.modseq = ++modseq;
            info.size = message.body.size();
            info.internal_date = message.internal_date.value_or(InternalDate{now_seconds(), 0});
            info.flags = normalize_flags(message.flags);
            insert.reset();
            insert.bind(1, box->id);
            insert.bind(2, info.uid);
            insert.bind(3, static_cast<std::int64_t>(info.modseq));
            insert.bind(4, static_cast<std::int64_t>(info.size));
            insert.bind(5, info.internal_date.seconds);
            insert.bind(6, info.internal_date.offset_minutes);
            insert.bind(7, join_flags(info.flags));
            insert.bind(8, message.body.data(), static_cast<int>(message.body.size()));
            insert.exec();
            added.push_back(std::move(info));
        }
        update_mailbox_counters(*box, uidnext, modseq);
        transaction.commit();
    } catch (const std::exception& e) {
        result.error = fail_io(e);
        return result;
    }
    result.uidvalidity = box->info.uidvalidity;
    for (auto& info : added) {
        result.uids.push_back(info.uid);
        box->recent.insert(info.uid);
        box->messages.push_back(std::move(info));
    }
    box->info.uidnext = uidnext;
    box->info.highest_modseq = modseq;
    if (!added.empty()) {
        notify(user, box->info.name);
    }
    return result;
}

MailStore::FlagResult SqliteMailStore::store_flags(std::string_view user, std::string_view mailbox,
                                                   const std::vector<std::uint32_t>& uids,
                                                   FlagMode mode,
                                                   const std::vector<std::string>& flags,
                                                   std::optional<std::uint64_t> unchanged_since) {
    FlagResult result;
    CachedUser* cached = find_user(user);
    if (cached == nullptr) {
        result.error = StoreError::no_such_user;
        return result;
    }
    CachedMailbox* box = find_mailbox(*cached, mailbox);
    if (box == nullptr) {
        result.error = StoreError::no_such_mailbox;
        return result;
    }
    const std::vector<std::string> change = normalize_flags(flags);
    struct Update {
        std::size_t index;
        std::vector<std::string> flags;
        std::uint64_t modseq;
    };
    std::vector<Update> updates;
    std::uint64_t modseq = box->info.highest_modseq;
    for (const auto uid : sorted_unique(uids)) {
        const std::size_t index = index_of(box->messages, uid);
        if (index == std::string::npos) {
            continue;
        }
        const MessageInfo& message = box->messages[index];
        // RFC 7162 §3.1.3: a message changed since the client's modseq is
        // left alone and reported.
        if (unchanged_since && message.modseq > *unchanged_since) {
            result.modified.push_back(uid);
            continue;
        }
        std::vector<std::string> next = apply_flags(message.flags, mode, change);
        if (next != message.flags) {
            updates.push_back(Update{index, std::move(next), ++modseq});
        }
    }
    if (!updates.empty()) {
        try {
            SQLite::Transaction transaction(db_, SQLite::TransactionBehavior::IMMEDIATE);
            SQLite::Statement update(db_,
                                     "UPDATE messages SET flags = ?, modseq = ? "
                                     "WHERE mailbox_id = ? AND uid = ?");
            for (const auto& u : updates) {
                update.reset();
                update.bind(1, join_flags(u.flags));
                update.bind(2, static_cast<std::int64_t>(u.modseq));
                update.bind(3, box->id);
                update.bind(4, box->messages[u.index].uid);
                update.exec();
            }
            update_mailbox_counters(*box, box->info.uidnext, modseq);
            transaction.commit();
        } catch (const std::exception& e) {
            result.modified.clear();
            result.error = fail_io(e);
            return result;
        }
        for (auto& u : updates) {
            MessageInfo& message = box->messages[u.index];
            message.flags = std::move(u.flags);
            message.modseq = u.modseq;
            result.changed.push_back(message.uid);
        }
        box->info.highest_modseq = modseq;
    }
    if (!result.modified.empty()) {
        result.error = StoreError::flags_modified;
    }
    if (!result.changed.empty()) {
        notify(user, box->info.name);
    }
    return result;
}

std::vector<std::uint32_t> SqliteMailStore::expunge(std::string_view user, std::string_view mailbox,
                                                    const std::vector<std::uint32_t>& uids,
                                                    StoreError* error) {
    const auto report = [&](StoreError e) {
        if (error != nullptr) {
            *error = e;
        }
    };
    CachedUser* cached = find_user(user);
    if (cached == nullptr) {
        report(StoreError::no_such_user);
        return {};
    }
    CachedMailbox* box = find_mailbox(*cached, mailbox);
    if (box == nullptr) {
        report(StoreError::no_such_mailbox);
        return {};
    }
    std::vector<std::uint32_t> removed;
    for (const auto uid : sorted_unique(uids)) {
        if (index_of(box->messages, uid) != std::string::npos) {
            removed.push_back(uid);
        }
    }
    if (removed.empty()) {
        report(StoreError::ok);
        return removed;
    }
    // RFC 7162 §3.2.10 (QRESYNC): an expunge advances HIGHESTMODSEQ too.
    const std::uint64_t modseq = box->info.highest_modseq + 1;
    try {
        SQLite::Transaction transaction(db_, SQLite::TransactionBehavior::IMMEDIATE);
        delete_messages(box->id, removed);
        update_mailbox_counters(*box, box->info.uidnext, modseq);
        transaction.commit();
    } catch (const std::exception& e) {
        report(fail_io(e));
        return {};
    }
    remove_uids(box->messages, box->recent, removed);
    box->info.highest_modseq = modseq;
    report(StoreError::ok);
    notify(user, box->info.name);
    return removed;
}

MailStore::Copied SqliteMailStore::copy(std::string_view user, std::string_view from,
                                        const std::vector<std::uint32_t>& uids, std::string_view to,
                                        bool move) {
    Copied result;
    CachedUser* cached = find_user(user);
    if (cached == nullptr) {
        result.error = StoreError::no_such_user;
        return result;
    }
    CachedMailbox* source = find_mailbox(*cached, from);
    CachedMailbox* target = find_mailbox(*cached, to);
    if (source == nullptr || target == nullptr) {
        result.error = StoreError::no_such_mailbox;
        return result;
    }
    std::vector<std::uint32_t> source_uids;
    for (const auto uid : sorted_unique(uids)) {
        if (index_of(source->messages, uid) != std::string::npos) {
            source_uids.push_back(uid);
        }
    }
    if (std::uint64_t{target->info.uidnext} + source_uids.size() >
        std::numeric_limits<std::uint32_t>::max()) {
        result.error = StoreError::io_error;
        last_io_error_ = "the mailbox has used up its UIDs";
        return result;
    }
    std::uint32_t target_uidnext = target->info.uidnext;
    std::uint64_t target_modseq = target->info.highest_modseq;
    std::vector<MessageInfo> added;
    for (const auto uid : source_uids) {
        MessageInfo info = source->messages[index_of(source->messages, uid)];
        info.uid = target_uidnext++;
        info.modseq = ++target_modseq;
        added.push_back(std::move(info));
    }
    // When source and target are one mailbox (a MOVE onto itself), the
    // expunge continues that mailbox's modseq sequence.
    const bool same = source == target;
    const std::uint64_t source_modseq = (same ? target_modseq : source->info.highest_modseq) + 1;
    if (!source_uids.empty()) {
        try {
            SQLite::Transaction transaction(db_, SQLite::TransactionBehavior::IMMEDIATE);
            SQLite::Statement insert(db_,
                                     "INSERT INTO messages (mailbox_id, uid, modseq, size, "
                                     "internal_date, date_offset, flags, recent, body) "
                                     "SELECT ?, ?, ?, size, internal_date, date_offset, flags, "
                                     "1, body FROM messages WHERE mailbox_id = ? AND uid = ?");
            for (std::size_t i = 0; i < source_uids.size(); ++i) {
                insert.reset();
                insert.bind(1, target->id);
                insert.bind(2, added[i].uid);
                insert.bind(3, static_cast<std::int64_t>(added[i].modseq));
                insert.bind(4, source->id);
                insert.bind(5, source_uids[i]);
                insert.exec();
            }
            update_mailbox_counters(*target, target_uidnext, target_modseq);
            if (move) {
                delete_messages(source->id, source_uids);
                update_mailbox_counters(*source, same ? target_uidnext : source->info.uidnext,
                                        source_modseq);
            }
            transaction.commit();
        } catch (const std::exception& e) {
            result.error = fail_io(e);
            return result;
        }
    }
    result.uidvalidity = target->info.uidvalidity;
    result.source_uids = source_uids;
    for (auto& info : added) {
        result.target_uids.push_back(info.uid);
        target->recent.insert(info.uid);
        target->messages.push_back(std::move(info));
    }
    target->info.uidnext = target_uidnext;
    target->info.highest_modseq = target_modseq;
    if (move && !source_uids.empty()) {
        remove_uids(source->messages, source->recent, source_uids);
        source->info.highest_modseq = source_modseq;
    }
    if (!source_uids.empty()) {
        notify(user, target->info.name);
        if (move && !same) {
            notify(user, source->info.name);
        }
    }
    return result;
}

std::vector<std::uint32_t> SqliteMailStore::claim_recent(std::string_view user,
                                                         std::string_view mailbox) {
    CachedUser* cached = find_user(user);
    CachedMailbox* box = cached == nullptr ? nullptr : find_mailbox(*cached, mailbox);
    if (box == nullptr || box->recent.empty()) {
        return {};
    }
    try {
        SQLite::Transaction transaction(db_, SQLite::TransactionBehavior::IMMEDIATE);
        SQLite::Statement update(db_,
                                 "UPDATE messages SET recent = 0 WHERE mailbox_id = ? AND "
                                 "recent = 1");
        update.bind(1, box->id);
        update.exec();
        transaction.commit();
    } catch (const std::exception& e) {
        fail_io(e);
        return {};
    }
    std::vector<std::uint32_t> claimed(box->recent.begin(), box->recent.end());
    box->recent.clear();
    return claimed;
}

}  // namespace mailferry::testserver::store
