#include "contrib/testserver/imap/fetch_response.hpp"

#include "clients/wire/date_time.hpp"
#include "contrib/testserver/imap/response_encoding.hpp"
#include "contrib/testserver/imap/session.hpp"
#include "contrib/testserver/mime/message.hpp"

#include <memory>
#include <optional>

namespace mailferry::testserver::imap {

namespace {

void append_literal(std::string& out, std::string_view data) {
    out += '{';
    out += std::to_string(data.size());
    out += "}\r\n";
    out += data;
}

}  // namespace

std::string gmail_label_list(const std::vector<std::string>& labels) {
    std::string out = "(";
    for (const auto& label : labels) {
        if (out.size() > 1) {
            out += ' ';
        }
        // Gmail quotes system labels ("\\Inbox"): a backslash is no ATOM-CHAR.
        out += astring(label);
    }
    return out + ")";
}

bool sets_seen(const FetchItem& item) {
    using K = FetchItem::Kind;
    return (item.kind == K::body_section && !item.peek) || item.kind == K::rfc822 ||
           item.kind == K::rfc822_text;
}

std::string build_fetch_response(std::uint32_t seq, const MessageInfo& info,
                                 const std::vector<FetchItem>& items, const SelectedMailbox& view,
                                 const MailStore& store, FetchOptions options) {
    using K = FetchItem::Kind;
    std::shared_ptr<const std::string> body;
    std::optional<mime::ParsedMessage> parsed;
    auto raw = [&]() -> std::string_view {
        if (!body) {
            body = store.body(view.user(), view.name(), info.uid);
            if (!body) {
                body = std::make_shared<const std::string>();
            }
        }
        return *body;
    };
    auto message = [&]() -> const mime::ParsedMessage& {
        if (!parsed) {
            parsed.emplace(raw());
        }
        return *parsed;
    };

    std::string out = "* " + std::to_string(seq) + " FETCH (";
    bool first = true;
    bool flags_done = false, modseq_done = false;
    auto next = [&] {
        if (!first) {
            out += ' ';
        }
        first = false;
    };
    bool uid_wanted = false;
    for (const auto& item : items) {
        // RFC 3501 §7.4.2 sets no order for msg-att items; the uid-last
        // fault shows clients a server that sends UID after the bodies.
        if (options.uid_last && item.kind == K::uid) {
            uid_wanted = true;
            continue;
        }
        next();
        switch (item.kind) {
            case K::uid:
                out += "UID " + std::to_string(info.uid);
                break;
            case K::flags:
                out += "FLAGS " + view.flag_list(info);
                flags_done = true;
                break;
            case K::internaldate:
                out += "INTERNALDATE " + wire::format_date_time({info.internal_date.seconds,
                                                                 info.internal_date.offset_minutes},
                                                                wire::DayPadding::space);
                break;
            case K::rfc822_size:
                out += "RFC822.SIZE " + std::to_string(info.size);
                break;
            case K::envelope:
                out += "ENVELOPE " + message().envelope();
                break;
            case K::body_structure:
                out += "BODYSTRUCTURE " + message().body_structure(true);
                break;
            case K::body:
                out += "BODY " + message().body_structure(false);
                break;
            case K::modseq:
                out += "MODSEQ (" + std::to_string(info.modseq) + ")";
                modseq_done = true;
                break;
            case K::gm_msgid:
            case K::gm_thrid: {
                const auto ids = options.gmail
                                     ? options.gmail->ids(view.user(), view.name(), info.uid)
                                     : std::nullopt;
                const auto id = !ids ? 0 : item.kind == K::gm_msgid ? ids->msgid : ids->thrid;
                out += response_name(item) + " " + std::to_string(id);
                break;
            }
            case K::gm_labels:
                out += "X-GM-LABELS " +
                       gmail_label_list(
                           options.gmail ? options.gmail->labels(view.user(), view.name(), info.uid)
                                         : std::vector<std::string>{});
                break;
            case K::rfc822:
                out += "RFC822 ";
                append_literal(out, raw());
                break;
            case K::rfc822_header:
                out += "RFC822.HEADER ";
                append_literal(out, message().section("HEADER").value_or(""));
                break;
            case K::rfc822_text:
                out += "RFC822.TEXT ";
                append_literal(out, message().section("TEXT").value_or(""));
                break;
            case K::body_section: {
                std::string data;
                if (item.section.empty()) {
                    data = raw();
                } else {
                    data = message().section(item.section).value_or("");
                }
                if (item.partial) {
                    // RFC 3501 §6.4.5: <origin.count>; an origin past the end
                    // gives an empty string.
                    const auto [origin, count] = *item.partial;
                    data = origin >= data.size() ? std::string() : data.substr(origin, count);
                }
                out += response_name(item) + " ";
                append_literal(out, data);
                break;
            }
        }
    }
    if (options.add_flags && !flags_done) {
        next();
        out += "FLAGS " + view.flag_list(info);
    }
    if (options.add_modseq && !modseq_done) {
        next();
        out += "MODSEQ (" + std::to_string(info.modseq) + ")";
    }
    if (uid_wanted) {
        next();
        out += "UID " + std::to_string(info.uid);
    }
    out += ")\r\n";
    return out;
}

}  // namespace mailferry::testserver::imap
