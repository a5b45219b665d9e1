// Authenticated-state commands (RFC 3501 §6.3): SELECT, EXAMINE, CREATE,
// DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, LIST, LSUB, STATUS, APPEND, plus
// NAMESPACE (RFC 2342), ID (RFC 2971), ENABLE (RFC 5161), IDLE (RFC 2177),
// SPECIAL-USE (RFC 6154), MULTIAPPEND (RFC 3502), STATUS=SIZE (RFC 8438),
// LIST-STATUS (RFC 5819) and
// the QUOTA checks of APPEND (RFC 9208).

#include "contrib/testserver/imap/list_pattern.hpp"
#include "contrib/testserver/imap/response_encoding.hpp"
#include "contrib/testserver/imap/session.hpp"

#include "clients/wire/ascii.hpp"
#include "clients/wire/date_time.hpp"
#include "clients/wire/modified_utf7.hpp"
#include "clients/wire/sequence_set.hpp"
#include "contrib/testserver/store/mailbox_name.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>

namespace mailferry::testserver::imap {

namespace {

bool is_inbox(std::string_view name) {
    return wire::to_ascii_upper(name) == "INBOX";
}

Completion store_failure(StoreError error, std::string_view what) {
    switch (error) {
        case StoreError::no_such_mailbox:
            return Completion::no("[NONEXISTENT] " + std::string(what) + ": no such mailbox");
        case StoreError::mailbox_exists:
            return Completion::no("[ALREADYEXISTS] " + std::string(what) + ": mailbox exists");
        case StoreError::invalid_name:
            return Completion::no("[CANNOT] " + std::string(what) + ": invalid mailbox name");
        case StoreError::inbox_is_special:
            return Completion::no("[CANNOT] " + std::string(what) + ": not possible for INBOX");
        case StoreError::message_too_big:
            return Completion::no("[TOOBIG] " + std::string(what) + ": message too big");
        case StoreError::io_error:
            return Completion::no("[SERVERBUG] " + std::string(what) + ": store failed");
        default:
            return Completion::no(std::string(what) + ": " + std::string(describe(error)));
    }
}

}  // namespace

std::optional<std::string> Session::mailbox_arg(const Arg& arg) {
    if (!arg.is_astring()) {
        return std::nullopt;
    }
    if (is_inbox(arg.text)) {
        return std::string("INBOX");
    }
    if (!wire::is_valid(arg.text)) {
        return std::nullopt;
    }
    return store::canonical_mailbox_name(arg.text);
}

net::awaitable<Completion> Session::cmd_select(const Command& cmd, bool read_only) {
    const char* verb = read_only ? "EXAMINE" : "SELECT";
    // RFC 3501 §6.3.1: a SELECT, even a failed one, first closes the
    // current mailbox (without expunging).
    selected_.reset();
    state_ = SessionState::authenticated;
    if (cmd.args.empty() || cmd.args.size() > 2) {
        co_return Completion::bad(std::string(verb) + " needs a mailbox name");
    }
    if (cmd.args.size() == 2) {
        const auto& params = cmd.args[1];
        if (params.kind != Arg::Kind::list || params.children.size() != 1 ||
            wire::to_ascii_upper(params.children[0].text) != "CONDSTORE" || !offers("CONDSTORE")) {
            co_return Completion::bad("Unknown SELECT parameter");
        }
        condstore_ = true;  // RFC 7162 §3.1
    }
    auto name = mailbox_arg(cmd.args[0]);
    if (!name) {
        co_return Completion::no("[CANNOT] Invalid mailbox name");
    }
    auto info = ctx_.store.mailbox(user_, *name);
    if (!info) {
        co_return Completion::no("[NONEXISTENT] No such mailbox");
    }
    if (info->noselect) {
        co_return Completion::no("[NONEXISTENT] " + *name + " cannot be selected (\\Noselect)");
    }
    selected_ =
        std::make_unique<SelectedMailbox>(ctx_.store, user_, *info, read_only, [this] { wake(); });
    state_ = SessionState::selected;

    emit(selected_->flags_response());

    emit("* " + std::to_string(selected_->exists()) + " EXISTS\r\n");
    const auto recent = read_only ? info->recent : selected_->recent_count();
    emit("* " + std::to_string(recent) + " RECENT\r\n");
    for (std::uint32_t seq = 1; seq <= selected_->exists(); ++seq) {
        if (!selected_->at(seq).has_flag("\\Seen")) {
            emit("* OK [UNSEEN " + std::to_string(seq) + "] First unseen\r\n");
            break;
        }
    }
    emit(selected_->permanent_flags_response());
    emit("* OK [UIDVALIDITY " + std::to_string(info->uidvalidity) + "] UIDs valid\r\n");
    emit("* OK [UIDNEXT " + std::to_string(info->uidnext) + "] Predicted next UID\r\n");
    if (offers("CONDSTORE")) {
        emit("* OK [HIGHESTMODSEQ " + std::to_string(info->highest_modseq) + "] Highest\r\n");
    }
    co_return Completion::ok(std::string(read_only ? "[READ-ONLY] " : "[READ-WRITE] ") + verb +
                             " completed");
}

net::awaitable<Completion> Session::cmd_create(const Command& cmd) {
    if (cmd.args.size() != 1 || !cmd.args[0].is_astring()) {
        co_return Completion::bad("CREATE needs a mailbox name");
    }
    std::string text = cmd.args[0].text;
    // RFC 3501 §6.3.3: a trailing separator only says the client intends
    // to create names below it.
    if (text.size() > 1 && text.back() == '/') {
        text.pop_back();
    }
    if (is_inbox(text)) {
        co_return Completion::no("[ALREADYEXISTS] INBOX always exists");
    }
    Arg arg;
    arg.kind = Arg::Kind::quoted;
    arg.text = text;
    auto name = mailbox_arg(arg);
    if (!name) {
        co_return Completion::no("[CANNOT] Invalid mailbox name");
    }
    auto error = ctx_.store.create_mailbox(user_, *name);
    if (error != StoreError::ok) {
        co_return store_failure(error, "CREATE");
    }
    co_return Completion::ok("CREATE completed");
}

net::awaitable<Completion> Session::cmd_delete(const Command& cmd) {
    if (cmd.args.size() != 1) {
        co_return Completion::bad("DELETE needs a mailbox name");
    }
    auto name = mailbox_arg(cmd.args[0]);
    if (!name) {
        co_return Completion::no("[CANNOT] Invalid mailbox name");
    }
    if (*name == "INBOX") {
        co_return Completion::no("[CANNOT] INBOX cannot be deleted");
    }
    if (selected_ && selected_->name() == *name) {
        selected_.reset();
        state_ = SessionState::authenticated;
    }
    auto error = ctx_.store.delete_mailbox(user_, *name);
    if (error != StoreError::ok) {
        co_return store_failure(error, "DELETE");
    }
    co_return Completion::ok("DELETE completed");
}

net::awaitable<Completion> Session::cmd_rename(const Command& cmd) {
    if (cmd.args.size() != 2) {
        co_return Completion::bad("RENAME needs two mailbox names");
    }
    auto from = mailbox_arg(cmd.args[0]);
    auto to = mailbox_arg(cmd.args[1]);
    if (!from || !to) {
        co_return Completion::no("[CANNOT] Invalid mailbox name");
    }
    auto error = ctx_.store.rename_mailbox(user_, *from, *to);
    if (error != StoreError::ok) {
        co_return store_failure(error, "RENAME");
    }
    co_return Completion::ok("RENAME completed");
}

net::awaitable<Completion> Session::cmd_subscribe(const Command& cmd, bool on) {
    if (cmd.args.size() != 1) {
        co_return Completion::bad("needs a mailbox name");
    }
    auto name = mailbox_arg(cmd.args[0]);
    if (!name) {
        co_return Completion::no("[CANNOT] Invalid mailbox name");
    }
    auto error = ctx_.store.set_subscribed(user_, *name, on);
    if (error != StoreError::ok) {
        co_return store_failure(error, on ? "SUBSCRIBE" : "UNSUBSCRIBE");
    }
    co_return Completion::ok(on ? "SUBSCRIBE completed" : "UNSUBSCRIBE completed");
}

net::awaitable<Completion> Session::cmd_list(const Command& cmd, bool lsub) {
    const char* verb = lsub ? "LSUB" : "LIST";
    std::size_t i = 0;
    bool only_special = false, only_subscribed = false;
    bool want_subscribed = false;
    const std::vector<Arg>* status_wanted = nullptr;  // RETURN (STATUS (...)), RFC 5819
    // RFC 5258 §3 / RFC 6154 §5: LIST (selection options) ref pattern RETURN (...)
    if (!lsub && i < cmd.args.size() && cmd.args[i].kind == Arg::Kind::list) {
        for (const auto& opt : cmd.args[i].children) {
            const auto word = wire::to_ascii_upper(opt.text);
            if (word == "SPECIAL-USE" && offers("SPECIAL-USE")) {
                only_special = true;
            } else if (word == "SUBSCRIBED") {
                only_subscribed = want_subscribed = true;
            } else if (word != "RECURSIVEMATCH" && word != "REMOTE") {
                co_return Completion::bad("Unknown LIST selection option");
            }
        }
        ++i;
    }
    if (cmd.args.size() < i + 2 || !cmd.args[i].is_astring()) {
        co_return Completion::bad(std::string(verb) + " needs a reference and a pattern");
    }
    const std::string reference = cmd.args[i].text;
    std::vector<std::string> patterns;
    if (cmd.args[i + 1].kind == Arg::Kind::list && !lsub) {
        for (const auto& p : cmd.args[i + 1].children) {
            patterns.push_back(reference + p.text);
        }
    } else {
        patterns.push_back(reference + cmd.args[i + 1].text);
    }
    i += 2;
    if (i < cmd.args.size()) {
        if (lsub || cmd.args.size() != i + 2 ||
            wire::to_ascii_upper(cmd.args[i].text) != "RETURN" ||
            cmd.args[i + 1].kind != Arg::Kind::list) {
            co_return Completion::bad("Unexpected LIST arguments");
        }
        const auto& options = cmd.args[i + 1].children;
        for (std::size_t o = 0; o < options.size(); ++o) {
            const auto word = wire::to_ascii_upper(options[o].text);
            if (word == "SUBSCRIBED") {
                want_subscribed = true;
            } else if (word == "STATUS" && offers("LIST-STATUS")) {
                // RFC 5819 §4: STATUS (status-att ...)
                if (o + 1 == options.size() || options[o + 1].kind != Arg::Kind::list ||
                    options[o + 1].children.empty()) {
                    co_return Completion::bad("The STATUS return option needs a list of items");
                }
                status_wanted = &options[++o].children;
                for (const auto& item : *status_wanted) {
                    if (!status_item_offered(wire::to_ascii_upper(item.text))) {
                        co_return Completion::bad("Unknown STATUS item " +
                                                  wire::to_ascii_upper(item.text));
                    }
                }
            } else if ((word != "SPECIAL-USE" || !offers("SPECIAL-USE")) && word != "CHILDREN") {
                co_return Completion::bad("Unknown LIST return option");
            }
        }
    }
    // RFC 3501 §6.3.8: an empty pattern asks for the delimiter and root.
    if (!lsub && patterns.size() == 1 && cmd.args[i - 1].text.empty()) {
        emit("* LIST (\\Noselect) \"/\" \"\"\r\n");
        co_return Completion::ok("LIST completed");
    }
    const auto boxes = ctx_.store.list_mailboxes(user_);
    for (const auto& box : boxes) {
        bool matched = false;
        for (const auto& pattern : patterns) {
            matched = matched || list_pattern_matches(pattern, box.name);
        }
        if (!matched || ((lsub || only_subscribed) && !box.subscribed) ||
            (only_special && box.special_use.empty())) {
            continue;
        }
        const bool has_children = std::any_of(boxes.begin(), boxes.end(), [&](const auto& b) {
            return b.name.size() > box.name.size() + 1 &&
                   b.name.compare(0, box.name.size(), box.name) == 0 &&
                   b.name[box.name.size()] == '/';
        });
        std::string attrs = has_children ? "\\HasChildren" : "\\HasNoChildren";
        if (box.noselect) {
            attrs += " \\Noselect";
        }
        if (want_subscribed && box.subscribed) {
            attrs += " \\Subscribed";
        }
        if (!box.special_use.empty() && offers("SPECIAL-USE")) {
            attrs += " " + box.special_use;
        }
        emit("* " + std::string(verb) + " (" + attrs + ") \"/\" " + mailbox_name(box.name) +
             "\r\n");
        if (status_wanted != nullptr && !box.noselect) {
            // RFC 5819 §2: a selectable mailbox's LIST is followed by its
            // STATUS; a \Noselect one (Gmail's "[Gmail]") has none.
            auto items = status_items(box, *status_wanted);
            if (!items) {
                co_return Completion::bad(items.error());
            }
            emit("* STATUS " + mailbox_name(box.name) + " (" + *items + ")\r\n");
        }
    }
    if (lsub) {
        std::vector<std::string> subscribed;
        for (const auto& box : boxes) {
            if (box.subscribed) {
                subscribed.push_back(box.name);
            }
        }
        for (const auto& parent : lsub_noselect_parents(subscribed, patterns)) {
            emit("* LSUB (\\Noselect) \"/\" " + mailbox_name(parent) + "\r\n");
        }
    }
    co_return Completion::ok(std::string(verb) + " completed");
}

bool Session::status_item_offered(std::string_view word) const {
    return word == "MESSAGES" || word == "RECENT" || word == "UIDNEXT" || word == "UIDVALIDITY" ||
           word == "UNSEEN" || (word == "HIGHESTMODSEQ" && offers("CONDSTORE")) ||
           (word == "SIZE" && offers("STATUS=SIZE")) ||
           (word == "DELETED-STORAGE" && quota_offered());
}

boost::system::result<std::string, std::string> Session::status_items(
    const MailboxInfo& info, const std::vector<Arg>& wanted) {
    std::string items;
    for (const auto& item : wanted) {
        const auto word = wire::to_ascii_upper(item.text);
        if (!status_item_offered(word)) {
            return boost::system::result<std::string, std::string>(boost::system::in_place_error,
                                                                   "Unknown STATUS item " + word);
        }
        std::uint64_t value = 0;
        if (word == "MESSAGES") {
            value = info.messages;
        } else if (word == "RECENT") {
            value = info.recent;
        } else if (word == "UIDNEXT") {
            value = info.uidnext;
        } else if (word == "UIDVALIDITY") {
            value = info.uidvalidity;
        } else if (word == "UNSEEN") {
            value = info.unseen;
        } else if (word == "HIGHESTMODSEQ") {
            value = info.highest_modseq;
            condstore_ = true;  // RFC 7162 §3.1
        } else if (word == "SIZE") {
            // RFC 8438 §2: at least the sum of the messages' RFC822.SIZE;
            // here exactly that.
            value = info.total_size;
        } else {
            // DELETED-STORAGE, RFC 9208 §4.1.4, required with
            // QUOTA=RES-STORAGE: what an EXPUNGE would free, as the sum of
            // RFC822.SIZE of \Deleted.
            for (const auto& message : ctx_.store.messages(user_, info.name)) {
                value += message.has_flag("\\Deleted") ? message.size : 0;
            }
        }
        items += (items.empty() ? "" : " ") + word + " " + std::to_string(value);
    }
    return boost::system::result<std::string, std::string>(boost::system::in_place_value,
                                                           std::move(items));
}

net::awaitable<Completion> Session::cmd_status(const Command& cmd) {
    if (cmd.args.size() != 2 || cmd.args[1].kind != Arg::Kind::list ||
        cmd.args[1].children.empty()) {
        co_return Completion::bad("STATUS needs a mailbox and a list of items");
    }
    auto name = mailbox_arg(cmd.args[0]);
    if (!name) {
        co_return Completion::no("[CANNOT] Invalid mailbox name");
    }
    auto info = ctx_.store.mailbox(user_, *name);
    if (!info) {
        co_return Completion::no("[NONEXISTENT] No such mailbox");
    }
    auto items = status_items(*info, cmd.args[1].children);
    if (!items) {
        co_return Completion::bad(items.error());
    }
    emit("* STATUS " + mailbox_name(info->name) + " (" + *items + ")\r\n");
    co_return Completion::ok("STATUS completed");
}

net::awaitable<Completion> Session::cmd_namespace(const Command& cmd) {
    if (!cmd.args.empty()) {
        co_return Completion::bad("NAMESPACE takes no arguments");
    }
    emit("* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n");
    co_return Completion::ok("NAMESPACE completed");
}

net::awaitable<Completion> Session::cmd_id(const Command& cmd) {
    if (cmd.args.size() != 1 ||
        !(cmd.args[0].kind == Arg::Kind::list || wire::to_ascii_upper(cmd.args[0].text) == "NIL")) {
        co_return Completion::bad("ID needs a parameter list or NIL");
    }
    emit("* ID (\"name\" \"mailferry\" \"vendor\" \"mailferry\" \"support-url\" NIL)\r\n");
    co_return Completion::ok("ID completed");
}

net::awaitable<Completion> Session::cmd_enable(const Command& cmd) {
    if (cmd.args.empty()) {
        co_return Completion::bad("ENABLE needs capability names");
    }
    std::string enabled;
    for (const auto& arg : cmd.args) {
        if (wire::to_ascii_upper(arg.text) == "CONDSTORE" && offers("CONDSTORE")) {
            condstore_ = true;
            enabled = " CONDSTORE";
        }
    }
    emit("* ENABLED" + enabled + "\r\n");
    co_return Completion::ok("ENABLE completed");
}

net::awaitable<Completion> Session::cmd_append(const Command& cmd) {
    if (cmd.args.size() < 2) {
        co_return Completion::bad("APPEND needs a mailbox and a message");
    }
    auto name = mailbox_arg(cmd.args[0]);
    if (!name) {
        co_return Completion::no("[CANNOT] Invalid mailbox name");
    }
    // RFC 3502 §6.3.11: one or more (flags? date-time? literal) groups.
    std::vector<MailStore::NewMessage> messages;
    for (std::size_t i = 1; i < cmd.args.size();) {
        MailStore::NewMessage message;
        if (cmd.args[i].kind == Arg::Kind::list) {
            for (const auto& flag : cmd.args[i].children) {
                if (flag.kind != Arg::Kind::atom || !is_flag(flag.text) ||
                    wire::to_ascii_upper(flag.text) == "\\RECENT") {
                    co_return Completion::bad("Invalid flag in APPEND");
                }
                message.flags.push_back(flag.text);
            }
            ++i;
        }
        if (i < cmd.args.size() && cmd.args[i].kind == Arg::Kind::quoted) {
            auto date = wire::parse_date_time(cmd.args[i].text);
            if (!date) {
                co_return Completion::bad("Invalid date-time in APPEND");
            }
            message.internal_date = InternalDate{date->seconds, date->offset_minutes};
            ++i;
        }
        if (i >= cmd.args.size() || cmd.args[i].kind != Arg::Kind::literal) {
            co_return Completion::bad("APPEND needs a message literal");
        }
        if (cmd.args[i].text.empty()) {
            co_return Completion::no("Empty message");
        }
        message.body = cmd.args[i].text;
        messages.push_back(std::move(message));
        ++i;
        if (i < cmd.args.size() && !offers("MULTIAPPEND")) {
            co_return Completion::bad("APPEND takes one message");
        }
    }
    const auto target = ctx_.store.mailbox(user_, *name);
    if (!target) {
        co_return Completion::no("[TRYCREATE] No such mailbox");
    }
    if (target->noselect) {
        co_return Completion::no("[CANNOT] " + *name + " holds no messages (\\Noselect)");
    }
    if (ctx_.faults.on_append()) {
        co_return Completion::no("[SERVERBUG] Injected APPEND failure");
    }
    std::uint64_t octets = 0;
    for (const auto& message : messages) {
        octets += message.body.size();
    }
    if (auto refused = over_quota(octets, "APPEND")) {
        co_return std::move(*refused);
    }
    auto appended = ctx_.store.append(user_, *name, std::move(messages));
    if (appended.error != StoreError::ok) {
        co_return store_failure(appended.error, "APPEND");
    }
    if (!offers("UIDPLUS")) {
        co_return Completion::ok("APPEND completed");
    }
    co_return Completion::ok("[APPENDUID " + std::to_string(appended.uidvalidity) + " " +
                             wire::format_sequence(appended.uids) + "] APPEND completed");
}

net::awaitable<void> Session::idle_push() {
    // Written without `continue` and with the awaited tuple bound to a
    // name: GCC 12 generated a coroutine that trapped (SIGILL) on resume
    // for the shorter form.
    bool open = true;
    while (open && !idle_done_) {
        if (selected_ && selected_->dirty()) {
            emit_updates(true);
            open = co_await flush();
        } else {
            // wake() cancels this wait when the store changes or DONE came.
            wakeup_->expires_at(std::chrono::steady_clock::time_point::max());
            auto [ec] =
                co_await wakeup_->async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
            open = !ec || ec == boost::asio::error::operation_aborted;
        }
    }
}

net::awaitable<Completion> Session::idle_read() {
    bool too_long = false;
    auto line = co_await read_raw_line(too_long);
    idle_done_ = true;
    wake();
    if (!line) {
        co_return Completion::closed();
    }
    if (too_long || wire::to_ascii_upper(*line) != "DONE") {
        co_return Completion::bad("Expected DONE");
    }
    co_return Completion::ok("IDLE terminated");
}

net::awaitable<Completion> Session::cmd_idle(const Command& cmd) {
    using namespace boost::asio::experimental::awaitable_operators;
    if (!cmd.args.empty()) {
        co_return Completion::bad("IDLE takes no arguments");
    }
    emit("+ idling\r\n");
    emit_updates(true);
    if (!co_await flush()) {
        co_return Completion::closed();
    }
    // RFC 2177 §3: updates are pushed while the client waits; DONE ends it.
    // The read keeps the autologout deadline, so an IDLE left open longer
    // than the limit is logged out like any idle client.
    idle_done_ = false;
    // Named locals: GCC 12 mishandles coroutine temporaries in this expression.
    auto read = idle_read();
    auto push = idle_push();
    auto result = co_await (std::move(read) && std::move(push));
    co_return result;
}

}  // namespace mailferry::testserver::imap
