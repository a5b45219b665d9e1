// imap::Client::append() against a scripted server offering LITERAL- (RFC
// 7888 §4) and no MULTIAPPEND: messages up to 4096 octets go as `{n+}`,
// larger ones as synchronizing `{n}` waiting for `+`. The server holds every
// tagged answer back and sends it after the next continuation request, so
// the client sees `+` before the answers of the earlier APPENDs.

#include "tests/engine/imap_client_fixture.hpp"
#include "tests/support/scripted_server.hpp"

#include <regex>
#include <string>
#include <vector>

namespace {

using namespace mailferry;
using namespace mailferry::test;
namespace imap = mailferry::imap;

// One APPEND as the server received it.
struct Received {
    std::string command;  // the line up to the literal
    bool non_sync = false;
    std::string body;
};

// The session: `appends` APPEND commands are expected; each received one
// is recorded.
void serve_literal_minus(ScriptedSession& s, std::size_t appends, std::vector<Received>& received) {
    const std::string caps = "IMAP4rev1 LITERAL- SASL-IR AUTH=PLAIN UIDPLUS";
    if (!s.send("* OK [CAPABILITY " + caps + "] scripted\r\n")) {
        return;
    }
    static const std::regex literal(R"(\{(\d+)(\+?)\}$)");
    std::string deferred;  // tagged APPEND answers held back
    ScriptedSession::Command command;
    while (s.read_command(command)) {
        const auto& [line, tag, rest, verb] = command;
        std::smatch m;
        if (verb == "APPEND" && std::regex_search(line, m, literal)) {
            Received r;
            r.command = line;
            r.non_sync = m[2] == "+";
            if (!r.non_sync) {
                // RFC 3501 §7.5: `+` first, then the earlier answers.
                if (!s.send("+ Ready for literal data\r\n" + deferred)) {
                    return;
                }
                deferred.clear();
            }
            std::string end_of_command;
            if (!s.read_exactly(std::stoul(m[1].str()), r.body) || !s.read_line(end_of_command)) {
                return;
            }
            received.push_back(std::move(r));
            deferred += tag + " OK [APPENDUID 7 " + std::to_string(received.size()) +
                        "] APPEND completed\r\n";
            if (received.size() == appends) {
                if (!s.send(deferred)) {
                    return;
                }
                deferred.clear();
            }
            continue;
        }
        std::string answer = deferred;
        deferred.clear();
        if (verb == "LIST") {
            answer += "* LIST (\\Noselect) \"/\" \"\"\r\n";
        } else if (verb == "LOGOUT") {
            answer += "* BYE scripted server done\r\n";
        } else if (verb == "CAPABILITY") {
            answer += "* CAPABILITY " + caps + "\r\n";
        }
        answer += tag + " OK [CAPABILITY " + caps + "] done\r\n";
        if (!s.send(answer) || verb == "LOGOUT") {
            return;
        }
    }
}

TEST(ImapClientAppendLiteralMinus, OnlyMessagesOver4096OctetsWaitForContinuation) {
    const std::vector<std::size_t> sizes{300,  4096, 1024 * 1024, 200,  4097, 1000,
                                         5000, 150,  1024 * 1024, 3000, 4000, 130};
    std::vector<std::string> bodies;
    std::vector<std::unique_ptr<net::StringSource>> sources;
    std::vector<net::AppendItem> items;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
        bodies.push_back(make_message("lm" + std::to_string(i), sizes[i]));
        ASSERT_EQ(bodies.back().size(), sizes[i]);
        sources.push_back(std::make_unique<net::StringSource>(bodies.back()));
        net::AppendMeta meta;
        meta.flags = {"\\Seen"};
        items.push_back({meta, bodies.back().size(), sources.back().get()});
    }
    std::vector<Received> received;
    ScriptedServer server(
        [&](ScriptedSession& s) { serve_literal_minus(s, sizes.size(), received); });
    std::optional<imap::AppendResult> result;
    auto body = [&]() -> asio::awaitable<void> {
        auto client =
            co_await imap::Client::connect(loopback_client_options(server.port(), "u", "p"));
        CO_REQUIRE(client, client.error().message);
        CO_REQUIRE((*client)->has_capability("LITERAL-"), "LITERAL- not seen");
        net::VectorAppendBatch batch(std::move(items));
        auto appended = co_await (*client)->append("INBOX", batch);
        CO_REQUIRE(appended, appended.error().message);
        result = std::move(*appended);
        co_await (*client)->logout();
    };
    run_coroutine(body);
    ASSERT_TRUE(result);
    EXPECT_TRUE(result->all_appended());
    EXPECT_EQ(result->uidvalidity, 7u);
    ASSERT_EQ(result->messages.size(), sizes.size());
    server.finish();
    ASSERT_EQ(received.size(), sizes.size());
    for (std::size_t i = 0; i < sizes.size(); ++i) {
        SCOPED_TRACE("message " + std::to_string(i) + " of " + std::to_string(sizes[i]));
        EXPECT_EQ(result->messages[i].status, imap::AppendOutcome::Status::appended);
        EXPECT_EQ(result->messages[i].uid, i + 1);
        EXPECT_EQ(received[i].non_sync, sizes[i] <= 4096) << received[i].command;
        EXPECT_EQ(received[i].body, bodies[i]);
        EXPECT_NE(received[i].command.find(R"(APPEND "INBOX" (\Seen) {)"), std::string::npos)
            << received[i].command;
    }
}

}  // namespace
