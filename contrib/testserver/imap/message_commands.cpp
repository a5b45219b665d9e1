// Selected-state commands on messages (RFC 3501 §6.4): FETCH, STORE, COPY,
// EXPUNGE, CLOSE and their UID forms, with UIDPLUS (RFC 4315), MOVE
// (RFC 6851), UNSELECT (RFC 3691) and CONDSTORE (RFC 7162).

#include "clients/wire/ascii.hpp"
#include "clients/wire/sequence_set.hpp"
#include "contrib/testserver/imap/fetch_response.hpp"
#include "contrib/testserver/imap/sequence_set.hpp"
#include "contrib/testserver/imap/session.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <map>

namespace mailferry::testserver::imap {

namespace {

// Fresh metadata for the given uids, straight from the store.
std::map<std::uint32_t, MessageInfo> current_infos(const MailStore& store,
                                                   const SelectedMailbox& view,
                                                   const std::vector<std::uint32_t>& uids) {
    std::map<std::uint32_t, MessageInfo> out;
    auto all = store.messages(view.user(), view.name());
    for (auto& info : all) {
        if (std::binary_search(uids.begin(), uids.end(), info.uid)) {
            out.emplace(info.uid, std::move(info));
        }
    }
    return out;
}

}  // namespace

std::optional<std::vector<std::uint32_t>> Session::resolve_set(std::string_view text,
                                                               bool uid) const {
    const auto& view = *selected_;
    auto set = SequenceSet::parse(text, uid ? view.max_uid() : view.exists());
    if (!set) {
        return std::nullopt;
    }
    std::vector<std::uint32_t> seqs;
    if (uid) {
        // RFC 3501 §6.4.8: UIDs without a message are simply not there.
        for (std::uint32_t seq = 1; seq <= view.exists(); ++seq) {
            if (set->contains(view.at(seq).uid)) {
                seqs.push_back(seq);
            }
        }
        return seqs;
    }
    if (set->highest() > view.exists()) {
        return std::nullopt;
    }
    for (const auto& range : set->ranges()) {
        for (std::uint64_t n = range.first; n <= range.last; ++n) {
            seqs.push_back(static_cast<std::uint32_t>(n));
        }
    }
    return seqs;
}

net::awaitable<Completion> Session::cmd_fetch(const Command& cmd, std::size_t first, bool uid) {
    const auto& args = cmd.args;
    if (args.size() < first + 2 || args.size() > first + 3 || args[first].kind != Arg::Kind::atom) {
        co_return Completion::bad("FETCH needs a sequence set and items");
    }
    auto seqs = resolve_set(args[first].text, uid);
    if (!seqs) {
        co_return Completion::bad("Invalid sequence set");
    }
    auto parsed = parse_fetch_items(args[first + 1]);
    if (!parsed) {
        co_return Completion::bad(parsed.error());
    }
    std::vector<FetchItem> items = std::move(parsed).value();
    std::optional<std::uint64_t> changed_since;
    if (args.size() == first + 3) {
        auto modifiers = parse_fetch_modifiers(args[first + 2]);
        if (!modifiers) {
            co_return Completion::bad(modifiers.error());
        }
        if (modifiers->vanished) {
            co_return Completion::bad("VANISHED needs QRESYNC");
        }
        changed_since = modifiers->changed_since;
    }
    const bool uid_present = std::any_of(items.begin(), items.end(), [](const FetchItem& i) {
        return i.kind == FetchItem::Kind::uid;
    });
    if (uid && !uid_present) {
        // RFC 3501 §6.4.8: UID FETCH always returns the UID.
        items.insert(items.begin(), FetchItem{FetchItem::Kind::uid, false, {}, {}});
    }
    const bool wants_modseq = std::any_of(items.begin(), items.end(), [](const FetchItem& i) {
        return i.kind == FetchItem::Kind::modseq;
    });
    if (changed_since || wants_modseq) {
        if (!offers("CONDSTORE")) {
            co_return Completion::bad("MODSEQ and CHANGEDSINCE need CONDSTORE");
        }
        condstore_ = true;  // RFC 7162 §3.1
    }
    const bool wants_gmail = std::any_of(items.begin(), items.end(), [](const FetchItem& i) {
        return i.kind == FetchItem::Kind::gm_msgid || i.kind == FetchItem::Kind::gm_thrid ||
               i.kind == FetchItem::Kind::gm_labels;
    });
    if (wants_gmail && !gmail_offered()) {
        co_return Completion::bad("X-GM-MSGID, X-GM-THRID and X-GM-LABELS need X-GM-EXT-1");
    }
    if (changed_since && !wants_modseq) {
        items.push_back(FetchItem{FetchItem::Kind::modseq, false, {}, {}});
    }
    auto& view = *selected_;
    std::vector<std::uint32_t> wanted;
    for (auto seq : *seqs) {
        if (view.is_expunged(seq)) {
            continue;
        }
        const auto& info = view.at(seq);
        if (changed_since && info.modseq <= *changed_since) {
            continue;
        }
        wanted.push_back(seq);
    }

    // Implicit \Seen (RFC 3501 §6.4.5), set for all messages first, so
    // each response shows the flags after the change.
    std::vector<std::uint32_t> seen_now;
    if (!view.read_only() && std::any_of(items.begin(), items.end(), sets_seen)) {
        std::vector<std::uint32_t> unseen;
        for (auto seq : wanted) {
            if (!view.at(seq).has_flag("\\Seen")) {
                unseen.push_back(view.at(seq).uid);
            }
        }
        if (!unseen.empty()) {
            auto result =
                ctx_.store.store_flags(user_, view.name(), unseen, FlagMode::add, {"\\Seen"});
            seen_now = result.changed;
            std::sort(seen_now.begin(), seen_now.end());
            // The store's flags may hold another session's new keyword.
            std::vector<MessageInfo> changed;
            for (auto& [u, info] : current_infos(ctx_.store, view, seen_now)) {
                view.update(info);
                changed.push_back(std::move(info));
            }
            emit(view.announce_keywords(changed));
        }
    }

    const bool cut_off = ctx_.faults.on_fetch();
    for (auto seq : wanted) {
        const auto& info = view.at(seq);
        const bool changed = std::binary_search(seen_now.begin(), seen_now.end(), info.uid);
        FetchOptions options{changed, changed && condstore_, ctx_.faults.uid_last(),
                             gmail_offered() ? ctx_.gmail : nullptr};
        emit(build_fetch_response(seq, info, items, view, ctx_.store, options));
        if (cut_off) {
            emit("* BYE Injected fault: connection closed during FETCH\r\n");
            co_await flush();
            co_return Completion::closed();
        }
        if (!co_await flush_if_large()) {
            co_return Completion::closed();
        }
    }
    co_return Completion::ok(uid ? "UID FETCH completed" : "FETCH completed");
}

net::awaitable<Completion> Session::cmd_store(const Command& cmd, std::size_t first, bool uid) {
    const auto& args = cmd.args;
    if (args.size() < first + 3 || args[first].kind != Arg::Kind::atom) {
        co_return Completion::bad("STORE needs a sequence set, an item and flags");
    }
    auto seqs = resolve_set(args[first].text, uid);
    if (!seqs) {
        co_return Completion::bad("Invalid sequence set");
    }
    std::size_t i = first + 1;
    std::optional<std::uint64_t> unchanged_since;
    if (args[i].kind == Arg::Kind::list) {
        if (!offers("CONDSTORE")) {
            co_return Completion::bad("STORE modifiers need CONDSTORE");
        }
        auto modifier = parse_store_modifiers(args[i]);
        if (!modifier) {
            co_return Completion::bad(modifier.error());
        }
        unchanged_since = *modifier;
        condstore_ = true;
        ++i;
    }
    if (i >= args.size()) {
        co_return Completion::bad("STORE needs an item and flags");
    }
    std::string item = wire::to_ascii_upper(args[i].text);
    const bool silent = item.size() > 7 && item.compare(item.size() - 7, 7, ".SILENT") == 0;
    if (silent) {
        item.resize(item.size() - 7);
    }
    if (item.ends_with("X-GM-LABELS") && item.size() <= 12) {
        co_return co_await store_gmail_labels(cmd, i, *seqs, uid, silent);
    }
    FlagMode mode = FlagMode::replace;
    if (item == "+FLAGS") {
        mode = FlagMode::add;
    } else if (item == "-FLAGS") {
        mode = FlagMode::remove;
    } else if (item != "FLAGS") {
        co_return Completion::bad("Unknown STORE item");
    }
    // RFC 3501 §9: flag-list, or (as clients send) flags without parentheses.
    std::vector<std::string> flags;
    ++i;
    if (i >= args.size()) {
        co_return Completion::bad("STORE needs flags");
    }
    if (args[i].kind == Arg::Kind::list) {
        if (i + 1 != args.size()) {
            co_return Completion::bad("Unexpected arguments after the flag list");
        }
        for (const auto& flag : args[i].children) {
            if (flag.kind != Arg::Kind::atom || !is_flag(flag.text)) {
                co_return Completion::bad("Invalid flag " + flag.text);
            }
            flags.push_back(flag.text);
        }
    } else {
        for (; i < args.size(); ++i) {
            if (args[i].kind != Arg::Kind::atom || !is_flag(args[i].text)) {
                co_return Completion::bad("Invalid flag " + args[i].text);
            }
            flags.push_back(args[i].text);
        }
    }
    auto& view = *selected_;
    if (view.read_only()) {
        co_return Completion::no("Mailbox is read-only");
    }
    std::vector<std::uint32_t> uids;
    for (auto seq : *seqs) {
        if (!view.is_expunged(seq)) {
            uids.push_back(view.at(seq).uid);
        }
    }
    auto result = ctx_.store.store_flags(user_, view.name(), uids, mode, flags, unchanged_since);
    if (result.error != StoreError::ok && result.error != StoreError::flags_modified) {
        co_return Completion::no("STORE failed: " + std::string(describe(result.error)));
    }
    std::sort(result.modified.begin(), result.modified.end());
    auto infos = current_infos(ctx_.store, view, uids);
    // Before any FETCH below names a keyword new to the mailbox.
    std::vector<MessageInfo> changed;
    for (const auto& [u, info] : infos) {
        changed.push_back(info);
    }
    emit(view.announce_keywords(changed));
    for (auto u : uids) {
        auto it = infos.find(u);
        if (it == infos.end()) {
            continue;
        }
        view.update(it->second);
        if (silent || std::binary_search(result.modified.begin(), result.modified.end(), u)) {
            continue;
        }
        auto seq = view.seq_of(u);
        std::string line =
            "* " + std::to_string(*seq) + " FETCH (FLAGS " + view.flag_list(it->second);
        if (uid) {
            line += " UID " + std::to_string(u);
        }
        if (condstore_) {
            line += " MODSEQ (" + std::to_string(it->second.modseq) + ")";
        }
        emit(line + ")\r\n");
    }
    if (!result.modified.empty()) {
        // RFC 7162 §3.1.3: the set names UIDs for UID STORE, else sequence numbers.
        std::vector<std::uint32_t> names;
        for (auto u : result.modified) {
            if (uid) {
                names.push_back(u);
            } else if (auto seq = view.seq_of(u)) {
                names.push_back(*seq);
            }
        }
        std::sort(names.begin(), names.end());
        co_return Completion::ok("[MODIFIED " + wire::format_sequence(names) +
                                 "] Conditional STORE failed");
    }
    co_return Completion::ok(uid ? "UID STORE completed" : "STORE completed");
}

net::awaitable<Completion> Session::store_gmail_labels(const Command& cmd, std::size_t item,
                                                       const std::vector<std::uint32_t>& seqs,
                                                       bool uid, bool silent) {
    if (!gmail_offered()) {
        co_return Completion::bad("X-GM-LABELS needs X-GM-EXT-1");
    }
    const auto& args = cmd.args;
    const char sign = args[item].text.front();
    const FlagMode mode = sign == '+'   ? FlagMode::add
                          : sign == '-' ? FlagMode::remove
                                        : FlagMode::replace;
    // A parenthesised list of astrings, or one astring.
    std::vector<std::string> labels;
    if (item + 2 != args.size()) {
        co_return Completion::bad("STORE X-GM-LABELS needs one label list");
    }
    const Arg& list = args[item + 1];
    if (list.kind == Arg::Kind::list) {
        for (const auto& label : list.children) {
            if (!label.is_astring()) {
                co_return Completion::bad("Invalid label");
            }
            labels.push_back(label.text);
        }
    } else if (list.is_astring()) {
        labels.push_back(list.text);
    } else {
        co_return Completion::bad("Invalid label list");
    }
    auto& view = *selected_;
    if (view.read_only()) {
        co_return Completion::no("Mailbox is read-only");
    }
    std::vector<std::uint32_t> uids;
    for (auto seq : seqs) {
        if (!view.is_expunged(seq)) {
            uids.push_back(view.at(seq).uid);
        }
    }
    const auto error = ctx_.gmail->change_labels(user_, view.name(), uids, mode, labels);
    if (error != StoreError::ok) {
        co_return Completion::no("STORE failed: " + std::string(describe(error)));
    }
    if (!silent) {
        const auto still = current_infos(ctx_.store, view, uids);
        for (const auto u : uids) {
            const auto seq = view.seq_of(u);
            if (!still.contains(u) || !seq) {
                continue;  // the label of this folder was removed: EXPUNGE follows
            }
            std::string line = "* " + std::to_string(*seq) + " FETCH (X-GM-LABELS " +
                               gmail_label_list(ctx_.gmail->labels(user_, view.name(), u));
            if (uid) {
                line += " UID " + std::to_string(u);
            }
            emit(line + ")\r\n");
        }
    }
    co_return Completion::ok(uid ? "UID STORE completed" : "STORE completed");
}

net::awaitable<Completion> Session::cmd_copy(const Command& cmd, std::size_t first, bool uid,
                                             bool move) {
    const char* verb = move ? "MOVE" : "COPY";
    const auto& args = cmd.args;
    if (args.size() != first + 2 || args[first].kind != Arg::Kind::atom) {
        co_return Completion::bad(std::string(verb) + " needs a sequence set and a mailbox");
    }
    auto seqs = resolve_set(args[first].text, uid);
    if (!seqs) {
        co_return Completion::bad("Invalid sequence set");
    }
    auto target = mailbox_arg(args[first + 1]);
    if (!target) {
        co_return Completion::no("[CANNOT] Invalid mailbox name");
    }
    auto& view = *selected_;
    if (move && view.read_only()) {
        co_return Completion::no("Mailbox is read-only");
    }
    if (!ctx_.store.mailbox(user_, *target)) {
        co_return Completion::no("[TRYCREATE] No such mailbox");
    }
    std::vector<std::uint32_t> uids;
    std::uint64_t octets = 0;
    for (auto seq : *seqs) {
        if (!view.is_expunged(seq)) {
            uids.push_back(view.at(seq).uid);
            octets += view.at(seq).size;
        }
    }
    const std::string done = std::string(uid ? "UID " : "") + verb + " completed";
    if (uids.empty()) {
        co_return Completion::ok(done);
    }
    // RFC 9208 §4.3.1. A MOVE between the user's own mailboxes, all under
    // the one quota root, leaves the usage as it was.
    if (auto refused = over_quota(move ? 0 : octets, verb)) {
        co_return std::move(*refused);
    }
    auto copied = ctx_.store.copy(user_, view.name(), uids, *target, move);
    if (copied.error != StoreError::ok) {
        co_return Completion::no(std::string(verb) +
                                 " failed: " + std::string(describe(copied.error)));
    }
    const std::string copyuid = "[COPYUID " + std::to_string(copied.uidvalidity) + " " +
                                wire::format_sequence(copied.source_uids) + " " +
                                wire::format_sequence(copied.target_uids) + "]";
    const bool uidplus = offers("UIDPLUS");
    if (!move) {
        co_return Completion::ok(uidplus ? copyuid + " " + done : done);
    }
    // RFC 6851 §4.3: COPYUID goes in an untagged OK before the EXPUNGEs.
    if (uidplus) {
        emit("* OK " + copyuid + " Moved\r\n");
    }
    emit(view.remove(copied.source_uids));
    co_return Completion::ok(done);
}

net::awaitable<Completion> Session::cmd_expunge(const Command& cmd, std::size_t first, bool uid) {
    auto& view = *selected_;
    std::optional<std::vector<std::uint32_t>> limit;
    if (uid) {
        if (cmd.args.size() != first + 1 || cmd.args[first].kind != Arg::Kind::atom) {
            co_return Completion::bad("UID EXPUNGE needs a UID set");
        }
        limit = resolve_set(cmd.args[first].text, true);
        if (!limit) {
            co_return Completion::bad("Invalid UID set");
        }
    } else if (!cmd.args.empty()) {
        co_return Completion::bad("EXPUNGE takes no arguments");
    }
    if (view.read_only()) {
        co_return Completion::no("Mailbox is read-only");
    }
    std::vector<std::uint32_t> candidates;
    if (limit) {
        for (auto seq : *limit) {
            candidates.push_back(view.at(seq).uid);
        }
    }
    // The store's current flags decide: a \Deleted set by another session
    // counts even before this one has announced it.
    std::vector<std::uint32_t> doomed;
    for (const auto& info : ctx_.store.messages(user_, view.name())) {
        if (info.has_flag("\\Deleted") && (!limit || std::find(candidates.begin(), candidates.end(),
                                                               info.uid) != candidates.end())) {
            doomed.push_back(info.uid);
        }
    }
    StoreError error = StoreError::ok;
    auto removed = ctx_.store.expunge(user_, view.name(), doomed, &error);
    if (error != StoreError::ok) {
        co_return Completion::no("EXPUNGE failed: " + std::string(describe(error)));
    }
    emit(view.remove(removed));
    co_return Completion::ok(uid ? "UID EXPUNGE completed" : "EXPUNGE completed");
}

net::awaitable<Completion> Session::cmd_close(const Command& cmd, bool expunge) {
    if (!cmd.args.empty()) {
        co_return Completion::bad("takes no arguments");
    }
    // RFC 3501 §6.4.2: CLOSE expunges silently, and not when read-only.
    if (expunge && !selected_->read_only()) {
        std::vector<std::uint32_t> doomed;
        for (const auto& info : ctx_.store.messages(user_, selected_->name())) {
            if (info.has_flag("\\Deleted")) {
                doomed.push_back(info.uid);
            }
        }
        ctx_.store.expunge(user_, selected_->name(), doomed);
    }
    selected_.reset();
    state_ = SessionState::authenticated;
    co_return Completion::ok(expunge ? "CLOSE completed" : "UNSELECT completed");
}

}  // namespace mailferry::testserver::imap
