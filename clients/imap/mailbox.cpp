// Mailbox-level operations: LIST, NAMESPACE, SELECT/EXAMINE, STATUS,
// CREATE, and the small per-message commands (UID STORE, UID EXPUNGE,
// UID SEARCH, NOOP).
#include "clients/imap/client.hpp"

#include "clients/imap/detail/connection.hpp"
#include "clients/imap/detail/listing_handlers.hpp"
#include "clients/wire/ascii.hpp"
#include "clients/wire/modified_utf7.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <utility>

namespace mailferry::imap {
namespace {

using detail::ResponseHandler;

// RFC 6154 uses, and what Gmail's XLIST called them.
std::string special_use_of(const std::vector<std::string>& attributes) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 11> uses = {{
        {"\\Sent", "\\Sent"},
        {"\\Drafts", "\\Drafts"},
        {"\\Trash", "\\Trash"},
        {"\\Junk", "\\Junk"},
        {"\\Archive", "\\Archive"},
        {"\\All", "\\All"},
        {"\\Flagged", "\\Flagged"},
        {"\\Spam", "\\Junk"},
        {"\\AllMail", "\\All"},
        {"\\Starred", "\\Flagged"},
        {"\\Important", ""},
    }};
    for (const auto& a : attributes) {
        for (const auto& [attr, use] : uses) {
            if (wire::iequals(a, attr)) {
                return std::string(use);
            }
        }
    }
    return {};
}

// The '/'-separated UTF-8 name of a raw mailbox name.
std::string decode_name(const std::string& raw, std::optional<char> delimiter) {
    if (wire::iequals(raw, "INBOX")) {
        return "INBOX";
    }
    std::string out;
    std::size_t start = 0;
    while (true) {
        const auto end = delimiter ? raw.find(*delimiter, start) : std::string::npos;
        const std::string part = raw.substr(start, end - start);
        auto decoded = wire::decode(part);
        out += decoded ? *decoded : part;
        if (end == std::string::npos) {
            break;
        }
        out += '/';
        start = end + 1;
    }
    if (delimiter && out.rfind("INBOX/", 0) != 0 && wire::iequals(out.substr(0, 6), "INBOX/")) {
        out.replace(0, 5, "INBOX");
    }
    return out;
}

class ListHandler final : public ResponseHandler {
  public:
    awaitable<std::optional<Error>> on_untagged(const Response& r) override {
        const std::string name = r.name();
        if (name == "LIST" || name == "XLIST") {
            if (auto entry = parse_list(r)) {
                entries.push_back(std::move(*entry));
            }
        } else if (name == "STATUS") {
            // LIST-STATUS: each follows its mailbox's LIST (RFC 5819 §2).
            if (auto status = parse_status_data(r)) {
                const std::string mailbox = status->mailbox;
                statuses[mailbox] = std::move(*status);
            }
        }
        co_return std::nullopt;
    }
    std::vector<ListEntry> entries;
    std::map<std::string, MailboxStatus> statuses;  // by the mailbox name as sent
};

}  // namespace

std::string Client::list_command() const {
    std::string options;
    if (conn_->has_capability("SPECIAL-USE")) {
        options = "SPECIAL-USE";
    }
    if (conn_->has_capability("LIST-STATUS")) {
        // The items a STATUS of StatusDetail::changes asks for (status()).
        options += std::string(options.empty() ? "" : " ") + "STATUS (" + status_items(false) + ")";
    }
    const std::string list = R"(LIST "" "*")";
    return options.empty() ? list : list + " RETURN (" + options + ")";
}

std::string Client::status_items(bool overview) const {
    std::string items = "MESSAGES UIDNEXT UIDVALIDITY";
    if (conn_->has_capability("CONDSTORE")) {
        items += " HIGHESTMODSEQ";
    }
    if (overview) {
        items += " UNSEEN";
        if (conn_->has_capability("STATUS=SIZE")) {
            items += " SIZE";
        }
    }
    return items;
}

awaitable<ClientResult<std::vector<Folder>>> Client::list_folders() {
    const std::string step = "LIST";
    ListHandler handler;
    auto c = co_await conn_->command(list_command(), step, &handler);
    if (!c) {
        co_return c.error();
    }
    if (auto e = conn_->check(*c, step)) {
        co_return std::move(*e);
    }
    std::vector<Folder> out;
    for (auto& entry : handler.entries) {
        if (!separator_ && entry.delimiter) {
            separator_ = entry.delimiter;
        }
        Folder f;
        f.name = decode_name(entry.mailbox, entry.delimiter);
        f.raw_name = std::move(entry.mailbox);
        f.delimiter = entry.delimiter;
        f.special_use = special_use_of(entry.attributes);
        f.selectable = !entry.has_attribute("\\Noselect") && !entry.has_attribute("\\NonExistent");
        f.attributes = std::move(entry.attributes);
        if (auto status = handler.statuses.find(f.raw_name); status != handler.statuses.end()) {
            f.status = std::move(status->second);
        }
        raw_names_[f.name] = f.raw_name;
        out.push_back(std::move(f));
    }
    co_return out;
}

awaitable<std::optional<Error>> Client::learn_separator() {
    if (separator_) {
        co_return std::nullopt;
    }
    // RFC 3501 §6.3.8: LIST "" "" returns the hierarchy delimiter.
    ListHandler handler;
    auto c = co_await conn_->command(R"(LIST "" "")", "LIST", &handler);
    if (!c) {
        co_return c.error();
    }
    for (const auto& entry : handler.entries) {
        if (entry.delimiter) {
            separator_ = entry.delimiter;
        }
    }
    co_return std::nullopt;
}

awaitable<ClientResult<Namespaces>> Client::namespaces() {
    if (!conn_->has_capability("NAMESPACE")) {
        co_return Namespaces{};
    }
    struct Handler final : ResponseHandler {
        awaitable<std::optional<Error>> on_untagged(const Response& r) override {
            if (r.name() == "NAMESPACE") {
                if (auto n = parse_namespace(r)) {
                    result = std::move(*n);
                }
            }
            co_return std::nullopt;
        }
        Namespaces result;
    } handler;
    auto c = co_await conn_->command("NAMESPACE", "NAMESPACE", &handler);
    if (!c) {
        co_return c.error();
    }
    if (auto e = conn_->check(*c, "NAMESPACE")) {
        co_return std::move(*e);
    }
    co_return std::move(handler.result);
}

namespace detail {

awaitable<std::optional<Error>> SelectHandler::on_untagged(const Response& r) {
    if (r.is_status() && r.code) {
        const ResponseCode& code = *r.code;
        if (code.name == "UIDVALIDITY") {
            state.uidvalidity = static_cast<std::uint32_t>(code_number(code).value_or(0));
        } else if (code.name == "UIDNEXT") {
            if (auto n = code_number(code)) {
                state.uidnext = static_cast<std::uint32_t>(*n);
            }
        } else if (code.name == "HIGHESTMODSEQ") {
            // The mailbox's as it opened. A QRESYNC server may send a newer
            // one later (RFC 7162 §3.2) while commands sent with the SELECT
            // run (examine_changes()); taking it would claim changes whose
            // unsolicited FETCH nobody read.
            if (!modseq_seen_) {
                state.highest_modseq = code_number(code);
                modseq_seen_ = true;
            }
        } else if (code.name == "NOMODSEQ") {
            state.highest_modseq.reset();
            nomodseq = true;
        } else if (code.name == "PERMANENTFLAGS") {
            state.permanent_flags = code_atoms(code);
        } else if (code.name == "CLOSED") {
            // RFC 7162 §3.2.11: what came before was about the
            // mailbox selected until now.
            state.highest_modseq.reset();
            modseq_seen_ = false;
            state.vanished.clear();
            state.changed.clear();
        }
    } else if (r.name() == "FLAGS") {
        if (auto flags = parse_flags(r)) {
            state.flags = std::move(*flags);
        }
    } else if (collect_changes && r.name() == "VANISHED") {
        // RFC 7162 §3.2.5.1: the known UIDs expunged since the modseq
        // come as VANISHED (EARLIER); one without EARLIER belongs to
        // the previous mailbox (§3.2.10.2).
        if (auto v = parse_vanished(r); v && v->earlier) {
            merge_uid_ranges(state.vanished, v->ranges);
        }
    } else if (collect_changes && r.name() == "FETCH") {
        // RFC 7162 §3.2.5.1: changed messages' FETCH responses carry
        // their UID (and MODSEQ, §3.2.4).
        if (auto f = parse_fetch(r); f && f->uid && f->flags) {
            state.changed.push_back(MessageChange{*f->uid, std::move(*f->flags), f->modseq});
        }
    }
    co_return std::nullopt;
}

}  // namespace detail

std::string Client::select_command(const std::string& name, bool read_only) const {
    std::string command =
        std::string(read_only ? "EXAMINE " : "SELECT ") + quote(encode_mailbox(name));
    if (condstore_ && !conn_->has_capability("ENABLE")) {
        // Without ENABLE, the CONDSTORE select parameter turns it on (RFC 7162 §3.1.8).
        command += " (CONDSTORE)";
    }
    return command;
}

MailboxState Client::selected(detail::SelectHandler& handler, const detail::Completion& c,
                              std::string name, bool read_only) {
    MailboxState state = std::move(handler.state);
    state.name = name;
    state.exists = conn_->exists();
    state.read_only = read_only || (c.code && c.code->name == "READ-ONLY");
    state.keywords_allowed = std::find(state.permanent_flags.begin(), state.permanent_flags.end(),
                                       "\\*") != state.permanent_flags.end();
    if (!condstore_) {
        state.highest_modseq.reset();
    }
    selection_ = Selection{std::move(name), state.read_only};
    return state;
}

awaitable<ClientResult<MailboxState>> Client::select(std::string name, bool read_only,
                                                     std::optional<QresyncParams> qresync) {
    if (auto e = co_await learn_separator()) {
        co_return std::move(*e);
    }
    const std::string step = std::string(read_only ? "EXAMINE " : "SELECT ") + name;
    detail::SelectHandler handler;
    std::string command;
    if (qresync && qresync_ && qresync->uidvalidity != 0 && qresync->modseq != 0) {
        // RFC 7162 §3.2.5, §7: "QRESYNC" SP "(" uidvalidity SP
        // mod-sequence-value [SP known-uids] ")".
        // (QRESYNC is enabled only by ENABLE, so no CONDSTORE parameter.)
        command = select_command(name, read_only) + " (QRESYNC (" +
                  std::to_string(qresync->uidvalidity) + " " + std::to_string(qresync->modseq);
        if (!qresync->known_uids.empty()) {
            command += " " + format_uid_ranges(qresync->known_uids);
        }
        command += "))";
        handler.collect_changes = true;
    } else {
        command = select_command(name, read_only);
    }
    selection_.reset();
    conn_->reset_exists();
    auto c = co_await conn_->command(command, step, &handler);
    if (!c) {
        co_return c.error();
    }
    if (auto e = conn_->check(*c, step)) {
        co_return std::move(*e);
    }
    const bool collected = handler.collect_changes;
    const bool nomodseq = handler.nomodseq;
    MailboxState state = selected(handler, *c, std::move(name), read_only);
    if (qresync) {
        // RFC 7162 §3.2.5: a UIDVALIDITY mismatch or NOMODSEQ makes the
        // server ignore the rest, "as if no dynamic message data changed".
        if (!collected || nomodseq || !state.highest_modseq) {
            state.qresync = QresyncOutcome::unavailable;
        } else if (state.uidvalidity != qresync->uidvalidity) {
            state.qresync = QresyncOutcome::uidvalidity_changed;
        } else {
            state.qresync = QresyncOutcome::applied;
        }
        if (state.qresync != QresyncOutcome::applied) {
            state.vanished.clear();
            state.changed.clear();
        }
    } else {
        state.vanished.clear();
        state.changed.clear();
    }
    co_return state;
}

awaitable<ClientResult<MailboxStatus>> Client::status(std::string name, StatusDetail detail) {
    if (auto e = co_await learn_separator()) {
        co_return std::move(*e);
    }
    const std::string step = "STATUS " + name;
    struct Handler final : ResponseHandler {
        awaitable<std::optional<Error>> on_untagged(const Response& r) override {
            if (r.name() == "STATUS") {
                if (auto s = parse_status_data(r)) {
                    result = std::move(*s);
                }
            }
            co_return std::nullopt;
        }
        std::optional<MailboxStatus> result;
    } handler;
    const std::string items = status_items(detail == StatusDetail::overview);
    auto c = co_await conn_->command("STATUS " + quote(encode_mailbox(name)) + " (" + items + ")",
                                     step, &handler);
    if (!c) {
        co_return c.error();
    }
    if (auto e = conn_->check(*c, step)) {
        co_return std::move(*e);
    }
    if (!handler.result) {
        co_return make_client_error(client_error::protocol_error, server_, step, c->line(),
                                    "no STATUS response");
    }
    co_return std::move(*handler.result);
}

awaitable<ClientResult<bool>> Client::create(std::string name) {
    if (auto e = co_await learn_separator()) {
        co_return std::move(*e);
    }
    const std::string step = "CREATE " + name;
    const std::string raw = encode_mailbox(name);
    auto c = co_await conn_->command("CREATE " + quote(raw), step);
    if (!c) {
        co_return c.error();
    }
    if (c->ok()) {
        co_return true;
    }
    if (c->status == Status::no) {
        // RFC 5530 ALREADYEXISTS; servers without it say NO in prose, so a
        // LIST decides.
        if (c->code && c->code->name == "ALREADYEXISTS") {
            co_return false;
        }
        ListHandler handler;
        auto l = co_await conn_->command("LIST \"\" " + quote(raw), "LIST", &handler);
        if (!l) {
            co_return l.error();
        }
        if (l->ok() && !handler.entries.empty()) {
            co_return false;
        }
    }
    co_return std::move(*conn_->check(*c, step));
}

namespace {

std::string store_command(const std::string& uid_set, FlagOperation op,
                          const std::vector<std::string>& flags, bool silent) {
    std::string item = op == FlagOperation::add      ? "+FLAGS"
                       : op == FlagOperation::remove ? "-FLAGS"
                                                     : "FLAGS";
    if (silent) {
        item += ".SILENT";
    }
    return "UID STORE " + uid_set + " " + item + " " + format_flag_list(flags);
}

}  // namespace

awaitable<ClientResult<void>> Client::store_flags(std::string uid_set, FlagOperation op,
                                                  std::vector<std::string> flags, bool silent) {
    const std::string step = "UID STORE";
    if (auto e = require_selected(step)) {
        co_return std::move(*e);
    }
    auto c = co_await conn_->command(store_command(uid_set, op, flags, silent), step);
    if (!c) {
        co_return c.error();
    }
    if (auto e = conn_->check(*c, step)) {
        co_return std::move(*e);
    }
    co_return boost::system::result<void, Error>();
}

awaitable<ClientResult<std::vector<std::optional<Error>>>> Client::store_flags(
    std::vector<FlagStore> stores) {
    const std::string step = "UID STORE";
    if (auto e = require_selected(step)) {
        co_return std::move(*e);
    }
    std::vector<std::string> commands;
    commands.reserve(stores.size());
    for (const FlagStore& s : stores) {
        commands.push_back(store_command(s.uid_set, s.op, s.flags, true));
    }
    auto done =
        co_await conn_->pipeline(std::move(commands), step, nullptr, options_.pipeline_window);
    if (!done) {
        co_return done.error();
    }
    std::vector<std::optional<Error>> outcomes;
    outcomes.reserve(done->size());
    for (const detail::Completion& c : *done) {
        outcomes.push_back(conn_->check(c, step));
    }
    co_return outcomes;
}

awaitable<ClientResult<void>> Client::add_gmail_labels(std::string uid_set,
                                                       std::vector<std::string> labels) {
    const std::string step = "UID STORE +X-GM-LABELS";
    if (auto e = require_selected(step)) {
        co_return std::move(*e);
    }
    if (!conn_->has_capability("X-GM-EXT-1")) {
        co_return make_client_error(client_error::not_supported, server_, step, {},
                                    "the server does not offer X-GM-EXT-1");
    }
    std::string list;
    for (const std::string& label : labels) {
        list += (list.empty() ? "" : " ") + quote(label);
    }
    auto c = co_await conn_->command("UID STORE " + uid_set + " +X-GM-LABELS (" + list + ")", step);
    if (!c) {
        co_return c.error();
    }
    if (auto e = conn_->check(*c, step)) {
        co_return std::move(*e);
    }
    co_return boost::system::result<void, Error>();
}

awaitable<ClientResult<std::vector<QuotaResource>>> Client::quota_root(std::string mailbox) {
    if (auto e = co_await learn_separator()) {
        co_return std::move(*e);
    }
    const std::string step = "GETQUOTAROOT " + mailbox;
    if (!conn_->has_capability("QUOTA")) {
        co_return make_client_error(client_error::not_supported, server_, step, {},
                                    "the server does not offer QUOTA");
    }
    struct Handler final : ResponseHandler {
        // RFC 9208 §5.1: "QUOTA" SP quota-root-name SP "(" quota-resource
        // *(SP quota-resource) ")", quota-resource = name SP usage SP limit.
        awaitable<std::optional<Error>> on_untagged(const Response& r) override {
            if (r.name() != "QUOTA" || r.data.size() != 3 || !r.data[1].is_astring() ||
                r.data[2].kind != Value::Kind::list) {
                co_return std::nullopt;
            }
            const auto& items = r.data[2].items;
            for (std::size_t i = 0; i + 2 < items.size(); i += 3) {
                if (items[i].kind != Value::Kind::atom ||
                    items[i + 1].kind != Value::Kind::number ||
                    items[i + 2].kind != Value::Kind::number) {
                    break;
                }
                std::string name = wire::to_ascii_upper(items[i].text);
                result.push_back(
                    {r.data[1].text, std::move(name), items[i + 1].number, items[i + 2].number});
            }
            co_return std::nullopt;
        }
        std::vector<QuotaResource> result;
    } handler;
    auto c =
        co_await conn_->command("GETQUOTAROOT " + quote(encode_mailbox(mailbox)), step, &handler);
    if (!c) {
        co_return c.error();
    }
    if (auto e = conn_->check(*c, step)) {
        co_return std::move(*e);
    }
    co_return std::move(handler.result);
}

awaitable<ClientResult<void>> Client::expunge_uids(std::string uid_set) {
    const std::string step = "UID EXPUNGE";
    if (auto e = require_selected(step)) {
        co_return std::move(*e);
    }
    if (!conn_->has_capability("UIDPLUS")) {
        co_return make_client_error(client_error::not_supported, server_, step, {},
                                    "no UIDPLUS; the messages stay marked \\Deleted");
    }
    auto c = co_await conn_->command("UID EXPUNGE " + uid_set, step);
    if (!c) {
        co_return c.error();
    }
    if (auto e = conn_->check(*c, step)) {
        co_return std::move(*e);
    }
    co_return boost::system::result<void, Error>();
}

awaitable<ClientResult<void>> Client::delete_uids(std::string uid_set) {
    // Named, not a braced temporary inside co_await (GCC 12 bug).
    std::vector<std::string> deleted{std::string("\\Deleted")};
    auto stored = co_await store_flags(uid_set, FlagOperation::add, std::move(deleted), true);
    if (!stored) {
        co_return stored.error();
    }
    co_return co_await expunge_uids(std::move(uid_set));
}

awaitable<ClientResult<std::vector<std::uint32_t>>> Client::search_message_id(
    std::string message_id) {
    const std::string step = "UID SEARCH";
    if (auto e = require_selected(step)) {
        co_return std::move(*e);
    }
    if (needs_literal(message_id)) {
        co_return make_client_error(client_error::not_supported, server_, step, {},
                                    "a Message-ID with 8-bit or control characters");
    }
    struct Handler final : ResponseHandler {
        awaitable<std::optional<Error>> on_untagged(const Response& r) override {
            if (r.name() == "SEARCH") {
                if (auto s = parse_search(r)) {
                    uids.insert(uids.end(), s->numbers.begin(), s->numbers.end());
                }
            }
            co_return std::nullopt;
        }
        std::vector<std::uint32_t> uids;
    } handler;
    auto c = co_await conn_->command("UID SEARCH HEADER Message-ID " + quote(message_id), step,
                                     &handler);
    if (!c) {
        co_return c.error();
    }
    if (auto e = conn_->check(*c, step)) {
        co_return std::move(*e);
    }
    std::sort(handler.uids.begin(), handler.uids.end());
    co_return std::move(handler.uids);
}

awaitable<ClientResult<void>> Client::noop() {
    auto c = co_await conn_->command("NOOP", "NOOP");
    if (!c) {
        co_return c.error();
    }
    if (auto e = conn_->check(*c, "NOOP")) {
        co_return std::move(*e);
    }
    co_return boost::system::result<void, Error>();
}

}  // namespace mailferry::imap
