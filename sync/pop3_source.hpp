#pragma once
// The POP3 source adapter: a logged-in pop3::Client seen as a SourceMailbox
// with one folder, "INBOX", whose messages are keyed by UIDL (RFC 1939 §7).
//
// The LIST size is not trustworthy for an APPEND literal (servers count
// octets differently), so prepare() RETRs each message into a spool: memory
// for messages below 1 MiB (at most 8 MiB per batch), else an anonymous
// temporary file (STYLE §3). While the message streams into the spool its
// header block is scanned for Message-ID and Date:, which gives the
// INTERNALDATE (else the time of the copy).
//
// delete_messages() sends DELE; the deletions take effect only with
// commit(), which QUITs (RFC 1939 §6). logout() sends RSET first, so a
// session that ends otherwise deletes nothing. A server without UIDL is
// refused by open_folder() (rejected).

#include "clients/pop3/client.hpp"
#include "sync/mailbox.hpp"

#include <map>
#include <memory>

namespace mailferry::sync {

namespace detail {
class Spool;
}

class Pop3Source final : public SourceMailbox {
  public:
    explicit Pop3Source(pop3::Client client);
    ~Pop3Source() override;

    SourceProtocol protocol() const override { return SourceProtocol::pop3; }
    boost::asio::awaitable<MailboxResult<std::vector<Folder>>> list_folders() override;
    boost::asio::awaitable<MailboxResult<SourceFolderListing>> open_folder(Folder folder,
                                                                           bool writable,
                                                                           bool list) override;
    boost::asio::awaitable<MailboxResult<std::vector<std::optional<PreparedMeta>>>> prepare(
        std::vector<CopyItem> items) override;
    boost::asio::awaitable<MailboxResult<std::size_t>> fetch_bodies(std::vector<CopyItem> items,
                                                                    imap::BodySink& sink) override;
    boost::asio::awaitable<MailboxResult<void>> delete_messages(
        std::vector<SourceDeletion> messages) override;
    boost::asio::awaitable<MailboxResult<void>> commit() override;
    bool can_delete_exactly() const override { return true; }
    bool is_open() const override { return client_.is_connected(); }
    boost::asio::awaitable<void> logout() override;

  private:
    pop3::Client client_;
    std::map<std::string, std::uint32_t> number_of_;                // UIDL -> message number
    std::map<std::string, std::unique_ptr<detail::Spool>> spools_;  // by UIDL
};

}  // namespace mailferry::sync
