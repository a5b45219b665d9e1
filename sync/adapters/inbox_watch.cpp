#include "sync/adapters/inbox_watch.hpp"

#include "clients/imap/client.hpp"
#include "clients/net/error.hpp"
#include "sync/adapters/connect.hpp"

#include <spdlog/logger.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>

namespace mailferry::sync {
namespace {

using boost::asio::awaitable;
using std::chrono::milliseconds;

// What EXAMINE INBOX reported. Two sessions that found it differently
// missed something in between.
struct InboxSnapshot {
    std::uint32_t uidvalidity = 0;
    std::optional<std::uint32_t> uidnext;
    std::uint32_t exists = 0;
    std::optional<std::uint64_t> highest_modseq;
    friend bool operator==(const InboxSnapshot&, const InboxSnapshot&) = default;
};

// Exponential back-off with jitter, so watchers of one server that lost
// their connections together do not all come back at once.
class Backoff {
  public:
    explicit Backoff(const InboxWatchOptions& o)
        : min_(o.reconnect_min),
          max_(std::max(o.reconnect_min, o.reconnect_max)),
          random_(std::random_device{}()) {}

    // The wait before the next attempt; each call doubles the following one.
    milliseconds next() {
        milliseconds nominal = min_;
        for (unsigned i = 0; i < failures_ && nominal < max_; ++i) {
            nominal *= 2;
        }
        nominal = std::min(nominal, max_);
        failures_ = std::min(failures_ + 1, 64u);
        std::uniform_int_distribution<milliseconds::rep> jitter(0, nominal.count() / 4);
        return std::min(nominal + milliseconds(jitter(random_)), max_);
    }
    void reset() noexcept { failures_ = 0; }

  private:
    milliseconds min_, max_;
    unsigned failures_ = 0;
    std::minstd_rand random_;
};

struct WatchContext {
    AccountAccess source;
    wire::AccountUrl url;
    MigrationOptions options;
    InboxWatchOptions watch;
    std::function<void()> on_change;
    boost::asio::cancellation_state cancel;
    std::optional<InboxSnapshot> last;  // as the previous session found INBOX

    spdlog::logger& log() const {
        return options.logger ? *options.logger : *spdlog::default_logger_raw();
    }
    void report_change() const {
        if (on_change) {
            on_change();
        }
    }
    bool cancelled() const { return cancel.cancelled() != boost::asio::cancellation_type::none; }
};

enum class SessionEnd { cancelled, unsupported, lost };

struct Session {
    SessionEnd end = SessionEnd::lost;
    std::string reason;  // lost: what happened, for the warning
    bool idled = false;  // an IDLE completed: the server and the login are fine
};

Session ended(SessionEnd end, bool idled, std::string reason = {}) {
    return {end, std::move(reason), idled};
}

// EXAMINE INBOX, then IDLE until the connection fails or the caller is
// cancelled, reporting changes.
awaitable<Session> idle_on_inbox(WatchContext& ctx, imap::Client& client) {
    if (!client.has_capability("IDLE")) {
        co_return ended(SessionEnd::unsupported, false);
    }
    auto inbox = co_await client.select("INBOX", true);
    if (ctx.cancelled()) {
        co_return ended(SessionEnd::cancelled, false);
    }
    if (!inbox) {
        co_return ended(SessionEnd::lost, false, inbox.error().message);
    }
    const InboxSnapshot found{inbox->uidvalidity, inbox->uidnext, inbox->exists,
                              inbox->highest_modseq};
    if (ctx.last && *ctx.last != found) {
        ctx.report_change();
    }
    ctx.last = found;
    ctx.log().info("watching INBOX of {} for new mail (IMAP IDLE)", account_identity(ctx.url));

    // The message count as far as it is known: an EXISTS that only repeats
    // it is no news. Unknown when one IDLE saw both EXISTS and expunges,
    // whose order it does not keep.
    std::optional<std::uint32_t> known = inbox->exists;
    const std::chrono::seconds wait = std::max(ctx.watch.idle_wait, std::chrono::seconds(1));
    bool idled = false;
    while (true) {
        auto outcome = co_await client.idle(wait);
        if (ctx.cancelled()) {
            co_return ended(SessionEnd::cancelled, idled);
        }
        if (!outcome) {
            co_return ended(SessionEnd::lost, idled, outcome.error().message);
        }
        idled = true;
        const bool new_count = outcome->exists && (!known || *outcome->exists != *known);
        if (new_count || outcome->expunged > 0 || !outcome->flag_changes.empty()) {
            ctx.report_change();
        }
        if (outcome->exists && outcome->expunged > 0) {
            known.reset();
        } else if (outcome->exists) {
            known = outcome->exists;
        } else if (known) {
            known = *known - std::min(*known, outcome->expunged);
        }
    }
}

awaitable<Session> watch_session(WatchContext& ctx) {
    auto connected = co_await connect_imap(ctx.source, ctx.url, ctx.options);
    if (!connected) {
        const SessionEnd end = ctx.cancelled() ? SessionEnd::cancelled : SessionEnd::lost;
        co_return ended(end, false, connected.error().message);
    }
    std::unique_ptr<imap::Client> client = std::move(*connected);
    Session session = ended(SessionEnd::cancelled, false);
    if (!ctx.cancelled()) {
        session = co_await idle_on_inbox(ctx, *client);
    }
    // After a cancelled IDLE the connection is still good for LOGOUT;
    // logout() does nothing on a closed one.
    co_await client->logout();
    co_return session;
}

awaitable<InboxWatchEnd> keep_watching(WatchContext& ctx) {
    if (!ctx.url.is_imap()) {
        co_return InboxWatchEnd::unsupported;
    }
    Backoff backoff(ctx.watch);
    boost::asio::steady_timer pause(co_await boost::asio::this_coro::executor);
    while (!ctx.cancelled()) {
        const Session session = co_await watch_session(ctx);
        if (session.end == SessionEnd::cancelled) {
            break;
        }
        if (session.end == SessionEnd::unsupported) {
            co_return InboxWatchEnd::unsupported;
        }
        if (session.idled) {
            backoff.reset();
        }
        const milliseconds delay = backoff.next();
        ctx.log().warn("IDLE on INBOX interrupted: {} Reconnecting in {}.", session.reason,
                       net::describe_duration(delay));
        pause.expires_after(delay);
        co_await pause.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
    co_return InboxWatchEnd::cancelled;
}

}  // namespace

awaitable<InboxWatchEnd> watch_inbox(AccountAccess source, MigrationOptions options,
                                     InboxWatchOptions watch, std::function<void()> on_change) {
    // A cancellation is looked at between steps rather than thrown from the
    // next co_await, so DONE and LOGOUT still go out after it.
    const bool throw_before = co_await boost::asio::this_coro::throw_if_cancelled();
    co_await boost::asio::this_coro::throw_if_cancelled(false);

    auto url = parse_access(source);
    if (!url) {
        spdlog::logger& log = options.logger ? *options.logger : *spdlog::default_logger_raw();
        log.warn("cannot watch INBOX for new mail: {}", url.error());
        co_await boost::asio::this_coro::throw_if_cancelled(throw_before);
        co_return InboxWatchEnd::unsupported;
    }
    WatchContext ctx;
    ctx.source = std::move(source);
    ctx.url = std::move(*url);
    ctx.options = std::move(options);
    ctx.watch = watch;
    ctx.on_change = std::move(on_change);
    ctx.cancel = co_await boost::asio::this_coro::cancellation_state;
    const InboxWatchEnd end = co_await keep_watching(ctx);
    co_await boost::asio::this_coro::throw_if_cancelled(throw_before);
    co_return end;
}

}  // namespace mailferry::sync
