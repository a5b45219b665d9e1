// IDLE (RFC 2177), with one NOOP as the fallback for servers without it.
#include "clients/imap/client.hpp"

#include "clients/imap/detail/connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <limits>
#include <tuple>
#include <utility>

namespace mailferry::imap {
namespace {

using detail::ResponseHandler;

// Collects the mailbox changes of untagged responses, and wakes `wake` at
// the first one: that is when IDLE has something to report.
class ChangeCollector final : public ResponseHandler {
  public:
    explicit ChangeCollector(IdleOutcome& outcome) : outcome_(outcome) {}

    void set_wake(boost::asio::steady_timer* wake) noexcept { wake_ = wake; }
    bool changed() const noexcept { return !outcome_.nothing_changed(); }

    awaitable<std::optional<Error>> on_untagged(const Response& r) override {
        const std::string name = r.name();
        if (name == "EXISTS" || name == "EXPUNGE") {
            if (auto count = parse_message_count(r)) {
                if (count->kind == MessageCount::Kind::exists) {
                    outcome_.exists = count->number;
                } else {
                    ++outcome_.expunged;
                }
            }
        } else if (name == "VANISHED") {
            // RFC 7162 §3.2.10.2: with QRESYNC enabled, expunges arrive as
            // VANISHED; only the form without EARLIER removes messages.
            if (auto vanished = parse_vanished(r); vanished && !vanished->earlier) {
                const std::uint64_t count =
                    std::uint64_t{outcome_.expunged} + uid_count(vanished->ranges);
                outcome_.expunged = static_cast<std::uint32_t>(
                    std::min<std::uint64_t>(count, std::numeric_limits<std::uint32_t>::max()));
                merge_uid_ranges(outcome_.vanished, vanished->ranges);
            }
        } else if (name == "FETCH") {
            // RFC 3501 §7.4.2: unsolicited FETCH responses carry flag changes
            // (with CONDSTORE also MODSEQ, RFC 7162 §3.2.4).
            if (auto fetch = parse_fetch(r); fetch && fetch->flags) {
                outcome_.flag_changes.push_back(
                    FlagChange{fetch->sequence, fetch->uid, std::move(*fetch->flags)});
            }
        }
        if (wake_ != nullptr && changed()) {
            wake_->cancel();
        }
        co_return std::nullopt;
    }

  private:
    IdleOutcome& outcome_;
    boost::asio::steady_timer* wake_ = nullptr;
};

// Closes the connection unless disarmed: an idle() that leaves by any other
// way than the tagged completion (cancellation, an exception) must not leave
// the server idling with later commands read as garbage (RFC 2177 §3).
class IdleGuard {
  public:
    explicit IdleGuard(detail::Connection& conn) : conn_(conn) {}
    IdleGuard(const IdleGuard&) = delete;
    IdleGuard& operator=(const IdleGuard&) = delete;
    ~IdleGuard() {
        if (armed_) {
            conn_.close();
        }
    }
    void disarm() noexcept { armed_ = false; }

  private:
    detail::Connection& conn_;
    bool armed_ = true;
};

}  // namespace

awaitable<ClientResult<IdleOutcome>> Client::idle(std::chrono::seconds max_wait) {
    const std::string step = conn_->has_capability("IDLE") ? "IDLE" : "NOOP";
    if (auto e = require_selected(step)) {
        co_return std::move(*e);
    }
    IdleOutcome outcome;
    ChangeCollector collector(outcome);
    if (step == "NOOP") {
        auto c = co_await conn_->command("NOOP", step, &collector);
        if (!c) {
            co_return c.error();
        }
        if (auto e = conn_->check(*c, step)) {
            co_return std::move(*e);
        }
        co_return outcome;
    }
    outcome.used_idle = true;
    const Duration wait = std::clamp<Duration>(max_wait, Duration::zero(), max_idle_wait);

    const std::string tag = conn_->next_tag();
    const std::string line = tag + " IDLE\r\n";
    if (auto e = co_await conn_->write(line, step)) {
        co_return std::move(*e);
    }
    IdleGuard guard(*conn_);
    auto started = co_await conn_->read_until(tag, step, &collector, true);
    if (!started) {
        co_return started.error();
    }
    if (!started->continuation) {
        // Refused at once (NO/BAD): the server is not idling.
        guard.disarm();
        if (auto e = conn_->check(started->completion, step)) {
            co_return std::move(*e);
        }
        co_return outcome;
    }

    // Idling. One half reads (the updates, then the completion) and the other
    // sends DONE once a change arrived, the wait ran out or the caller was
    // cancelled; the read deadline is the wait plus the usual response time,
    // so a quiet server is no error.
    const boost::asio::cancellation_state caller =
        co_await boost::asio::this_coro::cancellation_state;
    const auto caller_cancelled = [&caller] {
        return caller.cancelled() != boost::asio::cancellation_type::none;
    };
    boost::asio::steady_timer wake(co_await boost::asio::this_coro::executor, wait);
    collector.set_wake(&wake);
    bool reading_done = false;
    const Duration read_timeout = wait + conn_->timeouts().response;

    auto read_half = [&]() -> awaitable<ClientResult<detail::Connection::Reply>> {
        // Not cancelled with the caller: the read goes on to DONE's OK, so a
        // cancelled IDLE still ends with the connection usable.
        co_await boost::asio::this_coro::reset_cancellation_state(
            boost::asio::disable_cancellation());
        auto reply = co_await conn_->read_until(tag, step, &collector, false, read_timeout);
        reading_done = true;
        wake.cancel();
        co_return reply;
    };
    auto done_half = [&]() -> awaitable<std::optional<Error>> {
        // A cancellation only cuts the wait short: DONE must still go out.
        co_await boost::asio::this_coro::throw_if_cancelled(false);
        if (!collector.changed() && !caller_cancelled()) {
            co_await wake.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
        }
        co_await boost::asio::this_coro::reset_cancellation_state(
            boost::asio::disable_cancellation());
        if (reading_done || !conn_->is_open()) {
            co_return std::nullopt;
        }
        const std::string done = "DONE\r\n";
        if (auto e = co_await conn_->write(done, step)) {
            co_return e;
        }
        // DONE's OK is due within the usual response time, not the rest of
        // the wait: a server that never answers must not hold a cancelled
        // caller for up to max_idle_wait. Each later update cancels `wake`
        // again, hence the loop.
        const Duration answer_timeout = conn_->timeouts().response;
        const auto deadline = std::chrono::steady_clock::now() + answer_timeout;
        while (!reading_done && std::chrono::steady_clock::now() < deadline) {
            wake.expires_at(deadline);
            co_await wake.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
        }
        if (reading_done) {
            co_return std::nullopt;
        }
        conn_->close();
        co_return from_net_error(
            net::make_net_error(
                net::error::timed_out, conn_->server(), net::Step::read,
                "no answer to DONE within " + net::describe_duration(answer_timeout)),
            step);
    };

    using namespace boost::asio::experimental::awaitable_operators;
    // Named locals: GCC 12 mishandles coroutine temporaries in this expression.
    auto reading = read_half();
    auto finishing = done_half();
    auto [reply, done_error] = co_await (std::move(reading) && std::move(finishing));
    collector.set_wake(nullptr);
    // DONE's own failure first: the read then only saw the connection close.
    if (done_error) {
        co_return std::move(*done_error);
    }
    if (!reply) {
        co_return reply.error();
    }
    guard.disarm();
    if (auto e = conn_->check(reply->completion, step)) {
        co_return std::move(*e);
    }
    co_return outcome;
}

}  // namespace mailferry::imap
