#pragma once
// The test servers' one store: users, their mailboxes and messages, shared
// by the POP3 server (a user's maildrop is their INBOX) and the IMAP server.
//
// Backed by SQLite through SQLiteCpp: a file under --data DIR (WAL,
// synchronous=FULL, every change one transaction, so a kill -9 never leaves a
// half-written message visible and UIDs are never reused), or an in-memory
// database without --data. Message bodies live in the database; metadata of
// every mailbox is cached in memory for quick listings.
//
// Threading: not thread-safe. The servers use it from their one io_context
// thread. Errors: expected failures are StoreError values; an SQLite failure
// (disk full, I/O error) becomes StoreError::io_error with the reason in
// last_io_error(), and the store is left as it was before the call.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::testserver {

enum class StoreError {
    ok = 0,
    no_such_user,
    bad_password,
    no_such_mailbox,
    mailbox_exists,
    invalid_name,      // empty, bad separators, or not valid modified UTF-7
    inbox_is_special,  // INBOX cannot be deleted, or renamed over an existing name
    message_too_big,   // above the store's message size limit
    flags_modified,    // CONDSTORE UNCHANGEDSINCE failed for a message
    io_error,          // the database failed; nothing changed
};
// English text for a StoreError, suitable for a NO/-ERR response.
std::string_view describe(StoreError e) noexcept;

// Seconds since the epoch plus the zone the client gave (RFC 3501 date-time).
struct InternalDate {
    std::int64_t seconds = 0;
    int offset_minutes = 0;  // minutes east of UTC
};

// One message's metadata. `flags` holds system flags (\Seen \Answered
// \Flagged \Deleted \Draft, never \Recent) and keywords, sorted, each once.
struct MessageInfo {
    std::uint32_t uid = 0;
    std::uint64_t modseq = 0;
    std::uint64_t size = 0;  // octets as stored (CRLF line ends)
    InternalDate internal_date;
    std::vector<std::string> flags;
    bool has_flag(std::string_view flag) const;  // case-insensitive
};

struct MailboxInfo {
    std::string name;         // as on the wire: modified UTF-7, '/' separator; "INBOX" exact
    std::string special_use;  // "\\Sent", "\\Drafts", "\\Trash", "\\Junk", "\\Archive" or ""
    bool noselect = false;    // holds no messages, only children (Gmail's "[Gmail]")
    bool subscribed = false;
    std::uint32_t uidvalidity = 0;
    std::uint32_t uidnext = 1;
    std::uint64_t highest_modseq = 1;
    std::uint32_t messages = 0;
    std::uint32_t unseen = 0;
    std::uint32_t recent = 0;  // messages no session has claimed as \Recent yet
    std::uint64_t total_size = 0;
};

enum class FlagMode { replace, add, remove };

struct StoreOptions {
    std::uint64_t max_message_size = 64ull * 1024 * 1024;
    // When above 0, the database may grow to this many pages (PRAGMA
    // max_page_count) and then fails as a full disk would: the way to try a
    // full disk without one.
    std::uint32_t max_database_pages = 0;
};

class MailStore {
  public:
    // Opens (creating if needed) the store in `data_dir`; an empty path gives
    // an in-memory store. Throws std::runtime_error with the reason when the
    // directory or database cannot be opened (a boundary: startup).
    static std::unique_ptr<MailStore> open(const std::string& data_dir, StoreOptions options = {});
    virtual ~MailStore() = default;

    // ---- users ----
    // Adds a user, or sets the password of an existing one. A new user gets
    // INBOX plus Sent, Drafts, Trash, Junk, Archive with their special-use
    // attributes (RFC 6154), all subscribed.
    virtual StoreError add_user(std::string_view user, std::string_view password) = 0;
    virtual StoreError check_password(std::string_view user, std::string_view password) const = 0;
    // The password itself, for APOP (RFC 1939 §7) and CRAM-style digests.
    virtual std::optional<std::string> password_of(std::string_view user) const = 0;
    virtual bool has_user(std::string_view user) const = 0;

    // POP3 maildrop lock (RFC 1939 §4: exclusive access). Not persisted.
    virtual bool try_lock_maildrop(std::string_view user) = 0;
    virtual void unlock_maildrop(std::string_view user) = 0;

    // ---- mailboxes ---- (names as on the wire; "inbox" in any case means INBOX)
    virtual std::vector<MailboxInfo> list_mailboxes(std::string_view user) const = 0;
    virtual std::optional<MailboxInfo> mailbox(std::string_view user,
                                               std::string_view name) const = 0;
    // Creates the mailbox and any missing parents (RFC 3501 §6.3.3). A name
    // used before and deleted gets a new, larger UIDVALIDITY.
    virtual StoreError create_mailbox(std::string_view user, std::string_view name,
                                      std::string_view special_use = {}) = 0;
    // Deletes the mailbox and its messages; a mailbox with children fails
    // with mailbox_exists semantics per RFC 3501 §6.3.4 (\Noselect parent is
    // not modelled: children must be deleted first).
    virtual StoreError delete_mailbox(std::string_view user, std::string_view name) = 0;
    // Renames the mailbox and its children (RFC 3501 §6.3.5). Renaming INBOX
    // moves its messages to the new name and leaves INBOX empty.
    virtual StoreError rename_mailbox(std::string_view user, std::string_view from,
                                      std::string_view to) = 0;
    virtual StoreError set_subscribed(std::string_view user, std::string_view name, bool on) = 0;

    // ---- messages ----
    // Metadata of every message, in ascending UID order.
    virtual std::vector<MessageInfo> messages(std::string_view user,
                                              std::string_view mailbox) const = 0;
    // The stored octets of one message; nullptr when it does not exist.
    virtual std::shared_ptr<const std::string> body(std::string_view user, std::string_view mailbox,
                                                    std::uint32_t uid) const = 0;

    struct NewMessage {
        std::string body;
        std::vector<std::string> flags;
        std::optional<InternalDate> internal_date;  // now when absent
    };
    struct Appended {
        StoreError error = StoreError::ok;
        std::uint32_t uidvalidity = 0;
        std::vector<std::uint32_t> uids;  // one per message, in order
    };
    // Appends all messages in one transaction: all or nothing (RFC 3502).
    virtual Appended append(std::string_view user, std::string_view mailbox,
                            std::vector<NewMessage> messages) = 0;

    struct FlagResult {
        StoreError error = StoreError::ok;
        std::vector<std::uint32_t> changed;   // uids whose flags changed (new modseq)
        std::vector<std::uint32_t> modified;  // uids that failed UNCHANGEDSINCE (RFC 7162 §3.1.3)
    };
    // Changes flags of the given uids (unknown uids are ignored). With
    // `unchanged_since`, messages whose modseq is above it are left alone and
    // listed in `modified`.
    virtual FlagResult store_flags(std::string_view user, std::string_view mailbox,
                                   const std::vector<std::uint32_t>& uids, FlagMode mode,
                                   const std::vector<std::string>& flags,
                                   std::optional<std::uint64_t> unchanged_since = {}) = 0;

    // Removes the given uids (unknown ones ignored); returns those removed.
    virtual std::vector<std::uint32_t> expunge(std::string_view user, std::string_view mailbox,
                                               const std::vector<std::uint32_t>& uids,
                                               StoreError* error = nullptr) = 0;

    struct Copied {
        StoreError error = StoreError::ok;
        std::uint32_t uidvalidity = 0;                        // of the destination
        std::vector<std::uint32_t> source_uids, target_uids;  // pairs, for COPYUID
    };
    // Copies (or, with `move`, moves: RFC 6851, one transaction) messages with
    // their flags and internal dates.
    virtual Copied copy(std::string_view user, std::string_view from,
                        const std::vector<std::uint32_t>& uids, std::string_view to, bool move) = 0;

    // \Recent (RFC 3501 §2.3.2): returns the uids no session has claimed yet
    // and marks them claimed, so exactly one session sees each as recent.
    virtual std::vector<std::uint32_t> claim_recent(std::string_view user,
                                                    std::string_view mailbox) = 0;

    // ---- change notification ----
    // `on_change` runs (synchronously, inside the changing call) after any
    // change to the mailbox: append, flags, expunge, delete, rename. Sessions
    // use it to wake up during IDLE and to know they must re-read the listing.
    // The subscription ends when the returned handle is destroyed.
    class Subscription {
      public:
        virtual ~Subscription() = default;
    };
    virtual std::unique_ptr<Subscription> subscribe(std::string_view user, std::string_view mailbox,
                                                    std::function<void()> on_change) = 0;

    // The reason of the last io_error.
    virtual const std::string& last_io_error() const = 0;
};

}  // namespace mailferry::testserver
