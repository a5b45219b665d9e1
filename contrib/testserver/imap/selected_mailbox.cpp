#include "contrib/testserver/imap/selected_mailbox.hpp"

#include <algorithm>
#include <utility>

namespace mailferry::testserver::imap {

SelectedMailbox::SelectedMailbox(MailStore& store, std::string user, const MailboxInfo& info,
                                 bool read_only, std::function<void()> on_change)
    : store_(store),
      user_(std::move(user)),
      name_(info.name),
      read_only_(read_only),
      uidvalidity_(info.uidvalidity),
      on_change_(std::move(on_change)) {
    subscription_ = store_.subscribe(user_, name_, [this] {
        dirty_ = true;
        if (on_change_) {
            on_change_();
        }
    });
    std::string ignored;
    auto now = store_.messages(user_, name_);
    announce_keywords(now);
    add_new(std::move(now), ignored);
    dirty_ = false;
}

std::uint32_t SelectedMailbox::recent_count() const noexcept {
    return static_cast<std::uint32_t>(recent_.size());
}

std::optional<std::uint32_t> SelectedMailbox::seq_of(std::uint32_t uid) const {
    auto it = std::lower_bound(messages_.begin(), messages_.end(), uid,
                               [](const Entry& e, std::uint32_t u) { return e.info.uid < u; });
    if (it == messages_.end() || it->info.uid != uid) {
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(it - messages_.begin()) + 1;
}

std::uint32_t SelectedMailbox::max_uid() const noexcept {
    return messages_.empty() ? 0 : messages_.back().info.uid;
}

std::string SelectedMailbox::flag_list(const MessageInfo& info) const {
    std::string out = "(";
    for (const auto& flag : info.flags) {
        if (out.size() > 1) {
            out += ' ';
        }
        out += flag;
    }
    if (is_recent(info.uid)) {
        out += out.size() > 1 ? " \\Recent" : "\\Recent";
    }
    out += ')';
    return out;
}

namespace {

std::string known_flags(const std::vector<std::string>& keywords) {
    std::string flags = "\\Answered \\Flagged \\Deleted \\Seen \\Draft";
    for (const auto& keyword : keywords) {
        flags += ' ' + keyword;
    }
    return flags;
}

}  // namespace

std::string SelectedMailbox::flags_response() const {
    return "* FLAGS (" + known_flags(keywords_) + ")\r\n";
}

std::string SelectedMailbox::permanent_flags_response() const {
    return read_only_
               ? "* OK [PERMANENTFLAGS ()] Read-only mailbox\r\n"
               : "* OK [PERMANENTFLAGS (" + known_flags(keywords_) + " \\*)] Flags permitted\r\n";
}

std::string SelectedMailbox::announce_keywords(const std::vector<MessageInfo>& infos) {
    bool added = false;
    for (const auto& info : infos) {
        for (const auto& flag : info.flags) {
            if (flag.empty() || flag.front() == '\\' ||
                std::find(keywords_.begin(), keywords_.end(), flag) != keywords_.end()) {
                continue;
            }
            keywords_.push_back(flag);
            added = true;
        }
    }
    return added ? flags_response() + permanent_flags_response() : std::string();
}

void SelectedMailbox::add_new(std::vector<MessageInfo> now, std::string& out) {
    std::vector<std::uint32_t> fresh;
    for (auto& info : now) {
        if (info.uid > known_max_uid_) {
            fresh.push_back(info.uid);
            messages_.push_back(Entry{std::move(info), false});
        }
    }
    if (fresh.empty()) {
        return;
    }
    known_max_uid_ = messages_.back().info.uid;
    if (!read_only_) {
        // RFC 3501 §2.3.2: exactly one session sees a new message as \Recent.
        for (auto uid : store_.claim_recent(user_, name_)) {
            recent_.insert(uid);
        }
    }
    out += "* " + std::to_string(messages_.size()) + " EXISTS\r\n";
    out += "* " + std::to_string(recent_count()) + " RECENT\r\n";
}

std::string SelectedMailbox::sync(bool allow_expunge, bool condstore) {
    if (!dirty_) {
        return {};
    }
    auto now = store_.messages(user_, name_);
    std::string out = announce_keywords(now);
    std::vector<Entry> kept;
    kept.reserve(messages_.size());
    auto it = now.begin();
    std::uint32_t seq = 0;
    bool withheld = false;
    for (auto& entry : messages_) {
        while (it != now.end() && it->uid < entry.info.uid) {
            ++it;
        }
        const bool present = it != now.end() && it->uid == entry.info.uid;
        if (!present) {
            if (allow_expunge) {
                // Each EXPUNGE renumbers the messages after it at once
                // (RFC 3501 §7.4.1), so `seq` does not advance here.
                out += "* " + std::to_string(seq + 1) + " EXPUNGE\r\n";
                recent_.erase(entry.info.uid);
                continue;
            }
            entry.expunged = true;
            withheld = true;
            kept.push_back(std::move(entry));
            ++seq;
            continue;
        }
        ++seq;
        if (it->flags != entry.info.flags) {
            out += "* " + std::to_string(seq) + " FETCH (FLAGS " + flag_list(*it);
            if (condstore) {
                out += " MODSEQ (" + std::to_string(it->modseq) + ")";
            }
            out += ")\r\n";
        }
        entry.info = *it;
        kept.push_back(std::move(entry));
    }
    messages_ = std::move(kept);
    add_new(std::move(now), out);
    // Withheld expunges keep the view dirty so the next command that may
    // announce them does.
    dirty_ = withheld;
    return out;
}

void SelectedMailbox::update(const MessageInfo& info) {
    if (auto seq = seq_of(info.uid)) {
        messages_[*seq - 1].info = info;
    }
}

std::string SelectedMailbox::remove(const std::vector<std::uint32_t>& uids) {
    std::string out;
    // Highest first: each EXPUNGE then names a number the client still has.
    std::vector<std::uint32_t> sorted = uids;
    std::sort(sorted.begin(), sorted.end(), std::greater<>());
    for (auto uid : sorted) {
        auto seq = seq_of(uid);
        if (!seq) {
            continue;
        }
        out += "* " + std::to_string(*seq) + " EXPUNGE\r\n";
        messages_.erase(messages_.begin() + static_cast<std::ptrdiff_t>(*seq - 1));
        recent_.erase(uid);
    }
    return out;
}

}  // namespace mailferry::testserver::imap
