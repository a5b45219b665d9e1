#pragma once
// `mailferry testserver --emulate gmail`: a MailStore layer that makes the
// store behave like Gmail's IMAP view of labels, over any other MailStore.
//
// Gmail keeps each message once and shows it in one folder per label plus
// [Gmail]/All Mail. Here every folder keeps its own copy in the inner store
// (so UIDs, flags listings and bodies work unchanged, each folder with its
// own UIDs), and this layer keeps the copies in step:
//
// - Identity: two copies are the same message when their Message-ID header
//   and size are equal (messages without a Message-ID: equal size and equal
//   bytes). Gmail also dedups APPENDs by content; Message-ID plus size is
//   the rule chosen here because it is cheap and stable.
// - X-GM-MSGID is (UIDVALIDITY of All Mail << 32) | UID in All Mail, so it
//   is a 64-bit number that survives restarts without a table of its own.
//   X-GM-THRID equals X-GM-MSGID (no threading).
// - APPEND (and COPY/MOVE) of a message that already exists adds its label:
//   a copy appears in the target folder, none is stored twice in All Mail;
//   appending to the folder that already has it returns the existing UID.
// - Flags are per message: a change in one folder is made in all of them,
//   except \Deleted, which stays per folder. \Flagged <-> [Gmail]/Starred.
// - EXPUNGE in a label folder removes that label only; in All Mail it
//   deletes the message from every folder.
// - [Gmail]/Trash and [Gmail]/Spam are plain folders outside the label
//   index (on Gmail a message there leaves All Mail): nothing is dedup'd
//   into or out of them.
// - A multi-message APPEND is not atomic here (several inner calls).
//
// Not thread-safe, like every MailStore.

#include "contrib/testserver/store/mail_store.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace mailferry::testserver {

struct GmailIds {
    std::uint64_t msgid = 0;
    std::uint64_t thrid = 0;
};

class GmailStore final : public MailStore {
  public:
    explicit GmailStore(std::unique_ptr<MailStore> inner);

    // The Gmail folder names.
    static constexpr std::string_view all_mail = "[Gmail]/All Mail";
    static constexpr std::string_view starred = "[Gmail]/Starred";
    static constexpr std::string_view root = "[Gmail]";

    // ---- Gmail's IMAP extensions (X-GM-EXT-1) ----
    std::optional<GmailIds> ids(std::string_view user, std::string_view mailbox,
                                std::uint32_t uid) const;
    // X-GM-LABELS of one message as Gmail lists them: system labels
    // ("\\Inbox", "\\Important", "\\Sent", "\\Starred", "\\Draft") first,
    // then user labels (folder names, modified UTF-7) in name order; never
    // the folder the message is seen in, never All Mail.
    std::vector<std::string> labels(std::string_view user, std::string_view mailbox,
                                    std::uint32_t uid) const;
    // STORE [+-]X-GM-LABELS. Adding a user label that has no folder yet
    // creates it, as Gmail does. Removing the current folder's label makes
    // the message leave it.
    StoreError change_labels(std::string_view user, std::string_view mailbox,
                             const std::vector<std::uint32_t>& uids, FlagMode mode,
                             const std::vector<std::string>& labels);

    // ---- MailStore ----
    StoreError add_user(std::string_view user, std::string_view password) override;
    StoreError check_password(std::string_view user, std::string_view password) const override {
        return inner_->check_password(user, password);
    }
    std::optional<std::string> password_of(std::string_view user) const override {
        return inner_->password_of(user);
    }
    bool has_user(std::string_view user) const override { return inner_->has_user(user); }
    bool try_lock_maildrop(std::string_view user) override {
        return inner_->try_lock_maildrop(user);
    }
    void unlock_maildrop(std::string_view user) override { inner_->unlock_maildrop(user); }

    std::vector<MailboxInfo> list_mailboxes(std::string_view user) const override;
    std::optional<MailboxInfo> mailbox(std::string_view user, std::string_view name) const override;
    StoreError create_mailbox(std::string_view user, std::string_view name,
                              std::string_view special_use) override;
    StoreError delete_mailbox(std::string_view user, std::string_view name) override;
    StoreError rename_mailbox(std::string_view user, std::string_view from,
                              std::string_view to) override;
    StoreError set_subscribed(std::string_view user, std::string_view name, bool on) override {
        return inner_->set_subscribed(user, name, on);
    }

    std::vector<MessageInfo> messages(std::string_view user,
                                      std::string_view mailbox) const override {
        return inner_->messages(user, mailbox);
    }
    std::shared_ptr<const std::string> body(std::string_view user, std::string_view mailbox,
                                            std::uint32_t uid) const override {
        return inner_->body(user, mailbox, uid);
    }
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
                                            std::string_view mailbox) override {
        return inner_->claim_recent(user, mailbox);
    }
    std::unique_ptr<Subscription> subscribe(std::string_view user, std::string_view mailbox,
                                            std::function<void()> on_change) override {
        return inner_->subscribe(user, mailbox, std::move(on_change));
    }
    const std::string& last_io_error() const override { return inner_->last_io_error(); }

  private:
    struct Occurrence {
        std::string mailbox;
        std::uint32_t uid = 0;
    };
    struct Entry {
        std::uint64_t msgid = 0;
        std::vector<Occurrence> where;
        const Occurrence* in(std::string_view mailbox) const;
    };
    struct UserIndex {
        std::map<std::string, Entry, std::less<>> by_key;
        std::map<std::pair<std::string, std::uint32_t>, std::string, std::less<>> key_of;
    };

    // The label index of one user, rebuilt after any change.
    const UserIndex& index(std::string_view user) const;
    const Entry* entry_of(std::string_view user, std::string_view mailbox, std::uint32_t uid) const;
    std::string key_of(std::string_view user, const std::string& mailbox, std::uint32_t uidvalidity,
                       const MessageInfo& info) const;
    std::optional<std::string> canonical(std::string_view user, std::string_view name) const;
    std::optional<MessageInfo> info_of(std::string_view user, std::string_view mailbox,
                                       std::uint32_t uid) const;

    // Adds a copy of the message to `folder` (a label); returns its UID.
    std::optional<std::uint32_t> place(std::string_view user, const Entry& entry,
                                       std::string_view folder, StoreError& error);
    // Gives every copy of the message the flags of `info` (keeping each
    // copy's own \Deleted) and keeps [Gmail]/Starred in step with \Flagged.
    void spread_flags(std::string_view user, const std::string& mailbox, const MessageInfo& info);
    void appended_one(std::string_view user, const std::string& mailbox, NewMessage message,
                      Appended& out);
    void changed() { indexes_.clear(); }

    std::unique_ptr<MailStore> inner_;
    mutable std::map<std::string, UserIndex, std::less<>> indexes_;
    // (user, mailbox, uidvalidity, uid) -> identity key; survives rebuilds.
    mutable std::map<std::tuple<std::string, std::string, std::uint32_t, std::uint32_t>,
                     std::string>
        keys_;
};

// The X-GM-LABELS name of a folder ("INBOX" -> "\\Inbox"), or "" for
// folders that are no label (All Mail, Trash, Spam, [Gmail]).
std::string gmail_label_of_folder(std::string_view folder);
// The folder of a label ("\\Sent" -> "[Gmail]/Sent Mail"; a user label is
// its own folder); nullopt for labels that cannot be set (\\Trash, \\Spam).
std::optional<std::string> gmail_folder_of_label(std::string_view label);

}  // namespace mailferry::testserver
