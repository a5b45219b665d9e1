// imap::Client mail operations against the in-process test server: LIST with
// special use and a non-ASCII name, SELECT, metadata, bodies streamed through
// a BodyPipe into another account's MULTIAPPEND, APPENDUID, flags, expunge
// and search.

#include "tests/engine/imap_client_fixture.hpp"
#include "tests/support/log_expectations.hpp"
#include "tests/support/protocol_trace.hpp"

#include <gmock/gmock.h>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include <algorithm>
#include <map>

namespace {

using namespace mailferry;
using namespace mailferry::test;
namespace imap = mailferry::imap;
using boost::system::error_code;

const imap::InternalDate date1{1700000000, 120};
const imap::InternalDate date2{1600000000, -300};

std::vector<ts::MailStore::NewMessage> three_messages() {
    return {
        {make_message("one", 500),
         {"\\Seen"},
         ts::InternalDate{date1.seconds, date1.offset_minutes}},
        {make_message("two", 200 * 1024),
         {"\\Flagged", "$Work"},
         ts::InternalDate{date2.seconds, date2.offset_minutes}},
        {make_message("three", 40), {}, ts::InternalDate{date1.seconds, 0}},
    };
}

const imap::Folder* find(const std::vector<imap::Folder>& folders, std::string_view name) {
    auto it = std::find_if(folders.begin(), folders.end(),
                           [&](const imap::Folder& f) { return f.name == name; });
    return it == folders.end() ? nullptr : &*it;
}

TEST(ImapClientMail, ListShowsSpecialUseAndDecodesNonAsciiNames) {
    ImapClientServer server;
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(server.options());
        CO_REQUIRE(client, client.error().message);
        auto& c = **client;
        auto created = co_await c.create("Zürich/Grüße");
        CO_REQUIRE(created, created.error().message);
        EXPECT_TRUE(*created);
        auto again = co_await c.create("Zürich/Grüße");
        CO_REQUIRE(again, again.error().message);
        EXPECT_FALSE(*again);
        auto folders = co_await c.list_folders();
        CO_REQUIRE(folders, folders.error().message);
        const imap::Folder* f = find(*folders, "Zürich/Grüße");
        CO_REQUIRE(f != nullptr, "Zürich/Grüße not listed");
        EXPECT_EQ(f->raw_name, "Z&APw-rich/Gr&APwA3w-e");
        EXPECT_EQ(c.separator(), '/');
        const imap::Folder* sent = find(*folders, "Sent");
        CO_REQUIRE(sent != nullptr, "Sent not listed");
        EXPECT_EQ(sent->special_use, "\\Sent");
        const imap::Folder* inbox = find(*folders, "INBOX");
        CO_REQUIRE(inbox != nullptr, "INBOX not listed");
        EXPECT_EQ(inbox->special_use, "");
        auto status = co_await c.status("Zürich/Grüße");
        CO_REQUIRE(status, status.error().message);
        EXPECT_EQ(status->messages, 0u);
        auto ns = co_await c.namespaces();
        CO_REQUIRE(ns, ns.error().message);
        EXPECT_FALSE(ns->personal.empty());
    };
    run_coroutine(body);
}

TEST(ImapClientMail, SelectAndFetchMetadata) {
    ImapClientServer server;
    auto bodies = server.seed("u", "INBOX", three_messages());
    const auto info =
        server.server().call([](ts::TestServer& s) { return *s.store().mailbox("u", "INBOX"); });
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(server.options());
        CO_REQUIRE(client, client.error().message);
        auto& c = **client;
        auto state = co_await c.select("INBOX", true);
        CO_REQUIRE(state, state.error().message);
        EXPECT_TRUE(state->read_only);
        EXPECT_EQ(state->uidvalidity, info.uidvalidity);
        EXPECT_EQ(state->uidnext, 4u);
        EXPECT_EQ(state->exists, 3u);
        EXPECT_EQ(state->highest_modseq, info.highest_modseq);
        auto meta = co_await c.fetch_metadata("1:*");
        CO_REQUIRE(meta, meta.error().message);
        CO_REQUIRE(meta->size() == 3, meta->size());
        EXPECT_EQ((*meta)[0].uid, 1u);
        EXPECT_EQ((*meta)[0].size, bodies[0].size());
        EXPECT_EQ((*meta)[0].message_id, "<one@example.org>");
        EXPECT_EQ((*meta)[0].internal_date, date1);
        EXPECT_EQ((*meta)[0].flags, std::vector<std::string>{"\\Seen"});
        EXPECT_EQ((*meta)[1].size, bodies[1].size());
        EXPECT_EQ((*meta)[1].internal_date, date2);
        EXPECT_NE(std::find((*meta)[1].flags.begin(), (*meta)[1].flags.end(), "$Work"),
                  (*meta)[1].flags.end());
        EXPECT_TRUE((*meta)[2].modseq.has_value());
        // CHANGEDSINCE the highest modseq: nothing changed.
        auto changed = co_await c.fetch_metadata("1:*", state->highest_modseq);
        CO_REQUIRE(changed, changed.error().message);
        EXPECT_TRUE(changed->empty());
        co_await c.logout();
    };
    run_coroutine(body);
}

// Copies u's INBOX into v's INBOX through a BodyPipe, FETCH and MULTIAPPEND
// running at once, with a pipe much smaller than the largest message.
TEST(ImapClientMail, FetchFeedsMultiappendThroughABoundedPipe) {
    ImapClientServer server;
    auto bodies = server.seed("u", "INBOX", three_messages());
    auto body = [&]() -> asio::awaitable<void> {
        using namespace boost::asio::experimental::awaitable_operators;
        auto source = co_await imap::Client::connect(server.options("u", "p"));
        CO_REQUIRE(source, source.error().message);
        auto target = co_await imap::Client::connect(server.options("v", "q"));
        CO_REQUIRE(target, target.error().message);
        auto state = co_await (*source)->select("INBOX", true);
        CO_REQUIRE(state, state.error().message);
        auto meta = co_await (*source)->fetch_metadata("1:*");
        CO_REQUIRE(meta, meta.error().message);
        std::map<std::uint32_t, net::AppendMeta> by_uid;
        for (const auto& m : *meta) {
            by_uid[m.uid] = net::AppendMeta{m.flags, m.internal_date};
        }
        net::BodyPipe pipe(co_await asio::this_coro::executor, 16 * 1024);
        net::PipeAppendBatch batch(pipe, [&](std::uint32_t uid) { return by_uid[uid]; });
        auto fetch = [&]() -> asio::awaitable<imap::ClientResult<std::size_t>> {
            auto r = co_await (*source)->fetch_bodies("1:*", pipe);
            if (r) {
                pipe.close();
            } else {
                pipe.fail(r.error().code);
            }
            co_return r;
        };
        auto store = [&]() -> asio::awaitable<imap::ClientResult<imap::AppendResult>> {
            auto r = co_await (*target)->append("INBOX", batch);
            co_return r;
        };
        auto [fetched, appended] = co_await (fetch() && store());
        CO_REQUIRE(fetched, fetched.error().message);
        CO_REQUIRE(appended, appended.error().message);
        EXPECT_EQ(*fetched, 3u);
        EXPECT_EQ(batch.source_uids(), (std::vector<std::uint32_t>{1, 2, 3}));
        EXPECT_FALSE(appended->source_error);
        CO_REQUIRE(appended->uids.size() == 3, appended->uids.size());
        EXPECT_EQ(appended->uids[0], 1u);
        EXPECT_EQ(appended->uids[2], 3u);
        co_await (*source)->logout();
        co_await (*target)->logout();
    };
    run_coroutine(body);
    auto copied = server.server().call([](ts::TestServer& s) {
        std::vector<std::pair<ts::MessageInfo, std::string>> out;
        for (const auto& m : s.store().messages("v", "INBOX")) {
            out.emplace_back(m, *s.store().body("v", "INBOX", m.uid));
        }
        return out;
    });
    ASSERT_EQ(copied.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(copied[i].second, bodies[i]) << "message " << i;
    }
    EXPECT_TRUE(copied[0].first.has_flag("\\Seen"));
    EXPECT_TRUE(copied[1].first.has_flag("$Work"));
    EXPECT_EQ(copied[1].first.internal_date.seconds, date2.seconds);
    EXPECT_EQ(copied[1].first.internal_date.offset_minutes, date2.offset_minutes);
}

TEST(ImapClientMail, MultiappendReturnsAppendUids) {
    ImapClientServer server;
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(server.options());
        CO_REQUIRE(client, client.error().message);
        std::vector<std::unique_ptr<net::StringSource>> sources;
        std::vector<net::AppendItem> items;
        for (int i = 0; i < 3; ++i) {
            sources.push_back(std::make_unique<net::StringSource>(
                make_message("m" + std::to_string(i), 100 + static_cast<std::size_t>(i))));
            items.push_back({{{"\\Seen"}, date1}, sources.back()->size(), sources.back().get()});
        }
        net::VectorAppendBatch batch(std::move(items));
        auto appended = co_await (*client)->append("Archive", batch);
        CO_REQUIRE(appended, appended.error().message);
        const auto info = server.server().call(
            [](ts::TestServer& s) { return *s.store().mailbox("u", "Archive"); });
        EXPECT_EQ(appended->uidvalidity, info.uidvalidity);
        EXPECT_EQ(appended->uids, (std::vector<std::optional<std::uint32_t>>{1u, 2u, 3u}));
        // A source that ends early cannot complete its literal.
        net::StringSource short_source("abc");
        net::VectorAppendBatch bad({{{}, 10, &short_source}});
        auto failed = co_await (*client)->append("Archive", bad);
        CO_REQUIRE(failed, failed.error().message);
        CO_REQUIRE(failed->error, "append of a short body succeeded");
        EXPECT_EQ(failed->error->code, imap::client_error::body_size_mismatch);
        EXPECT_EQ(failed->messages.at(0).status, imap::AppendOutcome::Status::failed);
    };
    run_coroutine(body);
    const auto count = server.server().call(
        [](ts::TestServer& s) { return s.store().messages("u", "Archive").size(); });
    EXPECT_EQ(count, 3u);
}

TEST(ImapClientMail, AppendToMissingMailboxQuotesTryCreate) {
    ImapClientServer server;
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(server.options());
        CO_REQUIRE(client, client.error().message);
        net::StringSource source("Subject: x\r\n\r\nx\r\n");
        net::VectorAppendBatch batch({{{}, source.size(), &source}});
        auto appended = co_await (*client)->append("Nowhere", batch);
        CO_REQUIRE(appended, appended.error().message);
        CO_REQUIRE(appended->messages.size() == 1 && appended->messages[0].error,
                   "append to a missing mailbox succeeded");
        EXPECT_EQ(appended->messages[0].status, imap::AppendOutcome::Status::failed);
        const imap::Error& refused = *appended->messages[0].error;
        EXPECT_EQ(refused.code, imap::client_error::command_failed);
        EXPECT_NE(refused.response.find("TRYCREATE"), std::string::npos) << refused.message;
        // The connection survives a NO.
        auto noop = co_await (*client)->noop();
        EXPECT_TRUE(noop);
    };
    run_coroutine(body);
}

TEST(ImapClientMail, StoreFlagsExpungeAndSearch) {
    ImapClientServer server;
    server.seed("u", "INBOX", three_messages());
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(server.options());
        CO_REQUIRE(client, client.error().message);
        auto& c = **client;
        // GCC 12 miscompiles initializer lists inside co_await expressions: name them.
        const std::vector<std::string> seen{"\\Seen"}, flagged{"\\Flagged"},
            deleted_flag{"\\Deleted"}, none;
        auto no_box = co_await c.store_flags("1", imap::FlagOperation::add, seen);
        EXPECT_EQ(no_box.error().code, imap::client_error::no_mailbox_selected);
        auto state = co_await c.select("INBOX", false);
        CO_REQUIRE(state, state.error().message);
        EXPECT_FALSE(state->read_only);
        EXPECT_TRUE(state->keywords_allowed);
        auto found = co_await c.search_message_id("<two@example.org>");
        CO_REQUIRE(found, found.error().message);
        EXPECT_EQ(*found, std::vector<std::uint32_t>{2});
        auto stored = co_await c.store_flags("1,3", imap::FlagOperation::add, flagged);
        CO_REQUIRE(stored, stored.error().message);
        auto deleted = co_await c.store_flags("2", imap::FlagOperation::add, deleted_flag);
        CO_REQUIRE(deleted, deleted.error().message);
        auto expunged = co_await c.expunge_uids("2");
        CO_REQUIRE(expunged, expunged.error().message);
        auto meta = co_await c.fetch_metadata("1:*");
        CO_REQUIRE(meta, meta.error().message);
        CO_REQUIRE(meta->size() == 2, meta->size());
        EXPECT_EQ((*meta)[0].uid, 1u);
        EXPECT_EQ((*meta)[1].uid, 3u);
        EXPECT_NE(std::find((*meta)[1].flags.begin(), (*meta)[1].flags.end(), "\\Flagged"),
                  (*meta)[1].flags.end());
        auto replaced = co_await c.store_flags("1", imap::FlagOperation::replace, none);
        CO_REQUIRE(replaced, replaced.error().message);
        auto missing = co_await c.search_message_id("<nope@example.org>");
        CO_REQUIRE(missing, missing.error().message);
        EXPECT_TRUE(missing->empty());
        co_await c.logout();
    };
    run_coroutine(body);
    const auto flags = server.server().call(
        [](ts::TestServer& s) { return s.store().messages("u", "INBOX").front().flags; });
    EXPECT_TRUE(flags.empty());
}

// Several STOREs go out before the first answer comes back (one round trip
// for all), and each gets its own outcome: the one refused fails alone.
TEST(ImapClientMail, StoresArePipelinedAndEachAnswered) {
    LogExpectations logs;
    logs.expect_warning("fault fired: at=STORE:2:no");
    ImapClientServer server({.faults = "at=STORE:2:no"});
    server.seed("u", "INBOX", three_messages());
    ProtocolTrace trace;
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(server.options());
        CO_REQUIRE(client, client.error().message);
        auto& c = **client;
        auto state = co_await c.select("INBOX", false);
        CO_REQUIRE(state, state.error().message);
        std::vector<imap::FlagStore> stores{{"1", imap::FlagOperation::add, {"\\Flagged"}},
                                            {"2", imap::FlagOperation::add, {"\\Answered"}},
                                            {"1", imap::FlagOperation::remove, {"\\Seen"}}};
        auto stored = co_await c.store_flags(std::move(stores));
        CO_REQUIRE(stored, stored.error().message);
        CO_REQUIRE(stored->size() == 3, stored->size());
        EXPECT_FALSE((*stored)[0]);
        EXPECT_TRUE((*stored)[1]);
        EXPECT_FALSE((*stored)[2]);
        auto alive = co_await c.noop();
        EXPECT_TRUE(alive);
        co_await c.logout();
    };
    run_coroutine(body);

    const auto flags = server.server().call([](ts::TestServer& s) {
        std::vector<std::vector<std::string>> out;
        for (const auto& m : s.store().messages("u", "INBOX")) {
            out.push_back(m.flags);
        }
        return out;
    });
    ASSERT_EQ(flags.size(), 3U);
    EXPECT_EQ(flags[0], std::vector<std::string>{"\\Flagged"});
    EXPECT_THAT(flags[1], ::testing::UnorderedElementsAre("\\Flagged", "$Work"));
    // All three were written before the first answer was read.
    const auto exchange = trace.exchange_with(server.port());
    const auto first_answer = std::find_if(exchange.begin(), exchange.end(), [](const auto& e) {
        return e.starts_with("S: A") && e.find("STORE completed") != std::string::npos;
    });
    const auto sent = std::count_if(exchange.begin(), first_answer, [](const auto& e) {
        return e.starts_with("C: ") && e.find(" UID STORE ") != std::string::npos;
    });
    EXPECT_EQ(sent, 3) << ::testing::PrintToString(exchange);
}

// Without ESEARCH (the test server), the UIDs and the \Deleted ones come
// from one `UID FETCH 1:* (UID FLAGS)`; which of a few UIDs exist, from one
// `UID FETCH set (UID)`.
TEST(ImapClientMail, UidInventoryNamesEveryUidAndTheDeletedOnes) {
    ImapClientServer server;
    server.seed("u", "INBOX", three_messages());
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(server.options());
        CO_REQUIRE(client, client.error().message);
        auto& c = **client;
        EXPECT_FALSE(c.has_capability("ESEARCH"));
        auto state = co_await c.select("INBOX", false);
        CO_REQUIRE(state, state.error().message);
        const std::vector<std::string> deleted_flag{"\\Deleted"};
        auto deleted = co_await c.store_flags("1,3", imap::FlagOperation::add, deleted_flag);
        CO_REQUIRE(deleted, deleted.error().message);
        auto expunged = co_await c.expunge_uids("1");
        CO_REQUIRE(expunged, expunged.error().message);
        auto inventory = co_await c.uid_inventory();
        CO_REQUIRE(inventory, inventory.error().message);
        EXPECT_EQ(inventory->all, (std::vector<std::uint32_t>{2, 3}));
        EXPECT_EQ(inventory->deleted, std::vector<std::uint32_t>{3});
        auto existing = co_await c.existing_uids("1,3,7");
        CO_REQUIRE(existing, existing.error().message);
        EXPECT_EQ(*existing, std::vector<std::uint32_t>{3}) << "1 expunged, 7 never there";
        co_await c.logout();
    };
    run_coroutine(body);
}

TEST(ImapClientMail, PipelinedFetchOfManyMessages) {
    ImapClientServer server;
    std::vector<ts::MailStore::NewMessage> messages;
    for (int i = 0; i < 300; ++i) {
        messages.push_back({make_message("p" + std::to_string(i), 150), {}, {}});
    }
    server.seed("u", "INBOX", std::move(messages));
    auto body = [&]() -> asio::awaitable<void> {
        auto options = server.options();
        options.pipeline_window = 16;
        auto client = co_await imap::Client::connect(options);
        CO_REQUIRE(client, client.error().message);
        auto state = co_await (*client)->select("INBOX", true);
        CO_REQUIRE(state, state.error().message);
        struct Collect final : net::BodySink {
            asio::awaitable<error_code> begin(std::uint32_t uid, std::uint64_t size) override {
                uids.push_back(uid);
                expected += size;
                co_return error_code();
            }
            asio::awaitable<error_code> data(std::span<const char> bytes) override {
                bytes_ += bytes.size();
                co_return error_code();
            }
            asio::awaitable<error_code> end() override { co_return error_code(); }
            std::vector<std::uint32_t> uids;
            std::uint64_t expected = 0, bytes_ = 0;
        } sink;
        std::vector<std::uint32_t> uids;
        for (std::uint32_t u = 300; u >= 1; --u) {
            uids.push_back(u);
        }
        auto fetched = co_await (*client)->fetch_bodies_each(uids, sink);
        CO_REQUIRE(fetched, fetched.error().message);
        EXPECT_EQ(*fetched, 300u);
        EXPECT_EQ(sink.uids, uids);  // in the order asked
        EXPECT_EQ(sink.bytes_, sink.expected);
    };
    run_coroutine(body);
}

}  // namespace
