// imap::Client's QRESYNC (RFC 7162 §3.2) against a scripted server that
// answers with the RFC's own examples: one ENABLE for QRESYNC and CONDSTORE,
// the exact SELECT (QRESYNC (...)) and UID FETCH (CHANGEDSINCE n VANISHED)
// command lines, responses before [CLOSED] kept out of the new mailbox's
// state, NOMODSEQ, and VANISHED while idling. Also the test server, which
// offers CONDSTORE but not QRESYNC: the parameter is never sent there. And
// examine_changes() (CONDSTORE) where the mailbox has no modseqs or is
// missing.

#include "tests/engine/imap_client_fixture.hpp"
#include "tests/support/scripted_server.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace mailferry;
using namespace mailferry::test;
namespace imap = mailferry::imap;

const std::string qresync_caps = "IMAP4rev1 SASL-IR AUTH=PLAIN ENABLE CONDSTORE QRESYNC IDLE";

// RFC 7162 §3.2.5.1's example, after what the previously selected mailbox
// still had to say (a VANISHED and a FETCH that belong to it, RFC 7162
// §3.2.11).
const std::string qresync_select =
    "* VANISHED 9\r\n"
    "* 3 FETCH (UID 9 FLAGS (\\Seen) MODSEQ (5))\r\n"
    "* OK [CLOSED]\r\n"
    "* 100 EXISTS\r\n"
    "* 11 RECENT\r\n"
    "* OK [UIDVALIDITY 67890007] UIDVALIDITY\r\n"
    "* OK [UIDNEXT 600] Predicted next UID\r\n"
    "* OK [HIGHESTMODSEQ 90060115205545359] Highest mailbox mod-sequence\r\n"
    "* OK [UNSEEN 7] There are some unseen messages in the mailbox\r\n"
    "* FLAGS (\\Answered \\Flagged \\Draft \\Deleted \\Seen)\r\n"
    "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Draft \\Deleted \\Seen \\*)] Permanent\r\n"
    "* VANISHED (EARLIER) 41,43:116,118,120:211,214:540\r\n"
    "* 49 FETCH (UID 117 FLAGS (\\Seen \\Answered) MODSEQ (90060115194045001))\r\n"
    "* 50 FETCH (UID 119 FLAGS (\\Draft $MDNSent) MODSEQ (90060115194045308))\r\n"
    "* 51 FETCH (UID 541 FLAGS (\\Seen $Forwarded) MODSEQ (90060115194045001))\r\n";

const std::string plain_select =
    "* 100 EXISTS\r\n"
    "* OK [UIDVALIDITY 67890007] UIDVALIDITY\r\n"
    "* OK [UIDNEXT 600] Predicted next UID\r\n"
    "* OK [HIGHESTMODSEQ 90060115205545359] Highest\r\n"
    "* FLAGS (\\Answered \\Flagged \\Draft \\Deleted \\Seen)\r\n";

// A mailbox without persistent modseqs (RFC 7162 §3.1.2.2).
const std::string nomodseq_select =
    "* OK [CLOSED]\r\n"
    "* 2 EXISTS\r\n"
    "* OK [UIDVALIDITY 67890007] UIDVALIDITY\r\n"
    "* OK [NOMODSEQ] Sorry, this mailbox format doesn't support modsequences\r\n"
    "* FLAGS (\\Seen)\r\n";

// RFC 7162 §3.2.6 example 1, with the VANISHED modifier.
const std::string changes_fetch =
    "* VANISHED (EARLIER) 300:310,405,411\r\n"
    "* 1 FETCH (UID 404 MODSEQ (65402) FLAGS (\\Seen))\r\n"
    "* 2 FETCH (UID 406 MODSEQ (75403) FLAGS (\\Deleted))\r\n"
    "* 4 FETCH (UID 408 MODSEQ (29738) FLAGS ($NoJunk $AutoJunk $MDNSent))\r\n";

// The session: answers with the RFC examples above and records every
// command line without its tag.
void serve_qresync(ScriptedSession& s, std::vector<std::string>& received) {
    if (!s.send("* OK [CAPABILITY " + qresync_caps + "] scripted\r\n")) {
        return;
    }
    ScriptedSession::Command command;
    while (s.read_command(command)) {
        const auto& [line, tag, rest, verb] = command;
        received.push_back(rest);
        std::string answer;
        std::string completion = "OK done";
        if (verb == "AUTHENTICATE") {
            completion = "OK [CAPABILITY " + qresync_caps + "] logged in";
        } else if (verb == "CAPABILITY") {
            answer = "* CAPABILITY " + qresync_caps + "\r\n";
        } else if (verb == "LIST") {
            answer = "* LIST (\\Noselect) \"/\" \"\"\r\n";
        } else if (verb == "ENABLE") {
            answer = "* ENABLED QRESYNC CONDSTORE\r\n";
        } else if (verb == "SELECT" && rest.find("QRESYNC") == std::string::npos) {
            answer = plain_select;
            completion = "OK [READ-WRITE] selected";
        } else if (verb == "SELECT" && rest.find("\"INBOX\"") != std::string::npos) {
            answer = qresync_select;
            completion = "OK [READ-WRITE] mailbox selected";
        } else if (verb == "SELECT") {
            answer = nomodseq_select;
            completion = "OK [READ-WRITE] selected";
        } else if (verb == "UID") {
            answer = changes_fetch;
        } else if (verb == "IDLE") {
            // Another session expunged two messages (RFC 7162 §3.2.10.2).
            std::string done;
            if (!s.send("+ idling\r\n* VANISHED 117,119\r\n") || !s.read_line(done)) {
                return;
            }
            received.push_back(done);
        } else if (verb == "LOGOUT") {
            answer = "* BYE scripted server done\r\n";
        }
        if (!s.send(answer + tag + " " + completion + "\r\n") || verb == "LOGOUT") {
            return;
        }
    }
}

TEST(ImapClientQresync, RfcExamplesOverOneSession) {
    std::vector<std::string> received;
    ScriptedServer server([&](ScriptedSession& s) { serve_qresync(s, received); });
    auto body = [&]() -> asio::awaitable<void> {
        auto client =
            co_await imap::Client::connect(loopback_client_options(server.port(), "u", "p"));
        CO_REQUIRE(client, client.error().message);
        auto& c = **client;
        EXPECT_TRUE(c.qresync_enabled());
        EXPECT_TRUE(c.condstore_enabled());

        auto plain = co_await c.select("INBOX", false);
        CO_REQUIRE(plain, plain.error().message);
        EXPECT_EQ(plain->qresync, imap::QresyncOutcome::not_requested);
        EXPECT_EQ(plain->exists, 100u);

        imap::QresyncParams known{67890007, 90060115194045000, {{41, 211}, {214, 541}}};
        auto state = co_await c.select("INBOX", false, known);
        CO_REQUIRE(state, state.error().message);
        EXPECT_EQ(state->qresync, imap::QresyncOutcome::applied);
        EXPECT_EQ(state->exists, 100u);
        EXPECT_EQ(state->uidnext, 600u);
        EXPECT_EQ(state->highest_modseq, 90060115205545359u);
        // UID 9 and its FETCH came before [CLOSED]: the previous mailbox's.
        EXPECT_EQ(state->vanished,
                  (imap::UidRanges{{41, 41}, {43, 116}, {118, 118}, {120, 211}, {214, 540}}));
        const std::vector<imap::MessageChange> changed{
            {117, {"\\Seen", "\\Answered"}, 90060115194045001},
            {119, {"\\Draft", "$MDNSent"}, 90060115194045308},
            {541, {"\\Seen", "$Forwarded"}, 90060115194045001},
        };
        EXPECT_EQ(state->changed, changed);

        auto idle = co_await c.idle(std::chrono::seconds(10));
        CO_REQUIRE(idle, idle.error().message);
        EXPECT_EQ(idle->vanished, (imap::UidRanges{{117, 117}, {119, 119}}));
        EXPECT_EQ(idle->expunged, 2u);

        auto changes = co_await c.fetch_changes("300:500", 12345);
        CO_REQUIRE(changes, changes.error().message);
        EXPECT_EQ(changes->vanished, (imap::UidRanges{{300, 310}, {405, 405}, {411, 411}}));
        const std::vector<imap::MessageChange> fetched{
            {404, {"\\Seen"}, 65402},
            {406, {"\\Deleted"}, 75403},
            {408, {"$NoJunk", "$AutoJunk", "$MDNSent"}, 29738},
        };
        EXPECT_EQ(changes->changed, fetched);

        auto other = co_await c.select("Other", false, known);
        CO_REQUIRE(other, other.error().message);
        EXPECT_EQ(other->qresync, imap::QresyncOutcome::unavailable);
        EXPECT_FALSE(other->highest_modseq);
        EXPECT_TRUE(other->vanished.empty());
        EXPECT_TRUE(other->changed.empty());
        co_await c.logout();
    };
    run_coroutine(body);
    const std::vector<std::string> expected{
        "AUTHENTICATE PLAIN AHUAcA==",
        "ENABLE QRESYNC CONDSTORE",
        "LIST \"\" \"\"",
        "SELECT \"INBOX\"",
        "SELECT \"INBOX\" (QRESYNC (67890007 90060115194045000 41:211,214:541))",
        "IDLE",
        "DONE",
        "UID FETCH 300:500 (UID FLAGS MODSEQ) (CHANGEDSINCE 12345 VANISHED)",
        "SELECT \"Other\" (QRESYNC (67890007 90060115194045000 41:211,214:541))",
        "LOGOUT",
    };
    server.finish();
    EXPECT_EQ(received, expected);
}

TEST(ImapClientQresync, TestServerWithoutQresyncNeverGetsTheParameter) {
    ImapClientServer server;
    server.seed("u", "INBOX", {{make_message("one", 300), {}, {}}});
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(server.options());
        CO_REQUIRE(client, client.error().message);
        auto& c = **client;
        EXPECT_FALSE(c.has_capability("QRESYNC"));
        EXPECT_FALSE(c.qresync_enabled());
        EXPECT_TRUE(c.condstore_enabled());
        auto plain = co_await c.select("INBOX", false);
        CO_REQUIRE(plain, plain.error().message);
        // A server without QRESYNC would answer the parameter with BAD.
        imap::QresyncParams known{plain->uidvalidity, 1, {}};
        auto state = co_await c.select("INBOX", false, known);
        CO_REQUIRE(state, state.error().message);
        EXPECT_EQ(state->qresync, imap::QresyncOutcome::unavailable);
        EXPECT_EQ(state->exists, 1u);
        auto changes = co_await c.fetch_changes("1:*", 1);
        CO_REQUIRE(!changes, "fetch_changes without QRESYNC succeeded");
        EXPECT_EQ(changes.error().code, imap::client_error::not_supported);
        EXPECT_TRUE(c.is_open());
        co_await c.logout();
    };
    run_coroutine(body);
}

// For examine_changes(): EXAMINE "Other" opens a mailbox without
// modseqs, whose CHANGEDSINCE fetch is answered BAD; EXAMINE "INBOX" one
// whose fetch brings a newer HIGHESTMODSEQ along (a QRESYNC server may send
// one at any time, RFC 7162 §3.2) with one changed message. Every command
// line is recorded without its tag.
void serve_examine(ScriptedSession& s, std::vector<std::string>& received) {
    if (!s.send("* OK [CAPABILITY " + qresync_caps + "] scripted\r\n")) {
        return;
    }
    std::string examined;
    ScriptedSession::Command command;
    while (s.read_command(command)) {
        const auto& [line, tag, rest, verb] = command;
        received.push_back(rest);
        std::string reply = tag + " OK done\r\n";
        if (verb == "AUTHENTICATE") {
            reply = tag + " OK [CAPABILITY " + qresync_caps + "] logged in\r\n";
        } else if (verb == "ENABLE") {
            reply = "* ENABLED QRESYNC CONDSTORE\r\n" + reply;
        } else if (verb == "LIST") {
            reply = "* LIST (\\Noselect) \"/\" \"\"\r\n" + reply;
        } else if (verb == "EXAMINE") {
            examined = rest;
            reply = (rest.find("Other") != std::string::npos ? nomodseq_select : plain_select) +
                    tag + " OK [READ-ONLY] examined\r\n";
        } else if (verb == "UID" && examined.find("Other") != std::string::npos) {
            reply = tag + " BAD no mod-sequences here\r\n";
        } else if (verb == "UID") {
            reply =
                "* OK [HIGHESTMODSEQ 90060115205545400] changed meanwhile\r\n"
                "* 7 FETCH (UID 517 FLAGS (\\Seen) RFC822.SIZE 120 MODSEQ "
                "(90060115205545300))\r\n" +
                reply;
        } else if (verb == "LOGOUT") {
            s.send("* BYE done\r\n" + reply);
            return;
        }
        if (!s.send(reply)) {
            return;
        }
    }
}

// What examine_changes(`mailbox`, `modseq`, with the UID sets) gets from
// serve_examine(), whether the session is still open after it, and every
// command the server received (the session logs out at the end).
struct ScriptedExamine {
    std::optional<imap::ClientResult<imap::ChangedSince>> found;
    bool open_after = false;
    std::vector<std::string> received;
};

ScriptedExamine examine_on_scripted_server(const std::string& mailbox, std::uint64_t modseq) {
    ScriptedExamine out;
    ScriptedServer server([&](ScriptedSession& s) { serve_examine(s, out.received); });
    auto body = [&]() -> asio::awaitable<void> {
        auto client =
            co_await imap::Client::connect(loopback_client_options(server.port(), "u", "p"));
        CO_REQUIRE(client, client.error().message);
        auto& c = **client;
        out.found = co_await c.examine_changes(mailbox, modseq, true);
        out.open_after = c.is_open();
        co_await c.logout();
    };
    run_coroutine(body);
    server.finish();
    return out;
}

// The CHANGEDSINCE fetch examine_changes() sends with EXAMINE means nothing
// in a mailbox without mod-sequences (NOMODSEQ), whose server may answer it
// with BAD: no error, the caller learns the server cannot tell.
TEST(ImapClientQresync, ExamineChangesOfAMailboxWithoutModseqsIsNoError) {
    const ScriptedExamine run = examine_on_scripted_server("Other", 5);
    ASSERT_TRUE(run.found);
    const auto& found = *run.found;
    ASSERT_TRUE(found) << found.error().message;
    EXPECT_FALSE(found->state.highest_modseq);
    EXPECT_EQ(found->state.exists, 2u);
    EXPECT_TRUE(found->changed.empty());
    EXPECT_FALSE(found->inventory) << "asked without ESEARCH";
    EXPECT_TRUE(run.open_after);
    const std::vector<std::string> expected{
        "AUTHENTICATE PLAIN AHUAcA==",
        "ENABLE QRESYNC CONDSTORE",
        "LIST \"\" \"\"",
        "EXAMINE \"Other\"",
        "UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE MODSEQ "
        "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]) (CHANGEDSINCE 5)",
        "LOGOUT",
    };
    EXPECT_EQ(run.received, expected);
}

// The mod-sequence examine_changes() reports is the one the mailbox opened
// with: a newer HIGHESTMODSEQ arriving during the fetch would vouch for
// changes the fetch did not return (the next run asks from it).
TEST(ImapClientQresync, ExamineChangesKeepsTheModseqTheMailboxOpenedWith) {
    const ScriptedExamine run = examine_on_scripted_server("INBOX", 90060115205545000);
    ASSERT_TRUE(run.found);
    const auto& found = *run.found;
    ASSERT_TRUE(found) << found.error().message;
    EXPECT_EQ(found->state.highest_modseq, 90060115205545359u);
    EXPECT_EQ(found->state.uidvalidity, 67890007u);
    ASSERT_EQ(found->changed.size(), 1u);
    EXPECT_EQ(found->changed[0].uid, 517u);
    EXPECT_EQ(found->changed[0].size, 120u);
}

// A mailbox that cannot be opened fails examine_changes() with EXAMINE's own
// answer (the fetch sent with it fails too, with nothing selected), and the
// session goes on.
TEST(ImapClientQresync, ExamineChangesOfAMissingMailboxFailsWithExaminesAnswer) {
    ImapClientServer server;
    server.seed("u", "INBOX", {{make_message("one", 300), {}, {}}});
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(server.options());
        CO_REQUIRE(client, client.error().message);
        auto& c = **client;
        CO_REQUIRE(co_await c.select("INBOX", true), "EXAMINE INBOX failed");
        auto found = co_await c.examine_changes("Nowhere", 1, true);
        CO_REQUIRE(!found, "a missing mailbox was examined");
        EXPECT_EQ(found.error().code, imap::client_error::command_failed);
        EXPECT_NE(found.error().message.find("EXAMINE Nowhere"), std::string::npos)
            << found.error().message;
        EXPECT_FALSE(c.selection());
        EXPECT_TRUE(c.is_open());
        auto inbox = co_await c.examine_changes("INBOX", 1, true);
        CO_REQUIRE(inbox, inbox.error().message);
        EXPECT_EQ(inbox->state.exists, 1u);
        EXPECT_EQ(inbox->changed.size(), 1u) << "the message is newer than mod-sequence 1";
        EXPECT_FALSE(inbox->inventory) << "the test server has no ESEARCH";
        co_await c.logout();
    };
    run_coroutine(body);
}

}  // namespace
