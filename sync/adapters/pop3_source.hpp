#pragma once
// The POP3 source adapter: a logged-in pop3::Client seen as a SourceMailbox
// with one folder, "INBOX", whose messages are keyed by UIDL (RFC 1939 §7).
// A server without UIDL gets a warning and content keys: every listing
// RETRs every message once to hash it (SHA-256), the only identity a
// message keeps across POP3 sessions.
//
// Listing with `list` also reads the header block (`TOP n 0`, pipelined) of
// the messages the state does not know, so that the planner can match them
// by Message-ID, size and Date against mail already on the target (an
// earlier attempt with another tool) instead of copying them twice.
//
// The LIST size is not trustworthy for an APPEND literal (servers count
// octets differently), so prepare() RETRs a batch's messages (pipelined,
// RFC 2449 §6.6, where offered) each into a spool: memory
// for messages below 1 MiB (at most 8 MiB per batch), else an anonymous
// temporary file (STYLE §3). While the message streams into the spool its
// header block is scanned for Message-ID and Date:, which gives the
// INTERNALDATE (else the time of the copy).
//
// delete_messages() sends DELE; the deletions take effect only with
// commit(), which QUITs (RFC 1939 §6). logout() sends RSET first, so a
// session that ends otherwise deletes nothing.

#include "clients/pop3/client.hpp"
#include "sync/adapters/header_scan.hpp"
#include "sync/mailbox.hpp"

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mailferry::sync {

namespace detail {
class Spool;
}

class Pop3Source final : public SourceMailbox {
  public:
    explicit Pop3Source(pop3::Client client);
    ~Pop3Source() override;

    SourceTraits traits() const override {
        return {.single_folder = true,
                .reports_changes = false,
                .concurrent_sessions = false,
                .deletes_on_commit = true};
    }
    boost::asio::awaitable<MailboxResult<std::vector<MailboxFolder>>> list_folders() override;
    boost::asio::awaitable<MailboxResult<SourceFolderListing>> open_folder(
        MailboxFolder folder, bool writable, bool list, const FolderState* known,
        ListingScope scope) override;
    boost::asio::awaitable<MailboxResult<std::optional<FolderStatus>>> folder_status(
        MailboxFolder) override {
        co_return std::nullopt;
    }
    boost::asio::awaitable<MailboxResult<std::vector<std::optional<PreparedMeta>>>> prepare(
        std::vector<CopyItem> items) override;
    boost::asio::awaitable<MailboxResult<std::size_t>> fetch_bodies(std::vector<CopyItem> items,
                                                                    net::BodySink& sink) override;
    boost::asio::awaitable<MailboxResult<void>> delete_messages(
        std::vector<SourceDeletion> messages) override;
    boost::asio::awaitable<MailboxResult<void>> commit() override;
    bool can_delete_exactly() const override { return true; }
    bool is_open() const override { return client_.is_connected(); }
    boost::asio::awaitable<void> logout() override;

  private:
    // (message number, key) in maildrop order: the UIDL, or without UIDL
    // "sha256:<hex>" of the content (with "#n" for the nth identical one).
    boost::asio::awaitable<MailboxResult<std::vector<std::pair<std::uint32_t, std::string>>>>
    message_keys(const std::vector<pop3::ScanListing>& scan);
    // TOP n 0 for each number: Message-ID and Date for matching.
    boost::asio::awaitable<MailboxResult<std::map<std::uint32_t, HeaderScan>>> read_headers(
        std::vector<std::uint32_t> numbers);

    pop3::Client client_;
    bool warned_no_uidl_ = false;
    std::map<std::string, std::uint32_t> number_of_;                // UIDL -> message number
    std::map<std::string, std::unique_ptr<detail::Spool>> spools_;  // by UIDL
};

}  // namespace mailferry::sync
