#pragma once
// MailStore on SQLite (SQLiteCpp). See mail_store.hpp for the contract; this
// header adds the choices made here:
//
// - Every mutating call is one IMMEDIATE transaction. The in-memory cache of
//   users, mailboxes and message metadata is changed only after the commit
//   succeeded, so after an io_error it still matches the database.
// - UIDVALIDITY comes from one counter per store (schema.hpp); a created or
//   renamed mailbox gets a fresh value, so a name never shows the same
//   UIDVALIDITY for two different histories.
// - MODSEQ (RFC 7162): each appended or copied message and each flag change
//   gets the mailbox's next modseq; an expunge advances highest_modseq once.
// - delete_mailbox of a mailbox with children fails with mailbox_exists: the
//   simple rule of RFC 3501 §6.3.4, no \Noselect parents.
// - Renaming INBOX (RFC 3501 §6.3.5) moves its messages, with their UIDs,
//   into the new mailbox (which gets a new UIDVALIDITY) and leaves INBOX
//   empty with its own UIDVALIDITY and UIDNEXT; INBOX's children stay.
// - Passwords are kept in plain text: this is a test server, and APOP
//   (RFC 1939 §7) needs the secret itself.
// - \Recent claims are kept in the database, so a restart does not make old
//   messages recent again.
// - store_flags: when some uids fail UNCHANGEDSINCE the others are still
//   changed, the failed ones are in `modified`, and `error` is
//   flags_modified (RFC 7162 §3.1.3: the reply stays OK [MODIFIED ...]).
// - Change callbacks must not throw. They may call the store, and may
//   destroy any Subscription, their own included.

#include "contrib/testserver/store/mail_store.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::testserver::store {

class SubscriberRegistry;

class SqliteMailStore final : public MailStore {
  public:
    // `path` is the database file, or ":memory:".
    SqliteMailStore(const std::string& path, StoreOptions options);
    ~SqliteMailStore() override;

    StoreError add_user(std::string_view user, std::string_view password) override;
    StoreError check_password(std::string_view user, std::string_view password) const override;
    std::optional<std::string> password_of(std::string_view user) const override;
    bool has_user(std::string_view user) const override;

    bool try_lock_maildrop(std::string_view user) override;
    void unlock_maildrop(std::string_view user) override;

    std::vector<MailboxInfo> list_mailboxes(std::string_view user) const override;
    std::optional<MailboxInfo> mailbox(std::string_view user, std::string_view name) const override;
    StoreError create_mailbox(std::string_view user, std::string_view name,
                              std::string_view special_use) override;
    StoreError delete_mailbox(std::string_view user, std::string_view name) override;
    StoreError rename_mailbox(std::string_view user, std::string_view from,
                              std::string_view to) override;
    StoreError set_subscribed(std::string_view user, std::string_view name, bool on) override;

    std::vector<MessageInfo> messages(std::string_view user,
                                      std::string_view mailbox) const override;
    std::shared_ptr<const std::string> body(std::string_view user, std::string_view mailbox,
                                            std::uint32_t uid) const override;
    Appended append(std::string_view user, std::string_view mailbox,
                    std::vector<NewMessage> messages) override;
    FlagResult store_flags(std::string_view user, std::string_view mailbox,
                           const std::vector<std::uint32_t>& uids, FlagMode mode,
                           const std::vector<std::string>& flags,
                           std::optional<std::uint64_t> unchanged_since) override;
    std::vector<std::uint32_t> expunge(std::string_view user, std::string_view mailbox,
                                       const std::vector<std::uint32_t>& uids,
                                       StoreError* error) override;
    Copied copy(std::string_view user, std::string_view from,
                const std::vector<std::uint32_t>& uids, std::string_view to, bool move) override;
    std::vector<std::uint32_t> claim_recent(std::string_view user,
                                            std::string_view mailbox) override;

    std::unique_ptr<Subscription> subscribe(std::string_view user, std::string_view mailbox,
                                            std::function<void()> on_change) override;

    const std::string& last_io_error() const override { return last_io_error_; }

  private:
    struct CachedMailbox {
        std::int64_t id = 0;
        MailboxInfo info;                   // counts are computed when asked
        std::vector<MessageInfo> messages;  // ascending uid
        std::set<std::uint32_t> recent;     // not yet claimed
    };
    using MailboxMap = std::map<std::string, CachedMailbox, std::less<>>;
    struct CachedUser {
        std::int64_t id = 0;
        std::string password;
        MailboxMap mailboxes;
    };

    // Lookups in the cache; nullptr when absent. `name` is canonicalised.
    const CachedUser* find_user(std::string_view user) const;
    CachedUser* find_user(std::string_view user);
    CachedMailbox* find_mailbox(CachedUser& user, std::string_view name);
    const CachedMailbox* find_mailbox(std::string_view user, std::string_view name) const;

    // Reads one user's mailboxes and message metadata from the database.
    MailboxMap load_mailboxes(std::int64_t user_id);
    void load_all();
    // Inserts a mailbox row with a fresh UIDVALIDITY; returns its cache entry.
    CachedMailbox insert_mailbox(std::int64_t user_id, const std::string& name,
                                 std::string_view special_use, bool subscribed);
    void update_mailbox_counters(const CachedMailbox& box, std::uint32_t uidnext,
                                 std::uint64_t highest_modseq);
    void delete_messages(std::int64_t mailbox_id, const std::vector<std::uint32_t>& uids);

    StoreError fail_io(const std::exception& e);
    void notify(std::string_view user, std::string_view mailbox);
    static MailboxInfo with_counts(const CachedMailbox& box);

    StoreOptions options_;
    SQLite::Database db_;
    std::map<std::string, CachedUser, std::less<>> users_;
    std::set<std::string, std::less<>> locked_maildrops_;
    std::shared_ptr<SubscriberRegistry> subscribers_;
    mutable std::string last_io_error_;
};

}  // namespace mailferry::testserver::store
