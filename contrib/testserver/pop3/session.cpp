// The POP3 server session (RFC 1939, CAPA and response codes from RFC 2449,
// STLS from RFC 2595, AUTH PLAIN from RFC 5034 and RFC 4616, and with oauth2
// users AUTH OAUTHBEARER (RFC 7628) and XOAUTH2 checked with the issuer).
//
// One coroutine per connection. Each read is parsed line by line; the
// answers to every command found in it are collected and sent in one write
// (RFC 2449 §6.6 PIPELINING). RETR and TOP bodies are dot-stuffed chunk by
// chunk and flushed as the output grows, so a big message never gets a
// second, stuffed copy in memory.

#include "clients/net/deadline.hpp"
#include "clients/wire/ascii.hpp"
#include "clients/wire/base64.hpp"
#include "clients/wire/decimal.hpp"
#include "clients/wire/digest.hpp"
#include "clients/wire/sasl.hpp"
#include "contrib/testserver/oauth2/bearer_login.hpp"
#include "contrib/testserver/pop3/apop.hpp"
#include "contrib/testserver/pop3/command_parser.hpp"
#include "contrib/testserver/pop3/dot_stuffing.hpp"
#include "contrib/testserver/pop3/maildrop.hpp"
#include "contrib/testserver/session_context.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mailferry::testserver {

namespace pop3 {

namespace {

using namespace std::chrono_literals;

constexpr std::size_t read_size = 16 * 1024;
constexpr std::size_t body_chunk = 16 * 1024;
constexpr std::size_t flush_threshold = 64 * 1024;
// RFC 1939 §3: responses may be up to 512 octets including the CRLF.
constexpr std::size_t max_response_line = 510;
constexpr auto shutdown_timeout = 5s;

// Holds the POP3 maildrop lock (RFC 1939 §8: exclusive-access lock) and
// releases it on every way out of the session.
class MaildropLock {
  public:
    MaildropLock(MailStore& store, std::string user) : store_(store), user_(std::move(user)) {}
    ~MaildropLock() { store_.unlock_maildrop(user_); }
    MaildropLock(const MaildropLock&) = delete;
    MaildropLock& operator=(const MaildropLock&) = delete;

    const std::string& user() const noexcept { return user_; }

  private:
    MailStore& store_;
    std::string user_;
};

// RFC 1939 §7 TOP: the line count is a non-negative decimal number.
std::optional<std::uint64_t> parse_line_count(std::string_view s) {
    if (s.empty() ||
        !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    // More lines than any message has: the whole body.
    return wire::parse_u64(s).value_or(UINT64_MAX);
}

class Session {
  public:
    Session(Connection conn, SessionContext& ctx)
        : conn_(std::move(conn)), ctx_(ctx), timestamp_(make_apop_timestamp(ctx.hostname)) {}

    net::awaitable<void> run();

  private:
    enum class State { authorization, transaction };

    net::awaitable<void> handle_line(CommandParser::Event event);
    net::awaitable<void> handle_command(Command cmd);
    void handle_authorization(const Command& cmd);
    void handle_transaction_simple(const Command& cmd);
    net::awaitable<void> send_message(std::string keyword, std::vector<std::string> args);
    void handle_auth(const Command& cmd);
    void finish_plain(std::string_view base64);
    void finish_bearer(oauth2::BearerMechanism mechanism, std::string_view base64);
    void capa();
    void quit();
    void login_failed(std::string_view why);
    void login(const std::string& user);
    std::optional<std::size_t> select(std::string_view arg);
    net::awaitable<bool> flush();
    net::awaitable<void> close();
    // Reads and ignores the client until it hangs up (a stalled server).
    net::awaitable<void> stall();
    void reply(std::string_view line);

    template <typename... Args>
    void log_info(fmt::format_string<Args...> format, Args&&... args) {
        if (ctx_.log) {
            ctx_.log->info("pop3 {}: {}", conn_.peer(),
                           fmt::format(format, std::forward<Args>(args)...));
        }
    }

    Connection conn_;
    SessionContext& ctx_;
    CommandParser parser_;
    State state_ = State::authorization;
    std::string timestamp_;
    std::string user_;  // from USER, waiting for PASS
    bool auth_in_progress_ = false;
    // What the AUTH response line being waited for answers.
    enum class PendingAuth { plain, oauthbearer, xoauth2, bearer_failure };
    PendingAuth pending_auth_ = PendingAuth::plain;
    std::string bearer_failure_;  // why the token was refused, for the -ERR after the dummy
    int failed_logins_ = 0;
    std::optional<MaildropLock> lock_;
    std::optional<Maildrop> maildrop_;
    std::string out_;
    bool closing_ = false;   // answer what is queued, then close
    bool dropping_ = false;  // fault injection: close without answering
    bool stalling_ = false;  // fault injection: answer nothing more
    bool start_tls_ = false;
};

void Session::reply(std::string_view line) {
    out_.append(line.substr(0, max_response_line));
    out_.append("\r\n");
}

net::awaitable<bool> Session::flush() {
    if (out_.empty()) {
        co_return conn_.is_open();
    }
    const std::string data = std::exchange(out_, {});
    const auto written =
        co_await net::with_deadline(conn_.write(data), ctx_.limits.pop3_autologout);
    if (!written || *written) {
        closing_ = true;
        co_return false;
    }
    co_return true;
}

net::awaitable<void> Session::close() {
    if (conn_.is_open()) {
        co_await net::with_deadline(conn_.shutdown(), shutdown_timeout);
    }
    conn_.close();
}

net::awaitable<void> Session::stall() {
    std::array<char, read_size> buffer{};
    for (;;) {
        const auto got =
            co_await net::with_deadline(conn_.read_some(buffer), ctx_.limits.pop3_autologout);
        if (!got || got->first) {
            break;
        }
    }
    conn_.close();
}

net::awaitable<void> Session::run() {
    log_info("connected{}", conn_.is_tls() ? " (TLS)" : "");
    reply(fmt::format("+OK mailferry POP3 test server ready {}", timestamp_));
    std::array<char, read_size> buffer{};
    while (true) {
        const bool sent = co_await flush();
        if (!sent) {
            break;
        }
        const auto got =
            co_await net::with_deadline(conn_.read_some(buffer), ctx_.limits.pop3_autologout);
        if (!got) {
            // RFC 1939 §3: an autologout timer closes the connection without
            // entering the UPDATE state, so no deletion takes effect.
            log_info("autologout after {}s idle", ctx_.limits.pop3_autologout.count());
            reply("-ERR autologout: idle for too long");
            co_await flush();
            break;
        }
        const auto [ec, size] = *got;
        if (ec) {
            log_info("connection closed: {}", ec.message());
            break;
        }
        std::string_view input(buffer.data(), size);
        while (!input.empty() && !closing_ && !dropping_ && !stalling_ && !start_tls_) {
            const auto result = parser_.feed(input);
            input.remove_prefix(result.consumed);
            if (result.event != CommandParser::Event::need_more) {
                co_await handle_line(result.event);
            }
        }
        if (dropping_) {
            co_await flush();
            conn_.close();
            co_return;
        }
        if (stalling_) {
            co_await flush();
            co_await stall();
            co_return;
        }
        if (closing_) {
            co_await flush();
            break;
        }
        if (start_tls_) {
            start_tls_ = false;
            const bool answered = co_await flush();
            if (!answered) {
                break;
            }
            // RFC 2595 §4 (and CVE-2011-0411): anything the client sent after
            // STLS in plaintext is dropped, never executed inside TLS.
            parser_.reset();
            const auto handshake = co_await net::with_deadline(conn_.start_tls(*ctx_.tls),
                                                               ctx_.limits.pop3_autologout);
            if (!handshake || *handshake) {
                log_info("STLS handshake failed");
                conn_.close();
                co_return;
            }
            // RFC 2595 §4: forget what the client said before TLS.
            user_.clear();
        }
    }
    co_await close();
}

net::awaitable<void> Session::handle_line(CommandParser::Event event) {
    if (event == CommandParser::Event::response) {
        auth_in_progress_ = false;
        const std::string& response = parser_.response();
        if (pending_auth_ == PendingAuth::bearer_failure) {
            // RFC 7628 §3.2.3: the client's dummy response (or "*") only
            // ends the exchange; the AUTH has failed either way.
            login_failed(bearer_failure_);
        } else if (response == "*") {
            reply("-ERR authentication cancelled");
        } else if (pending_auth_ == PendingAuth::plain) {
            finish_plain(response);
        } else {
            finish_bearer(pending_auth_ == PendingAuth::oauthbearer
                              ? oauth2::BearerMechanism::oauthbearer
                              : oauth2::BearerMechanism::xoauth2,
                          response);
        }
        co_return;
    }
    if (ctx_.faults.on_command()) {
        log_info("fault injection: dropping the connection");
        dropping_ = true;
        co_return;
    }
    if (event == CommandParser::Event::error) {
        if (auth_in_progress_) {
            auth_in_progress_ = false;
            reply(fmt::format("-ERR authentication failed: {}", describe(parser_.error())));
        } else {
            reply(fmt::format("-ERR {}", describe(parser_.error())));
        }
        co_return;
    }
    const Command& cmd = parser_.command();
    if (state_ == State::transaction && cmd.keyword != "QUIT" &&
        ctx_.faults.throttles(lock_->user(), cmd.keyword.size(),
                              std::chrono::steady_clock::now())) {
        if (ctx_.log) {
            ctx_.log->warn("pop3 {}: throttled {} of {}", conn_.peer(), cmd.keyword, lock_->user());
        }
        reply("-ERR [SYS/TEMP] Too many requests; slow down and try again later");
        dropping_ = ctx_.faults.throttle_action() == ThrottleAction::bye;
        co_return;
    }
    const std::optional<VerbFault> fault = ctx_.faults.on_verb(cmd.keyword);
    if (ctx_.log) {
        ctx_.log->debug("pop3 {}: {}", conn_.peer(), cmd.keyword);
    }
    if (!fault) {
        co_await handle_command(cmd);
        co_return;
    }
    if (ctx_.log) {
        ctx_.log->warn("pop3 {}: fault fired: {}", conn_.peer(), fault->describe());
    }
    const std::size_t unanswered = out_.size();
    if (fault->timing != FaultTiming::instead) {
        co_await handle_command(cmd);
        if (fault->timing == FaultTiming::after) {
            out_.resize(unanswered);
        } else if (fault->timing == FaultTiming::mid) {
            out_.resize(unanswered + (out_.size() - unanswered) / 2);
        }
    }
    switch (fault->effect) {
        case FaultEffect::drop:
            dropping_ = true;
            break;
        case FaultEffect::bye:
            reply("-ERR [SYS/TEMP] fault injected: server going away");
            dropping_ = true;
            break;
        case FaultEffect::no:
            reply("-ERR [SYS/TEMP] fault injected: try again later");
            break;
        case FaultEffect::stall:
            stalling_ = true;
            break;
    }
}

net::awaitable<void> Session::handle_command(Command cmd) {
    const std::string& k = cmd.keyword;
    if (k == "QUIT") {
        quit();
    } else if (k == "CAPA") {
        capa();
    } else if (state_ == State::authorization) {
        handle_authorization(cmd);
    } else if (k == "RETR" || k == "TOP") {
        co_await send_message(std::move(cmd.keyword), std::move(cmd.args));
    } else {
        handle_transaction_simple(cmd);
    }
}

void Session::capa() {
    // RFC 2449 §5: the capabilities valid in the current state.
    reply("+OK capability list follows");
    reply("TOP");
    if (!ctx_.faults.no_uidl()) {
        reply("UIDL");
    }
    if (state_ == State::authorization) {
        reply("USER");
        reply(ctx_.oauth2 != nullptr ? "SASL PLAIN OAUTHBEARER XOAUTH2" : "SASL PLAIN");
        if (ctx_.tls != nullptr && !conn_.is_tls()) {
            reply("STLS");
        }
    }
    reply("RESP-CODES");
    reply("AUTH-RESP-CODE");
    reply("PIPELINING");
    reply("EXPIRE NEVER");
    reply("IMPLEMENTATION mailferry");
    reply(".");
}

void Session::quit() {
    closing_ = true;
    if (state_ != State::transaction) {
        reply("+OK mailferry POP3 server signing off");
        return;
    }
    // RFC 1939 §6: the UPDATE state removes the messages marked deleted.
    const auto uids = maildrop_->deleted_uids();
    const std::size_t left = maildrop_->count();
    const std::string user = lock_->user();
    StoreError error = StoreError::ok;
    std::size_t removed = 0;
    if (!uids.empty()) {
        removed = ctx_.store.expunge(user, "INBOX", uids, &error).size();
    }
    // Unlock before answering: a client that reconnects right after +OK
    // must find the maildrop free.
    maildrop_.reset();
    lock_.reset();
    if (error != StoreError::ok) {
        log_info("UPDATE failed for {}: {}", user, ctx_.store.last_io_error());
        reply(
            fmt::format("-ERR [SYS/TEMP] some deleted messages not removed: {}", describe(error)));
        return;
    }
    log_info("{} logged out, {} messages deleted", user, removed);
    reply(fmt::format("+OK mailferry POP3 server signing off ({} messages deleted, {} left)",
                      uids.size(), left));
}

void Session::handle_authorization(const Command& cmd) {
    const std::string& k = cmd.keyword;
    const auto& args = cmd.args;
    if (k == "USER") {
        if (args.size() != 1) {
            reply("-ERR usage: USER name");
            return;
        }
        // Whether the user exists is told only after PASS, so USER cannot
        // be used to probe for names.
        user_ = args[0];
        reply("+OK send PASS");
    } else if (k == "PASS") {
        if (args.size() != 1) {
            reply("-ERR usage: PASS password");
        } else if (user_.empty()) {
            reply("-ERR send USER first");
        } else {
            const std::string user = std::exchange(user_, {});
            if (ctx_.store.check_password(user, args[0]) != StoreError::ok) {
                login_failed("invalid user name or password");
            } else {
                login(user);
            }
        }
    } else if (k == "APOP") {
        user_.clear();
        if (args.size() != 2) {
            reply("-ERR usage: APOP name digest");
            return;
        }
        const auto password = ctx_.store.password_of(args[0]);
        if (!password ||
            wire::apop_digest(timestamp_, *password) != wire::to_ascii_lower(args[1])) {
            login_failed("invalid user name or digest");
        } else {
            login(args[0]);
        }
    } else if (k == "AUTH") {
        user_.clear();
        handle_auth(cmd);
    } else if (k == "STLS") {
        if (!cmd.args.empty()) {
            reply("-ERR usage: STLS");
        } else if (conn_.is_tls()) {
            reply("-ERR TLS is already active");
        } else if (ctx_.tls == nullptr) {
            reply("-ERR STLS is not available on this server");
        } else {
            reply("+OK begin TLS negotiation");
            start_tls_ = true;
        }
    } else if (k == "STAT" || k == "LIST" || k == "RETR" || k == "DELE" || k == "NOOP" ||
               k == "RSET" || k == "TOP" || k == "UIDL") {
        reply(fmt::format("-ERR {} is only valid after login", k));
    } else {
        reply(fmt::format("-ERR unknown command {}", k));
    }
}

void Session::handle_auth(const Command& cmd) {
    const auto& args = cmd.args;
    if (args.empty()) {
        // Not in RFC 5034, but long-standing practice (RFC 1734 era clients
        // such as fetchmail probe with it): list the mechanisms.
        reply("+OK SASL mechanisms follow");
        reply("PLAIN");
        if (ctx_.oauth2 != nullptr) {
            reply("OAUTHBEARER");
            reply("XOAUTH2");
        }
        reply(".");
        return;
    }
    const std::string mechanism = wire::to_ascii_upper(args[0]);
    if (mechanism == "PLAIN") {
        pending_auth_ = PendingAuth::plain;
    } else if (mechanism == "OAUTHBEARER" && ctx_.oauth2 != nullptr) {
        pending_auth_ = PendingAuth::oauthbearer;
    } else if (mechanism == "XOAUTH2" && ctx_.oauth2 != nullptr) {
        pending_auth_ = PendingAuth::xoauth2;
    } else {
        reply(fmt::format("-ERR unsupported SASL mechanism {}", args[0]));
        return;
    }
    if (args.size() == 2) {
        // RFC 5034 §4: "=" is an empty initial response.
        const std::string_view initial =
            args[1] == "=" ? std::string_view() : std::string_view(args[1]);
        if (pending_auth_ == PendingAuth::plain) {
            finish_plain(initial);
        } else {
            finish_bearer(pending_auth_ == PendingAuth::oauthbearer
                              ? oauth2::BearerMechanism::oauthbearer
                              : oauth2::BearerMechanism::xoauth2,
                          initial);
        }
        return;
    }
    // RFC 5034 §4: no initial response, so an empty challenge ("+ ").
    reply("+ ");
    parser_.expect_response();
    auth_in_progress_ = true;
}

void Session::finish_plain(std::string_view base64) {
    if (!wire::base64_decode(base64)) {
        // RFC 5034 §4: a response that is not base64 rejects the AUTH.
        reply("-ERR authentication response is not valid base64");
        return;
    }
    const auto creds = wire::sasl_plain_decode(base64);
    if (!creds) {
        login_failed("malformed PLAIN response");
        return;
    }
    // RFC 4616 §2: an authzid other than the authcid asks to act as another
    // user, which this server never grants.
    if (!creds->authzid.empty() && creds->authzid != creds->authcid) {
        login_failed("acting as another user is not permitted");
        return;
    }
    if (ctx_.store.check_password(creds->authcid, creds->password) != StoreError::ok) {
        login_failed("invalid user name or password");
        return;
    }
    login(creds->authcid);
}

void Session::finish_bearer(oauth2::BearerMechanism mechanism, std::string_view base64) {
    const oauth2::BearerLogin checked = oauth2::check_bearer_login(mechanism, base64, *ctx_.oauth2);
    if (checked.outcome == oauth2::BearerLogin::Outcome::accepted) {
        login(checked.user);
        return;
    }
    if (checked.outcome == oauth2::BearerLogin::Outcome::malformed) {
        login_failed(checked.reason);
        return;
    }
    log_info("AUTH {} refused: {}",
             mechanism == oauth2::BearerMechanism::oauthbearer ? "OAUTHBEARER" : "XOAUTH2",
             checked.reason);
    // RFC 7628 §3.2.2 (and RFC 5034 §4 for the "+ " form): the error as a
    // JSON challenge; -ERR follows the client's dummy response.
    reply("+ " + oauth2::bearer_failure_challenge());
    parser_.expect_response();
    auth_in_progress_ = true;
    pending_auth_ = PendingAuth::bearer_failure;
    bearer_failure_ = checked.reason;
}

void Session::login_failed(std::string_view why) {
    ++failed_logins_;
    if (failed_logins_ >= ctx_.limits.max_failed_logins) {
        reply(fmt::format("-ERR [AUTH] {}; too many failures, closing", why));
        closing_ = true;
        log_info("closing after {} failed logins", failed_logins_);
        return;
    }
    reply(fmt::format("-ERR [AUTH] {}", why));
}

void Session::login(const std::string& user) {
    // RFC 1939 §4: exclusive access; RFC 2449 §8.1.2: IN-USE says why.
    if (!ctx_.store.try_lock_maildrop(user)) {
        reply("-ERR [IN-USE] maildrop already locked");
        return;
    }
    lock_.emplace(ctx_.store, user);
    const auto inbox = ctx_.store.mailbox(user, "INBOX");
    if (!inbox) {
        lock_.reset();
        reply("-ERR [SYS/TEMP] maildrop not available");
        return;
    }
    maildrop_.emplace(inbox->uidvalidity, ctx_.store.messages(user, "INBOX"));
    state_ = State::transaction;
    log_info("{} logged in, {} messages", user, maildrop_->count());
    reply(fmt::format("+OK {} has {} messages ({} octets)", user, maildrop_->count(),
                      maildrop_->total_size()));
}

std::optional<std::size_t> Session::select(std::string_view arg) {
    const auto selection = maildrop_->select(arg);
    switch (selection.status) {
        case Maildrop::Status::ok:
            return selection.number;
        case Maildrop::Status::bad_number:
            reply(fmt::format("-ERR invalid message number {}", arg));
            break;
        case Maildrop::Status::no_such_message:
            reply(fmt::format("-ERR no such message, only {} messages in maildrop",
                              maildrop_->highest_number()));
            break;
        case Maildrop::Status::deleted:
            // RFC 1939 §5: a message marked deleted may not be referred to.
            reply(fmt::format("-ERR message {} already deleted", selection.number));
            break;
    }
    return std::nullopt;
}

void Session::handle_transaction_simple(const Command& cmd) {
    const std::string& k = cmd.keyword;
    const auto& args = cmd.args;
    if (k == "STAT") {
        if (!args.empty()) {
            reply("-ERR usage: STAT");
            return;
        }
        reply(fmt::format("+OK {} {}", maildrop_->count(), maildrop_->total_size()));
    } else if (k == "UIDL" && ctx_.faults.no_uidl()) {
        reply("-ERR UIDL is not supported here");
    } else if (k == "LIST" || k == "UIDL") {
        const bool list = k == "LIST";
        if (args.size() > 1) {
            reply(fmt::format("-ERR usage: {} [msg]", k));
            return;
        }
        if (args.size() == 1) {
            if (const auto n = select(args[0])) {
                reply(fmt::format(
                    "+OK {} {}", *n,
                    list ? std::to_string(maildrop_->at(*n).size) : maildrop_->uidl(*n)));
            }
            return;
        }
        if (list) {
            reply(fmt::format("+OK {} messages ({} octets)", maildrop_->count(),
                              maildrop_->total_size()));
        } else {
            reply("+OK unique-id listing follows");
        }
        for (std::size_t i = 1; i <= maildrop_->highest_number(); ++i) {
            if (!maildrop_->at(i).deleted) {
                reply(fmt::format(
                    "{} {}", i, list ? std::to_string(maildrop_->at(i).size) : maildrop_->uidl(i)));
            }
        }
        reply(".");
    } else if (k == "DELE") {
        if (args.size() != 1) {
            reply("-ERR usage: DELE msg");
        } else if (const auto n = select(args[0])) {
            maildrop_->mark_deleted(*n);
            reply(fmt::format("+OK message {} deleted", *n));
        }
    } else if (k == "NOOP") {
        reply(args.empty() ? "+OK" : "-ERR usage: NOOP");
    } else if (k == "RSET") {
        if (!args.empty()) {
            reply("-ERR usage: RSET");
            return;
        }
        maildrop_->reset();
        reply(fmt::format("+OK maildrop has {} messages ({} octets)", maildrop_->count(),
                          maildrop_->total_size()));
    } else if (k == "USER" || k == "PASS" || k == "APOP" || k == "AUTH") {
        reply("-ERR already logged in");
    } else if (k == "STLS") {
        // RFC 2595 §4: STLS is only permitted in the AUTHORIZATION state.
        reply("-ERR STLS is only valid before login");
    } else {
        reply(fmt::format("-ERR unknown command {}", k));
    }
}

net::awaitable<void> Session::send_message(std::string keyword, std::vector<std::string> args) {
    const bool top = keyword == "TOP";
    if (args.size() != (top ? 2U : 1U)) {
        reply(top ? "-ERR usage: TOP msg n" : "-ERR usage: RETR msg");
        co_return;
    }
    const auto n = select(args[0]);
    if (!n) {
        co_return;
    }
    const auto lines = top ? parse_line_count(args[1]) : std::optional<std::uint64_t>(0);
    if (!lines) {
        reply(fmt::format("-ERR invalid line count {}", args[1]));
        co_return;
    }
    const auto body = ctx_.store.body(lock_->user(), "INBOX", maildrop_->at(*n).uid);
    if (!body) {
        reply(fmt::format("-ERR message {} was removed by another session", *n));
        co_return;
    }
    const std::string_view text = top ? std::string_view(*body).substr(0, top_length(*body, *lines))
                                      : std::string_view(*body);
    reply(top ? std::string("+OK top of message follows")
              : fmt::format("+OK {} octets", body->size()));
    DotStuffer stuffer;
    for (std::size_t pos = 0; pos < text.size(); pos += body_chunk) {
        stuffer.feed(text.substr(pos, body_chunk), out_);
        if (out_.size() >= flush_threshold) {
            const bool sent = co_await flush();
            if (!sent) {
                co_return;
            }
        }
    }
    stuffer.finish(out_);
}

}  // namespace

}  // namespace pop3

net::awaitable<void> run_pop3_session(Connection conn, SessionContext& ctx) {
    pop3::Session session(std::move(conn), ctx);
    co_await session.run();
}

}  // namespace mailferry::testserver
