// imap::Client::move_uids() against the test server: UID MOVE (RFC 6851)
// when offered; with MOVE hidden, UID COPY + UID STORE \Deleted + UID
// EXPUNGE (RFC 4315); with UIDPLUS hidden too, not_supported after the COPY.
// Each time the destination must hold the messages byte for byte and the
// COPYUID mapping must name their new UIDs.

#include "tests/engine/imap_client_fixture.hpp"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

namespace {

using namespace mailferry;
using namespace mailferry::test;
namespace imap = mailferry::imap;
using boost::system::error_code;

// The test server with users u/p and v/q and `hidden` capabilities.
class MoveServer : public ImapClientServer {
  public:
    explicit MoveServer(std::set<std::string> hidden)
        : ImapClientServer({.hidden = std::move(hidden)}) {}

    std::vector<std::string> seed_inbox(std::size_t count) {
        std::vector<ts::MailStore::NewMessage> messages;
        std::vector<std::string> bodies;
        for (std::size_t i = 0; i < count; ++i) {
            bodies.push_back(make_message("m" + std::to_string(i), 200 + 97 * i));
            messages.push_back({bodies.back(), {}, {}});
        }
        auto appended = server().call(
            [&](ts::TestServer& s) { return s.store().append("u", "INBOX", std::move(messages)); });
        EXPECT_EQ(appended.error, ts::StoreError::ok);
        EXPECT_EQ(appended.uids, (std::vector<std::uint32_t>{1, 2, 3}));
        auto created = server().call(
            [](ts::TestServer& s) { return s.store().create_mailbox("u", "Old Mail"); });
        EXPECT_EQ(created, ts::StoreError::ok);
        return bodies;
    }
};

struct Collect final : net::BodySink {
    asio::awaitable<error_code> begin(std::uint32_t uid, std::uint64_t size) override {
        bodies[uid].reserve(size);
        current = uid;
        co_return error_code();
    }
    asio::awaitable<error_code> data(std::span<const char> bytes) override {
        bodies[current].append(bytes.data(), bytes.size());
        co_return error_code();
    }
    asio::awaitable<error_code> end() override { co_return error_code(); }
    std::uint32_t current = 0;
    std::map<std::uint32_t, std::string> bodies;
};

struct Trace {
    Trace() {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
        logger = std::make_shared<spdlog::logger>("imap-move-test", sink);
        logger->set_level(spdlog::level::trace);
    }
    std::ostringstream out;
    std::shared_ptr<spdlog::logger> logger;
};

// Moves UIDs 1 and 3 of u's INBOX to "Old Mail", then checks both mailboxes.
// `expect_error`: the move is to fail with not_supported (no UIDPLUS).
void move_and_check(MoveServer& server, Trace& trace, bool expect_error) {
    const auto sent = server.seed_inbox(3);
    auto test = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(server.options(trace.logger));
        CO_REQUIRE(client, client.error().message);
        auto& c = **client;
        auto state = co_await c.select("INBOX", false);
        CO_REQUIRE(state, state.error().message);

        auto moved = co_await c.move_uids("1,3", "Old Mail");
        std::optional<imap::MoveResult> result;
        if (expect_error) {
            CO_REQUIRE(!moved, "the move succeeded without UIDPLUS");
            EXPECT_EQ(moved.error().code, imap::client_error::not_supported);
            EXPECT_NE(moved.error().message.find("copied to Old Mail"), std::string::npos)
                << moved.error().message;
        } else {
            CO_REQUIRE(moved, moved.error().message);
            result = *moved;
            EXPECT_TRUE(result->uidvalidity.has_value());
            EXPECT_EQ(result->uids.size(), 2u);
        }

        Collect inbox;
        auto n = co_await c.fetch_bodies("1:*", inbox);
        CO_REQUIRE(n, n.error().message);
        if (expect_error) {
            // The originals stay, marked \Deleted; the unmoved one is not.
            EXPECT_EQ(inbox.bodies.size(), 3u);
            auto meta = co_await c.fetch_metadata("1:3");
            CO_REQUIRE(meta, meta.error().message);
            for (const auto& m : *meta) {
                const bool deleted =
                    std::find(m.flags.begin(), m.flags.end(), "\\Deleted") != m.flags.end();
                EXPECT_EQ(deleted, m.uid != 2) << m.uid;
            }
        } else {
            EXPECT_EQ(inbox.bodies, (std::map<std::uint32_t, std::string>{{2, sent[1]}}));
        }

        auto dest = co_await c.select("Old Mail", true);
        CO_REQUIRE(dest, dest.error().message);
        Collect moved_bodies;
        n = co_await c.fetch_bodies("1:*", moved_bodies);
        CO_REQUIRE(n, n.error().message);
        CO_REQUIRE(moved_bodies.bodies.size() == 2u, moved_bodies.bodies.size());
        if (result) {
            EXPECT_EQ(result->uidvalidity.value_or(0), dest->uidvalidity);
            CO_REQUIRE(result->uids.contains(1) && result->uids.contains(3), "mapping");
            EXPECT_EQ(moved_bodies.bodies[result->uids.at(1)], sent[0]);
            EXPECT_EQ(moved_bodies.bodies[result->uids.at(3)], sent[2]);
        } else {
            std::set<std::string> got;
            for (const auto& [uid, body] : moved_bodies.bodies) {
                got.insert(body);
            }
            EXPECT_EQ(got, (std::set<std::string>{sent[0], sent[2]}));
        }
        co_await c.logout();
    };
    run_coroutine(test);
}

TEST(ImapClientMove, UidMoveWhenOffered) {
    MoveServer server({});
    Trace trace;
    move_and_check(server, trace, false);
    const std::string log = trace.out.str();
    EXPECT_NE(log.find("UID MOVE 1,3 \"Old Mail\""), std::string::npos) << log;
    EXPECT_EQ(log.find("UID COPY"), std::string::npos) << log;
}

TEST(ImapClientMove, CopyStoreExpungeWithoutMove) {
    MoveServer server({"MOVE"});
    Trace trace;
    move_and_check(server, trace, false);
    const std::string log = trace.out.str();
    EXPECT_EQ(log.find("UID MOVE"), std::string::npos) << log;
    EXPECT_NE(log.find("UID COPY 1,3 \"Old Mail\""), std::string::npos) << log;
    EXPECT_NE(log.find("UID STORE 1,3 +FLAGS.SILENT (\\Deleted)"), std::string::npos) << log;
    EXPECT_NE(log.find("UID EXPUNGE 1,3"), std::string::npos) << log;
}

TEST(ImapClientMove, WithoutUidplusCopiesAndReportsNotSupported) {
    MoveServer server({"MOVE", "UIDPLUS"});
    Trace trace;
    move_and_check(server, trace, true);
    const std::string log = trace.out.str();
    EXPECT_EQ(log.find("EXPUNGE 1"), std::string::npos) << log;
}

TEST(ImapClientMove, NoMailboxSelected) {
    MoveServer server({});
    Trace trace;
    auto test = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(server.options(trace.logger));
        CO_REQUIRE(client, client.error().message);
        auto moved = co_await (*client)->move_uids("1", "Old Mail");
        CO_REQUIRE(!moved, "moved without a selected mailbox");
        EXPECT_EQ(moved.error().code, imap::client_error::no_mailbox_selected);
        co_await (*client)->logout();
    };
    run_coroutine(test);
}

}  // namespace
