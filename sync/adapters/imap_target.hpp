#pragma once
// The IMAP target adapter: an imap::Client seen as a TargetMailbox.
//
// Names are UTF-8 with '/' between levels; the engine re-encodes them in
// modified UTF-7 with the server's separator (RFC 3501 §5.1.3). open_folder()
// lists with one UID FETCH 1:* of UID, FLAGS, INTERNALDATE, RFC822.SIZE and
// the Message-ID; keywords_allowed says whether PERMANENTFLAGS holds `\*`
// (always true for a read-only listing: EXAMINE reports none).
// append() is one MULTIAPPEND (RFC 3502) where offered, else one APPEND per
// message; store_flags() pipelines +FLAGS.SILENT and -FLAGS.SILENT;
// delete_messages() sets \Deleted and runs UID EXPUNGE of exactly those UIDs
// (unsupported without UIDPLUS: they stay marked).

#include "clients/imap/client.hpp"
#include "sync/mailbox.hpp"

#include <map>
#include <memory>
#include <optional>

namespace mailferry::sync {

class ImapTarget final : public TargetMailbox {
  public:
    explicit ImapTarget(std::unique_ptr<imap::Client> client) : client_(std::move(client)) {}

    boost::asio::awaitable<MailboxResult<std::vector<MailboxFolder>>> list_folders() override;
    char separator() const override { return client_->separator().value_or('/'); }
    boost::asio::awaitable<MailboxResult<TargetLimits>> limits() override;
    boost::asio::awaitable<MailboxResult<TargetFolderListing>> open_folder(
        MailboxFolder folder, bool read_only, bool list, const KnownTargetFolder* known) override;
    boost::asio::awaitable<MailboxResult<FolderStatus>> folder_status(
        MailboxFolder folder) override;
    boost::asio::awaitable<MailboxResult<bool>> create_folder(std::string name) override;
    boost::asio::awaitable<MailboxResult<Appended>> append(std::string folder,
                                                           net::AppendBatch& batch) override;
    boost::asio::awaitable<MailboxResult<std::vector<TargetMessage>>> read_back(
        std::vector<std::uint32_t> uids) override;
    boost::asio::awaitable<MailboxResult<std::optional<std::vector<TargetMessage>>>>
    unknown_messages(const std::vector<std::uint32_t>& known, std::size_t at_most) override;
    boost::asio::awaitable<MailboxResult<std::vector<std::optional<MailboxError>>>> store_flags(
        const std::vector<FlagUpdateGroup>& groups) override;
    boost::asio::awaitable<MailboxResult<void>> delete_messages(
        std::vector<std::uint32_t> uids) override;
    bool names_appended_uids() const override { return client_->has_capability("UIDPLUS"); }
    bool has_gmail_labels() const override { return client_->has_capability("X-GM-EXT-1"); }
    boost::asio::awaitable<MailboxResult<void>> add_gmail_labels(
        std::vector<std::uint32_t> uids, std::vector<MailboxFolder> folders) override;
    bool is_open() const override { return client_->is_open(); }
    boost::asio::awaitable<void> logout() override;

    std::optional<FolderStatus> listed_status(const std::string& name) const override;

  private:
    // UID FETCH `uid_set` of the listing's items, as the model's messages.
    boost::asio::awaitable<MailboxResult<std::vector<TargetMessage>>> read_metadata(
        std::string uid_set);

    std::unique_ptr<imap::Client> client_;
    std::map<std::string, FolderStatus> listed_status_;  // by model name, from LIST-STATUS
    // The folder the last open_folder() selected, as then (no messages).
    std::optional<TargetFolderListing> opened_;
};

}  // namespace mailferry::sync
