// Every UID of the selected mailbox (and which are \Deleted), in the
// cheapest form the server offers: `UID SEARCH RETURN (ALL) ALL` with
// ESEARCH (RFC 4731), whose answer is one compact set ("1:9000,9002"), else
// `UID FETCH 1:* (UID)` (or `(UID FLAGS)`), one short line per message. A
// plain `UID SEARCH ALL` is avoided on purpose: it answers on one line of
// every UID, which for a large mailbox exceeds any sane line limit
// (ParseLimits::max_line_length).
#include "clients/imap/client.hpp"

#include "clients/imap/detail/connection.hpp"
#include "clients/wire/ascii.hpp"
#include "clients/wire/sequence_set.hpp"

#include <algorithm>
#include <utility>

namespace mailferry::imap {
namespace {

struct UidFetchHandler final : detail::ResponseHandler {
    awaitable<std::optional<Error>> on_untagged(const Response& r) override {
        if (r.name() != "FETCH") {
            co_return std::nullopt;
        }
        if (auto data = parse_fetch(r); data && data->uid) {
            uids.push_back(*data->uid);
            if (data->flags &&
                std::any_of(data->flags->begin(), data->flags->end(), [](const std::string& f) {
                    return wire::to_ascii_upper(f) == "\\DELETED";
                })) {
                deleted.push_back(*data->uid);
            }
        }
        co_return std::nullopt;
    }
    std::vector<std::uint32_t> uids;
    std::vector<std::uint32_t> deleted;  // when FLAGS were asked for
};

// The ESEARCH ALL sets (RFC 4731) of one search, or of two sent pipelined
// (`first` and `second`): each command gets one ESEARCH response (§3.1,
// even when nothing matches), answered in order; its TAG correlator tells
// the first command's answer from the second's.
struct ESearchHandler final : detail::ResponseHandler {
    awaitable<std::optional<Error>> on_untagged(const Response& r) override {
        if (r.name() != "ESEARCH") {
            co_return std::nullopt;
        }
        auto s = parse_esearch(r);
        if (!s || !s->uid) {
            co_return std::nullopt;
        }
        // Without a correlator (not as RFC 4731 says), by order.
        const bool to_first = s->tag ? !first_tag || *first_tag == *s->tag : answers == 0;
        if (s->tag && !first_tag) {
            first_tag = s->tag;
        }
        ++answers;
        if (s->all) {
            auto set = wire::parse_uid_set(*s->all);
            if (!set) {
                malformed = true;
                co_return std::nullopt;
            }
            std::vector<std::uint32_t>& into = to_first ? first : second;
            into.insert(into.end(), set->begin(), set->end());
        }
        co_return std::nullopt;
    }
    std::optional<std::string> first_tag;
    std::size_t answers = 0;
    std::vector<std::uint32_t> first;
    std::vector<std::uint32_t> second;
    bool malformed = false;
};

void sort_unique(std::vector<std::uint32_t>& uids) {
    std::sort(uids.begin(), uids.end());
    uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
}

}  // namespace

awaitable<ClientResult<std::vector<std::uint32_t>>> Client::list_uids() {
    if (has_capability("ESEARCH")) {
        co_return co_await search_all_uids("ALL");
    }
    auto each = co_await fetch_uids("1:*", false);
    if (!each) {
        co_return each.error();
    }
    co_return std::move(each->all);
}

awaitable<ClientResult<UidInventory>> Client::uid_inventory() {
    if (!has_capability("ESEARCH")) {
        co_return co_await fetch_uids("1:*", true);
    }
    const std::string step = "UID SEARCH RETURN (ALL)";
    if (auto e = require_selected(step)) {
        co_return std::move(*e);
    }
    // Both at once: one round trip.
    ESearchHandler answers;
    std::vector<std::string> searches{"UID SEARCH RETURN (ALL) ALL",
                                      "UID SEARCH RETURN (ALL) DELETED"};
    auto done = co_await conn_->pipeline(std::move(searches), step, &answers, 2);
    if (!done) {
        co_return done.error();
    }
    for (const detail::Completion& c : *done) {
        if (auto e = conn_->check(c, step)) {
            co_return std::move(*e);
        }
    }
    if (answers.malformed) {
        co_return make_client_error(client_error::protocol_error, server_, step, {},
                                    "the ESEARCH ALL set is not a valid UID set");
    }
    sort_unique(answers.first);
    sort_unique(answers.second);
    co_return UidInventory{std::move(answers.first), std::move(answers.second)};
}

awaitable<ClientResult<std::vector<std::uint32_t>>> Client::existing_uids(std::string uid_set) {
    auto each = co_await fetch_uids(std::move(uid_set), false);
    if (!each) {
        co_return each.error();
    }
    co_return std::move(each->all);
}

awaitable<ClientResult<UidInventory>> Client::fetch_uids(std::string uid_set, bool with_flags) {
    const std::string step = with_flags ? "UID FETCH (UID FLAGS)" : "UID FETCH (UID)";
    if (auto e = require_selected(step)) {
        co_return std::move(*e);
    }
    UidFetchHandler each;
    auto c = co_await conn_->command(
        "UID FETCH " + uid_set + (with_flags ? " (UID FLAGS)" : " (UID)"), step, &each);
    if (!c) {
        co_return c.error();
    }
    if (auto e = conn_->check(*c, step)) {
        co_return std::move(*e);
    }
    sort_unique(each.uids);
    sort_unique(each.deleted);
    co_return UidInventory{std::move(each.uids), std::move(each.deleted)};
}

awaitable<ClientResult<std::vector<std::uint32_t>>> Client::search_all_uids(
    std::string_view criteria) {
    const std::string step = "UID SEARCH RETURN (ALL)";
    if (auto e = require_selected(step)) {
        co_return std::move(*e);
    }
    ESearchHandler compact;
    auto c =
        co_await conn_->command("UID SEARCH RETURN (ALL) " + std::string(criteria), step, &compact);
    if (!c) {
        co_return c.error();
    }
    if (auto e = conn_->check(*c, step)) {
        co_return std::move(*e);
    }
    if (compact.malformed) {
        co_return make_client_error(client_error::protocol_error, server_, step, {},
                                    "the ESEARCH ALL set is not a valid UID set");
    }
    sort_unique(compact.first);
    co_return std::move(compact.first);
}

}  // namespace mailferry::imap
