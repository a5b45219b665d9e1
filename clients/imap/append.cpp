// APPEND from body streams: MULTIAPPEND (RFC 3502) when offered, literals
// non-synchronizing with LITERAL+/LITERAL- (RFC 7888), results from
// APPENDUID (RFC 4315).
#include "clients/imap/client.hpp"

#include "clients/imap/detail/connection.hpp"

#include <utility>

namespace mailferry::imap {
namespace {

constexpr std::size_t write_chunk = 64 * 1024;

// The part of an APPEND before a message's literal: " (flags) "date" ".
std::string message_prefix(const AppendItem& item) {
    std::string out = " " + format_flag_list(item.meta.flags);
    if (item.meta.internal_date) {
        out += " " + format_internal_date(*item.meta.internal_date);
    }
    return out + " ";
}

// Fills `result` from [APPENDUID uidvalidity uid-set] for `count` messages.
void read_appenduid(const detail::Completion& c, std::size_t count, AppendResult& result) {
    result.uids.assign(count, std::nullopt);
    if (!c.code || c.code->name != "APPENDUID") {
        return;
    }
    auto uid = parse_appenduid(*c.code);
    if (!uid) {
        return;
    }
    result.uidvalidity = uid->uidvalidity;
    auto uids = parse_uid_set(uid->uids, count + 1);
    if (uids && uids->size() == count) {
        for (std::size_t i = 0; i < count; ++i) {
            result.uids[i] = (*uids)[i];
        }
    }
}

}  // namespace

awaitable<ClientResult<AppendResult>> Client::append(std::string mailbox, AppendBatch& batch) {
    if (auto e = co_await learn_separator()) {
        co_return std::move(*e);
    }
    if (conn_->has_capability("MULTIAPPEND")) {
        co_return co_await append_multi(std::move(mailbox), batch);
    }
    co_return co_await append_single(std::move(mailbox), batch);
}

awaitable<std::optional<Error>> Client::send_literal(const AppendItem& item, std::string prefix,
                                                     const std::string& tag,
                                                     const std::string& step) {
    const bool non_sync = conn_->has_capability("LITERAL+") ||
                          (conn_->has_capability("LITERAL-") && item.size <= 4096);
    std::string pending =
        prefix + "{" + std::to_string(item.size) + (non_sync ? "+" : "") + "}\r\n";
    std::string trace =
        pending.substr(0, pending.size() - 2) + " <" + std::to_string(item.size) + " octets>";
    if (!non_sync) {
        if (auto e = co_await conn_->write(pending, step, trace)) {
            co_return e;
        }
        trace = "<" + std::to_string(item.size) + " octets>";
        auto reply = co_await conn_->read_until(tag, step, nullptr, true);
        if (!reply) {
            co_return reply.error();
        }
        if (!reply->continuation) {
            // NO [TRYCREATE], [TOOBIG], [OVERQUOTA] ... before the literal.
            if (auto e = conn_->check(reply->completion, step)) {
                co_return e;
            }
            co_return make_client_error(client_error::protocol_error, server_, step,
                                        reply->completion.line(), "OK before the message");
        }
        pending.clear();
    }
    std::vector<char> chunk(write_chunk);
    std::uint64_t left = item.size;
    // One more read after the announced size proves the source ends there.
    while (true) {
        auto [ec, n] = co_await item.body->read(std::span<char>(chunk));
        if (ec) {
            conn_->close();
            co_return make_client_error(client_error::stream_failed, server_, step, {},
                                        ec.message());
        }
        if (n > left || (n == 0 && left > 0)) {
            conn_->close();
            co_return make_client_error(client_error::body_size_mismatch, server_, step, {},
                                        "announced " + std::to_string(item.size) +
                                            " octets, the source gave " +
                                            (n == 0 ? std::to_string(item.size - left) : "more"));
        }
        if (n == 0) {
            break;
        }
        pending.append(chunk.data(), n);
        left -= n;
        if (pending.size() >= write_chunk || left == 0) {
            if (auto e = co_await conn_->write(pending, step, trace)) {
                co_return e;
            }
            trace = "<" + std::to_string(pending.size()) + " octets>";
            pending.clear();
        }
    }
    if (!pending.empty()) {  // the header of an empty message
        if (auto e = co_await conn_->write(pending, step, trace)) {
            co_return e;
        }
    }
    co_return std::nullopt;
}

awaitable<ClientResult<AppendResult>> Client::append_multi(std::string mailbox,
                                                           AppendBatch& batch) {
    const std::string step = "APPEND " + mailbox;
    AppendResult result;
    auto first = co_await batch.next();
    if (!first) {
        result.source_error = first.error();
        co_return result;
    }
    if (!*first) {
        co_return result;
    }
    const std::string tag = conn_->next_tag();
    std::string head = tag + " APPEND " + quote(encode_mailbox(mailbox));
    std::optional<AppendItem> item = std::move(*first);
    std::size_t count = 0;
    while (item) {
        std::string prefix = std::exchange(head, std::string()) + message_prefix(*item);
        if (auto e = co_await send_literal(*item, std::move(prefix), tag, step)) {
            co_return std::move(*e);
        }
        ++count;
        auto next = co_await batch.next();
        if (!next) {
            // Between two messages the command can still end cleanly: the
            // messages sent so far are appended (RFC 3502 §6.3.11 atomicity
            // covers what the command carried).
            result.source_error = next.error();
            break;
        }
        item = std::move(*next);
    }
    if (auto e = co_await conn_->write("\r\n", step)) {
        co_return std::move(*e);
    }
    auto reply = co_await conn_->read_until(tag, step, nullptr);
    if (!reply) {
        co_return reply.error();
    }
    if (auto e = conn_->check(reply->completion, step)) {
        co_return std::move(*e);
    }
    read_appenduid(reply->completion, count, result);
    co_return result;
}

awaitable<ClientResult<AppendResult>> Client::append_single(std::string mailbox,
                                                            AppendBatch& batch) {
    const std::string step = "APPEND " + mailbox;
    const std::string target = quote(encode_mailbox(mailbox));
    AppendResult result;
    while (true) {
        auto next = co_await batch.next();
        if (!next) {
            result.source_error = next.error();
            break;
        }
        if (!*next) {
            break;
        }
        const AppendItem& item = **next;
        const std::string tag = conn_->next_tag();
        std::string prefix = tag + " APPEND " + target + message_prefix(item);
        if (auto e = co_await send_literal(item, std::move(prefix), tag, step)) {
            co_return std::move(*e);
        }
        if (auto e = co_await conn_->write("\r\n", step)) {
            co_return std::move(*e);
        }
        auto reply = co_await conn_->read_until(tag, step, nullptr);
        if (!reply) {
            co_return reply.error();
        }
        if (auto e = conn_->check(reply->completion, step)) {
            co_return std::move(*e);
        }
        AppendResult one;
        read_appenduid(reply->completion, 1, one);
        result.uidvalidity = one.uidvalidity ? one.uidvalidity : result.uidvalidity;
        result.uids.push_back(one.uids.front());
    }
    co_return result;
}

}  // namespace mailferry::imap
