// Every UID of the selected mailbox (and which are \Deleted), in the
// cheapest form the server offers: `UID SEARCH RETURN (ALL) ALL` with
// ESEARCH (RFC 4731), whose answer is one compact set ("1:9000,9002"), else
// `UID FETCH 1:* (UID)` (or `(UID FLAGS)`), one short line per message. A
// plain `UID SEARCH ALL` is avoided on purpose: it answers on one line of
// every UID, which for a large mailbox exceeds any sane line limit
// (ParseLimits::max_line_length).
#include "clients/imap/client.hpp"

#include "clients/imap/detail/connection.hpp"
#include "clients/imap/detail/listing_handlers.hpp"
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

void sort_unique(std::vector<std::uint32_t>& uids) {
    std::sort(uids.begin(), uids.end());
    uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
}

// `UID SEARCH RETURN (ALL) c` for each of `criteria`, pipelined (one round
// trip): the UIDs of each, ascending. The mailbox must be selected.
awaitable<ClientResult<std::vector<std::vector<std::uint32_t>>>> search_uid_sets(
    detail::Connection& conn, const std::string& server, std::vector<std::string> criteria) {
    const std::string step = "UID SEARCH RETURN (ALL)";
    detail::ESearchHandler answers(criteria.size());
    for (std::string& c : criteria) {
        c = detail::ESearchHandler::command(c);
    }
    auto done = co_await conn.pipeline(std::move(criteria), step, &answers, answers.sets.size());
    if (!done) {
        co_return done.error();
    }
    for (const detail::Completion& c : *done) {
        if (auto e = conn.check(c, step)) {
            co_return std::move(*e);
        }
    }
    co_return answers.take(server, step);
}

}  // namespace

namespace detail {

std::string ESearchHandler::command(std::string_view criteria) {
    return "UID SEARCH RETURN (ALL) " + std::string(criteria);
}

awaitable<std::optional<Error>> ESearchHandler::on_untagged(const Response& r) {
    if (r.name() != "ESEARCH") {
        co_return std::nullopt;
    }
    auto s = parse_esearch(r);
    if (!s || !s->uid) {
        co_return std::nullopt;
    }
    // Without a correlator (not as RFC 4731 says), by order.
    std::size_t index = answers++;
    if (s->tag) {
        const auto seen = std::find(tags.begin(), tags.end(), *s->tag);
        index = static_cast<std::size_t>(seen - tags.begin());
        if (seen == tags.end()) {
            tags.push_back(*s->tag);
        }
    }
    if (s->all && index < sets.size()) {
        auto set = wire::parse_uid_set(*s->all);
        if (!set) {
            malformed = true;
            co_return std::nullopt;
        }
        sets[index].insert(sets[index].end(), set->begin(), set->end());
    }
    co_return std::nullopt;
}

ClientResult<std::vector<std::vector<std::uint32_t>>> ESearchHandler::take(
    const std::string& server, const std::string& step) {
    if (malformed) {
        return make_client_error(client_error::protocol_error, server, step, {},
                                 "the ESEARCH ALL set is not a valid UID set");
    }
    for (std::vector<std::uint32_t>& set : sets) {
        sort_unique(set);
    }
    return std::move(sets);
}

}  // namespace detail

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
    if (auto e = require_selected("UID SEARCH RETURN (ALL)")) {
        co_return std::move(*e);
    }
    std::vector<std::string> criteria{"ALL", "DELETED"};
    auto sets = co_await search_uid_sets(*conn_, server_, std::move(criteria));
    if (!sets) {
        co_return sets.error();
    }
    co_return UidInventory{std::move((*sets)[0]), std::move((*sets)[1])};
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
    if (auto e = require_selected("UID SEARCH RETURN (ALL)")) {
        co_return std::move(*e);
    }
    std::vector<std::string> one{std::string(criteria)};
    auto sets = co_await search_uid_sets(*conn_, server_, std::move(one));
    if (!sets) {
        co_return sets.error();
    }
    co_return std::move(sets->front());
}

}  // namespace mailferry::imap
