// imap::Client's QRESYNC (RFC 7162 §3.2) against a real Dovecot, which
// offers it: ENABLE QRESYNC CONDSTORE after login; SELECT (QRESYNC (...))
// reporting exactly the UIDs another session expunged and the flags it
// changed; a UIDVALIDITY mismatch; VANISHED instead of EXPUNGE while idling;
// UID FETCH (CHANGEDSINCE n VANISHED); examine_changes() in one round
// trip; and QRESYNC turned off by option.

#include "clients/imap/client.hpp"
#include "clients/net/tls_client.hpp"

#include "tests/support/continuation_sink.hpp"
#include "tests/support/coroutine_test.hpp"
#include "tests/support/dovecot_client_options.hpp"
#include "tests/support/dovecot_fixture.hpp"
#include "tests/support/protocol_trace.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace imap = mailferry::imap;
namespace net = mailferry::net;
using mailferry::test::ContinuationSink;
using mailferry::test::Dovecot;
using mailferry::test::run_coroutine;
using namespace std::chrono_literals;
using Flags = std::set<std::string>;

imap::ClientOptions options_for(const Dovecot& d) {
    return mailferry::test::dovecot_client_options(d, d.ports().imaps, true);
}

// The flags of a change as a set, without \Recent (session-specific).
Flags flags_of(const imap::MessageChange& change) {
    Flags out(change.flags.begin(), change.flags.end());
    out.erase("\\Recent");
    return out;
}

std::map<std::uint32_t, Flags> by_uid(const std::vector<imap::MessageChange>& changes) {
    std::map<std::uint32_t, Flags> out;
    for (const auto& c : changes) {
        out[c.uid] = flags_of(c);
    }
    return out;
}

std::string message(std::size_t i) {
    return "From: a@example.org\r\nSubject: resync " + std::to_string(i) + "\r\nMessage-ID: <r" +
           std::to_string(i) + "@example.org>\r\n\r\nbody\r\n";
}

class ImapClientQresync : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { dovecot_ = std::make_unique<Dovecot>(Dovecot::start()); }
    static void TearDownTestSuite() { dovecot_.reset(); }

    // Creates `folder` with `count` plain messages; their UIDs, ascending.
    static asio::awaitable<std::vector<std::uint32_t>> seed(imap::Client& c, std::string folder,
                                                            std::size_t count) {
        std::vector<std::uint32_t> uids;
        auto created = co_await c.create(folder);
        EXPECT_TRUE(created) << created.error().message;
        std::vector<std::unique_ptr<net::StringSource>> sources;
        std::vector<net::AppendItem> items;
        for (std::size_t i = 0; i < count; ++i) {
            sources.push_back(std::make_unique<net::StringSource>(message(i)));
            items.push_back({{}, sources.back()->size(), sources.back().get()});
        }
        net::VectorAppendBatch batch(std::move(items));
        auto appended = co_await c.append(folder, batch);
        EXPECT_TRUE(appended) << appended.error().message;
        if (appended) {
            for (const auto& uid : appended->uids) {
                EXPECT_TRUE(uid.has_value()) << "Dovecot reports APPENDUID";
                uids.push_back(uid.value_or(0));
            }
        }
        co_return uids;
    }

    static std::unique_ptr<Dovecot> dovecot_;
};
std::unique_ptr<Dovecot> ImapClientQresync::dovecot_;

TEST_F(ImapClientQresync, SelectReportsExactlyTheVanishedAndChangedMessages) {
    auto body = [&]() -> asio::awaitable<void> {
        auto first = co_await imap::Client::connect(options_for(*dovecot_));
        CO_REQUIRE(first, first.error().message);
        auto& a = **first;
        EXPECT_TRUE(a.has_capability("QRESYNC"));
        EXPECT_TRUE(a.qresync_enabled());
        EXPECT_TRUE(a.condstore_enabled());
        const auto uids = co_await seed(a, "Resync", 6);
        CO_REQUIRE(uids.size() == 6, uids.size());
        auto before = co_await a.select("Resync", false);
        CO_REQUIRE(before, before.error().message);
        CO_REQUIRE(before->highest_modseq, "no HIGHESTMODSEQ");
        EXPECT_EQ(before->qresync, imap::QresyncOutcome::not_requested);
        const imap::QresyncParams known{before->uidvalidity, *before->highest_modseq, {}};
        co_await a.logout();

        // Another session flags two messages and expunges two others.
        auto second = co_await imap::Client::connect(options_for(*dovecot_));
        CO_REQUIRE(second, second.error().message);
        auto& b = **second;
        CO_REQUIRE(co_await b.select("Resync", false), "SELECT in the second session");
        std::vector<std::string> flagged{"\\Flagged"};
        auto stored = co_await b.store_flags(std::to_string(uids[1]), imap::FlagOperation::add,
                                             std::move(flagged));
        CO_REQUIRE(stored, stored.error().message);
        std::vector<std::string> seen{"\\Seen", "$Label"};
        stored = co_await b.store_flags(std::to_string(uids[2]), imap::FlagOperation::add,
                                        std::move(seen));
        CO_REQUIRE(stored, stored.error().message);
        const std::string doomed = std::to_string(uids[3]) + "," + std::to_string(uids[4]);
        std::vector<std::string> deleted{"\\Deleted"};
        stored = co_await b.store_flags(doomed, imap::FlagOperation::add, std::move(deleted));
        CO_REQUIRE(stored, stored.error().message);
        auto expunged = co_await b.expunge_uids(doomed);
        CO_REQUIRE(expunged, expunged.error().message);
        co_await b.logout();

        auto third = co_await imap::Client::connect(options_for(*dovecot_));
        CO_REQUIRE(third, third.error().message);
        auto& c = **third;
        auto after = co_await c.select("Resync", true, known);
        CO_REQUIRE(after, after.error().message);
        EXPECT_EQ(after->qresync, imap::QresyncOutcome::applied);
        EXPECT_EQ(after->uidvalidity, known.uidvalidity);
        EXPECT_EQ(after->exists, 4u);
        EXPECT_EQ(after->vanished, (imap::UidRanges{{uids[3], uids[4]}}));
        const std::map<std::uint32_t, Flags> expected{{uids[1], {"\\Flagged"}},
                                                      {uids[2], {"\\Seen", "$Label"}}};
        EXPECT_EQ(by_uid(after->changed), expected);
        for (const auto& change : after->changed) {
            CO_REQUIRE(change.modseq, "no MODSEQ for UID " << change.uid);
            EXPECT_GT(*change.modseq, known.modseq);
        }

        // With known-uids the server reports only among those (RFC 7162
        // §3.2.5.1): UID 4 (the fourth) vanished, UID 5 is not asked about.
        imap::QresyncParams some = known;
        some.known_uids = {{uids[0], uids[3]}};
        auto narrowed = co_await c.select("Resync", true, some);
        CO_REQUIRE(narrowed, narrowed.error().message);
        EXPECT_EQ(narrowed->qresync, imap::QresyncOutcome::applied);
        EXPECT_EQ(narrowed->vanished, (imap::UidRanges{{uids[3], uids[3]}}));
        EXPECT_EQ(by_uid(narrowed->changed), expected);

        // Nothing changed since the current HIGHESTMODSEQ.
        imap::QresyncParams now{after->uidvalidity, after->highest_modseq.value_or(1), {}};
        auto quiet = co_await c.select("Resync", true, now);
        CO_REQUIRE(quiet, quiet.error().message);
        EXPECT_EQ(quiet->qresync, imap::QresyncOutcome::applied);
        EXPECT_TRUE(quiet->vanished.empty());
        EXPECT_TRUE(quiet->changed.empty());
        co_await c.logout();
    };
    run_coroutine(body);
}

TEST_F(ImapClientQresync, UidvalidityMismatchIsReportedWithoutChanges) {
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(options_for(*dovecot_));
        CO_REQUIRE(client, client.error().message);
        auto& c = **client;
        const auto uids = co_await seed(c, "Mismatch", 3);
        CO_REQUIRE(uids.size() == 3, uids.size());
        auto state = co_await c.select("Mismatch", false);
        CO_REQUIRE(state, state.error().message);
        std::vector<std::string> deleted{"\\Deleted"};
        auto stored = co_await c.store_flags(std::to_string(uids[0]), imap::FlagOperation::add,
                                             std::move(deleted));
        CO_REQUIRE(stored, stored.error().message);
        auto expunged = co_await c.expunge_uids(std::to_string(uids[0]));
        CO_REQUIRE(expunged, expunged.error().message);

        // A cache from an older incarnation of the mailbox: the server
        // ignores the rest of the parameter (RFC 7162 §3.2.5).
        const imap::QresyncParams stale{state->uidvalidity + 1, 1, {}};
        auto again = co_await c.select("Mismatch", true, stale);
        CO_REQUIRE(again, again.error().message);
        EXPECT_EQ(again->qresync, imap::QresyncOutcome::uidvalidity_changed);
        EXPECT_EQ(again->uidvalidity, state->uidvalidity);
        EXPECT_EQ(again->exists, 2u);
        EXPECT_TRUE(again->vanished.empty());
        EXPECT_TRUE(again->changed.empty());

        // The same modseq with the right UIDVALIDITY does report the expunge.
        const imap::QresyncParams right{state->uidvalidity, 1, {}};
        auto applied = co_await c.select("Mismatch", true, right);
        CO_REQUIRE(applied, applied.error().message);
        EXPECT_EQ(applied->qresync, imap::QresyncOutcome::applied);
        EXPECT_TRUE(imap::contains_uid(applied->vanished, uids[0]));
        co_await c.logout();
    };
    run_coroutine(body);
}

TEST_F(ImapClientQresync, IdleReportsTheUidAnotherSessionExpunges) {
    // Lives in the coroutine frame: a timer must not outlive its io_context.
    asio::steady_timer* idling = nullptr;
    auto body = [&]() -> asio::awaitable<void> {
        auto executor = co_await asio::this_coro::executor;
        asio::steady_timer timer(executor, 60s);
        idling = &timer;
        auto watcher_options = options_for(*dovecot_);
        auto logger = std::make_shared<spdlog::logger>(
            "qresync_idle", std::make_shared<ContinuationSink>([&] { idling->cancel(); }));
        logger->set_level(spdlog::level::trace);
        watcher_options.logger = logger;
        auto watcher = co_await imap::Client::connect(watcher_options);
        CO_REQUIRE(watcher, watcher.error().message);
        auto writer = co_await imap::Client::connect(options_for(*dovecot_));
        CO_REQUIRE(writer, writer.error().message);
        auto& w = **watcher;
        auto& other = **writer;
        CO_REQUIRE(w.qresync_enabled(), "QRESYNC not enabled");
        const auto uids = co_await seed(other, "Idle", 3);
        CO_REQUIRE(uids.size() == 3, uids.size());
        auto state = co_await w.select("Idle", false);
        CO_REQUIRE(state, state.error().message);
        EXPECT_EQ(state->exists, 3u);
        CO_REQUIRE(co_await other.select("Idle", false), "writer SELECT");
        std::vector<std::string> deleted{"\\Deleted"};
        auto stored = co_await other.store_flags(std::to_string(uids[1]), imap::FlagOperation::add,
                                                 std::move(deleted));
        CO_REQUIRE(stored, stored.error().message);
        // The watcher takes the \Deleted flag update now, so that the only
        // change while idling is the expunge.
        CO_REQUIRE(co_await w.noop(), "NOOP");

        auto expunge_once_idling = [&]() -> asio::awaitable<imap::ClientResult<void>> {
            co_await idling->async_wait(asio::as_tuple(asio::use_awaitable));
            co_return co_await other.expunge_uids(std::to_string(uids[1]));
        };
        using namespace asio::experimental::awaitable_operators;
        auto idle = w.idle(60s);
        auto expunge = expunge_once_idling();
        auto [outcome, expunged] = co_await (std::move(idle) && std::move(expunge));
        CO_REQUIRE(expunged, expunged.error().message);
        CO_REQUIRE(outcome, outcome.error().message);
        EXPECT_TRUE(outcome->used_idle);
        EXPECT_EQ(outcome->vanished, (imap::UidRanges{{uids[1], uids[1]}}));
        EXPECT_EQ(outcome->expunged, 1u);
        EXPECT_FALSE(outcome->nothing_changed());
        EXPECT_TRUE(outcome->flag_changes.empty());

        // The session goes on.
        auto changes = co_await w.fetch_changes("1:*", state->highest_modseq.value_or(1));
        CO_REQUIRE(changes, changes.error().message);
        EXPECT_EQ(changes->vanished, (imap::UidRanges{{uids[1], uids[1]}}));
        co_await w.logout();
        co_await other.logout();
    };
    run_coroutine(body);
}

TEST_F(ImapClientQresync, FetchChangesReportsVanishedAndChangedSinceAModseq) {
    auto body = [&]() -> asio::awaitable<void> {
        auto first = co_await imap::Client::connect(options_for(*dovecot_));
        CO_REQUIRE(first, first.error().message);
        auto& a = **first;
        const auto uids = co_await seed(a, "Changes", 5);
        CO_REQUIRE(uids.size() == 5, uids.size());
        auto state = co_await a.select("Changes", false);
        CO_REQUIRE(state, state.error().message);
        const std::uint64_t modseq = state->highest_modseq.value_or(0);
        CO_REQUIRE(modseq > 0, "no HIGHESTMODSEQ");

        auto unchanged = co_await a.fetch_changes("1:*", modseq);
        CO_REQUIRE(unchanged, unchanged.error().message);
        EXPECT_TRUE(unchanged->vanished.empty());
        EXPECT_TRUE(unchanged->changed.empty());

        auto second = co_await imap::Client::connect(options_for(*dovecot_));
        CO_REQUIRE(second, second.error().message);
        auto& b = **second;
        CO_REQUIRE(co_await b.select("Changes", false), "SELECT in the second session");
        std::vector<std::string> answered{"\\Answered"};
        auto stored = co_await b.store_flags(std::to_string(uids[0]), imap::FlagOperation::add,
                                             std::move(answered));
        CO_REQUIRE(stored, stored.error().message);
        const std::string doomed = std::to_string(uids[2]) + ":" + std::to_string(uids[3]);
        std::vector<std::string> deleted{"\\Deleted"};
        stored = co_await b.store_flags(doomed, imap::FlagOperation::add, std::move(deleted));
        CO_REQUIRE(stored, stored.error().message);
        auto expunged = co_await b.expunge_uids(doomed);
        CO_REQUIRE(expunged, expunged.error().message);
        co_await b.logout();

        // A fresh session asks about every UID it knew.
        auto third = co_await imap::Client::connect(options_for(*dovecot_));
        CO_REQUIRE(third, third.error().message);
        auto& c = **third;
        CO_REQUIRE(co_await c.select("Changes", true), "SELECT in the third session");
        const std::string known = std::to_string(uids[0]) + ":" + std::to_string(uids[4]);
        auto changes = co_await c.fetch_changes(known, modseq);
        CO_REQUIRE(changes, changes.error().message);
        EXPECT_EQ(changes->vanished, (imap::UidRanges{{uids[2], uids[3]}}));
        EXPECT_EQ(by_uid(changes->changed),
                  (std::map<std::uint32_t, Flags>{{uids[0], {"\\Answered"}}}));

        // The first session, still selected, learns the same.
        auto seen_by_first = co_await a.fetch_changes("1:*", modseq);
        CO_REQUIRE(seen_by_first, seen_by_first.error().message);
        EXPECT_EQ(seen_by_first->vanished, (imap::UidRanges{{uids[2], uids[3]}}));
        EXPECT_EQ(by_uid(seen_by_first->changed), by_uid(changes->changed));
        co_await a.logout();
        co_await c.logout();
    };
    run_coroutine(body);
}

// examine_changes() asks in one round trip: EXAMINE, the CHANGEDSINCE
// fetch and both UID searches (Dovecot offers ESEARCH) are written before
// the first answer is read, and each answer is the mailbox's: the message
// whose flags changed, the one flagged \Deleted and the new one; every UID
// left after an expunge, and which is \Deleted.
TEST_F(ImapClientQresync, ExamineChangesAsksEverythingInOneRoundTrip) {
    mailferry::test::ProtocolTrace trace;
    const std::uint16_t port = dovecot_->ports().imaps;
    auto body = [&]() -> asio::awaitable<void> {
        auto first = co_await imap::Client::connect(options_for(*dovecot_));
        CO_REQUIRE(first, first.error().message);
        auto& a = **first;
        const auto uids = co_await seed(a, "Examined", 5);
        CO_REQUIRE(uids.size() == 5, uids.size());
        auto state = co_await a.select("Examined", false);
        CO_REQUIRE(state, state.error().message);
        const std::uint64_t modseq = state->highest_modseq.value_or(0);
        CO_REQUIRE(modseq > 0, "no HIGHESTMODSEQ");

        std::vector<std::string> answered{"\\Answered"};
        auto stored = co_await a.store_flags(std::to_string(uids[0]), imap::FlagOperation::add,
                                             std::move(answered));
        CO_REQUIRE(stored, stored.error().message);
        std::vector<std::string> deleted{"\\Deleted"};
        const std::string marked = std::to_string(uids[1]) + "," + std::to_string(uids[2]);
        stored = co_await a.store_flags(marked, imap::FlagOperation::add, std::move(deleted));
        CO_REQUIRE(stored, stored.error().message);
        auto expunged = co_await a.expunge_uids(std::to_string(uids[2]));
        CO_REQUIRE(expunged, expunged.error().message);
        net::StringSource source(message(5));
        net::VectorAppendBatch batch({{{}, source.size(), &source}});
        auto appended = co_await a.append("Examined", batch);
        CO_REQUIRE(appended && appended->uids.size() == 1 && appended->uids[0], "APPEND failed");
        const std::uint32_t added = *appended->uids[0];
        co_await a.logout();

        auto second = co_await imap::Client::connect(options_for(*dovecot_));
        CO_REQUIRE(second, second.error().message);
        auto& b = **second;
        auto found = co_await b.examine_changes("Examined", modseq, true);
        CO_REQUIRE(found, found.error().message);
        EXPECT_EQ(found->state.uidvalidity, state->uidvalidity);
        EXPECT_EQ(found->state.exists, 5U);
        EXPECT_TRUE(found->state.read_only);
        std::vector<std::uint32_t> changed;
        for (const imap::MessageMeta& m : found->changed) {
            changed.push_back(m.uid);
        }
        std::sort(changed.begin(), changed.end());
        EXPECT_EQ(changed, (std::vector<std::uint32_t>{uids[0], uids[1], added}));
        CO_REQUIRE(found->inventory, "the UID sets were not asked for");
        EXPECT_EQ(found->inventory->all,
                  (std::vector<std::uint32_t>{uids[0], uids[1], uids[3], uids[4], added}));
        EXPECT_EQ(found->inventory->deleted, std::vector<std::uint32_t>{uids[1]});
        auto selection = b.selection();
        EXPECT_TRUE(selection && selection->name == "Examined" && selection->read_only);
        co_await b.logout();
    };
    run_coroutine(body);

    const std::size_t examine = trace.position_of(port, "EXAMINE \"Examined\"");
    const std::size_t last = trace.position_of(port, "RETURN (ALL) DELETED", examine);
    const std::size_t answer = trace.position_of(port, "", examine, "S: ");
    ASSERT_NE(examine, std::string::npos);
    ASSERT_NE(last, std::string::npos);
    EXPECT_LT(trace.position_of(port, "CHANGEDSINCE", examine), last);
    EXPECT_LT(last, answer) << "a command waited for EXAMINE's answer";
}

TEST_F(ImapClientQresync, TurnedOffByOptionTheSessionWorksAsBefore) {
    auto body = [&]() -> asio::awaitable<void> {
        auto options = options_for(*dovecot_);
        options.enable_qresync = false;
        auto client = co_await imap::Client::connect(options);
        CO_REQUIRE(client, client.error().message);
        auto& c = **client;
        EXPECT_FALSE(c.qresync_enabled());
        EXPECT_TRUE(c.condstore_enabled());
        const auto uids = co_await seed(c, "Plain", 2);
        CO_REQUIRE(uids.size() == 2, uids.size());
        auto state = co_await c.select("Plain", false);
        CO_REQUIRE(state, state.error().message);
        // The parameter is not sent: the server would answer BAD.
        auto again =
            co_await c.select("Plain", false, imap::QresyncParams{state->uidvalidity, 1, {}});
        CO_REQUIRE(again, again.error().message);
        EXPECT_EQ(again->qresync, imap::QresyncOutcome::unavailable);
        EXPECT_TRUE(again->vanished.empty());
        auto changes = co_await c.fetch_changes("1:*", 1);
        CO_REQUIRE(!changes, "fetch_changes without QRESYNC succeeded");
        EXPECT_EQ(changes.error().code, imap::client_error::not_supported);
        // UID EXPUNGE is answered with EXPUNGE, not VANISHED, and SELECT
        // counts what is left.
        std::vector<std::string> deleted{"\\Deleted"};
        auto stored = co_await c.store_flags(std::to_string(uids[0]), imap::FlagOperation::add,
                                             std::move(deleted));
        CO_REQUIRE(stored, stored.error().message);
        auto expunged = co_await c.expunge_uids(std::to_string(uids[0]));
        CO_REQUIRE(expunged, expunged.error().message);
        auto after = co_await c.select("Plain", true);
        CO_REQUIRE(after, after.error().message);
        EXPECT_EQ(after->exists, 1u);
        co_await c.logout();
    };
    run_coroutine(body);
}

}  // namespace
