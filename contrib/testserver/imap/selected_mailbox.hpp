#pragma once
// One IMAP session's view of its selected mailbox (RFC 3501 §2.3.1, §7.4.1):
// the sequence-number-to-UID map and the flags the client has been told
// about. The store may change underneath (other sessions, POP3); the view
// changes only when sync() turns those changes into untagged responses, so
// the client's sequence numbers stay valid between them.
//
// Lifetime: holds a store subscription whose callback marks the view dirty
// and calls `on_change`; destroying the view ends the subscription. Used
// from the server's io_context thread only.

#include "contrib/testserver/store/mail_store.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace mailferry::testserver::imap {

class SelectedMailbox {
  public:
    // Loads the listing. A read-write view (SELECT) claims the messages no
    // other session has seen as \Recent (RFC 3501 §2.3.2); EXAMINE does not.
    SelectedMailbox(MailStore& store, std::string user, const MailboxInfo& info, bool read_only,
                    std::function<void()> on_change);
    SelectedMailbox(const SelectedMailbox&) = delete;
    SelectedMailbox& operator=(const SelectedMailbox&) = delete;

    const std::string& name() const noexcept { return name_; }
    const std::string& user() const noexcept { return user_; }
    bool read_only() const noexcept { return read_only_; }
    std::uint32_t uidvalidity() const noexcept { return uidvalidity_; }

    // Messages the client knows of, including ones expunged by others but
    // not yet announced (see is_expunged).
    std::uint32_t exists() const noexcept { return static_cast<std::uint32_t>(messages_.size()); }
    std::uint32_t recent_count() const noexcept;
    // 1-based sequence number; must be within 1..exists().
    const MessageInfo& at(std::uint32_t seq) const { return messages_[seq - 1].info; }
    bool is_expunged(std::uint32_t seq) const { return messages_[seq - 1].expunged; }
    bool is_recent(std::uint32_t uid) const { return recent_.count(uid) != 0; }
    std::optional<std::uint32_t> seq_of(std::uint32_t uid) const;
    // Highest UID the client knows of, 0 when empty.
    std::uint32_t max_uid() const noexcept;

    bool dirty() const noexcept { return dirty_; }

    // Brings the view up to date and returns the untagged responses that
    // tell the client: EXPUNGE (only with `allow_expunge`, RFC 3501 §7.4.1
    // forbids them during FETCH, STORE and SEARCH), FETCH for changed flags
    // (with MODSEQ when `condstore`, RFC 7162 §3.2.4), EXISTS and RECENT.
    std::string sync(bool allow_expunge, bool condstore);

    // Records flags the session itself changed (and has told the client
    // about, or was told not to by .SILENT), so sync() does not repeat them.
    void update(const MessageInfo& info);

    // Removes messages the session expunged itself; returns the untagged
    // EXPUNGE responses, in the order RFC 3501 §7.4.1 numbering requires.
    std::string remove(const std::vector<std::uint32_t>& uids);

    // "(\Seen \Recent)" for one message, with \Recent when this view owns it.
    std::string flag_list(const MessageInfo& info) const;

    // The untagged FLAGS and PERMANENTFLAGS responses (RFC 3501 §7.2.6,
    // §7.1): the system flags and every keyword the client has been told
    // of; a read-only view permits none.
    std::string flags_response() const;
    std::string permanent_flags_response() const;

    // A keyword may appear in a FETCH response only after a FLAGS response
    // named it (RFC 3501 §7.2.6). Returns both responses when `infos`
    // hold keywords not yet announced (and records them), else "". Output
    // must go to the client before any FETCH naming those messages' flags.
    std::string announce_keywords(const std::vector<MessageInfo>& infos);

  private:
    struct Entry {
        MessageInfo info;
        bool expunged = false;  // gone from the store, EXPUNGE not sent yet
    };

    void add_new(std::vector<MessageInfo> now, std::string& out);

    MailStore& store_;
    std::string user_;
    std::string name_;
    bool read_only_;
    std::uint32_t uidvalidity_;
    std::vector<Entry> messages_;
    std::set<std::uint32_t> recent_;
    std::vector<std::string> keywords_;  // announced, in the order first seen
    std::uint32_t known_max_uid_ = 0;
    bool dirty_ = false;
    std::function<void()> on_change_;
    std::unique_ptr<MailStore::Subscription> subscription_;
};

}  // namespace mailferry::testserver::imap
