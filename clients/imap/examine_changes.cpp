// examine_changes(): what changed in a mailbox since a mod-sequence, asked
// in one round trip (EXAMINE, the CHANGEDSINCE fetch and, when wanted, the
// UID sets, pipelined).
#include "clients/imap/client.hpp"

#include "clients/imap/detail/connection.hpp"
#include "clients/imap/detail/listing_handlers.hpp"

#include <string>
#include <utility>
#include <vector>

namespace mailferry::imap {

awaitable<ClientResult<ChangedSince>> Client::examine_changes(std::string name,
                                                              std::uint64_t modseq,
                                                              bool inventory) {
    const std::string step = "EXAMINE " + name;
    if (!condstore_ || modseq == 0) {
        co_return make_client_error(client_error::not_supported, server_, step, {},
                                    "asking what changed since a mod-sequence needs CONDSTORE "
                                    "(RFC 7162) and a mod-sequence");
    }
    if (auto e = co_await learn_separator()) {
        co_return std::move(*e);
    }
    const std::string all = "1:*";
    std::vector<std::string> commands{select_command(name, true), metadata_command(all, modseq)};
    inventory = inventory && has_capability("ESEARCH");
    if (inventory) {
        commands.push_back(detail::ESearchHandler::command("ALL"));
        commands.push_back(detail::ESearchHandler::command("DELETED"));
    }
    detail::SelectHandler opened;
    detail::MetadataHandler changed(all);
    detail::ESearchHandler sets(2);
    detail::FanOut handler({&opened, &changed, &sets});
    selection_.reset();
    conn_->reset_exists();
    auto done = co_await conn_->pipeline(std::move(commands), step, &handler, 4);
    if (!done) {
        co_return done.error();
    }
    if (auto e = conn_->check(done->front(), step)) {
        co_return std::move(*e);
    }
    ChangedSince out;
    out.state = selected(opened, done->front(), std::move(name), true);
    if (!out.state.highest_modseq) {
        // NOMODSEQ: the CHANGEDSINCE fetch means nothing (and may have failed).
        co_return out;
    }
    for (std::size_t i = 1; i < done->size(); ++i) {
        if (auto e = conn_->check((*done)[i], i == 1 ? "UID FETCH" : "UID SEARCH RETURN (ALL)")) {
            co_return std::move(*e);
        }
    }
    out.changed = std::move(changed.messages);
    if (inventory) {
        auto found = sets.take(server_, "UID SEARCH RETURN (ALL)");
        if (!found) {
            co_return found.error();
        }
        out.inventory = UidInventory{std::move((*found)[0]), std::move((*found)[1])};
    }
    co_return out;
}

}  // namespace mailferry::imap
