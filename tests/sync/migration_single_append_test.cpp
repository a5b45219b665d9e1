// A migration to a target without MULTIAPPEND (as Gmail, Exchange and
// Courier are): pipelined single APPENDs. A NO for one message in the middle
// of a batch must leave the others confirmed with their UIDs, and the
// refused one retried, so the target ends equal to the source with nothing
// twice.
#include "sync/adapters/imap_source.hpp"
#include "sync/adapters/imap_target.hpp"
#include "sync/copy_pipeline.hpp"
#include "tests/sync/migration_fixture.hpp"

#include <gtest/gtest.h>

#include <set>

namespace mailferry::test {
namespace {

constexpr std::int64_t day = 1'700'000'000;

void seed(Account& source) {
    std::vector<Mail> inbox;
    for (int i = 0; i < 120; ++i) {
        inbox.push_back(
            {make_body(i, 300 + static_cast<std::size_t>(i % 7) * 700),
             i % 2 == 0 ? std::vector<std::string>{"\\Seen"} : std::vector<std::string>{},
             day + i});
    }
    source.add("INBOX", inbox);
}

void refused_in_the_middle(std::set<std::string> hidden) {
    Account source;
    testserver::FaultPlan faults;
    faults.no_append = 7;
    Account target(faults, std::move(hidden));
    StateFile state;
    seed(source);
    const auto run = migrate(source.imap(), target.imap(), state.store());
    ASSERT_EQ(run.outcome, sync::Outcome::ok) << run.message;
    EXPECT_EQ(run.report->totals().messages.copied, 120U);
    EXPECT_EQ(run.report->totals().messages.failed, 0U);
    EXPECT_EQ(target.read(), source.read(true));
    const auto again = migrate(source.imap(), target.imap(), state.store());
    ASSERT_EQ(again.outcome, sync::Outcome::ok) << again.message;
    EXPECT_EQ(again.report->totals().messages.to_copy, 0U);
}

TEST(MigrationSingleAppend, RefusedAppendAmongPipelinedLiteralPlus) {
    refused_in_the_middle({"MULTIAPPEND"});
}

TEST(MigrationSingleAppend, RefusedAppendAmongPipelinedSynchronizingLiterals) {
    refused_in_the_middle({"MULTIAPPEND", "LITERAL+"});
}

// One batch straight through transfer_batch(): the 4th APPEND is refused,
// the nine others are confirmed with the UIDs the target gave them.
TEST(MigrationSingleAppend, BatchConfirmsEveryMessageThatLandedAroundARefusal) {
    Account source;
    std::vector<Mail> mails;
    for (int i = 0; i < 10; ++i) {
        mails.push_back({make_body(i, 400 + static_cast<std::size_t>(i) * 300), {}, day + i});
    }
    source.add("INBOX", mails);
    testserver::FaultPlan faults;
    faults.no_append = 4;
    Account target(faults, {"MULTIAPPEND"});

    std::optional<sync::BatchResult> result;
    std::vector<std::string> bodies;
    auto body = [&]() -> boost::asio::awaitable<void> {
        auto source_client = co_await imap::Client::connect(
            fixture_client_options(source.server().port(testserver::Protocol::imap)));
        auto target_client =
            co_await imap::Client::connect(fixture_client_options(target.imap_port()));
        if (!source_client || !target_client) {
            ADD_FAILURE() << "cannot connect";
            co_return;
        }
        sync::ImapSource from(std::move(*source_client));
        sync::ImapTarget to(std::move(*target_client));
        // Named arguments: GCC 12 mishandles temporaries in co_await expressions.
        const sync::MailboxFolder inbox{"INBOX", "", true};
        auto listing = co_await from.open_folder(inbox, false, true, nullptr, {});
        if (!listing) {
            ADD_FAILURE() << listing.error().message;
            co_return;
        }
        std::vector<sync::CopyItem> items;
        std::vector<sync::PreparedMeta> metas;
        for (const sync::SourceMessage& m : listing->messages) {
            items.push_back({m.uid, m.source_key, m.size, m.internal_date, m.message_id, m.flags,
                             m.flags, false});
            metas.push_back({m.size, m.internal_date, m.message_id});
        }
        const std::string folder = "INBOX";
        auto transferred = co_await sync::transfer_batch(from, to, folder, items, metas);
        result = std::move(transferred);
        co_await from.logout();
        co_await to.logout();
    };
    boost::asio::io_context io;
    boost::asio::co_spawn(io, body(), [](std::exception_ptr e) {
        if (e) {
            std::rethrow_exception(e);
        }
    });
    io.run();
    ASSERT_TRUE(result);
    ASSERT_EQ(result->items.size(), 10U);
    ASSERT_TRUE(result->target_error);
    EXPECT_EQ(result->target_error->kind, sync::MailboxError::Kind::rejected);
    EXPECT_NE(result->target_error->message.find("SERVERBUG"), std::string::npos)
        << result->target_error->message;
    EXPECT_FALSE(result->source_error);
    const auto stored = target.inbox();
    EXPECT_EQ(stored.size(), 9U);
    for (std::size_t i = 0; i < 10; ++i) {
        SCOPED_TRACE("message " + std::to_string(i));
        const sync::BatchItemResult& r = result->items[i];
        if (i == 3) {
            EXPECT_EQ(r.status, sync::BatchItemResult::Status::not_sent);
            continue;
        }
        ASSERT_EQ(r.status, sync::BatchItemResult::Status::copied);
        ASSERT_TRUE(r.target_uid);
        ASSERT_TRUE(stored.contains(*r.target_uid));
        EXPECT_EQ(stored.at(*r.target_uid), mails[i].body);
    }
}

}  // namespace
}  // namespace mailferry::test
