// Quick resynchronization (RFC 7162 §3.2): UID FETCH with the CHANGEDSINCE
// and VANISHED modifiers. The QRESYNC parameter of SELECT is in mailbox.cpp,
// ENABLE QRESYNC in client.cpp.
#include "clients/imap/client.hpp"

#include "clients/imap/detail/connection.hpp"

#include <utility>

namespace mailferry::imap {
namespace {

using detail::ResponseHandler;

class ChangesHandler final : public ResponseHandler {
  public:
    awaitable<std::optional<Error>> on_untagged(const Response& r) override {
        const std::string name = r.name();
        if (name == "VANISHED") {
            // RFC 7162 §3.2.6: the answer to the VANISHED modifier is
            // VANISHED (EARLIER); one without EARLIER is an expunge
            // happening now (§3.2.10.2), which the caller must learn of too.
            if (auto v = parse_vanished(r)) {
                merge_uid_ranges(changes.vanished, v->ranges);
            }
        } else if (name == "FETCH") {
            // RFC 7162 §3.2.4: with CONDSTORE enabled every FETCH carries
            // UID and MODSEQ; one without FLAGS is not part of this answer.
            if (auto f = parse_fetch(r); f && f->uid && f->flags) {
                changes.changed.push_back(MessageChange{*f->uid, std::move(*f->flags), f->modseq});
            }
        }
        co_return std::nullopt;
    }
    MailboxChanges changes;
};

}  // namespace

awaitable<ClientResult<MailboxChanges>> Client::fetch_changes(std::string uid_set,
                                                              std::uint64_t modseq) {
    const std::string step = "UID FETCH (CHANGEDSINCE VANISHED)";
    if (auto e = require_selected(step)) {
        co_return std::move(*e);
    }
    if (!qresync_) {
        // RFC 7162 §3.2.6: VANISHED without ENABLE QRESYNC is a BAD.
        co_return make_client_error(client_error::not_supported, server_, step, {},
                                    "QRESYNC is not enabled on this connection");
    }
    // RFC 7162 §7: mod-sequence-value is 1*DIGIT, positive.
    if (modseq == 0) {
        co_return make_client_error(client_error::not_supported, server_, step, {},
                                    "CHANGEDSINCE needs a modseq above 0");
    }
    ChangesHandler handler;
    auto c = co_await conn_->command("UID FETCH " + uid_set + " (UID FLAGS MODSEQ) (CHANGEDSINCE " +
                                         std::to_string(modseq) + " VANISHED)",
                                     step, &handler);
    if (!c) {
        co_return c.error();
    }
    if (auto e = conn_->check(*c, step)) {
        co_return std::move(*e);
    }
    co_return std::move(handler.changes);
}

}  // namespace mailferry::imap
