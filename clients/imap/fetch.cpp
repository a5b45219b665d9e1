// UID FETCH: the metadata listing and the streamed bodies.
#include "clients/imap/client.hpp"

#include "clients/imap/detail/connection.hpp"

#include <charconv>
#include <utility>

namespace mailferry::imap {
namespace {

using detail::ResponseHandler;

// The UID in the raw start of a FETCH response ("* 3 FETCH (UID 17 BODY[] "),
// where the literal's event arrives before the response is complete.
std::optional<std::uint32_t> uid_in_prefix(std::string_view prefix) {
    std::size_t pos = 0;
    while ((pos = prefix.find("UID ", pos)) != std::string_view::npos) {
        const bool starts_item = pos > 0 && (prefix[pos - 1] == '(' || prefix[pos - 1] == ' ');
        pos += 4;
        if (!starts_item) {
            continue;
        }
        std::uint32_t uid = 0;
        const auto [ptr, ec] =
            std::from_chars(prefix.data() + pos, prefix.data() + prefix.size(), uid);
        if (ec == std::errc() && ptr != prefix.data() + pos) {
            return uid;
        }
    }
    return std::nullopt;
}

class MetadataHandler final : public ResponseHandler {
  public:
    awaitable<std::optional<Error>> on_untagged(const Response& r) override {
        if (r.name() != "FETCH") {
            co_return std::nullopt;
        }
        auto data = parse_fetch(r);
        // A FETCH without UID or size is an unsolicited flag update for some
        // message (RFC 3501 §7.4.2), not part of this listing.
        if (!data || !data->uid || !data->rfc822_size) {
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
            m.internal_date = parse_internal_date(*data->internal_date);
        }
        for (const auto& body : data->bodies) {
            if (body.section.rfind("HEADER.FIELDS", 0) == 0 && body.content) {
                m.message_id = extract_message_id(*body.content);
            }
        }
        messages.push_back(std::move(m));
        co_return std::nullopt;
    }
    std::vector<MessageMeta> messages;
};

class BodyHandler final : public ResponseHandler {
  public:
    explicit BodyHandler(BodySink& sink) : sink_(sink) {}

    awaitable<boost::system::error_code> on_literal_begin(const LiteralInfo& info,
                                                          std::string_view prefix) override {
        streaming_ = false;
        if (info.response != "FETCH" || info.item != "BODY[]") {
            co_return boost::system::error_code();
        }
        const auto uid = uid_in_prefix(prefix);
        if (!uid) {
            // The sink needs the UID before the first byte; every server we
            // know sends UID first when it was requested first.
            co_return make_error_code(client_error::protocol_error);
        }
        streaming_ = true;
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
        if (r.name() != "FETCH") {
            co_return std::nullopt;
        }
        auto data = parse_fetch(r);
        if (!data || !data->uid) {
            co_return std::nullopt;
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
    std::string server, step;

  private:
    BodySink& sink_;
    bool streaming_ = false;
};

}  // namespace

awaitable<ClientResult<std::vector<MessageMeta>>> Client::fetch_metadata(
    std::string uid_set, std::optional<std::uint64_t> changed_since) {
    const std::string step = "UID FETCH";
    if (auto e = require_selected(step)) {
        co_return std::move(*e);
    }
    std::string command = "UID FETCH " + uid_set + " (UID FLAGS INTERNALDATE RFC822.SIZE";
    if (condstore_) {
        command += " MODSEQ";
    }
    command += " BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])";
    if (changed_since && condstore_) {
        command += " (CHANGEDSINCE " + std::to_string(*changed_since) + ")";
    }
    MetadataHandler handler;
    auto c = co_await conn_->command(command, step, &handler);
    if (!c) {
        co_return c.error();
    }
    if (auto e = conn_->check(*c, step)) {
        co_return std::move(*e);
    }
    co_return std::move(handler.messages);
}

awaitable<ClientResult<std::size_t>> Client::fetch_bodies(std::string uid_set, BodySink& sink) {
    const std::string step = "UID FETCH";
    if (auto e = require_selected(step)) {
        co_return std::move(*e);
    }
    BodyHandler handler(sink);
    handler.server = server_;
    handler.step = step;
    auto c = co_await conn_->command("UID FETCH " + uid_set + " (UID BODY.PEEK[])", step, &handler);
    if (!c) {
        co_return c.error();
    }
    if (auto e = conn_->check(*c, step)) {
        co_return std::move(*e);
    }
    co_return handler.delivered;
}

awaitable<ClientResult<std::size_t>> Client::fetch_bodies_each(std::vector<std::uint32_t> uids,
                                                               BodySink& sink) {
    const std::string step = "UID FETCH";
    if (auto e = require_selected(step)) {
        co_return std::move(*e);
    }
    BodyHandler handler(sink);
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
    co_return handler.delivered;
}

}  // namespace mailferry::imap
