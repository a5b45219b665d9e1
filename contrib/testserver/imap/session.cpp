#include "contrib/testserver/imap/session.hpp"

#include "clients/net/deadline.hpp"
#include "clients/wire/ascii.hpp"

#include <spdlog/logger.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <optional>
#include <string>
#include <utility>

namespace mailferry::testserver {

net::awaitable<void> run_imap_session(Connection conn, SessionContext& ctx) {
    imap::Session session(conn, ctx);
    co_await session.run();
}

}  // namespace mailferry::testserver

namespace mailferry::testserver::imap {

namespace {

// Output is written once it passes this size, so a FETCH of a large mailbox
// goes out message by message.
constexpr std::size_t flush_threshold = 64 * 1024;

CommandLimits parser_limits(const ServerLimits& limits) {
    CommandLimits out;
    out.literal_plus = !limits.disabled_capabilities.contains("LITERAL+");
    out.max_line = limits.max_line;
    out.max_literal = limits.max_literal;
    out.max_command = std::max(out.max_command, limits.max_literal + limits.max_line);
    return out;
}

const char* status_word(Completion::Status status) {
    switch (status) {
        case Completion::Status::ok:
            return "OK";
        case Completion::Status::no:
            return "NO";
        case Completion::Status::bad:
            return "BAD";
    }
    return "BAD";
}

bool in_state(SessionState state, std::initializer_list<SessionState> allowed) {
    return std::find(allowed.begin(), allowed.end(), state) != allowed.end();
}

// The extension a command belongs to, or "" for RFC 3501 commands.
std::string_view extension_of(const Command& cmd) {
    const auto& name = cmd.name;
    if (name == "ID" || name == "NAMESPACE" || name == "ENABLE" || name == "IDLE" ||
        name == "STARTTLS" || name == "MOVE" || name == "UNSELECT") {
        return name;
    }
    if (name == "UID" && !cmd.args.empty() && cmd.args[0].kind == Arg::Kind::atom) {
        if (cmd.args[0].text == "MOVE") {
            return "MOVE";
        }
        if (cmd.args[0].text == "EXPUNGE") {
            return "UIDPLUS";  // RFC 4315 §2.1
        }
    }
    return {};
}

}  // namespace

Session::Session(Connection& conn, SessionContext& ctx)
    : conn_(conn), ctx_(ctx), parser_(parser_limits(ctx.limits)) {}

Session::~Session() {
    if (holds_connection_slot_) {
        ctx_.faults.release_connection(user_);
    }
}

bool Session::offers(std::string_view name) const {
    return !ctx_.limits.disabled_capabilities.contains(std::string(name));
}

std::string Session::capabilities() const {
    std::string caps = "IMAP4rev1";
    const auto add = [&](std::string_view name) {
        if (offers(name)) {
            caps += ' ';
            caps += name;
        }
    };
    if (state_ == SessionState::not_authenticated) {
        if (ctx_.tls != nullptr && !conn_.is_tls()) {
            add("STARTTLS");
        }
        add("AUTH=PLAIN");
        if (ctx_.oauth2 != nullptr) {
            add("AUTH=OAUTHBEARER");
        }
        add("AUTH=XOAUTH2");
    }
    for (const std::string_view name :
         {"SASL-IR", "LITERAL+", "ID", "ENABLE", "IDLE", "NAMESPACE", "UIDPLUS", "MOVE", "UNSELECT",
          "CHILDREN", "SPECIAL-USE", "CONDSTORE", "MULTIAPPEND", "STATUS=SIZE", "LIST-STATUS"}) {
        add(name);
    }
    if (offers("APPENDLIMIT")) {
        // RFC 7889 §3: the largest message APPEND takes, for every mailbox;
        // a larger literal is refused with [TOOBIG].
        caps += " APPENDLIMIT=" + std::to_string(ctx_.limits.max_literal);
    }
    if (quota_offered()) {
        // RFC 9208 §3.1.1: every resource the server handles is announced.
        caps += " QUOTA QUOTA=RES-STORAGE";
    }
    if (ctx_.gmail != nullptr && offers("X-GM-EXT-1")) {
        caps += " X-GM-EXT-1";
    }
    return caps;
}

net::awaitable<bool> Session::flush() {
    if (out_.empty()) {
        co_return conn_.is_open();
    }
    std::string data = std::move(out_);
    out_.clear();
    auto ec = co_await conn_.write(data);
    co_return !ec;
}

net::awaitable<bool> Session::flush_if_large() {
    if (out_.size() < flush_threshold) {
        co_return true;
    }
    co_return co_await flush();
}

net::awaitable<bool> Session::fill() {
    std::array<char, 16 * 1024> buffer{};
    auto result = co_await net::with_deadline(conn_.read_some(buffer), ctx_.limits.imap_autologout);
    if (!result) {
        autologout_ = true;
        co_return false;
    }
    auto [ec, n] = *result;
    if (ec || n == 0) {
        co_return false;
    }
    in_.erase(0, in_pos_);
    in_pos_ = 0;
    in_.append(buffer.data(), n);
    co_return true;
}

net::awaitable<std::optional<std::string>> Session::read_raw_line(bool& too_long) {
    too_long = false;
    std::string line;
    for (;;) {
        auto pos = in_.find('\n', in_pos_);
        if (pos != std::string::npos) {
            if (!too_long) {
                line.append(in_, in_pos_, pos - in_pos_);
            }
            in_pos_ = pos + 1;
            if (!line.empty() && line.back() == '\r') {
                line.pop_back();
            }
            co_return line;
        }
        if (!too_long) {
            line.append(in_, in_pos_, std::string::npos);
            if (line.size() > ctx_.limits.max_line) {
                // Never unbounded: drop the rest of the line.
                too_long = true;
                line.clear();
            }
        }
        in_.clear();
        in_pos_ = 0;
        if (!co_await fill()) {
            co_return std::nullopt;
        }
    }
}

void Session::wake() noexcept {
    if (wakeup_) {
        wakeup_->cancel();
    }
}

void Session::emit_updates(bool allow_expunge) {
    if (selected_) {
        emit(selected_->sync(allow_expunge, condstore_));
    }
}

net::awaitable<void> Session::run() {
    wakeup_ =
        std::make_unique<boost::asio::steady_timer>(co_await boost::asio::this_coro::executor);
    emit("* OK [CAPABILITY " + capabilities() + "] mailferry IMAP4rev1 test server ready\r\n");
    if (!co_await flush()) {
        co_return;
    }
    while (state_ != SessionState::logout && conn_.is_open()) {
        auto result = parser_.feed(std::string_view(in_).substr(in_pos_));
        in_pos_ += result.consumed;
        switch (result.event) {
            case CommandParser::Event::need_more:
                if (!co_await fill()) {
                    if (autologout_) {
                        emit("* BYE Autologout; idle for too long\r\n");
                        co_await flush();
                    }
                    conn_.close();
                    co_return;
                }
                break;
            case CommandParser::Event::need_continuation:
                emit("+ Ready for literal data\r\n");
                if (!co_await flush()) {
                    co_return;
                }
                break;
            case CommandParser::Event::error: {
                const auto& error = parser_.error();
                if (error.fatal) {
                    emit("* BYE " + error.message + "\r\n");
                    co_await flush();
                    conn_.close();
                    co_return;
                }
                const std::string tag = error.tag.empty() ? "*" : error.tag;
                if (error.literal_too_big) {
                    emit(tag + " NO [TOOBIG] " + error.message + "\r\n");
                } else {
                    emit(tag + " BAD " + error.message + "\r\n");
                }
                if (!co_await flush()) {
                    co_return;
                }
                break;
            }
            case CommandParser::Event::command: {
                Command cmd = parser_.take_command();
                if (ctx_.faults.on_command()) {
                    conn_.close();
                    co_return;
                }
                co_await execute(cmd);
                break;
            }
        }
    }
    conn_.close();
}

namespace {

// "FETCH" for both FETCH and UID FETCH: what an `at=` fault counts.
std::string verb_of(const Command& cmd) {
    if (cmd.name == "UID" && !cmd.args.empty() && cmd.args[0].kind == Arg::Kind::atom) {
        return wire::to_ascii_upper(cmd.args[0].text);
    }
    return cmd.name;
}

// The octets a command carries (what a throttle-bytes= fault counts).
std::uint64_t octets_of(const std::vector<Arg>& args) {
    std::uint64_t n = 0;
    for (const Arg& a : args) {
        n += a.text.size() + 1 + octets_of(a.children);
    }
    return n;
}

}  // namespace

net::awaitable<void> Session::refuse_throttled(const Command& cmd) {
    if (ctx_.log) {
        ctx_.log->warn("imap {}: throttled {} of {}", conn_.peer(), verb_of(cmd), user_);
    }
    if (ctx_.faults.throttle_action() == ThrottleAction::no) {
        Completion refused =
            Completion::no("[THROTTLED] Too many requests; slow down and try again later");
        co_await finish(cmd, std::move(refused), false);
        co_return;
    }
    emit("* BYE [UNAVAILABLE] Server busy, try again later\r\n");
    co_await flush();
    state_ = SessionState::logout;
    conn_.close();
}

net::awaitable<void> Session::execute(const Command& cmd) {
    const std::string verb = verb_of(cmd);
    const bool authenticated =
        state_ == SessionState::authenticated || state_ == SessionState::selected;
    if (authenticated && verb != "LOGOUT" &&
        ctx_.faults.throttles(user_, cmd.name.size() + octets_of(cmd.args),
                              std::chrono::steady_clock::now())) {
        co_await refuse_throttled(cmd);
        co_return;
    }
    const std::optional<VerbFault> fault = ctx_.faults.on_verb(verb);
    if (ctx_.log) {
        ctx_.log->debug("imap {}: {}", conn_.peer(), verb);
    }
    if (fault && ctx_.log) {
        ctx_.log->warn("imap {}: fault fired: {}", conn_.peer(), fault->describe());
    }
    if (fault && fault->timing == FaultTiming::instead) {
        co_await apply_fault(cmd, *fault);
        co_return;
    }
    const std::size_t unanswered = out_.size();
    Completion done = co_await dispatch(cmd);
    // RFC 3501 §7.4.1: no EXPUNGE while FETCH, STORE or SEARCH is in progress.
    const bool restricted = verb == "FETCH" || verb == "STORE" || verb == "SEARCH";
    if (!fault) {
        co_await finish(cmd, std::move(done), !restricted);
        co_return;
    }
    // What finish() would send, then only the part the fault lets through.
    if (!done.answered) {
        emit_updates(!restricted);
        emit(cmd.tag + " " + status_word(done.status) + " " + done.text + "\r\n");
    }
    if (fault->timing == FaultTiming::after) {
        out_.resize(unanswered);
    } else if (fault->timing == FaultTiming::mid) {
        out_.resize(unanswered + (out_.size() - unanswered) / 2);
    }
    co_await apply_fault(cmd, *fault);
}

net::awaitable<void> Session::apply_fault(const Command& cmd, const VerbFault& fault) {
    switch (fault.effect) {
        case FaultEffect::no: {
            Completion refused = Completion::no("[UNAVAILABLE] fault injected: try again later");
            co_await finish(cmd, std::move(refused), false);
            co_return;
        }
        case FaultEffect::stall:
            co_await flush();
            co_await stall();
            co_return;
        case FaultEffect::bye:
            emit("* BYE [UNAVAILABLE] fault injected: server going away\r\n");
            break;
        case FaultEffect::drop:
            break;
    }
    co_await flush();
    state_ = SessionState::logout;
    conn_.close();
}

net::awaitable<void> Session::stall() {
    out_.clear();
    while (conn_.is_open()) {
        // Not `is_open() && co_await fill()`: GCC 12 miscompiles a co_await
        // in a short-circuit operand.
        const bool got = co_await fill();
        if (!got) {
            break;
        }
        in_.clear();
        in_pos_ = 0;
    }
    state_ = SessionState::logout;
    conn_.close();
}

net::awaitable<void> Session::finish(const Command& cmd, Completion done, bool allow_expunge) {
    if (!done.answered) {
        if (!done.close) {
            emit_updates(allow_expunge);
        }
        emit(cmd.tag + " " + status_word(done.status) + " " + done.text + "\r\n");
    }
    if (autologout_) {
        emit("* BYE Autologout; idle for too long\r\n");
        done.close = true;
    }
    const bool written = co_await flush();
    if (done.close || !written) {
        state_ = SessionState::logout;
        if (written && conn_.is_open()) {
            // TLS close_notify, bounded: a peer that never answers it must
            // not keep the session alive.
            co_await net::with_deadline(conn_.shutdown(), std::chrono::seconds(5));
        }
        conn_.close();
    }
}

net::awaitable<Completion> Session::dispatch(const Command& cmd) {
    using S = SessionState;
    const auto& name = cmd.name;
    const bool authed = in_state(state_, {S::authenticated, S::selected});
    const bool selected = state_ == S::selected;
    if (const auto extension = extension_of(cmd); !extension.empty() && !offers(extension)) {
        const bool uid = name == "UID";
        co_return Completion::bad("Unknown command " + name + (uid ? " " + cmd.args[0].text : ""));
    }
    if ((name == "GETQUOTA" || name == "GETQUOTAROOT") && !quota_offered()) {
        co_return Completion::bad("Unknown command " + name);
    }

    // Any state (RFC 3501 §6.1, RFC 2971 §3.1).
    if (name == "CAPABILITY") {
        co_return co_await cmd_capability(cmd);
    }
    if (name == "NOOP") {
        co_return cmd.args.empty() ? Completion::ok("NOOP completed")
                                   : Completion::bad("NOOP takes no arguments");
    }
    if (name == "LOGOUT") {
        co_return co_await cmd_logout(cmd);
    }
    if (name == "ID") {
        co_return co_await cmd_id(cmd);
    }
    // Not authenticated (§6.2).
    if (name == "STARTTLS" || name == "LOGIN" || name == "AUTHENTICATE") {
        if (state_ != S::not_authenticated) {
            co_return Completion::bad("Already authenticated");
        }
        if (name == "STARTTLS") {
            co_return co_await cmd_starttls(cmd);
        }
        if (name == "LOGIN") {
            co_return co_await cmd_login(cmd);
        }
        co_return co_await cmd_authenticate(cmd);
    }
    // Authenticated (§6.3).
    static const std::array<std::string_view, 16> authenticated_commands = {
        "SELECT",      "EXAMINE", "CREATE",   "DELETE",      "RENAME",    "SUBSCRIBE",
        "UNSUBSCRIBE", "LIST",    "LSUB",     "STATUS",      "NAMESPACE", "ENABLE",
        "IDLE",        "APPEND",  "GETQUOTA", "GETQUOTAROOT"};
    if (std::find(authenticated_commands.begin(), authenticated_commands.end(), name) !=
        authenticated_commands.end()) {
        if (!authed) {
            co_return Completion::bad("Command not valid before LOGIN");
        }
        if (name == "SELECT" || name == "EXAMINE") {
            co_return co_await cmd_select(cmd, name == "EXAMINE");
        }
        if (name == "CREATE") {
            co_return co_await cmd_create(cmd);
        }
        if (name == "DELETE") {
            co_return co_await cmd_delete(cmd);
        }
        if (name == "RENAME") {
            co_return co_await cmd_rename(cmd);
        }
        if (name == "SUBSCRIBE" || name == "UNSUBSCRIBE") {
            co_return co_await cmd_subscribe(cmd, name == "SUBSCRIBE");
        }
        if (name == "LIST" || name == "LSUB") {
            co_return co_await cmd_list(cmd, name == "LSUB");
        }
        if (name == "STATUS") {
            co_return co_await cmd_status(cmd);
        }
        if (name == "NAMESPACE") {
            co_return co_await cmd_namespace(cmd);
        }
        if (name == "ENABLE") {
            co_return co_await cmd_enable(cmd);
        }
        if (name == "IDLE") {
            co_return co_await cmd_idle(cmd);
        }
        if (name == "GETQUOTA") {
            co_return co_await cmd_getquota(cmd);
        }
        if (name == "GETQUOTAROOT") {
            co_return co_await cmd_getquotaroot(cmd);
        }
        co_return co_await cmd_append(cmd);
    }
    // Selected (§6.4).
    static const std::array<std::string_view, 10> selected_commands = {
        "CHECK", "CLOSE", "UNSELECT", "EXPUNGE", "SEARCH", "FETCH", "STORE", "COPY", "MOVE", "UID"};
    if (std::find(selected_commands.begin(), selected_commands.end(), name) ==
        selected_commands.end()) {
        co_return Completion::bad("Unknown command " + name);
    }
    if (!selected) {
        co_return Completion::bad("No mailbox selected");
    }
    std::size_t first = 0;
    bool uid = false;
    std::string verb = name;
    if (name == "UID") {
        if (cmd.args.empty() || cmd.args[0].kind != Arg::Kind::atom) {
            co_return Completion::bad("UID needs a command");
        }
        verb = wire::to_ascii_upper(cmd.args[0].text);
        first = 1;
        uid = true;
    }
    if (verb == "CHECK" && !uid) {
        co_return Completion::ok("CHECK completed");
    }
    if ((verb == "CLOSE" || verb == "UNSELECT") && !uid) {
        co_return co_await cmd_close(cmd, verb == "CLOSE");
    }
    if (verb == "EXPUNGE") {
        co_return co_await cmd_expunge(cmd, first, uid);
    }
    if (verb == "SEARCH") {
        co_return co_await cmd_search(cmd, first, uid);
    }
    if (verb == "FETCH") {
        co_return co_await cmd_fetch(cmd, first, uid);
    }
    if (verb == "STORE") {
        co_return co_await cmd_store(cmd, first, uid);
    }
    if (verb == "COPY" || verb == "MOVE") {
        co_return co_await cmd_copy(cmd, first, uid, verb == "MOVE");
    }
    co_return Completion::bad("Unknown command " + name);
}

}  // namespace mailferry::testserver::imap
