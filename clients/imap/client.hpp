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
// SASL LOGIN, or OAUTHBEARER/XOAUTH2 with the password as the access token;
// a refused token's RFC 7628 JSON error is quoted in the Error), re-reads the
// capabilities when the login OK did not carry them, turns on
// COMPRESS=DEFLATE (RFC 4978) when offered and ClientOptions::compress, and
// sends ENABLE CONDSTORE / QRESYNC (RFC 7162, one ENABLE for both) and ID
// when offered.
//
// QRESYNC: once enabled the server reports expunges as `* VANISHED uids`
// instead of `* n EXPUNGE` (RFC 7162 §3.2.10); the client counts both alike
// (IdleOutcome, MailboxState::exists). select() with QresyncParams and
// fetch_changes() use it for quick resynchronization.
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
// awaited operation. Cancelling the awaiting coroutine closes the connection
// (idle() ends its wait cleanly instead).
//
// Secrets: the trace log (spdlog at trace level: every line sent and
// received) shows LOGIN/AUTHENTICATE arguments as <redacted> and literals as
// `{1234 octets}`; no Error message contains the password.

#include "clients/imap/client_error.hpp"
#include "clients/imap/command_text.hpp"
#include "clients/imap/idle.hpp"
#include "clients/imap/response_parser.hpp"
#include "clients/imap/response_views.hpp"
#include "clients/net/body_stream.hpp"
#include "clients/net/tls_client.hpp"

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

using boost::asio::awaitable;
using boost::system::error_code;

namespace detail {
class Connection;
class SelectHandler;
struct Completion;
}  // namespace detail

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

// How to log in. An explicit choice the server does not offer (AUTH=PLAIN,
// AUTH=LOGIN, AUTH=OAUTHBEARER or AUTH=XOAUTH2 missing from its
// capabilities, or LOGINDISABLED for `login`) fails with no_usable_mechanism
// before anything is sent.
enum class AuthMechanism {
    automatic,    // AUTHENTICATE PLAIN if offered, else LOGIN, else AUTHENTICATE LOGIN
    plain,        // AUTHENTICATE PLAIN (RFC 4616), with SASL-IR (RFC 4959) when offered
    login,        // the LOGIN command (RFC 3501 §6.2.3), unless LOGINDISABLED
    sasl_login,   // AUTHENTICATE LOGIN
    xoauth2,      // AUTHENTICATE XOAUTH2; `password` is the OAuth access token
    oauthbearer,  // AUTHENTICATE OAUTHBEARER (RFC 7628); `password` is the access token
    oauth2,       // OAUTHBEARER when offered, else XOAUTH2; `password` is the access token
};

struct ClientOptions {
    std::string host;
    std::uint16_t port = 143;
    bool implicit_tls = false;  // imaps://
    std::string user;
    std::string password;  // or the access token for xoauth2, oauthbearer and oauth2
    AuthMechanism auth = AuthMechanism::automatic;
    // For implicit TLS and STARTTLS (net::make_client_tls_context); when
    // null, made once needed by make_tls_context (else for the system trust
    // store), so a session without TLS never loads a CA store.
    std::shared_ptr<boost::asio::ssl::context> tls_context;
    net::TlsContextMaker make_tls_context;
    bool verify = true;            // false only with --insecure
    std::string tls_name;          // certificate name; empty: host
    bool allow_plaintext = false;  // --allow-plaintext
    bool enable_condstore = true;  // ENABLE CONDSTORE when offered (RFC 7162)
    // ENABLE QRESYNC when offered (RFC 7162 §3.2.3), in the same ENABLE as
    // CONDSTORE. QRESYNC implies CONDSTORE, so it needs enable_condstore too.
    bool enable_qresync = true;
    bool send_id = true;  // ID ("name" "mailferry" ...) when offered (RFC 2971)
    // COMPRESS DEFLATE after login when offered (RFC 4978): raw DEFLATE both
    // ways, sent at zlib's fastest level. Worth it for text mail over links
    // slower than the CPU; on loopback it only costs CPU (copying 69 MB from
    // a local Dovecot took 6 s of client CPU with it, 0.5 s without), so a
    // loopback peer gets it only with compress_on_loopback.
    bool compress = true;
    bool compress_on_loopback = false;
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
    // With LIST-STATUS (RFC 5819): MESSAGES UIDNEXT UIDVALIDITY and, with
    // CONDSTORE, HIGHESTMODSEQ, sent with the listing; none for a mailbox
    // that cannot be selected or the server gave none for.
    std::optional<MailboxStatus> status;
};

// What the caller knew of a mailbox when it last synchronized it, for
// SELECT/EXAMINE mailbox (QRESYNC (uidvalidity modseq [known-uids]))
// (RFC 7162 §3.2.5).
struct QresyncParams {
    std::uint32_t uidvalidity = 0;  // non-zero
    std::uint64_t modseq = 0;       // the HIGHESTMODSEQ seen then; non-zero
    // The UIDs the caller has; empty: all up to UIDNEXT - 1 (the server's
    // default). Only these are reported vanished or changed.
    UidRanges known_uids;
};

// A message whose flags changed since a modseq: the FETCH (UID FLAGS
// MODSEQ) data of SELECT (QRESYNC ...) or fetch_changes().
struct MessageChange {
    std::uint32_t uid = 0;
    std::vector<std::string> flags;  // the message's flags now
    std::optional<std::uint64_t> modseq;
    friend bool operator==(const MessageChange&, const MessageChange&) = default;
};

// What select() did with QresyncParams.
enum class QresyncOutcome {
    not_requested,  // no QresyncParams given
    // The server applied them: MailboxState::vanished and ::changed hold
    // every change since QresyncParams::modseq among the known UIDs, and
    // messages with UIDs above the known ones are new.
    applied,
    // The mailbox's UIDVALIDITY is not QresyncParams::uidvalidity, so the
    // server ignored them (RFC 7162 §3.2.5): every UID the caller knew is
    // void; list the mailbox in full.
    uidvalidity_changed,
    // Nothing to resynchronize from: QRESYNC is not enabled on this
    // connection (the parameter was not sent) or the mailbox has no
    // persistent modseqs (NOMODSEQ, RFC 7162 §3.2.5.1). List in full.
    unavailable,
};

// What SELECT/EXAMINE reports (RFC 3501 §6.3.1, RFC 7162 §3.1.2, §3.2.5).
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
    QresyncOutcome qresync = QresyncOutcome::not_requested;
    // With QresyncOutcome::applied: the known UIDs expunged since the
    // modseq (`* VANISHED (EARLIER) ...`), and the messages changed since
    // then, in the server's order. Empty otherwise.
    UidRanges vanished;
    std::vector<MessageChange> changed;
};

// What fetch_changes() reports.
struct MailboxChanges {
    UidRanges vanished;                  // expunged since the modseq
    std::vector<MessageChange> changed;  // flags changed since it (or new)
};

// What uid_inventory() reports: the selected mailbox's UIDs, ascending, and
// those of them flagged \Deleted.
struct UidInventory {
    std::vector<std::uint32_t> all;
    std::vector<std::uint32_t> deleted;
};

// One message from fetch_metadata().
struct MessageMeta {
    std::uint32_t uid = 0;
    std::vector<std::string> flags;
    std::optional<InternalDate> internal_date;
    std::uint64_t size = 0;  // RFC822.SIZE
    std::optional<std::uint64_t> modseq;
    std::string message_id;  // unfolded and trimmed; empty when absent
    // Gmail (X-GM-EXT-1 offered): the message's X-GM-MSGID and its labels
    // other than the selected folder's (X-GM-LABELS, as sent: "\\Inbox",
    // modified UTF-7 user labels).
    std::optional<std::uint64_t> gmail_msgid;
    std::vector<std::string> gmail_labels;
};

// What examine_changes() found.
struct ChangedSince {
    MailboxState state;  // as EXAMINE opened the mailbox
    // fetch_metadata("1:*", modseq)'s answer: every message changed since
    // the modseq (new ones included). Empty when `state` has no
    // highest_modseq (NOMODSEQ): the server could not tell.
    std::vector<MessageMeta> changed;
    std::optional<UidInventory> inventory;  // uid_inventory()'s, when asked for
};

enum class FlagOperation { add, remove, replace };

// One UID STORE of Client::store_flags(std::vector<FlagStore>).
struct FlagStore {
    std::string uid_set;
    FlagOperation op = FlagOperation::add;
    std::vector<std::string> flags;
};

// What became of one message append() sent.
struct AppendOutcome {
    enum class Status {
        // The server's tagged OK arrived: the message is in the mailbox.
        appended,
        // The message is not in the mailbox: the server refused it (NO/BAD;
        // with MULTIAPPEND the whole command, RFC 3502 §6.3.11), or the call
        // stopped before its command was complete (AppendResult::error).
        failed,
        // Its command was complete, but the call stopped (AppendResult::error)
        // before the answer was read: it may or may not be in the mailbox.
        unknown,
    };
    Status status = Status::unknown;
    // appended: its UID in the target when APPENDUID (RFC 4315) reported it.
    std::optional<std::uint32_t> uid;
    // failed: command_failed (NO) or command_rejected (BAD) quoting the
    // server's line ("NO [OVERQUOTA] ..."), or the error that stopped the call.
    std::optional<Error> error;
};

struct AppendResult {
    std::optional<std::uint32_t> uidvalidity;  // from APPENDUID (UIDPLUS)
    // One per message sent (at least in part), in the order the batch
    // produced them. Messages the batch did not produce before the call
    // ended are not here and were not sent.
    std::vector<AppendOutcome> messages;
    // messages[i].uid for every message, for callers that want only UIDs.
    std::vector<std::optional<std::uint32_t>> uids;
    // Set when the AppendBatch (or a refused message's BodySource while it
    // was skipped) failed between two messages: no later message was taken.
    std::optional<boost::system::error_code> source_error;
    // Set when the call stopped early and closed the connection: timeout,
    // hang-up, BYE, a BodySource that failed or gave the wrong byte count
    // (body_size_mismatch; an announced literal cannot be cut short). The
    // batch may not have been read to its end.
    std::optional<Error> error;

    // How many messages are in the mailbox for sure.
    std::size_t appended_count() const noexcept;
    // Every message the batch produced is in the mailbox.
    bool all_appended() const noexcept {
        return !error && !source_error && appended_count() == messages.size();
    }
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
    // QRESYNC was enabled (`* ENABLED QRESYNC`, RFC 7162 §3.2.3): expunges
    // arrive as VANISHED, and select() may take QresyncParams.
    bool qresync_enabled() const noexcept { return qresync_; }
    // COMPRESS=DEFLATE is active.
    bool is_compressed() const noexcept;
    // The hierarchy separator, once known (list_folders() or the first
    // operation that needed it).
    std::optional<char> separator() const noexcept { return separator_; }

    // LIST "" "*", with RETURN (SPECIAL-USE) and RETURN (STATUS (...))
    // (LIST-STATUS, RFC 5819) when offered: one command for every folder's
    // attributes and STATUS.
    awaitable<ClientResult<std::vector<Folder>>> list_folders();
    // NAMESPACE (RFC 2342); empty when not offered.
    awaitable<ClientResult<Namespaces>> namespaces();
    // SELECT, or EXAMINE when `read_only` (dry runs). With `qresync` and
    // QRESYNC enabled: SELECT name (QRESYNC (uidvalidity modseq
    // [known-uids])), and MailboxState::qresync says what became of it;
    // without QRESYNC enabled the parameter is not sent (unavailable).
    awaitable<ClientResult<MailboxState>> select(
        std::string name, bool read_only, std::optional<QresyncParams> qresync = std::nullopt);
    // The mailbox the last successful select() opened (its name as given
    // there) and whether read-only; empty before one and after one failed.
    struct Selection {
        std::string name;
        bool read_only = true;
    };
    const std::optional<Selection>& selection() const noexcept { return selection_; }
    // STATUS (MESSAGES UIDNEXT UIDVALIDITY [HIGHESTMODSEQ]), HIGHESTMODSEQ
    // with CONDSTORE: whether the mailbox changed. StatusDetail::overview
    // also asks for UNSEEN and, with STATUS=SIZE (RFC 8438), SIZE, which
    // the server may have to count (then among MailboxStatus::items).
    enum class StatusDetail { changes, overview };
    awaitable<ClientResult<MailboxStatus>> status(std::string name,
                                                  StatusDetail detail = StatusDetail::overview);
    // GETQUOTAROOT (RFC 9208 §4.3): every resource of every quota root
    // `mailbox` is under. Without QUOTA: not_supported.
    awaitable<ClientResult<std::vector<QuotaResource>>> quota_root(std::string mailbox);
    // CREATE; true when created, false when it already existed
    // ([ALREADYEXISTS], RFC 5530, or a NO for a name LIST shows).
    awaitable<ClientResult<bool>> create(std::string name);

    // In the selected mailbox: UID FETCH set (UID FLAGS INTERNALDATE
    // RFC822.SIZE [MODSEQ] [X-GM-MSGID X-GM-LABELS] BODY.PEEK[HEADER.FIELDS
    // (MESSAGE-ID)]), the X-GM items when the server offers X-GM-EXT-1
    // [(CHANGEDSINCE n)], in one command. Results in the server's order.
    awaitable<ClientResult<std::vector<MessageMeta>>> fetch_metadata(
        std::string uid_set, std::optional<std::uint64_t> changed_since = std::nullopt);

    // EXAMINE `name`, and without waiting for it (RFC 3501 §5.5: UID
    // commands may follow) fetch_metadata("1:*", modseq) and, with
    // `inventory` and ESEARCH, uid_inventory()'s two searches: what changed
    // in a mailbox in one round trip instead of two or three. Nothing sent
    // after EXAMINE writes, so if EXAMINE fails (and they fail with it, or
    // read the mailbox selected before) nothing is lost; that error is
    // returned. The answers speak for the mailbox of `state`: the caller
    // checks its UIDVALIDITY before trusting `changed`. Needs CONDSTORE
    // enabled (else not_supported); `modseq` must be non-zero.
    awaitable<ClientResult<ChangedSince>> examine_changes(std::string name, std::uint64_t modseq,
                                                          bool inventory);

    // In the selected mailbox, with QRESYNC enabled: UID FETCH set (UID
    // FLAGS MODSEQ) (CHANGEDSINCE modseq VANISHED) (RFC 7162 §3.2.6): the
    // messages of `uid_set` whose flags changed since `modseq` (new ones
    // included) and those expunged since then. Without QRESYNC:
    // not_supported (fetch_metadata() with changed_since still works with
    // CONDSTORE, without the expunges). `modseq` must be non-zero.
    awaitable<ClientResult<MailboxChanges>> fetch_changes(std::string uid_set,
                                                          std::uint64_t modseq);

    // In the selected mailbox: UID FETCH set (UID BODY.PEEK[]), each body
    // streamed to `sink` (begin(uid, size), data..., end) as it arrives.
    // Returns the number of messages delivered (begin calls). UIDs the
    // server no longer has are skipped silently (RFC 3501 §6.4.8). A sink
    // error stops the fetch (stream_failed) and closes the connection.
    // RFC 3501 §7.4.2 lets a server send UID after BODY[]; a body streamed
    // (above ParseLimits::inline_literal_max) before its UID is known is
    // dropped unseen by the sink, and once the command completes each such
    // UID is fetched again with its own `UID FETCH n (UID BODY.PEEK[])`, so
    // the sink still gets begin() with the right UID before the bytes. Such
    // bodies cross the wire twice; inline bodies never need it.
    // A FETCH response whose body has no UID at all is a protocol_error.
    awaitable<ClientResult<std::size_t>> fetch_bodies(std::string uid_set, net::BodySink& sink);
    // The same as one pipelined `UID FETCH uid (UID BODY.PEEK[])` per UID,
    // pipeline_window in flight: for long lists of scattered UIDs. Bodies
    // streamed before their UID are fetched again as in fetch_bodies().
    awaitable<ClientResult<std::size_t>> fetch_bodies_each(std::vector<std::uint32_t> uids,
                                                           net::BodySink& sink);

    // APPEND to `mailbox` every message `batch` produces; per-message
    // outcomes in AppendResult::messages. With MULTIAPPEND (RFC 3502) it is
    // one command (all or nothing on the server). Without, one APPEND per
    // message, pipelined: with LITERAL+ (RFC 7888; LITERAL- for n <= 4096)
    // literals are `{n+}` and up to ClientOptions::pipeline_window commands
    // are in flight; with synchronizing literals the next APPEND goes out
    // right after the previous literal, waiting only for its own `+`. A NO
    // or BAD for one message is its outcome (failed, with the server's
    // line) and the later messages are still sent; with MULTIAPPEND a NO
    // ends the call (the rest of the batch is not read). Anything that
    // closes the connection (AppendResult::error) keeps the outcomes known
    // so far: messages whose tagged OK was read stay appended. Returns an
    // error only when nothing was sent (the connection was closed, or
    // learning the hierarchy separator failed).
    awaitable<ClientResult<AppendResult>> append(std::string mailbox, net::AppendBatch& batch);

    // UID STORE set +FLAGS/-FLAGS/FLAGS[.SILENT] (flags).
    // In the selected mailbox, Gmail (X-GM-EXT-1): UID STORE set
    // +X-GM-LABELS (labels), each label quoted as given ("\\Inbox",
    // modified UTF-7 user labels).
    awaitable<ClientResult<void>> add_gmail_labels(std::string uid_set,
                                                   std::vector<std::string> labels);
    awaitable<ClientResult<void>> store_flags(std::string uid_set, FlagOperation op,
                                              std::vector<std::string> flags, bool silent = true);
    // Every one of `stores` as UID STORE ... .SILENT, pipelined (none waits
    // for another's answer, RFC 3501 §5.5.1), so n stores cost one round
    // trip. Each store's own outcome, in order (std::nullopt: done); the call
    // itself fails only when the connection does.
    awaitable<ClientResult<std::vector<std::optional<Error>>>> store_flags(
        std::vector<FlagStore> stores);
    // UID EXPUNGE set (RFC 4315 §2.1); the messages must carry \Deleted.
    // Without UIDPLUS this fails with not_supported rather than run a plain
    // EXPUNGE, which would also remove messages other clients marked
    // \Deleted: the safe fallback is for the caller to leave them marked.
    awaitable<ClientResult<void>> expunge_uids(std::string uid_set);
    // Removes exactly the messages of `uid_set` from the selected mailbox:
    // UID STORE set +FLAGS.SILENT (\Deleted), then UID EXPUNGE set, so
    // messages other clients marked \Deleted stay. Without UIDPLUS the
    // STORE still happens and the call fails with not_supported, leaving
    // the messages marked (as expunge_uids()).
    awaitable<ClientResult<void>> delete_uids(std::string uid_set);
    // In the selected mailbox: moves the messages of `uid_set` to
    // `destination`. With MOVE (RFC 6851): UID MOVE. Otherwise UID COPY,
    // UID STORE +FLAGS.SILENT (\Deleted), UID EXPUNGE, which needs UIDPLUS:
    // without it the call fails with not_supported after the STORE, the
    // copies staying in the destination and the originals marked \Deleted
    // (as expunge_uids()). A NO from COPY or MOVE leaves the source as it was.
    awaitable<ClientResult<MoveResult>> move_uids(std::string uid_set, std::string destination);
    // UID SEARCH HEADER Message-ID "msgid": the UIDs, ascending.
    awaitable<ClientResult<std::vector<std::uint32_t>>> search_message_id(std::string message_id);
    // Every UID of the selected mailbox, ascending: UID SEARCH RETURN (ALL)
    // ALL with ESEARCH (RFC 4731), else UID FETCH 1:* (UID). Far cheaper than
    // fetch_metadata() when only existence is needed.
    awaitable<ClientResult<std::vector<std::uint32_t>>> list_uids();
    // Every UID of the selected mailbox and which are \Deleted, without any
    // other metadata: with ESEARCH `UID SEARCH RETURN (ALL) ALL` and `UID
    // SEARCH RETURN (ALL) DELETED` (two compact sets), else `UID FETCH 1:*
    // (UID FLAGS)`.
    awaitable<ClientResult<UidInventory>> uid_inventory();
    // Which UIDs of `uid_set` the selected mailbox still has, ascending: one
    // `UID FETCH set (UID)` (RFC 3501 §6.4.8: UIDs that do not exist are
    // left out of the answer), for a few UIDs of a large mailbox.
    awaitable<ClientResult<std::vector<std::uint32_t>>> existing_uids(std::string uid_set);
    awaitable<ClientResult<void>> noop();
    // In the selected mailbox: with IDLE (RFC 2177), IDLE until an untagged
    // EXISTS, EXPUNGE, VANISHED or FETCH arrives or `max_wait` (at most max_idle_wait)
    // passes, then DONE and its OK; without IDLE, one NOOP. Either way the
    // outcome reports the changes seen, so callers loop on it. A BYE meanwhile
    // is server_bye. A terminal cancellation of the awaiting coroutine while
    // idling cuts the wait short the same way: DONE, its OK (due within
    // Timeouts::command, else timed_out and closed), and the outcome of what
    // was seen so far, the connection staying usable (for LOGOUT). Cancelled
    // while IDLE is being started, or during the NOOP, it closes the
    // connection like any operation (never left idling).
    awaitable<ClientResult<IdleOutcome>> idle(std::chrono::seconds max_wait);

    // LOGOUT within Timeouts::logout, then close. Never fails.
    awaitable<void> logout();
    // Closes at once.
    void close() noexcept;

    // The server's name for a '/'-separated UTF-8 mailbox name.
    std::string encode_mailbox(std::string_view name) const;

  private:
    explicit Client(std::unique_ptr<detail::Connection> conn, ClientOptions options);
    // UID SEARCH RETURN (ALL) criteria (ESEARCH): the UIDs, ascending.
    awaitable<ClientResult<std::vector<std::uint32_t>>> search_all_uids(std::string_view criteria);
    // UID FETCH set (UID) or (UID FLAGS): the set's UIDs that exist, and with
    // the flags the \Deleted ones, ascending.
    awaitable<ClientResult<UidInventory>> fetch_uids(std::string uid_set, bool with_flags);
    awaitable<std::optional<Error>> negotiate();
    awaitable<std::optional<Error>> starttls();
    awaitable<std::optional<Error>> login();
    awaitable<std::optional<Error>> login_with_mechanism();
    awaitable<std::optional<Error>> authenticate(
        std::string mechanism, std::optional<std::string> initial_response,
        std::function<std::optional<std::string>(std::string_view)> respond);
    // OAUTHBEARER or XOAUTH2: sends `initial`, answers the server's error
    // challenge with `dummy` and puts the challenge's JSON into the Error.
    awaitable<std::optional<Error>> authenticate_oauth(std::string mechanism, std::string initial,
                                                       std::string dummy);
    awaitable<std::optional<Error>> login_command();
    awaitable<std::optional<Error>> refresh_capabilities(std::string step);
    awaitable<std::optional<Error>> after_login();
    // The ENABLE to send after login, if any (CONDSTORE without ENABLE is
    // turned on by SELECT's parameter instead).
    std::optional<std::string> enable_command();
    awaitable<std::optional<Error>> enable_and_identify();
    awaitable<std::optional<Error>> learn_separator();
    std::string list_command() const;
    // What STATUS asks for: the change-detecting items, plus with `overview`
    // UNSEEN and (STATUS=SIZE) SIZE.
    std::string status_items(bool overview) const;
    awaitable<ClientResult<AppendResult>> append_multi(std::string mailbox,
                                                       net::AppendBatch& batch);
    awaitable<ClientResult<AppendResult>> append_single(std::string mailbox,
                                                        net::AppendBatch& batch);
    std::optional<Error> require_selected(const std::string& step) const;
    // `SELECT "name"` or `EXAMINE "name"` (with the CONDSTORE parameter when
    // it is enabled without ENABLE).
    std::string select_command(const std::string& name, bool read_only) const;
    // The MailboxState a successful SELECT/EXAMINE (`c`) reported through
    // `handler`; the mailbox is then the selection.
    MailboxState selected(detail::SelectHandler& handler, const detail::Completion& c,
                          std::string name, bool read_only);
    // fetch_metadata()'s command.
    std::string metadata_command(const std::string& uid_set,
                                 std::optional<std::uint64_t> changed_since) const;

    std::unique_ptr<detail::Connection> conn_;
    ClientOptions options_;
    std::string server_;
    bool preauth_ = false;
    bool condstore_ = false;
    bool qresync_ = false;
    std::optional<char> separator_;
    std::map<std::string, std::string> raw_names_;  // Folder::name -> raw_name
    std::optional<Selection> selection_;
};

// The decision behind STARTTLS (SPEC "Security defaults"): whether an
// imap:// session may go on without TLS. true: STARTTLS is required (the
// server must offer it); false: plain text is acceptable (loopback or
// allow_plaintext). Also used before sending a password.
bool starttls_required(bool peer_is_loopback, bool allow_plaintext) noexcept;

}  // namespace mailferry::imap
