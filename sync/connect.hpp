#pragma once
// Opening the two ends of a migration from their AccountAccess: URL parsing,
// TLS context (system store plus --ca-file, or --insecure), connect, login,
// and the adapter around the engine.

#include "clients/imap/client.hpp"
#include "clients/wire/account_url.hpp"
#include "sync/mailbox.hpp"
#include "sync/migration.hpp"

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>

namespace mailferry::sync {

// The parsed URL, or a message for the user (exit status 2).
boost::system::result<wire::AccountUrl, std::string> parse_access(const AccountAccess& access);

// "scheme://user@host:port": how the state knows the account (never the
// password; the port always written).
std::string account_identity(const wire::AccountUrl& url);

// Connect and log in to the IMAP account `url` (parsed from `access`), with
// the TLS handling and timeouts of `options`; the client logs to
// options.logger. connect_failed with the engine's message on failure.
boost::asio::awaitable<MailboxResult<std::unique_ptr<imap::Client>>> connect_imap(
    AccountAccess access, wire::AccountUrl url, MigrationOptions options);

// Connect and log in; connect_failed with the engine's message on failure.
boost::asio::awaitable<MailboxResult<std::unique_ptr<SourceMailbox>>> connect_source(
    AccountAccess access, MigrationOptions options);
boost::asio::awaitable<MailboxResult<std::unique_ptr<TargetMailbox>>> connect_target(
    AccountAccess access, MigrationOptions options);

}  // namespace mailferry::sync
