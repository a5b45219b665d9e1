#pragma once
// The IMAP4rev1 client engine (RFC 3501) the sync engine stands on: one
// authenticated connection to one account, on Boost.Asio C++20 coroutines.
//
// Session: Client::connect() resolves and connects (net::connect), reads
// the greeting (`* OK`, `* PREAUTH`; `* BYE` is greeting_rejected), learns
// the capabilities (from the greeting's [CAPABILITY] when present), runs
// STARTTLS for imap:// when offered (required unless the peer is loopback or
// allow_plaintext; cached capabilities are discarded after TLS), logs in
// (AUTHENTICATE PLAIN with SASL-IR when offered, LOGIN unless LOGINDISABLED,
// SASL LOGIN, or XOAUTH2 with the password as the token), re-reads the
// capabilities when the login OK did not carry them, turns on
// COMPRESS=DEFLATE (RFC 4978) when offered and ClientOptions::compress, and
// sends ENABLE CONDSTORE and ID when offered.
//
// Errors are values: every operation returns ClientResult<T> whose Error
// names the server, the step and quotes the server's line
// ("imap.example.org:993: LOGIN rejected: NO [AUTHENTICATIONFAILED]
// Authentication failed. Check the user name and password (or token).").
// Nothing throws for wire failures. A NO/BAD leaves the connection usable;
// anything else (timeout, hang-up, BYE, invalid input, a failed body stream)
// closes it, and later calls fail with connection_closed.
//
// Deadlines: every wait has one (Timeouts); a timeout closes the connection
// and the error (net::error::timed_out) says which step timed out.
//
// Mailbox names: operations take the UTF-8 name with '/' as separator, the
// form list_folders() returns in Folder::name; the client translates it to
// the server's separator and modified UTF-7 (RFC 3501 §5.1.3), reusing the
// server's exact name when list_folders() saw it.
//
// Executor and lifetime: a Client lives on the executor it was connected on
// and runs one operation at a time (each may pipeline many commands).
// Parameters that are references (BodySink&, AppendBatch&) must outlive the
// awaited operation. Cancelling the awaiting coroutine closes the connection.
//
// Secrets: the trace log (spdlog at trace level: every line sent and
// received) shows LOGIN/AUTHENTICATE arguments as <redacted> and literals as
// `{1234 octets}`; no Error message contains the password.

#include "clients/imap/body_stream.hpp"
#include "clients/imap/client_error.hpp"
#include "clients/imap/command_text.hpp"
#include "clients/imap/idle.hpp"
#include "clients/imap/response_parser.hpp"
#include "clients/imap/response_views.hpp"

#include <spdlog/logger.h>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::imap {

namespace detail {
class Connection;
}

using Duration = std::chrono::steady_clock::duration;

struct Timeouts {
    Duration connect = std::chrono::seconds(30);      // resolve, and each address's TCP connect
    Duration tls = std::chrono::seconds(30);          // TLS handshake (implicit and STARTTLS)
    Duration greeting = std::chrono::seconds(30);     // the server's first line
    Duration command = std::chrono::seconds(120);     // the next bytes of any response
    Duration body_chunk = std::chrono::seconds(120);  // the next bytes inside a literal
    Duration write = std::chrono::seconds(120);       // one write to the socket
    Duration logout = std::chrono::seconds(5);        // LOGOUT's answer
};

enum class AuthMechanism {
    automatic,   // AUTHENTICATE PLAIN if offered, else LOGIN, else AUTHENTICATE LOGIN
    plain,       // AUTHENTICATE PLAIN (RFC 4616), with SASL-IR (RFC 4959) when offered
    login,       // the LOGIN command (RFC 3501 §6.2.3)
    sasl_login,  // AUTHENTICATE LOGIN
    xoauth2,     // AUTHENTICATE XOAUTH2; `password` is the OAuth access token
};

struct ClientOptions {
    std::string host;
    std::uint16_t port = 143;
    bool implicit_tls = false;  // imaps://
    std::string user;
    std::string password;  // or the access token for xoauth2
    AuthMechanism auth = AuthMechanism::automatic;
    // Required for implicit TLS and STARTTLS (net::make_client_tls_context).
    std::shared_ptr<boost::asio::ssl::context> tls_context;
    bool verify = true;            // false only with --insecure
    std::string tls_name;          // certificate name; empty: host
    bool allow_plaintext = false;  // --allow-plaintext
    bool enable_condstore = true;  // ENABLE CONDSTORE when offered (RFC 7162)
    bool send_id = true;           // ID ("name" "mailferry" ...) when offered (RFC 2971)
    // COMPRESS DEFLATE after login when offered (RFC 4978): raw DEFLATE both
    // ways; worth it for text mail over slow links, costs CPU on loopback.
    bool compress = true;
    Timeouts timeouts;
    ParseLimits limits;
    // Commands in flight at once in pipelined operations.
    std::size_t pipeline_window = 64;
    // Trace and warnings go here; default: spdlog's default logger.
    std::shared_ptr<spdlog::logger> logger;
};

// One mailbox from LIST.
struct Folder {
    std::string raw_name;  // as the server sent it (modified UTF-7, server separator)
    // UTF-8 with '/' as separator; raw_name (separator translated) when it is
    // not valid modified UTF-7.
    std::string name;
    std::optional<char> delimiter;
    std::vector<std::string> attributes;  // as sent: "\HasNoChildren", "\Sent", ...
    // "\Sent", "\Drafts", "\Trash", "\Junk", "\Archive", "\All", "\Flagged"
    // (RFC 6154; XLIST's "\Spam" reads as "\Junk", its "\Inbox" as ""), or "".
    std::string special_use;
    bool selectable = true;  // false with \Noselect or \NonExistent
};

// What SELECT/EXAMINE reports (RFC 3501 §6.3.1, RFC 7162 §3.1.2).
struct MailboxState {
    std::string name;
    bool read_only = false;
    std::uint32_t uidvalidity = 0;
    std::optional<std::uint32_t> uidnext;
    std::uint32_t exists = 0;
    std::optional<std::uint64_t> highest_modseq;  // absent: NOMODSEQ or no CONDSTORE
    std::vector<std::string> flags;
    std::vector<std::string> permanent_flags;
    bool keywords_allowed = false;  // PERMANENTFLAGS holds `\*`
};

// One message from fetch_metadata().
struct MessageMeta {
    std::uint32_t uid = 0;
    std::vector<std::string> flags;
    std::optional<InternalDate> internal_date;
    std::uint64_t size = 0;  // RFC822.SIZE
    std::optional<std::uint64_t> modseq;
    std::string message_id;  // unfolded and trimmed; empty when absent
};

enum class FlagOperation { add, remove, replace };

struct AppendResult {
    std::optional<std::uint32_t> uidvalidity;  // from APPENDUID (UIDPLUS)
    // One per message appended, in order: its UID in the target when
    // APPENDUID reported it.
    std::vector<std::optional<std::uint32_t>> uids;
    // Set when the AppendBatch failed between two messages: the messages
    // before it were appended (uids), the rest were not.
    std::optional<boost::system::error_code> source_error;
};

// What move_uids() reports: [COPYUID uidvalidity source-set dest-set]
// (RFC 4315 §3; for MOVE in an untagged OK, RFC 6851 §4.3) when the server
// sent it. Empty (no uidvalidity, no pairs) when it did not.
struct MoveResult {
    std::optional<std::uint32_t> uidvalidity;  // the destination's
    // Each moved message's UID in the source -> its UID in the destination.
    std::map<std::uint32_t, std::uint32_t> uids;
};

// One resource of `* QUOTA root (name usage limit ...)` (RFC 9208 §5.1):
// usage and limit in the resource's units (STORAGE: KiB, MESSAGE: count).
struct QuotaResource {
    std::string root;
    std::string name;  // upper-cased: "STORAGE", "MESSAGE", ...
    std::uint64_t usage = 0;
    std::uint64_t limit = 0;
};

class Client {
  public:
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    static awaitable<ClientResult<std::unique_ptr<Client>>> connect(ClientOptions options);

    const std::string& server() const noexcept { return server_; }
    bool is_open() const noexcept;
    bool is_tls() const noexcept;
    // "TLSv1.3 TLS_AES_256_GCM_SHA384" (net::Stream::tls_description()).
    std::string tls_description() const;
    // Upper-cased names as the server announced them after login.
    const std::vector<std::string>& capabilities() const noexcept;
    bool has_capability(std::string_view name) const noexcept;
    // CONDSTORE was enabled (modseq values are reported).
    bool condstore_enabled() const noexcept { return condstore_; }
    // COMPRESS=DEFLATE is active.
    bool is_compressed() const noexcept;
    // The hierarchy separator, once known (list_folders() or the first
    // operation that needed it).
    std::optional<char> separator() const noexcept { return separator_; }

    // LIST "" "*" (with RETURN (SPECIAL-USE) when offered).
    awaitable<ClientResult<std::vector<Folder>>> list_folders();
    // NAMESPACE (RFC 2342); empty when not offered.
    awaitable<ClientResult<Namespaces>> namespaces();
    // SELECT, or EXAMINE when `read_only` (dry runs).
    awaitable<ClientResult<MailboxState>> select(std::string name, bool read_only);
    // STATUS (MESSAGES UIDNEXT UIDVALIDITY UNSEEN [HIGHESTMODSEQ] [SIZE]):
    // HIGHESTMODSEQ with CONDSTORE, SIZE with STATUS=SIZE (RFC 8438; it is
    // then among MailboxStatus::items).
    awaitable<ClientResult<MailboxStatus>> status(std::string name);
    // GETQUOTAROOT (RFC 9208 §4.3): every resource of every quota root
    // `mailbox` is under. Without QUOTA: not_supported.
    awaitable<ClientResult<std::vector<QuotaResource>>> quota_root(std::string mailbox);
    // CREATE; true when created, false when it already existed
    // ([ALREADYEXISTS], RFC 5530, or a NO for a name LIST shows).
    awaitable<ClientResult<bool>> create(std::string name);

    // In the selected mailbox: UID FETCH set (UID FLAGS INTERNALDATE
    // RFC822.SIZE [MODSEQ] BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])
    // [(CHANGEDSINCE n)], in one command. Results in the server's order.
    awaitable<ClientResult<std::vector<MessageMeta>>> fetch_metadata(
        std::string uid_set, std::optional<std::uint64_t> changed_since = std::nullopt);

    // In the selected mailbox: UID FETCH set (UID BODY.PEEK[]), each body
    // streamed to `sink` (begin, data..., end) as it arrives. Returns the
    // number of messages delivered. UIDs the server no longer has are
    // skipped silently (RFC 3501 §6.4.8). A sink error stops the fetch
    // (stream_failed) and closes the connection.
    awaitable<ClientResult<std::size_t>> fetch_bodies(std::string uid_set, BodySink& sink);
    // The same as one pipelined `UID FETCH uid (UID BODY.PEEK[])` per UID,
    // pipeline_window in flight: for long lists of scattered UIDs.
    awaitable<ClientResult<std::size_t>> fetch_bodies_each(std::vector<std::uint32_t> uids,
                                                           BodySink& sink);

    // APPEND to `mailbox` every message `batch` produces. With MULTIAPPEND
    // (RFC 3502) it is one command (all or nothing on the server); without,
    // one APPEND per message. Literals are `{n+}` with LITERAL+ (RFC 7888;
    // LITERAL- for n <= 4096), else synchronizing. A NO ends the call
    // with command_failed (with MULTIAPPEND nothing of the batch was
    // appended; without, AppendResult of the earlier messages is lost in
    // the error, so callers check the target before retrying). A source
    // producing the wrong byte count closes the connection
    // (body_size_mismatch): an announced literal cannot be cut short.
    awaitable<ClientResult<AppendResult>> append(std::string mailbox, AppendBatch& batch);

    // UID STORE set +FLAGS/-FLAGS/FLAGS[.SILENT] (flags).
    awaitable<ClientResult<void>> store_flags(std::string uid_set, FlagOperation op,
                                              std::vector<std::string> flags, bool silent = true);
    // UID EXPUNGE set (RFC 4315 §2.1); the messages must carry \Deleted.
    // Without UIDPLUS this fails with not_supported rather than run a plain
    // EXPUNGE, which would also remove messages other clients marked
    // \Deleted: the safe fallback is for the caller to leave them marked.
    awaitable<ClientResult<void>> expunge_uids(std::string uid_set);
    // In the selected mailbox: moves the messages of `uid_set` to
    // `destination`. With MOVE (RFC 6851): UID MOVE. Otherwise UID COPY,
    // UID STORE +FLAGS.SILENT (\Deleted), UID EXPUNGE, which needs UIDPLUS:
    // without it the call fails with not_supported after the STORE, the
    // copies staying in the destination and the originals marked \Deleted
    // (as expunge_uids()). A NO from COPY or MOVE leaves the source as it was.
    awaitable<ClientResult<MoveResult>> move_uids(std::string uid_set, std::string destination);
    // UID SEARCH HEADER Message-ID "msgid": the UIDs, ascending.
    awaitable<ClientResult<std::vector<std::uint32_t>>> search_message_id(std::string message_id);
    awaitable<ClientResult<void>> noop();
    // In the selected mailbox: with IDLE (RFC 2177), IDLE until an untagged
    // EXISTS, EXPUNGE or FETCH arrives or `max_wait` (at most max_idle_wait)
    // passes, then DONE and its OK; without IDLE, one NOOP. Either way the
    // outcome reports the changes seen, so callers loop on it. A BYE meanwhile
    // is server_bye; cancelling closes the connection (never left idling).
    awaitable<ClientResult<IdleOutcome>> idle(std::chrono::seconds max_wait);

    // LOGOUT within Timeouts::logout, then close. Never fails.
    awaitable<void> logout();
    // Closes at once.
    void close() noexcept;

    // The server's name for a '/'-separated UTF-8 mailbox name.
    std::string encode_mailbox(std::string_view name) const;

  private:
    explicit Client(std::unique_ptr<detail::Connection> conn, ClientOptions options);
    awaitable<std::optional<Error>> negotiate();
    awaitable<std::optional<Error>> starttls();
    awaitable<std::optional<Error>> login();
    awaitable<std::optional<Error>> login_with_mechanism();
    awaitable<std::optional<Error>> authenticate(
        std::string mechanism, std::optional<std::string> initial_response,
        std::function<std::optional<std::string>(std::string_view)> respond);
    awaitable<std::optional<Error>> login_command();
    awaitable<std::optional<Error>> refresh_capabilities(std::string step);
    awaitable<std::optional<Error>> after_login();
    awaitable<std::optional<Error>> learn_separator();
    awaitable<ClientResult<AppendResult>> append_multi(std::string mailbox, AppendBatch& batch);
    awaitable<ClientResult<AppendResult>> append_single(std::string mailbox, AppendBatch& batch);
    awaitable<std::optional<Error>> send_literal(const AppendItem& item, std::string prefix,
                                                 const std::string& tag, const std::string& step);
    std::optional<Error> require_selected(const std::string& step) const;

    std::unique_ptr<detail::Connection> conn_;
    ClientOptions options_;
    std::string server_;
    bool preauth_ = false;
    bool condstore_ = false;
    std::optional<char> separator_;
    std::map<std::string, std::string> raw_names_;  // Folder::name -> raw_name
    std::optional<std::string> selected_;
};

// The decision behind STARTTLS (SPEC "Security defaults"): whether an
// imap:// session may go on without TLS. true: STARTTLS is required (the
// server must offer it); false: plain text is acceptable (loopback or
// allow_plaintext). Also used before sending a password.
bool starttls_required(bool peer_is_loopback, bool allow_plaintext) noexcept;

}  // namespace mailferry::imap
