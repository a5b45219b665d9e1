// UID FETCH: the metadata listing and the streamed bodies.
#include "clients/imap/client.hpp"

#include "clients/imap/detail/connection.hpp"
#include "clients/imap/detail/listing_handlers.hpp"
#include "clients/wire/date_time.hpp"
#include "clients/wire/decimal.hpp"
#include "clients/wire/sequence_set.hpp"

#include <algorithm>
#include <limits>
#include <utility>

namespace mailferry::imap {
namespace detail {

namespace {

constexpr std::uint32_t any_uid = std::numeric_limits<std::uint32_t>::max();

std::optional<std::uint32_t> set_number(std::string_view text) {
    if (text == "*") {
        return any_uid;
    }
    return wire::parse_u32(text);
}

}  // namespace

RequestedUids::RequestedUids(std::string_view set) {
    while (!set.empty()) {
        const std::size_t comma = set.find(',');
        const std::string_view part = set.substr(0, comma);
        set = comma == std::string_view::npos ? std::string_view() : set.substr(comma + 1);
        const std::size_t colon = part.find(':');
        const auto first = set_number(part.substr(0, colon));
        const auto last =
            colon == std::string_view::npos ? first : set_number(part.substr(colon + 1));
        if (!first || !last) {
            // Not a set this client writes: hold back nothing.
            ranges_ = {{0, any_uid}};
            return;
        }
        if (*first == any_uid || *last == any_uid) {
            open_from_ = std::min({open_from_.value_or(any_uid), *first, *last});
        }
        ranges_.emplace_back(std::min(*first, *last), std::max(*first, *last));
    }
}

bool RequestedUids::contains(std::uint32_t uid) noexcept {
    if (std::any_of(ranges_.begin(), ranges_.end(),
                    [uid](const auto& r) { return r.first <= uid && uid <= r.second; })) {
        return true;
    }
    if (!open_from_ || uid >= *open_from_) {
        return false;
    }
    if (!last_below_) {
        last_below_ = uid;
    }
    return uid == *last_below_;
}

awaitable<std::optional<Error>> MetadataHandler::on_untagged(const Response& r) {
    if (r.name() != "FETCH") {
        co_return std::nullopt;
    }
    auto data = parse_fetch(r);
    // A FETCH without UID or size is an unsolicited flag update for some
    // message (RFC 3501 §7.4.2), not part of this listing.
    if (!data || !data->uid || !data->rfc822_size) {
        co_return std::nullopt;
    }
    if (!requested_.contains(*data->uid)) {
        ++ignored;
        co_return std::nullopt;
    }
    MessageMeta m;
    m.uid = *data->uid;
    m.size = *data->rfc822_size;
    m.modseq = data->modseq;
    if (data->flags) {
        m.flags = std::move(*data->flags);
    }
    if (data->internal_date) {
        m.internal_date = wire::parse_date_time(*data->internal_date);
    }
    for (const auto& body : data->bodies) {
        if (body.section.rfind("HEADER.FIELDS", 0) == 0 && body.content) {
            m.message_id = extract_message_id(*body.content);
        }
    }
    m.gmail_msgid = data->gmail_msgid;
    if (data->gmail_labels) {
        m.gmail_labels = std::move(*data->gmail_labels);
    }
    messages.push_back(std::move(m));
    co_return std::nullopt;
}

}  // namespace detail

namespace {

using detail::MetadataHandler;
using detail::RequestedUids;
using detail::ResponseHandler;

// Streams BODY[] literals to the sink under the UID the FETCH response
// names before them (LiteralInfo::uid). A literal whose UID the server sends
// only after it (RFC 3501 §7.4.2 sets no order) cannot go to the sink, which
// needs the UID first: its bytes are dropped and its UID, read from the
// complete response, is kept in `drained` for fetch_drained().
class BodyHandler final : public ResponseHandler {
  public:
    BodyHandler(net::BodySink& sink, std::string_view uid_set) : sink_(sink), requested_(uid_set) {}

    // While a command for this one UID runs: the UID of any body whose
    // response does not name it before the literal.
    void expect(std::optional<std::uint32_t> uid) { expected_ = uid; }

    awaitable<boost::system::error_code> on_literal_begin(const LiteralInfo& info) override {
        streaming_ = false;
        if (info.response != "FETCH" || info.item != "BODY[]") {
            co_return boost::system::error_code();
        }
        const std::optional<std::uint32_t> uid = info.uid ? info.uid : expected_;
        if (uid && !requested_.contains(*uid)) {
            co_return boost::system::error_code();  // dropped unseen; counted in on_untagged()
        }
        if (!uid) {
            drained_here_ = true;
            co_return boost::system::error_code();
        }
        streaming_ = true;
        streamed_uid_ = *uid;
        ++delivered;
        co_return co_await sink_.begin(*uid, info.size);
    }
    awaitable<boost::system::error_code> on_literal_chunk(std::string_view bytes) override {
        if (!streaming_) {
            co_return boost::system::error_code();
        }
        co_return co_await sink_.data(std::span<const char>(bytes.data(), bytes.size()));
    }
    awaitable<boost::system::error_code> on_literal_end() override {
        if (!streaming_) {
            co_return boost::system::error_code();
        }
        streaming_ = false;
        co_return co_await sink_.end();
    }
    awaitable<std::optional<Error>> on_untagged(const Response& r) override {
        // Literal events come just before their own response, so these
        // describe `r` when it is the FETCH that carried them.
        const bool drained_here = std::exchange(drained_here_, false);
        const auto streamed_uid = std::exchange(streamed_uid_, std::nullopt);
        if (r.name() != "FETCH") {
            co_return std::nullopt;
        }
        auto data = parse_fetch(r);
        if (!data || !data->uid) {
            if (drained_here) {
                co_return make_client_error(client_error::protocol_error, server, step, {},
                                            "a FETCH response carried a message body but no UID");
            }
            co_return std::nullopt;
        }
        if (streamed_uid && *streamed_uid != *data->uid) {
            co_return make_client_error(
                client_error::protocol_error, server, step, {},
                "the body fetched for UID " + std::to_string(*streamed_uid) +
                    " came in a FETCH response for UID " + std::to_string(*data->uid));
        }
        if (!requested_.contains(*data->uid)) {
            ++ignored;
            co_return std::nullopt;
        }
        if (drained_here) {
            drained.push_back(*data->uid);
        }
        // Small bodies arrive inline in the response (below
        // ParseLimits::inline_literal_max); large ones were streamed already.
        for (const auto& body : data->bodies) {
            if (!body.section.empty() || body.origin || body.streamed || !body.content) {
                continue;
            }
            ++delivered;
            auto ec = co_await sink_.begin(*data->uid, body.content->size());
            if (!ec) {
                ec = co_await sink_.data(
                    std::span<const char>(body.content->data(), body.content->size()));
            }
            if (!ec) {
                ec = co_await sink_.end();
            }
            if (ec) {
                co_return make_client_error(client_error::stream_failed, server, step, {},
                                            ec.message());
            }
        }
        co_return std::nullopt;
    }

    std::size_t delivered = 0;
    // UIDs whose streamed body was dropped because its UID came after it.
    std::vector<std::uint32_t> drained;
    std::size_t ignored = 0;  // FETCH responses for UIDs not asked for
    std::string server, step;

  private:
    net::BodySink& sink_;
    RequestedUids requested_;
    bool streaming_ = false;
    bool drained_here_ = false;
    std::optional<std::uint32_t> streamed_uid_;
    std::optional<std::uint32_t> expected_;
};

// Fetches again, one `UID FETCH n (UID BODY.PEEK[])` at a time, the bodies
// `handler` had to drop: with one UID per command the UID of the literal is
// known before its first byte, wherever the server puts UID in the response.
// A UID expunged meanwhile gets no FETCH response and is skipped like any
// other (RFC 3501 §6.4.8).
awaitable<std::optional<Error>> fetch_drained(detail::Connection& conn, BodyHandler& handler,
                                              const std::string& step) {
    std::vector<std::uint32_t> uids = std::exchange(handler.drained, {});
    std::sort(uids.begin(), uids.end());
    uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
    if (!uids.empty()) {
        conn.log().debug("{}: the server sent UID after BODY[]; fetching {} large bodies again",
                         conn.server(), uids.size());
    }
    for (const std::uint32_t uid : uids) {
        handler.expect(uid);
        auto c = co_await conn.command("UID FETCH " + std::to_string(uid) + " (UID BODY.PEEK[])",
                                       step, &handler);
        if (!c) {
            co_return c.error();
        }
        if (auto e = conn.check(*c, step)) {
            co_return e;
        }
    }
    handler.expect(std::nullopt);
    co_return std::nullopt;
}

void warn_ignored(detail::Connection& conn, std::size_t ignored) {
    if (ignored > 0) {
        conn.log().warn("{}: ignored {} FETCH responses for UIDs that were not asked for",
                        conn.server(), ignored);
    }
}

}  // namespace

std::string Client::metadata_command(const std::string& uid_set,
                                     std::optional<std::uint64_t> changed_since) const {
    std::string command = "UID FETCH " + uid_set + " (UID FLAGS INTERNALDATE RFC822.SIZE";
    if (condstore_) {
        command += " MODSEQ";
    }
    if (has_capability("X-GM-EXT-1")) {
        command += " X-GM-MSGID X-GM-LABELS";
    }
    command += " BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])";
    if (changed_since && condstore_) {
        command += " (CHANGEDSINCE " + std::to_string(*changed_since) + ")";
    }
    return command;
}

awaitable<ClientResult<std::vector<MessageMeta>>> Client::fetch_metadata(
    std::string uid_set, std::optional<std::uint64_t> changed_since) {
    const std::string step = "UID FETCH";
    if (auto e = require_selected(step)) {
        co_return std::move(*e);
    }
    MetadataHandler handler(uid_set);
    auto c = co_await conn_->command(metadata_command(uid_set, changed_since), step, &handler);
    if (!c) {
        co_return c.error();
    }
    if (auto e = conn_->check(*c, step)) {
        co_return std::move(*e);
    }
    warn_ignored(*conn_, handler.ignored);
    co_return std::move(handler.messages);
}

awaitable<ClientResult<std::size_t>> Client::fetch_bodies(std::string uid_set,
                                                          net::BodySink& sink) {
    const std::string step = "UID FETCH";
    if (auto e = require_selected(step)) {
        co_return std::move(*e);
    }
    BodyHandler handler(sink, uid_set);
    handler.server = server_;
    handler.step = step;
    auto c = co_await conn_->command("UID FETCH " + uid_set + " (UID BODY.PEEK[])", step, &handler);
    if (!c) {
        co_return c.error();
    }
    if (auto e = conn_->check(*c, step)) {
        co_return std::move(*e);
    }
    if (auto e = co_await fetch_drained(*conn_, handler, step)) {
        co_return std::move(*e);
    }
    warn_ignored(*conn_, handler.ignored);
    co_return handler.delivered;
}

awaitable<ClientResult<std::size_t>> Client::fetch_bodies_each(std::vector<std::uint32_t> uids,
                                                               net::BodySink& sink) {
    const std::string step = "UID FETCH";
    if (auto e = require_selected(step)) {
        co_return std::move(*e);
    }
    const std::string requested = wire::format_uid_set(uids);
    BodyHandler handler(sink, requested);
    handler.server = server_;
    handler.step = step;
    std::vector<std::string> commands;
    commands.reserve(uids.size());
    for (auto uid : uids) {
        commands.push_back("UID FETCH " + std::to_string(uid) + " (UID BODY.PEEK[])");
    }
    auto done =
        co_await conn_->pipeline(std::move(commands), step, &handler, options_.pipeline_window);
    if (!done) {
        co_return done.error();
    }
    for (const auto& c : *done) {
        if (auto e = conn_->check(c, step)) {
            co_return std::move(*e);
        }
    }
    if (auto e = co_await fetch_drained(*conn_, handler, step)) {
        co_return std::move(*e);
    }
    warn_ignored(*conn_, handler.ignored);
    co_return handler.delivered;
}

}  // namespace mailferry::imap
