// Moving messages between mailboxes: UID MOVE (RFC 6851) when offered, else
// UID COPY + UID STORE \Deleted + UID EXPUNGE (RFC 6851 §3.3's "semantically
// equivalent" sequence, which needs UIDPLUS's UID EXPUNGE, RFC 4315 §2.1).
#include "clients/imap/client.hpp"

#include "clients/imap/detail/connection.hpp"
#include "clients/wire/sequence_set.hpp"

#include <utility>

namespace mailferry::imap {
namespace {

// Fills `result` from a [COPYUID ...] code; ignores anything else, and a
// COPYUID whose sets do not pair up (RFC 4315 §3: same number of UIDs, in
// corresponding order).
void read_copyuid(const std::optional<ResponseCode>& code, MoveResult& result) {
    if (!code || code->name != "COPYUID") {
        return;
    }
    auto copy = parse_copyuid(*code);
    if (!copy) {
        return;
    }
    auto source = wire::parse_uid_set(copy->source_uids);
    auto target = wire::parse_uid_set(copy->target_uids);
    if (!source || !target || source->size() != target->size()) {
        return;
    }
    result.uidvalidity = copy->uidvalidity;
    for (std::size_t i = 0; i < source->size(); ++i) {
        result.uids[(*source)[i]] = (*target)[i];
    }
}

// RFC 6851 §4.3: the server sends COPYUID for MOVE in an untagged OK,
// before the EXPUNGE responses.
struct MoveHandler final : detail::ResponseHandler {
    awaitable<std::optional<Error>> on_untagged(const Response& r) override {
        if (r.status == Status::ok) {
            read_copyuid(r.code, result);
        }
        co_return std::nullopt;
    }
    MoveResult result;
};

}  // namespace

awaitable<ClientResult<MoveResult>> Client::move_uids(std::string uid_set,
                                                      std::string destination) {
    if (auto e = co_await learn_separator()) {
        co_return std::move(*e);
    }
    const bool move = conn_->has_capability("MOVE");
    const std::string step = (move ? "UID MOVE " : "UID COPY ") + destination;
    if (auto e = require_selected(step)) {
        co_return std::move(*e);
    }
    const std::string target = quote(encode_mailbox(destination));
    if (move) {
        MoveHandler handler;
        auto c = co_await conn_->command("UID MOVE " + uid_set + " " + target, step, &handler);
        if (!c) {
            co_return c.error();
        }
        if (auto e = conn_->check(*c, step)) {
            co_return std::move(*e);
        }
        // Some servers put COPYUID on the tagged OK instead.
        if (!handler.result.uidvalidity) {
            read_copyuid(c->code, handler.result);
        }
        co_return std::move(handler.result);
    }
    auto c = co_await conn_->command("UID COPY " + uid_set + " " + target, step);
    if (!c) {
        co_return c.error();
    }
    if (auto e = conn_->check(*c, step)) {
        co_return std::move(*e);
    }
    MoveResult result;
    read_copyuid(c->code, result);
    auto deleted = co_await delete_uids(uid_set);
    if (!deleted) {
        auto e = deleted.error();
        if (e.code == client_error::not_supported) {
            const std::string detail = "no UIDPLUS; the messages were copied to " + destination +
                                       " and stay marked \\Deleted in the source";
            co_return make_client_error(client_error::not_supported, server_, e.step, {}, detail);
        }
        co_return e;
    }
    co_return result;
}

}  // namespace mailferry::imap
