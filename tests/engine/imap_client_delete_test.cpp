// imap::Client::delete_uids() against the test server: exactly the given
// UIDs are marked \Deleted and removed with UID EXPUNGE (RFC 4315 §2.1),
// so a message another client marked \Deleted stays; without UIDPLUS the
// messages stay marked and the call fails with not_supported, with no
// EXPUNGE of any kind sent.

#include "tests/engine/imap_client_fixture.hpp"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>
#include <sstream>

namespace {

using namespace mailferry;
using namespace mailferry::test;
namespace imap = mailferry::imap;

// u's INBOX with UIDs 1..4; UID 2 already carries \Deleted, as another
// client may leave it.
class DeleteServer : public ImapClientServer {
  public:
    explicit DeleteServer(std::set<std::string> hidden)
        : ImapClientServer({.hidden = std::move(hidden)}) {
        std::vector<ts::MailStore::NewMessage> messages;
        for (std::size_t i = 0; i < 4; ++i) {
            messages.push_back({make_message("d" + std::to_string(i), 300), {}, {}});
        }
        messages[1].flags = {"\\Deleted"};
        auto appended = server().call(
            [&](ts::TestServer& s) { return s.store().append("u", "INBOX", std::move(messages)); });
        EXPECT_EQ(appended.uids, (std::vector<std::uint32_t>{1, 2, 3, 4}));
    }
};

// The commands the client sent after SELECT, without their tags.
std::vector<std::string> commands_after_select(const std::string& trace) {
    std::vector<std::string> out;
    std::istringstream lines(trace);
    std::string line;
    bool selected = false;
    while (std::getline(lines, line)) {
        const auto at = line.find("C: A");
        if (at == std::string::npos) {
            continue;
        }
        const std::string command = line.substr(line.find(' ', at + 3) + 1);
        if (selected) {
            out.push_back(command);
        }
        selected = selected || command.rfind("SELECT ", 0) == 0;
    }
    return out;
}

struct Outcome {
    std::vector<std::string> commands;
    std::vector<std::pair<std::uint32_t, bool>> left;  // UID, \Deleted
};

// Runs delete_uids(`set`) on u's INBOX; `expect_not_supported` says how it must end.
Outcome delete_and_list(DeleteServer& server, std::string set, bool expect_not_supported) {
    std::ostringstream out;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
    auto logger = std::make_shared<spdlog::logger>("imap-delete-test", sink);
    logger->set_level(spdlog::level::trace);
    Outcome outcome;
    auto test = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(server.options(logger));
        CO_REQUIRE(client, client.error().message);
        auto& c = **client;
        auto state = co_await c.select("INBOX", false);
        CO_REQUIRE(state, state.error().message);
        auto deleted = co_await c.delete_uids(set);
        if (expect_not_supported) {
            CO_REQUIRE(!deleted, "deleted without UIDPLUS");
            EXPECT_EQ(deleted.error().code, imap::client_error::not_supported);
            EXPECT_EQ(deleted.error().step, "UID EXPUNGE");
        } else {
            CO_REQUIRE(deleted, deleted.error().message);
        }
        co_await c.logout();
    };
    run_coroutine(test);
    outcome.commands = commands_after_select(out.str());

    auto listed = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(server.options());
        CO_REQUIRE(client, client.error().message);
        auto& c = **client;
        auto state = co_await c.select("INBOX", true);
        CO_REQUIRE(state, state.error().message);
        auto meta = co_await c.fetch_metadata("1:*");
        CO_REQUIRE(meta, meta.error().message);
        for (const auto& m : *meta) {
            const bool marked =
                std::find(m.flags.begin(), m.flags.end(), "\\Deleted") != m.flags.end();
            outcome.left.emplace_back(m.uid, marked);
        }
        co_await c.logout();
    };
    run_coroutine(listed);
    return outcome;
}

TEST(ImapClientDelete, MarksAndExpungesExactlyTheGivenUids) {
    DeleteServer server({});
    const Outcome outcome = delete_and_list(server, "1,3:4", false);
    EXPECT_EQ(outcome.commands,
              (std::vector<std::string>{"UID STORE 1,3:4 +FLAGS.SILENT (\\Deleted)",
                                        "UID EXPUNGE 1,3:4", "LOGOUT"}));
    // UID 2 was marked by someone else: UID EXPUNGE leaves it alone.
    EXPECT_EQ(outcome.left, (std::vector<std::pair<std::uint32_t, bool>>{{2, true}}));
}

TEST(ImapClientDelete, WithoutUidplusLeavesThemMarked) {
    DeleteServer server({"UIDPLUS"});
    const Outcome outcome = delete_and_list(server, "1", true);
    EXPECT_EQ(outcome.commands,
              (std::vector<std::string>{"UID STORE 1 +FLAGS.SILENT (\\Deleted)", "LOGOUT"}));
    EXPECT_EQ(outcome.left, (std::vector<std::pair<std::uint32_t, bool>>{
                                {1, true}, {2, true}, {3, false}, {4, false}}));
}

}  // namespace
