// The POP3 source adapter against the in-process test server: the one INBOX
// it shows, keyed by UIDL (or, without UIDL, by content), the Message-ID and
// Date the planner matches by, the exact bytes it hands on from its spool
// (files included), and deletions that happen only when it commits.
#include "sync/adapters/pop3_source.hpp"

#include "tests/support/coroutine_test.hpp"
#include "tests/support/protocol_trace.hpp"
#include "tests/sync/migration_fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace mailferry::test {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr std::int64_t day = 1'700'000'000;
// make_body(n)'s Date: Mon, 13 Nov 2023 10:00:0n +0100.
constexpr std::int64_t date_header = 1'699'866'000;
const std::string undated = "Subject: no date\r\n\r\nNo Date: and no Message-ID.\r\n";

std::int64_t now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// A logged-in session wrapped as the executor wraps it; null on failure.
asio::awaitable<std::unique_ptr<sync::Pop3Source>> open_source(Account& account) {
    pop3::ClientOptions o;
    o.host = "127.0.0.1";
    o.port = account.server().port(testserver::Protocol::pop3);
    o.connect_timeout = o.tls_timeout = o.command_timeout = 10s;
    auto client = co_await pop3::Client::connect(o);
    if (!client) {
        ADD_FAILURE() << client.error().message;
        co_return nullptr;
    }
    const std::string user = "user";
    const std::string password = "secret";
    auto login = co_await client->login(user, password);
    if (!login) {
        ADD_FAILURE() << login.error().message;
        co_return nullptr;
    }
    co_return std::make_unique<sync::Pop3Source>(std::move(*client));
}

asio::awaitable<sync::MailboxResult<sync::SourceFolderListing>> list_inbox(
    sync::Pop3Source& source, const sync::FolderState* known = nullptr) {
    const sync::MailboxFolder inbox{"INBOX", "", true};
    co_return co_await source.open_folder(inbox, false, true, known, {});
}

std::vector<sync::CopyItem> items_of(const sync::SourceFolderListing& listing) {
    std::vector<sync::CopyItem> items;
    for (const sync::SourceMessage& m : listing.messages) {
        sync::CopyItem item;
        item.source_key = m.source_key;
        item.size = m.size;
        items.push_back(item);
    }
    return items;
}

// Every body handed on, by the index begin() named.
class Collect final : public net::BodySink {
  public:
    asio::awaitable<boost::system::error_code> begin(std::uint32_t index,
                                                     std::uint64_t size) override {
        current_ = index;
        announced[index] = size;
        bodies[index].clear();
        co_return boost::system::error_code();
    }
    asio::awaitable<boost::system::error_code> data(std::span<const char> bytes) override {
        bodies[current_].append(bytes.data(), bytes.size());
        co_return boost::system::error_code();
    }
    asio::awaitable<boost::system::error_code> end() override {
        ++ended;
        co_return boost::system::error_code();
    }

    std::map<std::uint32_t, std::uint64_t> announced;
    std::map<std::uint32_t, std::string> bodies;
    int ended = 0;

  private:
    std::uint32_t current_ = 0;
};

TEST(Pop3Source, ListsOneInboxKeyedByUidlWithWhatMatchingNeeds) {
    Account account;
    account.add("INBOX", {{make_body(1), {}, day}, {undated, {}, day}, {make_body(3), {}, day}});
    std::vector<std::string> first_keys;
    auto body = [&]() -> asio::awaitable<void> {
        auto source = co_await open_source(account);
        CO_REQUIRE(source, "no session");
        auto folders = co_await source->list_folders();
        CO_REQUIRE(folders, folders.error().message);
        CO_REQUIRE(folders->size() == 1U, folders->size());
        EXPECT_EQ(folders->front().name, "INBOX");

        auto listing = co_await list_inbox(*source);
        CO_REQUIRE(listing, listing.error().message);
        CO_REQUIRE(listing->messages.size() == 3U, listing->messages.size());
        EXPECT_EQ(listing->status.messages, 3U);
        const std::vector<sync::SourceMessage>& m = listing->messages;
        EXPECT_EQ(m[0].message_id, "<m1@example.org>");
        EXPECT_EQ(m[0].internal_date, date_header + 1);
        EXPECT_EQ(m[0].size, make_body(1).size());
        EXPECT_EQ(m[1].message_id, "");
        EXPECT_EQ(m[1].internal_date, 0) << "no Date: field, nothing to match by";
        EXPECT_EQ(m[1].size, undated.size());
        EXPECT_EQ(m[2].message_id, "<m3@example.org>");
        std::set<std::string> keys;
        for (const sync::SourceMessage& meta : m) {
            EXPECT_EQ(meta.uid, 0U);
            EXPECT_TRUE(meta.flags.empty());
            EXPECT_FALSE(meta.source_key.empty());
            keys.insert(meta.source_key);
            first_keys.push_back(meta.source_key);
        }
        EXPECT_EQ(keys.size(), 3U);
        co_await source->logout();
    };
    run_coroutine(body);

    // The keys are what the state remembers: a later session must give the
    // same ones.
    auto again = [&]() -> asio::awaitable<void> {
        auto source = co_await open_source(account);
        CO_REQUIRE(source, "no session");
        auto listing = co_await list_inbox(*source);
        CO_REQUIRE(listing, listing.error().message);
        std::vector<std::string> keys;
        for (const sync::SourceMessage& meta : listing->messages) {
            keys.push_back(meta.source_key);
        }
        EXPECT_EQ(keys, first_keys);
        co_await source->logout();
    };
    run_coroutine(again);
}

// The header of a message the state already knows is not read again.
TEST(Pop3Source, KnownMessagesAreListedWithoutReadingTheirHeaders) {
    Account account;
    account.add("INBOX", {{make_body(1), {}, day}, {make_body(2), {}, day}});
    auto body = [&]() -> asio::awaitable<void> {
        auto source = co_await open_source(account);
        CO_REQUIRE(source, "no session");
        auto first = co_await list_inbox(*source);
        CO_REQUIRE(first && first->messages.size() == 2U, "listing failed");
        sync::FolderState known;
        known.source_name = "INBOX";
        sync::MessageState remembered;
        remembered.source_key = first->messages[0].source_key;
        remembered.status = sync::CopyStatus::copied;
        known.messages.push_back(remembered);

        auto listing = co_await list_inbox(*source, &known);
        CO_REQUIRE(listing && listing->messages.size() == 2U, "listing failed");
        EXPECT_EQ(listing->messages[0].source_key, remembered.source_key);
        EXPECT_EQ(listing->messages[0].message_id, "");
        EXPECT_EQ(listing->messages[1].message_id, "<m2@example.org>");
        co_await source->logout();
    };
    run_coroutine(body);
}

// prepare() RETRs into a spool (a file above 1 MiB) and reports the exact
// size and the Date: field's time, else the time of the copy; fetch_bodies()
// then hands on exactly the bytes the server holds.
TEST(Pop3Source, PreparedMessagesArePassedOnByteForByte) {
    Account account;
    const std::string big = make_body(2, 1'500'000);
    account.add("INBOX", {{make_body(1), {}, day}, {big, {}, day}, {undated, {}, day}});
    auto body = [&]() -> asio::awaitable<void> {
        auto source = co_await open_source(account);
        CO_REQUIRE(source, "no session");
        auto listing = co_await list_inbox(*source);
        CO_REQUIRE(listing && listing->messages.size() == 3U, "listing failed");
        std::vector<sync::CopyItem> items = items_of(*listing);
        sync::CopyItem gone;
        gone.source_key = "no-such-uidl";
        items.insert(items.begin() + 1, gone);

        const std::int64_t before = now();
        auto prepared = co_await source->prepare(items);
        const std::int64_t after = now();
        CO_REQUIRE(prepared, prepared.error().message);
        CO_REQUIRE(prepared->size() == 4U, prepared->size());
        const auto& meta = *prepared;
        CO_REQUIRE(meta[0] && !meta[1] && meta[2] && meta[3], "a message was not prepared");
        EXPECT_EQ(meta[0]->size, make_body(1).size());
        EXPECT_EQ(meta[0]->message_id, "<m1@example.org>");
        EXPECT_EQ(meta[0]->internal_date, date_header + 1);
        EXPECT_EQ(meta[2]->size, big.size());
        EXPECT_EQ(meta[2]->internal_date, date_header + 2);
        EXPECT_EQ(meta[3]->message_id, "");
        EXPECT_GE(meta[3]->internal_date, before);
        EXPECT_LE(meta[3]->internal_date, after);

        Collect sink;
        auto delivered = co_await source->fetch_bodies(items, sink);
        CO_REQUIRE(delivered, delivered.error().message);
        EXPECT_EQ(*delivered, 3U);
        EXPECT_EQ(sink.ended, 3);
        EXPECT_EQ(sink.bodies.count(1), 0U) << "the vanished message was handed on";
        EXPECT_EQ(sink.bodies[0], make_body(1));
        EXPECT_EQ(sink.announced[2], big.size());
        EXPECT_TRUE(sink.bodies[2] == big) << "the spooled file's bytes differ";
        EXPECT_EQ(sink.bodies[3], undated);
        co_await source->logout();
    };
    run_coroutine(body);
}

// A batch is retrieved in one round trip where the server offers PIPELINING
// (RFC 2449 §6.6): every RETR is sent before the first answer is read, and
// each message still lands in its own spool.
TEST(Pop3Source, BatchIsRetrievedWithTheCommandsPipelined) {
    Account account;
    account.add("INBOX", {{make_body(1), {}, day},
                          {make_body(2), {}, day},
                          {make_body(3), {}, day},
                          {make_body(4), {}, day}});
    ProtocolTrace trace;
    const std::uint16_t port = account.server().port(testserver::Protocol::pop3);
    auto body = [&]() -> asio::awaitable<void> {
        auto source = co_await open_source(account);
        CO_REQUIRE(source, "no session");
        auto listing = co_await list_inbox(*source);
        CO_REQUIRE(listing && listing->messages.size() == 4U, "listing failed");
        const std::vector<sync::CopyItem> items = items_of(*listing);
        auto prepared = co_await source->prepare(items);
        CO_REQUIRE(prepared && prepared->size() == 4U, "prepare failed");

        const std::size_t last_sent = trace.position_of(port, "RETR 4");
        const std::size_t first_sent = trace.position_of(port, "RETR 1");
        CO_REQUIRE(last_sent != std::string::npos, "no RETR sent");
        EXPECT_EQ(last_sent, first_sent) << "the RETRs were sent one at a time";
        EXPECT_EQ(trace.position_of(port, "+OK", first_sent, "S: "), first_sent + 1)
            << "an answer was read before every RETR was sent";

        Collect sink;
        auto delivered = co_await source->fetch_bodies(items, sink);
        CO_REQUIRE(delivered, delivered.error().message);
        EXPECT_EQ(*delivered, 4U);
        for (std::uint32_t i = 0; i < 4; ++i) {
            EXPECT_EQ(sink.bodies[i], make_body(static_cast<int>(i) + 1));
        }
        co_await source->logout();
    };
    run_coroutine(body);
}

// RFC 1939 §6: DELE takes effect only in the UPDATE state QUIT enters. A
// session that ends any other way (logout() resets first) deletes nothing.
TEST(Pop3Source, DeletionsTakeEffectOnlyWhenCommitted) {
    Account account;
    account.add("INBOX", {{make_body(1), {}, day}, {make_body(2), {}, day}});
    auto delete_first = [&](bool commit) -> asio::awaitable<void> {
        auto source = co_await open_source(account);
        CO_REQUIRE(source, "no session");
        auto listing = co_await list_inbox(*source);
        CO_REQUIRE(listing && !listing->messages.empty(), "listing failed");
        std::vector<sync::SourceDeletion> deletions{{listing->messages[0].source_key, 0}};
        auto deleted = co_await source->delete_messages(deletions);
        CO_REQUIRE(deleted, deleted.error().message);
        if (commit) {
            auto committed = co_await source->commit();
            CO_REQUIRE(committed, committed.error().message);
        } else {
            co_await source->logout();
        }
    };
    auto without_commit = [&]() { return delete_first(false); };
    run_coroutine(without_commit);
    EXPECT_EQ(account.inbox().size(), 2U);

    auto with_commit = [&]() { return delete_first(true); };
    run_coroutine(with_commit);
    const auto left = account.inbox();
    ASSERT_EQ(left.size(), 1U);
    EXPECT_EQ(left.begin()->second, make_body(2));
}

// RFC 1939 §7 makes UIDL optional. Without it the key is the content's
// SHA-256, and identical messages still get a key each. The user is told
// once per session why every message is downloaded.
TEST(Pop3Source, WithoutUidlMessagesAreKeyedByTheirContent) {
    test_log().expect_warning("does not support UIDL");
    testserver::FaultPlan no_uidl;
    no_uidl.no_uidl = true;
    Account account(no_uidl);
    account.add("INBOX",
                {{make_body(1), {}, day}, {make_body(2), {}, day}, {make_body(1), {}, day}});
    auto body = [&]() -> asio::awaitable<void> {
        auto source = co_await open_source(account);
        CO_REQUIRE(source, "no session");
        auto listing = co_await list_inbox(*source);
        CO_REQUIRE(listing && listing->messages.size() == 3U, "listing failed");
        const auto& m = listing->messages;
        const std::string prefix = "sha256:";
        for (const sync::SourceMessage& meta : m) {
            EXPECT_EQ(meta.source_key.rfind(prefix, 0), 0U) << meta.source_key;
        }
        EXPECT_EQ(m[0].source_key.size(), prefix.size() + 64);
        EXPECT_NE(m[0].source_key, m[1].source_key);
        EXPECT_EQ(m[2].source_key, m[0].source_key + "#2");

        auto again = co_await list_inbox(*source);
        CO_REQUIRE(again && again->messages.size() == 3U, "second listing failed");
        EXPECT_EQ(again->messages[2].source_key, m[2].source_key);
        co_await source->logout();
    };
    run_coroutine(body);
    EXPECT_EQ(test_log().count("does not support UIDL"), 1U);
}

}  // namespace
}  // namespace mailferry::test
