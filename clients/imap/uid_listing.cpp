// Every UID of the selected mailbox, in the cheapest form the server offers:
// `UID SEARCH RETURN (ALL) ALL` with ESEARCH (RFC 4731), whose answer is one
// compact set ("1:9000,9002"), else `UID FETCH 1:* (UID)`, one short line
// per message. A plain `UID SEARCH ALL` is avoided on purpose: it answers on
// one line of every UID, which for a large mailbox exceeds any sane line
// limit (ParseLimits::max_line_length).
#include "clients/imap/client.hpp"

#include "clients/imap/detail/connection.hpp"
#include "clients/wire/sequence_set.hpp"

#include <algorithm>
#include <utility>

namespace mailferry::imap {
namespace {

struct ESearchHandler final : detail::ResponseHandler {
    awaitable<std::optional<Error>> on_untagged(const Response& r) override {
        if (r.name() != "ESEARCH") {
            co_return std::nullopt;
        }
        auto s = parse_esearch(r);
        if (!s || !s->uid) {
            co_return std::nullopt;
        }
        if (s->all) {
            auto set = wire::parse_uid_set(*s->all);
            if (!set) {
                malformed = true;
                co_return std::nullopt;
            }
            uids.insert(uids.end(), set->begin(), set->end());
        }
        co_return std::nullopt;
    }
    std::vector<std::uint32_t> uids;
    bool malformed = false;
};

struct UidFetchHandler final : detail::ResponseHandler {
    awaitable<std::optional<Error>> on_untagged(const Response& r) override {
        if (r.name() != "FETCH") {
            co_return std::nullopt;
        }
        if (auto data = parse_fetch(r); data && data->uid) {
            uids.push_back(*data->uid);
        }
        co_return std::nullopt;
    }
    std::vector<std::uint32_t> uids;
};

}  // namespace

awaitable<ClientResult<std::vector<std::uint32_t>>> Client::list_uids() {
    const bool esearch = has_capability("ESEARCH");
    const std::string step = esearch ? "UID SEARCH RETURN (ALL)" : "UID FETCH (UID)";
    if (auto e = require_selected(step)) {
        co_return std::move(*e);
    }
    ESearchHandler compact;
    UidFetchHandler each;
    detail::ResponseHandler* handler = esearch ? static_cast<detail::ResponseHandler*>(&compact)
                                               : static_cast<detail::ResponseHandler*>(&each);
    const std::string command = esearch ? "UID SEARCH RETURN (ALL) ALL" : "UID FETCH 1:* (UID)";
    auto c = co_await conn_->command(command, step, handler);
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
    std::vector<std::uint32_t> uids = esearch ? std::move(compact.uids) : std::move(each.uids);
    std::sort(uids.begin(), uids.end());
    uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
    co_return uids;
}

}  // namespace mailferry::imap
