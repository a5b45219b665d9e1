#pragma once
// The IMAP4rev1 server session (RFC 3501) behind run_imap_session(): the
// read loop, the state machine and the command handlers. The handlers live
// in auth_commands.cpp, mailbox_commands.cpp, message_commands.cpp,
// search_commands.cpp and quota_commands.cpp; this header is internal to the
// IMAP server.
//
// One Session per connection, on the server's io_context thread. Output is
// collected in a buffer and written at least once per command and whenever
// it grows past a threshold, so a large FETCH is written one message at a
// time rather than as one string for the whole mailbox.

#include "contrib/testserver/imap/command.hpp"
#include "contrib/testserver/imap/command_parser.hpp"
#include "contrib/testserver/imap/selected_mailbox.hpp"
#include "contrib/testserver/session_context.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::testserver::imap {

enum class SessionState { not_authenticated, authenticated, selected, logout };

// How a command ends: the tagged status and text (with any response code),
// or no tagged response at all when the connection is being closed.
struct Completion {
    enum class Status { ok, no, bad };
    Status status = Status::ok;
    std::string text;
    bool close = false;     // close the connection after the tagged line
    bool answered = false;  // the handler already sent the tagged line (STARTTLS)

    static Completion ok(std::string t) { return {Status::ok, std::move(t), false, false}; }
    static Completion no(std::string t) { return {Status::no, std::move(t), false, false}; }
    static Completion bad(std::string t) { return {Status::bad, std::move(t), false, false}; }
    // The connection ended or must end without a tagged response.
    static Completion closed() { return {Status::ok, {}, true, true}; }
};

class Session {
  public:
    Session(Connection& conn, SessionContext& ctx);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    net::awaitable<void> run();

  private:
    // ---- I/O (session.cpp) ----
    // Appends to the output buffer.
    void emit(std::string_view data) { out_ += data; }
    // Writes the output buffer; false when the connection failed.
    net::awaitable<bool> flush();
    // Flushes when the buffer is large (streaming FETCH).
    net::awaitable<bool> flush_if_large();
    // Reads more input into in_ within the autologout deadline; false on
    // EOF, error or autologout (then BYE was sent and the connection closed).
    net::awaitable<bool> fill();
    // One raw line (without CRLF) outside the command parser, for IDLE's
    // DONE and AUTHENTICATE responses; nullopt when the connection ended.
    // A line above max_line is returned truncated with `too_long` set.
    net::awaitable<std::optional<std::string>> read_raw_line(bool& too_long);
    net::awaitable<Completion> dispatch(const Command& cmd);
    net::awaitable<void> finish(const Command& cmd, Completion done, bool allow_expunge);
    // Carries out one command with whatever `at=` fault fires on it
    // (faults.hpp).
    net::awaitable<void> execute(const Command& cmd);
    // A fault's effect, once the command's answer (if any) is cut to what
    // the fault lets through.
    net::awaitable<void> apply_fault(const Command& cmd, const VerbFault& fault);
    // Reads and ignores the client until it hangs up (a stalled server).
    net::awaitable<void> stall();
    // A command a throttle= fault refuses: NO [THROTTLED], or BYE and close.
    net::awaitable<void> refuse_throttled(const Command& cmd);
    std::string capabilities() const;
    // The extension ("AUTH=PLAIN", "UIDPLUS") is not in
    // ServerLimits::disabled_capabilities; a hidden one's commands get BAD.
    bool offers(std::string_view name) const;
    // Untagged updates for the selected mailbox, if any.
    void emit_updates(bool allow_expunge);
    void wake() noexcept;

    // ---- not authenticated (auth_commands.cpp) ----
    net::awaitable<Completion> cmd_capability(const Command& cmd);
    net::awaitable<Completion> cmd_starttls(const Command& cmd);
    net::awaitable<Completion> cmd_login(const Command& cmd);
    net::awaitable<Completion> cmd_authenticate(const Command& cmd);
    // After a decoded XOAUTH2 initial response without an oauth2 issuer (the
    // password is the token): log in, or the error challenge then NO.
    net::awaitable<Completion> finish_xoauth2(const std::string& decoded);
    // OAUTHBEARER / XOAUTH2 with the oauth2 issuer: log in, or BAD for a
    // malformed response, or the RFC 7628 failure challenge then NO.
    net::awaitable<Completion> finish_bearer(std::string mechanism, std::string response);
    net::awaitable<Completion> cmd_logout(const Command& cmd);
    Completion login_failed(std::string text);
    // Enters the authenticated state as `user`; the tagged OK carries the
    // capabilities (RFC 3501 §7.2.1 allows them there).
    Completion logged_in_as(std::string user);
    // An AUTHENTICATE challenge: sends "+ text" and reads the client's line.
    struct ChallengeReply {
        std::string line;
        bool too_long = false;
    };
    // nullopt when the connection ended.
    net::awaitable<std::optional<ChallengeReply>> challenge(std::string text);

    // ---- authenticated (mailbox_commands.cpp) ----
    net::awaitable<Completion> cmd_select(const Command& cmd, bool read_only);
    net::awaitable<Completion> cmd_create(const Command& cmd);
    net::awaitable<Completion> cmd_delete(const Command& cmd);
    net::awaitable<Completion> cmd_rename(const Command& cmd);
    net::awaitable<Completion> cmd_subscribe(const Command& cmd, bool on);
    net::awaitable<Completion> cmd_list(const Command& cmd, bool lsub);
    net::awaitable<Completion> cmd_status(const Command& cmd);
    // "MESSAGES 3 UIDNEXT 9" for the STATUS items `wanted` (STATUS, and
    // LIST's STATUS return option), or the BAD text for an unknown item.
    boost::system::result<std::string, std::string> status_items(const MailboxInfo& info,
                                                                 const std::vector<Arg>& wanted);
    // An upper-cased STATUS item this server answers.
    bool status_item_offered(std::string_view word) const;
    net::awaitable<Completion> cmd_namespace(const Command& cmd);
    net::awaitable<Completion> cmd_id(const Command& cmd);
    net::awaitable<Completion> cmd_enable(const Command& cmd);
    net::awaitable<Completion> cmd_append(const Command& cmd);
    net::awaitable<Completion> cmd_idle(const Command& cmd);
    // IDLE's two halves, run together: reading DONE, and pushing updates.
    net::awaitable<Completion> idle_read();
    net::awaitable<void> idle_push();

    // ---- QUOTA, RFC 9208 (quota_commands.cpp) ----
    // One quota root, "", holds all of the user's mailboxes, with one
    // resource, STORAGE (ServerLimits::quota_kib).
    // A limit is configured and QUOTA is not hidden.
    bool quota_offered() const;
    // --emulate gmail and X-GM-EXT-1 not disabled.
    bool gmail_offered() const { return ctx_.gmail != nullptr && offers("X-GM-EXT-1"); }
    net::awaitable<Completion> cmd_getquota(const Command& cmd);
    net::awaitable<Completion> cmd_getquotaroot(const Command& cmd);
    // NO [OVERQUOTA] when adding `octets` to the user's mailboxes would take
    // the usage past the limit (RFC 9208 §4.3.1); nullopt when it fits, when
    // nothing is added, or without a quota. `verb` starts the text.
    std::optional<Completion> over_quota(std::uint64_t octets, std::string_view verb) const;

    // ---- selected (message_commands.cpp, search_commands.cpp) ----
    net::awaitable<Completion> cmd_fetch(const Command& cmd, std::size_t first, bool uid);
    net::awaitable<Completion> cmd_store(const Command& cmd, std::size_t first, bool uid);
    // STORE [+-]X-GM-LABELS[.SILENT] (Gmail); `item` indexes the item argument.
    net::awaitable<Completion> store_gmail_labels(const Command& cmd, std::size_t item,
                                                  const std::vector<std::uint32_t>& seqs, bool uid,
                                                  bool silent);
    net::awaitable<Completion> cmd_copy(const Command& cmd, std::size_t first, bool uid, bool move);
    net::awaitable<Completion> cmd_expunge(const Command& cmd, std::size_t first, bool uid);
    net::awaitable<Completion> cmd_close(const Command& cmd, bool expunge);
    net::awaitable<Completion> cmd_search(const Command& cmd, std::size_t first, bool uid);

    // The selected view's sequence numbers named by a sequence set (or UID
    // set with `uid`), ascending, each once. nullopt when the set is invalid.
    std::optional<std::vector<std::uint32_t>> resolve_set(std::string_view text, bool uid) const;
    // A mailbox name argument in the store's canonical form; nullopt when
    // it is not valid modified UTF-7 or not an acceptable name.
    static std::optional<std::string> mailbox_arg(const Arg& arg);

    Connection& conn_;
    SessionContext& ctx_;
    CommandParser parser_;
    std::string in_;
    std::size_t in_pos_ = 0;
    std::string out_;
    SessionState state_ = SessionState::not_authenticated;
    std::string user_;
    std::unique_ptr<SelectedMailbox> selected_;
    bool condstore_ = false;  // RFC 7162 §3.1: enabled by ENABLE or a CONDSTORE command
    int failed_logins_ = 0;
    bool autologout_ = false;
    bool holds_connection_slot_ = false;  // max-connections: given back on close
    bool idle_done_ = false;              // fill() gave up for inactivity: say BYE before closing
    std::unique_ptr<boost::asio::steady_timer> wakeup_;  // cancelled when the store changes
};

}  // namespace mailferry::testserver::imap
