#pragma once
// A POP3 session's view of its maildrop (RFC 1939 §5-§6): the user's INBOX
// as it was at login, numbered from 1, with the deletion marks of the
// TRANSACTION state. Messages marked deleted keep their numbers but vanish
// from STAT, LIST and UIDL; nothing reaches the store until UPDATE, which
// reads deleted_uids().
//
// Unique ids (RFC 1939 §7 UIDL) are derived from the IMAP UIDVALIDITY and
// UID as "<uidvalidity hex>.<uid hex>": stable across sessions and server
// restarts, at most 17 octets, all within 0x21-0x7E.

#include "contrib/testserver/store/mail_store.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::testserver::pop3 {

class Maildrop {
  public:
    struct Message {
        std::uint32_t uid = 0;
        std::uint64_t size = 0;  // octets of the stored CRLF form
        bool deleted = false;
    };

    enum class Status {
        ok,
        bad_number,       // not a decimal number
        no_such_message,  // 0 or above the last message number
        deleted,          // marked deleted in this session
    };

    struct Selection {
        Status status = Status::bad_number;
        std::size_t number = 0;  // 1-based; valid unless bad_number
    };

    Maildrop(std::uint32_t uidvalidity, const std::vector<MessageInfo>& messages);

    // Messages not marked deleted, and their total size (STAT).
    std::size_t count() const noexcept;
    std::uint64_t total_size() const noexcept;
    // Every message number ever valid in this session, deleted ones included.
    std::size_t highest_number() const noexcept { return messages_.size(); }

    // Resolves a message-number argument.
    Selection select(std::string_view number) const noexcept;
    // The message with that 1-based number; precondition: 1 <= number <= highest_number().
    const Message& at(std::size_t number) const { return messages_.at(number - 1); }
    std::string uidl(std::size_t number) const;

    // Marks a message deleted; precondition: select() gave ok for it.
    void mark_deleted(std::size_t number);
    // RSET: unmarks every message.
    void reset() noexcept;
    std::vector<std::uint32_t> deleted_uids() const;

  private:
    std::uint32_t uidvalidity_;
    std::vector<Message> messages_;
};

}  // namespace mailferry::testserver::pop3
