// APPEND from body streams: MULTIAPPEND (RFC 3502) when offered, else one
// APPEND per message, pipelined; literals non-synchronizing with
// LITERAL+/LITERAL- (RFC 7888); results from APPENDUID (RFC 4315).
#include "clients/imap/client.hpp"

#include "clients/imap/detail/connection.hpp"
#include "clients/wire/sequence_set.hpp"

#include <algorithm>
#include <deque>
#include <utility>

namespace mailferry::imap {
namespace {

constexpr std::size_t write_chunk = 64 * 1024;
// RFC 7888 §4: LITERAL- allows non-synchronizing literals up to 4096 octets.
constexpr std::uint64_t literal_minus_max = 4096;

// The part of an APPEND before a message's literal: " (flags) "date" ".
std::string message_prefix(const net::AppendItem& item) {
    std::string out = " " + format_flag_list(item.meta.flags);
    if (item.meta.internal_date) {
        out += " " + wire::format_date_time(*item.meta.internal_date, wire::DayPadding::zero);
    }
    return out + " ";
}

struct AppendUids {
    std::optional<std::uint32_t> uidvalidity;
    std::vector<std::optional<std::uint32_t>> uids;  // `count` entries
};

// [APPENDUID uidvalidity uid-set] for `count` messages, when present and valid.
AppendUids read_appenduid(const detail::Completion& c, std::size_t count) {
    AppendUids out;
    out.uids.assign(count, std::nullopt);
    if (!c.code || c.code->name != "APPENDUID") {
        return out;
    }
    auto uid = parse_appenduid(*c.code);
    if (!uid) {
        return out;
    }
    out.uidvalidity = uid->uidvalidity;
    auto uids = wire::parse_uid_set(uid->uids, count + 1);
    if (uids && uids->size() == count) {
        for (std::size_t i = 0; i < count; ++i) {
            out.uids[i] = (*uids)[i];
        }
    }
    return out;
}

// Records the tagged response `c` of the command that carried messages
// [first, first + count).
void record_completion(const detail::Connection& conn, const detail::Completion& c,
                       const std::string& step, std::size_t first, std::size_t count,
                       AppendResult& result) {
    if (auto e = conn.check(c, step)) {
        for (std::size_t i = first; i < first + count; ++i) {
            result.messages[i].status = AppendOutcome::Status::failed;
            result.messages[i].error = e;
        }
        return;
    }
    AppendUids uids = read_appenduid(c, count);
    if (uids.uidvalidity) {
        result.uidvalidity = uids.uidvalidity;
    }
    for (std::size_t i = 0; i < count; ++i) {
        result.messages[first + i].status = AppendOutcome::Status::appended;
        result.messages[first + i].uid = uids.uids[i];
    }
}

// The call stopped with `e` (the connection is closed): messages
// [first, first + count) get `status`.
void record_stop(Error e, AppendOutcome::Status status, std::size_t first, std::size_t count,
                 AppendResult& result) {
    for (std::size_t i = first; i < first + count; ++i) {
        result.messages[i].status = status;
        if (status == AppendOutcome::Status::failed) {
            result.messages[i].error = e;
        }
    }
    result.error = std::move(e);
}

// What became of one message's literal.
struct LiteralSent {
    // The connection is closed.
    std::optional<Error> error;
    // `error` came from the body source: the literal is incomplete, so the
    // command cannot have completed on the server.
    bool source_failed = false;
    // Answered NO/BAD instead of a continuation request (synchronizing
    // literal): the command is over and nothing of the literal was sent.
    std::optional<detail::Completion> refused;
};

// Writes `prefix`, the literal of `item` and then `suffix`. A synchronizing
// literal waits for its `+`; tagged responses of earlier commands that
// arrive meanwhile are kept by the connection (read_until) for later.
awaitable<LiteralSent> send_literal(detail::Connection& conn, const net::AppendItem& item,
                                    std::string prefix, std::string suffix, std::string tag,
                                    std::string step, bool non_sync) {
    LiteralSent out;
    const std::string size = std::to_string(item.size);
    std::string pending = prefix + "{" + size + (non_sync ? "+" : "") + "}\r\n";
    std::string trace = pending.substr(0, pending.size() - 2) + " <" + size + " octets>";
    if (!non_sync) {
        if (auto e = co_await conn.write(pending, step, trace)) {
            out.error = std::move(e);
            co_return out;
        }
        trace = "<" + size + " octets>";
        auto reply = co_await conn.read_until(tag, step, nullptr, true);
        if (!reply) {
            out.error = reply.error();
            co_return out;
        }
        if (!reply->continuation) {
            // NO [TRYCREATE], [TOOBIG], [OVERQUOTA] ... before the literal.
            if (reply->completion.ok()) {
                conn.close();
                out.error = make_client_error(client_error::protocol_error, conn.server(), step,
                                              reply->completion.line(), "OK before the message");
                co_return out;
            }
            out.refused = std::move(reply->completion);
            co_return out;
        }
        pending.clear();
    }
    std::vector<char> chunk(write_chunk);
    std::uint64_t left = item.size;
    bool header_pending = non_sync;  // `pending` starts with the command text
    // One more read after the announced size proves the source ends there;
    // the last bytes (with `suffix`, which may complete the command) are
    // held back until then, so a source giving too much never completes it.
    while (true) {
        auto [ec, n] = co_await item.body->read(std::span<char>(chunk));
        if (ec) {
            conn.close();
            out.source_failed = true;
            out.error = make_client_error(client_error::stream_failed, conn.server(), step, {},
                                          ec.message());
            co_return out;
        }
        if (n > left || (n == 0 && left > 0)) {
            conn.close();
            out.source_failed = true;
            out.error = make_client_error(client_error::body_size_mismatch, conn.server(), step, {},
                                          "announced " + size + " octets, the source gave " +
                                              (n == 0 ? std::to_string(item.size - left) : "more"));
            co_return out;
        }
        if (n == 0) {
            break;
        }
        if (pending.size() >= write_chunk) {
            if (!header_pending) {
                trace = "<" + std::to_string(pending.size()) + " octets>";
            }
            if (auto e = co_await conn.write(pending, step, trace)) {
                out.error = std::move(e);
                co_return out;
            }
            header_pending = false;
            pending.clear();
        }
        pending.append(chunk.data(), n);
        left -= n;
    }
    if (!header_pending) {
        trace = "<" + std::to_string(pending.size()) + " octets>";
    }
    pending += suffix;
    if (!pending.empty()) {
        if (auto e = co_await conn.write(pending, step, trace)) {
            out.error = std::move(e);
        }
    }
    co_return out;
}

// Reads a skipped message's body to its end, so the batch can go on.
awaitable<boost::system::error_code> drain(net::BodySource& body) {
    std::vector<char> buffer(16 * 1024);
    while (true) {
        auto [ec, n] = co_await body.read(std::span<char>(buffer));
        if (ec || n == 0) {
            co_return ec;
        }
    }
}

void fill_uids(AppendResult& result) {
    result.uids.clear();
    for (const AppendOutcome& m : result.messages) {
        result.uids.push_back(m.uid);
    }
}

}  // namespace

std::size_t AppendResult::appended_count() const noexcept {
    return static_cast<std::size_t>(std::count_if(
        messages.begin(), messages.end(),
        [](const AppendOutcome& m) { return m.status == AppendOutcome::Status::appended; }));
}

awaitable<ClientResult<AppendResult>> Client::append(std::string mailbox, net::AppendBatch& batch) {
    if (auto closed = conn_->closed_error("APPEND " + mailbox)) {
        co_return std::move(*closed);
    }
    if (auto e = co_await learn_separator()) {
        co_return std::move(*e);
    }
    // Named locals, not a conditional expression: GCC 12 mishandles
    // coroutine temporaries there.
    const bool multi = conn_->has_capability("MULTIAPPEND");
    ClientResult<AppendResult> result = AppendResult{};
    if (multi) {
        result = co_await append_multi(std::move(mailbox), batch);
    } else {
        result = co_await append_single(std::move(mailbox), batch);
    }
    if (result) {
        fill_uids(*result);
    }
    co_return result;
}

awaitable<ClientResult<AppendResult>> Client::append_multi(std::string mailbox,
                                                           net::AppendBatch& batch) {
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
    const bool literal_plus = conn_->has_capability("LITERAL+");
    const bool literal_minus = conn_->has_capability("LITERAL-");
    const std::string tag = conn_->next_tag();
    std::string head = tag + " APPEND " + quote(encode_mailbox(mailbox));
    std::optional<net::AppendItem> item = std::move(*first);
    while (item) {
        const bool non_sync = literal_plus || (literal_minus && item->size <= literal_minus_max);
        std::string prefix = std::exchange(head, std::string()) + message_prefix(*item);
        result.messages.emplace_back();
        // Named arguments: GCC 12 mishandles temporaries in co_await expressions.
        std::string suffix;
        LiteralSent sent = co_await send_literal(*conn_, *item, std::move(prefix),
                                                 std::move(suffix), tag, step, non_sync);
        if (sent.error) {
            // RFC 3502 §6.3.11: an incomplete MULTIAPPEND appends nothing.
            record_stop(
                std::move(*sent.error),
                sent.source_failed ? AppendOutcome::Status::failed : AppendOutcome::Status::unknown,
                0, result.messages.size(), result);
            co_return result;
        }
        if (sent.refused) {
            // The command is over: it failed as a whole, the batch stays unread.
            record_completion(*conn_, *sent.refused, step, 0, result.messages.size(), result);
            if (auto ec = co_await drain(*item->body)) {
                result.source_error = ec;
            }
            co_return result;
        }
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
        record_stop(std::move(*e), AppendOutcome::Status::unknown, 0, result.messages.size(),
                    result);
        co_return result;
    }
    auto reply = co_await conn_->read_until(tag, step, nullptr);
    if (!reply) {
        record_stop(reply.error(), AppendOutcome::Status::unknown, 0, result.messages.size(),
                    result);
        co_return result;
    }
    record_completion(*conn_, reply->completion, step, 0, result.messages.size(), result);
    co_return result;
}

awaitable<ClientResult<AppendResult>> Client::append_single(std::string mailbox,
                                                            net::AppendBatch& batch) {
    const std::string step = "APPEND " + mailbox;
    const std::string target = quote(encode_mailbox(mailbox));
    const bool literal_plus = conn_->has_capability("LITERAL+");
    const bool literal_minus = conn_->has_capability("LITERAL-");
    const std::size_t window = std::max<std::size_t>(options_.pipeline_window, 1);
    AppendResult result;
    // Commands sent whose tagged response is not read yet, oldest first:
    // tag and index in result.messages. Each APPEND is independent (RFC 3501
    // §6.3.11), so they are pipelined (RFC 3501 §5.5): with `{n+}` up to
    // `window` back to back; with synchronizing literals the next command
    // follows the previous literal at once, and its `+` may come before or
    // after the earlier tagged responses (read_until keeps those).
    std::deque<std::pair<std::string, std::size_t>> in_flight;
    std::optional<Error> stop;
    while (!stop) {
        while (!stop && in_flight.size() >= window) {
            auto reply = co_await conn_->read_until(in_flight.front().first, step, nullptr);
            if (!reply) {
                stop = reply.error();
                break;
            }
            record_completion(*conn_, reply->completion, step, in_flight.front().second, 1, result);
            in_flight.pop_front();
        }
        if (stop) {
            break;
        }
        auto next = co_await batch.next();
        if (!next) {
            result.source_error = next.error();
            break;
        }
        if (!*next) {
            break;
        }
        const net::AppendItem& item = **next;
        const bool non_sync = literal_plus || (literal_minus && item.size <= literal_minus_max);
        const std::string tag = conn_->next_tag();
        const std::size_t index = result.messages.size();
        result.messages.emplace_back();
        std::string prefix = tag + " APPEND " + target + message_prefix(item);
        std::string suffix = "\r\n";  // ends the command
        LiteralSent sent = co_await send_literal(*conn_, item, std::move(prefix), std::move(suffix),
                                                 tag, step, non_sync);
        if (sent.error) {
            record_stop(
                std::move(*sent.error),
                sent.source_failed ? AppendOutcome::Status::failed : AppendOutcome::Status::unknown,
                index, 1, result);
            stop = result.error;
            break;
        }
        if (sent.refused) {
            record_completion(*conn_, *sent.refused, step, index, 1, result);
            if (auto ec = co_await drain(*item.body)) {
                result.source_error = ec;
                break;
            }
            continue;
        }
        in_flight.emplace_back(tag, index);
    }
    // Once the connection is closed, read_until still hands out the tagged
    // responses it read early; the rest stay unknown.
    for (const auto& [tag, index] : in_flight) {
        auto reply = co_await conn_->read_until(tag, step, nullptr);
        if (!reply) {
            if (!stop) {
                stop = reply.error();
            }
            continue;
        }
        record_completion(*conn_, reply->completion, step, index, 1, result);
    }
    if (stop && !result.error) {
        result.error = std::move(stop);
    }
    co_return result;
}

}  // namespace mailferry::imap
