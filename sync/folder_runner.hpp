#pragma once
// The workers of one migration run: each takes folder units from the run's
// queue and brings them over on its own connection pair (folder_runner.cpp
// says how).

#include "sync/detail/run_context.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <optional>
#include <string>

namespace mailferry::sync::detail {

// Runs queued units on pair `index` until the queue is empty or the run stops.
boost::asio::awaitable<void> run_worker(RunContext& ctx, std::size_t index);

// Window `current + ahead` of each folder listed in windows that has one,
// listed on `source`; stops at the first failure (`failed_at`, `error`).
struct ListedWindows {
    std::vector<ListedWindow> windows;
    const WindowedFolder* failed_at = nullptr;
    MailboxError error;
};
boost::asio::awaitable<ListedWindows> list_windows(RunContext& ctx, SourceMailbox& source,
                                                   std::size_t ahead);

// Why a pair could not be connected: which side, and the error.
struct PairFailure {
    std::string side;  // "the source" or "the target"
    MailboxError error;
};

// Connects `pair` anew, both sides at once, and stores both, or says which
// side failed (the source when both did); nothing is stored then.
boost::asio::awaitable<std::optional<PairFailure>> connect_both(RunContext& ctx,
                                                                ConnectionPair& pair);

// Logs out of both sides of `pair` at once (a side may be absent); never fails.
boost::asio::awaitable<void> logout_pair(ConnectionPair& pair);

// Connects pair `index` (anew); false when that fails, and then, when
// `required`, the run stops (interrupted).
boost::asio::awaitable<bool> connect_pair(RunContext& ctx, std::size_t index, bool required);

// A server throttled the run (`what`: the error, with the server's words):
// ctx.throttle decides, a new episode is logged once (a warning), and this
// waits out the episode. false when the run stops instead: the server kept
// refusing beyond the policy's attempts (the run is interrupted), or the
// run was cancelled meanwhile.
boost::asio::awaitable<bool> back_off(RunContext& ctx, const std::string& what);

}  // namespace mailferry::sync::detail
