// SEARCH and UID SEARCH (RFC 3501 §6.4.4, RFC 7162 §3.1.5 MODSEQ): the
// SearchKey tree from search_key.hpp evaluated against the selected view.

#include "clients/wire/ascii.hpp"
#include "clients/wire/date_time.hpp"
#include "contrib/testserver/imap/fetch_response.hpp"
#include "contrib/testserver/imap/search_key.hpp"
#include "contrib/testserver/imap/session.hpp"
#include "contrib/testserver/mime/encoded_words.hpp"
#include "contrib/testserver/mime/message.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <memory>
#include <optional>

namespace mailferry::testserver::imap {

namespace {

SearchDate date_of(std::int64_t seconds) {
    std::int64_t days = seconds / 86400;
    if (seconds % 86400 < 0) {
        --days;
    }
    const auto civil = wire::civil_from_days(days);
    return SearchDate{static_cast<int>(civil.year), static_cast<int>(civil.month),
                      static_cast<int>(civil.day)};
}

// One message under evaluation; the body is read and parsed only when a
// key needs it.
class Candidate {
  public:
    Candidate(std::uint32_t seq, const MessageInfo& info, const SelectedMailbox& view,
              const MailStore& store)
        : seq_(seq), info_(info), view_(view), store_(store) {}

    bool matches(const SearchKey& key) {
        using K = SearchKey::Kind;
        switch (key.kind) {
            case K::all:
                return true;
            case K::and_:
                return std::all_of(key.children.begin(), key.children.end(),
                                   [this](const SearchKey& k) { return matches(k); });
            case K::not_:
                return !matches(key.children.at(0));
            case K::or_:
                return matches(key.children.at(0)) || matches(key.children.at(1));
            case K::answered:
                return info_.has_flag("\\Answered");
            case K::deleted:
                return info_.has_flag("\\Deleted");
            case K::draft:
                return info_.has_flag("\\Draft");
            case K::flagged:
                return info_.has_flag("\\Flagged");
            case K::seen:
                return info_.has_flag("\\Seen");
            case K::unanswered:
                return !info_.has_flag("\\Answered");
            case K::undeleted:
                return !info_.has_flag("\\Deleted");
            case K::undraft:
                return !info_.has_flag("\\Draft");
            case K::unflagged:
                return !info_.has_flag("\\Flagged");
            case K::unseen:
                return !info_.has_flag("\\Seen");
            case K::recent:
                return view_.is_recent(info_.uid);
            case K::old:
                return !view_.is_recent(info_.uid);
            case K::new_:
                return view_.is_recent(info_.uid) && !info_.has_flag("\\Seen");
            case K::keyword:
                return info_.has_flag(key.text);
            case K::unkeyword:
                return !info_.has_flag(key.text);
            case K::bcc:
                return header_contains("Bcc", key.text);
            case K::cc:
                return header_contains("Cc", key.text);
            case K::from:
                return header_contains("From", key.text);
            case K::to:
                return header_contains("To", key.text);
            case K::subject:
                return header_contains("Subject", key.text);
            case K::header:
                return header_contains(key.header_name, key.text);
            case K::body: {
                const auto& root = message().root();
                return wire::icontains(
                    raw().substr(root.body_begin, root.body_end - root.body_begin), key.text);
            }
            case K::text:
                return wire::icontains(raw(), key.text);
            case K::before:
                return internal_date() < key.date;
            case K::on:
                return internal_date() == key.date;
            case K::since:
                return internal_date() >= key.date;
            case K::sent_before:
            case K::sent_on:
            case K::sent_since: {
                // RFC 3501 §6.4.4: the calendar date as written in the Date:
                // header, its time and zone disregarded (not converted to
                // UTC); a message without a usable Date: never matches.
                const auto header = message().header("Date");
                const auto sent = header ? mime::parse_rfc5322_date(*header, false) : std::nullopt;
                if (!sent) {
                    return false;
                }
                const auto day = date_of(*sent);
                return key.kind == K::sent_before ? day < key.date
                       : key.kind == K::sent_on   ? day == key.date
                                                  : day >= key.date;
            }
            case K::larger:
                return info_.size > key.number;
            case K::smaller:
                return info_.size < key.number;
            case K::sequence_set:
                return key.set.contains(seq_);
            case K::uid:
                return key.set.contains(info_.uid);
            case K::modseq:
                return info_.modseq >= key.number;
        }
        return false;
    }

  private:
    std::string_view raw() {
        if (!body_) {
            body_ = store_.body(view_.user(), view_.name(), info_.uid);
            if (!body_) {
                body_ = std::make_shared<const std::string>();
            }
        }
        return *body_;
    }
    const mime::ParsedMessage& message() {
        if (!parsed_) {
            parsed_.emplace(raw());
        }
        return *parsed_;
    }
    SearchDate internal_date() const {
        // RFC 3501 §6.4.4 leaves the zone open; like Dovecot, the calendar
        // date in the server's own (local) zone, not the zone APPEND gave.
        const auto seconds = static_cast<std::time_t>(info_.internal_date.seconds);
        std::tm local{};
        if (localtime_r(&seconds, &local) == nullptr) {
            return date_of(info_.internal_date.seconds);
        }
        return SearchDate{local.tm_year + 1900, local.tm_mon + 1, local.tm_mday};
    }
    bool header_contains(std::string_view name, std::string_view needle) {
        for (const auto& field : message().root().fields) {
            // RFC 3501 §6.4.4: a substring of the field as a reader sees it,
            // display names included, so encoded words are decoded first.
            if (wire::iequals(field.name, name) &&
                wire::icontains(mime::decode_encoded_words(field.value), needle)) {
                return true;
            }
        }
        return false;
    }

    std::uint32_t seq_;
    const MessageInfo& info_;
    const SelectedMailbox& view_;
    const MailStore& store_;
    std::shared_ptr<const std::string> body_;
    std::optional<mime::ParsedMessage> parsed_;
};

bool uses_modseq(const SearchKey& key) {
    return key.kind == SearchKey::Kind::modseq ||
           std::any_of(key.children.begin(), key.children.end(), uses_modseq);
}

}  // namespace

net::awaitable<Completion> Session::cmd_search(const Command& cmd, std::size_t first, bool uid) {
    auto& view = *selected_;
    std::span<const Arg> args(cmd.args);
    auto parsed = parse_search(args.subspan(first), SearchContext{view.exists(), view.max_uid()});
    if (!parsed) {
        if (parsed.error.bad_charset) {
            co_return Completion::no("[BADCHARSET (US-ASCII UTF-8)] " + parsed.error.message);
        }
        co_return Completion::bad(parsed.error.message);
    }
    const auto& root = parsed.program->root;
    const bool with_modseq = uses_modseq(root);
    if (with_modseq) {
        if (!offers("CONDSTORE")) {
            co_return Completion::bad("MODSEQ searches need CONDSTORE");
        }
        condstore_ = true;  // RFC 7162 §3.1
    }
    std::string line = "* SEARCH";
    std::uint64_t highest = 0;
    bool any = false;
    for (std::uint32_t seq = 1; seq <= view.exists(); ++seq) {
        if (view.is_expunged(seq)) {
            continue;
        }
        const auto& info = view.at(seq);
        Candidate candidate(seq, info, view, ctx_.store);
        if (!candidate.matches(root)) {
            continue;
        }
        any = true;
        line += ' ' + std::to_string(uid ? info.uid : seq);
        highest = std::max(highest, info.modseq);
    }
    // RFC 7162 §3.1.5: the highest mod-sequence of the found messages.
    if (with_modseq && any) {
        line += " (MODSEQ " + std::to_string(highest) + ")";
    }
    emit(line + "\r\n");
    co_return Completion::ok(uid ? "UID SEARCH completed" : "SEARCH completed");
}

}  // namespace mailferry::testserver::imap
