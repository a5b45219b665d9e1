#pragma once
// Opening the two ends of a migration from their AccountAccess: URL parsing,
// TLS context (system store plus --ca-file, or --insecure), connect, login,
// and the adapter around the engine.

#include "clients/imap/client.hpp"
#include "clients/pop3/client.hpp"
#include "clients/wire/account_url.hpp"
#include "sync/mailbox.hpp"
#include "sync/migration.hpp"

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>

namespace mailferry::sync {

// The parsed URL, or a message for the user (exit status 2): a URL that
// does not parse, or a ";AUTH=" value mailferry cannot log in with.
boost::system::result<wire::AccountUrl, std::string> parse_access(const AccountAccess& access);

// The engine options for the account `url` (parsed from `access`): host,
// port and TLS mode of the URL, the TLS context (system store plus
// access.ca_file, or access.insecure), the password and plaintext policy of
// `access`, the timeouts and logger of `options`, and the login method the
// URL's ";AUTH=" names. Every command that logs in (migrate, sync, daemon,
// probe) builds its options here, so an account URL means the same in each.
//
// ";AUTH=" (RFC 5092 §3.2, RFC 2384 §3), case-insensitive; absent or "*":
// the engine picks a method the server offers. IMAP: "PLAIN" (AUTHENTICATE
// PLAIN), "LOGIN" (AUTHENTICATE LOGIN), "XOAUTH2" (the password is the
// access token). POP3: "+APOP", "+USER" or "USER" (USER/PASS), "PLAIN"
// (AUTH PLAIN). A method the server does not offer fails at login.
//
// Errors: a message for the user naming what to fix (an unsupported
// ";AUTH=" value, an unreadable --ca-file).
// Options with the same TLS settings share one TLS context (loading the
// system's CA store once per process, not once per connection).
boost::system::result<imap::ClientOptions, std::string> imap_client_options(
    const AccountAccess& access, const wire::AccountUrl& url, const MigrationOptions& options);
boost::system::result<pop3::ClientOptions, std::string> pop3_client_options(
    const AccountAccess& access, const wire::AccountUrl& url, const MigrationOptions& options);

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
