// imap::Client::quota_root() (GETQUOTAROOT, RFC 9208) and status() with
// STATUS=SIZE (RFC 8438) against the test server with a storage quota: the
// numbers must be those of the messages stored, and a message appended past
// the limit must be reported refused with the server's NO [OVERQUOTA] while
// the connection stays usable.

#include "tests/engine/imap_client_fixture.hpp"
#include "tests/support/sized_message.hpp"

#include <algorithm>
#include <set>

namespace {

using namespace mailferry;
using namespace mailferry::test;
namespace imap = mailferry::imap;

// The test server with users u/p and v/q, a quota of `quota_kib` KiB when
// given, and `hidden` capabilities.
class QuotaServer : public ImapClientServer {
  public:
    explicit QuotaServer(std::optional<std::uint64_t> quota_kib, std::set<std::string> hidden = {})
        : ImapClientServer({.hidden = std::move(hidden), .quota_kib = quota_kib}) {}

    // Stores messages of the given sizes in u's `mailbox`.
    void seed(const std::string& mailbox, std::vector<std::size_t> sizes) {
        std::vector<ts::MailStore::NewMessage> messages;
        for (const auto size : sizes) {
            messages.push_back({message_of_size(mailbox, size), {}, {}});
        }
        auto appended = server().call(
            [&](ts::TestServer& s) { return s.store().append("u", mailbox, std::move(messages)); });
        EXPECT_EQ(appended.error, ts::StoreError::ok);
    }

    void create(const std::string& mailbox) {
        auto created = server().call(
            [&](ts::TestServer& s) { return s.store().create_mailbox("u", mailbox); });
        EXPECT_EQ(created, ts::StoreError::ok);
    }
};

std::optional<std::uint64_t> item(const imap::MailboxStatus& status, std::string_view name) {
    for (const auto& [key, value] : status.items) {
        if (key == name) {
            return value;
        }
    }
    return std::nullopt;
}

// What the server said when it refused the one message of `result`, or a
// description of why there is no refusal.
std::string refusal(const imap::ClientResult<imap::AppendResult>& result) {
    if (!result) {
        return "the call failed: " + result.error().message;
    }
    if (result->messages.size() != 1 ||
        result->messages[0].status != imap::AppendOutcome::Status::failed ||
        !result->messages[0].error) {
        return "the message was not refused";
    }
    const auto& error = *result->messages[0].error;
    return error.code == imap::client_error::command_failed ? error.response
                                                            : "not a NO: " + error.message;
}

// One APPEND of `body` to `mailbox`.
imap::awaitable<imap::ClientResult<imap::AppendResult>> append_one(imap::Client& c,
                                                                   std::string mailbox,
                                                                   std::string body) {
    net::StringSource source(body);
    net::VectorAppendBatch batch({{{}, source.size(), &source}});
    auto result = co_await c.append(std::move(mailbox), batch);
    co_return result;
}

TEST(ImapClientQuota, QuotaRootAndStatusSizeReportTheStoredOctets) {
    QuotaServer server(8);
    server.seed("INBOX", {3000, 2000});
    server.seed("Archive", {1000});
    // Modified UTF-7 on the wire (RFC 3501 §5.1.3), UTF-8 for the caller.
    server.create("Z&APw-rich");
    server.seed("Z&APw-rich", {700});
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(server.options());
        CO_REQUIRE(client, client.error().message);
        auto& c = **client;
        EXPECT_TRUE(c.has_capability("QUOTA"));
        EXPECT_TRUE(c.has_capability("QUOTA=RES-STORAGE"));
        EXPECT_TRUE(c.has_capability("STATUS=SIZE"));
        // 6700 octets in all: 7 KiB rounded up, of 8.
        for (const std::string mailbox : {"INBOX", "Zürich", "Does not exist"}) {
            auto quota = co_await c.quota_root(mailbox);
            CO_REQUIRE(quota, quota.error().message);
            CO_REQUIRE(quota->size() == 1, quota->size());
            EXPECT_EQ((*quota)[0].root, "");
            EXPECT_EQ((*quota)[0].name, "STORAGE");
            EXPECT_EQ((*quota)[0].usage, 7u) << mailbox;
            EXPECT_EQ((*quota)[0].limit, 8u) << mailbox;
        }
        const std::pair<std::string, std::uint64_t> expected[] = {
            {"INBOX", 5000}, {"Archive", 1000}, {"Zürich", 700}, {"Sent", 0}};
        for (const auto& e : expected) {
            auto status = co_await c.status(e.first);
            CO_REQUIRE(status, status.error().message);
            EXPECT_EQ(item(*status, "SIZE"), e.second) << e.first;
        }
        auto inbox = co_await c.status("INBOX");
        CO_REQUIRE(inbox, inbox.error().message);
        EXPECT_EQ(inbox->messages, 2u);
        co_await c.logout();
    };
    run_coroutine(body);
}

TEST(ImapClientQuota, AppendPastTheLimitFailsWithOverquota) {
    QuotaServer server(8);  // 8192 octets
    server.seed("INBOX", {3000, 3000});
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(server.options());
        CO_REQUIRE(client, client.error().message);
        auto& c = **client;
        auto refused = co_await append_one(c, "Archive", message_of_size("a", 2193));
        EXPECT_EQ(refusal(refused).rfind("NO [OVERQUOTA] ", 0), 0u) << refusal(refused);
        CO_REQUIRE(refused, refused.error().message);
        EXPECT_FALSE(refused->all_appended());
        EXPECT_EQ(refused->appended_count(), 0u);
        // The connection survives the NO, and the usage is unchanged.
        auto quota = co_await c.quota_root("Archive");
        CO_REQUIRE(quota && quota->size() == 1, "no quota after the refusal");
        EXPECT_EQ((*quota)[0].usage, 6u);
        auto status = co_await c.status("Archive");
        CO_REQUIRE(status, status.error().message);
        EXPECT_EQ(status->messages, 0u);
        EXPECT_EQ(item(*status, "SIZE"), 0u);
        // Up to the limit exactly is allowed.
        auto fits = co_await append_one(c, "Archive", message_of_size("b", 2192));
        CO_REQUIRE(fits, fits.error().message);
        EXPECT_TRUE(fits->all_appended());
        quota = co_await c.quota_root("INBOX");
        CO_REQUIRE(quota && quota->size() == 1, "no quota after the APPEND");
        EXPECT_EQ((*quota)[0].usage, 8u);
        EXPECT_EQ((*quota)[0].limit, 8u);
        status = co_await c.status("Archive");
        CO_REQUIRE(status, status.error().message);
        EXPECT_EQ(item(*status, "SIZE"), 2192u);
        auto full = co_await append_one(c, "INBOX", message_of_size("c", 40));
        EXPECT_EQ(refusal(full).rfind("NO [OVERQUOTA] ", 0), 0u) << refusal(full);
        co_await c.logout();
    };
    run_coroutine(body);
}

TEST(ImapClientQuota, WithoutTheExtensionsNoQuotaAndNoSize) {
    QuotaServer server(std::nullopt, {"STATUS=SIZE"});
    server.seed("INBOX", {500});
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(server.options());
        CO_REQUIRE(client, client.error().message);
        auto& c = **client;
        EXPECT_FALSE(c.has_capability("QUOTA"));
        EXPECT_FALSE(c.has_capability("STATUS=SIZE"));
        auto quota = co_await c.quota_root("INBOX");
        CO_REQUIRE(!quota, "quota_root without QUOTA succeeded");
        EXPECT_EQ(quota.error().code, imap::client_error::not_supported);
        // STATUS does not ask for SIZE, which the server would refuse.
        auto status = co_await c.status("INBOX");
        CO_REQUIRE(status, status.error().message);
        EXPECT_EQ(status->messages, 1u);
        EXPECT_FALSE(item(*status, "SIZE").has_value());
        co_await c.logout();
    };
    run_coroutine(body);
}

}  // namespace
