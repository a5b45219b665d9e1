#pragma once
// The IMAP source adapter: an imap::Client seen as a SourceMailbox.
//
// open_folder() SELECTs (EXAMINE unless writable) and lists with one
// `UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS
// (MESSAGE-ID)])`. When CONDSTORE is on and the state knows the folder (same
// UIDVALIDITY, a stored HIGHESTMODSEQ), it lists incrementally instead
// (RFC 7162 §3.1.4): every UID (list_uids), the metadata of what changed
// since that HIGHESTMODSEQ (CHANGEDSINCE), the metadata of UIDs the state
// does not know, and the state's rows for the rest, whose flags cannot have
// changed. A listing limited to a range of UIDs, or to the first window of a
// large folder (ListingScope), is one `UID FETCH first:last`, after a
// list_uids() that places the windows. fetch_bodies() streams one
// `UID FETCH set (BODY.PEEK[])`.
// delete_messages() sets \Deleted and runs UID EXPUNGE of exactly those UIDs;
// without UIDPLUS it refuses (unsupported) rather than run a plain EXPUNGE,
// which would also remove mail other clients marked \Deleted.

#include "clients/imap/client.hpp"
#include "sync/mailbox.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace mailferry::sync {

class ImapSource final : public SourceMailbox {
  public:
    explicit ImapSource(std::unique_ptr<imap::Client> client) : client_(std::move(client)) {}

    SourceTraits traits() const override { return {}; }
    boost::asio::awaitable<MailboxResult<std::vector<MailboxFolder>>> list_folders() override;
    boost::asio::awaitable<MailboxResult<SourceFolderListing>> open_folder(
        MailboxFolder folder, bool writable, bool list, const FolderState* known,
        ListingScope scope) override;
    boost::asio::awaitable<MailboxResult<std::optional<FolderStatus>>> folder_status(
        MailboxFolder folder) override;
    boost::asio::awaitable<MailboxResult<std::vector<std::optional<PreparedMeta>>>> prepare(
        std::vector<CopyItem> items) override;
    boost::asio::awaitable<MailboxResult<std::size_t>> fetch_bodies(std::vector<CopyItem> items,
                                                                    net::BodySink& sink) override;
    boost::asio::awaitable<MailboxResult<void>> delete_messages(
        std::vector<SourceDeletion> messages) override;
    boost::asio::awaitable<MailboxResult<void>> commit() override;
    bool can_delete_exactly() const override;
    bool has_gmail_labels() const override { return client_->has_capability("X-GM-EXT-1"); }
    bool is_open() const override { return client_->is_open(); }
    boost::asio::awaitable<void> logout() override;

    boost::asio::awaitable<MailboxResult<std::optional<SourceFolderListing>>> open_changed(
        MailboxFolder folder, const FolderState& known, const StoredUids& stored_uids,
        const std::optional<FolderStatus>& now) override;
    std::optional<FolderStatus> listed_status(const std::string& name) const override;

  private:
    boost::asio::awaitable<MailboxResult<std::vector<SourceMessage>>> list_changes(
        const FolderState& known);
    // The metadata of the UIDs of `range`, and of no other ("n:*" names the
    // folder's last message even below n, RFC 3501 §6.4.8).
    boost::asio::awaitable<MailboxResult<std::vector<SourceMessage>>> list_range(UidRange range);

    // The client's name (imap::Folder::name) of a model folder name, which
    // differs when a level of the name holds '/' (list_folders()).
    std::string client_name(const std::string& name) const;

    std::unique_ptr<imap::Client> client_;
    std::map<std::string, FolderStatus> listed_status_;  // by model name, from LIST-STATUS
    std::map<std::string, std::string> client_names_;
    // The folder the last open_folder() selected, as then (no messages).
    std::optional<SourceFolderListing> opened_;
};

}  // namespace mailferry::sync
