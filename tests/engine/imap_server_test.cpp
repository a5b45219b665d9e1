// The IMAP server session against scripted exchanges (in the manner of
// Dovecot's imaptest): connection states, authentication, mailbox commands,
// APPEND, and the protocol limits. Message commands are in
// imap_server_messages_test.cpp.

#include "tests/engine/imap_server_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

namespace mailferry::test {
namespace {

using Lines = std::vector<std::string>;

const std::string capabilities_before_login =
    "IMAP4rev1 STARTTLS AUTH=PLAIN AUTH=XOAUTH2 SASL-IR LITERAL+ ID ENABLE IDLE NAMESPACE "
    "UIDPLUS MOVE UNSELECT CHILDREN SPECIAL-USE CONDSTORE MULTIAPPEND STATUS=SIZE LIST-STATUS "
    "APPENDLIMIT=67108864";
const std::string capabilities_after_login =
    "IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE NAMESPACE UIDPLUS MOVE UNSELECT CHILDREN "
    "SPECIAL-USE CONDSTORE MULTIAPPEND STATUS=SIZE LIST-STATUS APPENDLIMIT=67108864";

TEST(ImapServer, GreetsWithCapabilitiesAndAnswersCapability) {
    ImapServer server;
    ImapTestClient client(server.port());
    EXPECT_EQ(client.response(), "* OK [CAPABILITY " + capabilities_before_login +
                                     "] mailferry IMAP4rev1 test server ready");
    EXPECT_EQ(client.command("a1", "CAPABILITY"),
              (Lines{"* CAPABILITY " + capabilities_before_login, "a1 OK CAPABILITY completed"}));
    EXPECT_EQ(client.command("a2", "NOOP"), (Lines{"a2 OK NOOP completed"}));
    EXPECT_EQ(
        client.command("a3", "LOGOUT"),
        (Lines{"* BYE mailferry IMAP4rev1 test server logging out", "a3 OK LOGOUT completed"}));
    EXPECT_TRUE(client.closed_by_server());
}

TEST(ImapServer, LoginSucceedsAndChangesCapabilities) {
    ImapServer server;
    ImapTestClient client(server.port());
    client.response();
    EXPECT_EQ(client.command("a1", "LOGIN alice wonderland"),
              (Lines{"a1 OK [CAPABILITY " + capabilities_after_login + "] Logged in"}));
    EXPECT_EQ(client.command("a2", "CAPABILITY"),
              (Lines{"* CAPABILITY " + capabilities_after_login, "a2 OK CAPABILITY completed"}));
    EXPECT_EQ(client.command("a3", "LOGIN alice wonderland"),
              (Lines{"a3 BAD Already authenticated"}));
}

TEST(ImapServer, LoginAcceptsQuotedAndLiteralStrings) {
    ImapServer server;
    ImapTestClient client(server.port());
    client.response();
    client.send("a1 LOGIN \"alice\" {10}\r\n");
    EXPECT_EQ(client.response(), "+ Ready for literal data");
    client.send("wonderland\r\n");
    auto lines = client.until_tagged("a1");
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].rfind("a1 OK [CAPABILITY", 0), 0u);
}

TEST(ImapServer, FailedLoginsEndInByeAfterTheLimit) {
    ImapServer server;
    ImapTestClient client(server.port());
    client.response();
    EXPECT_EQ(client.command("a1", "LOGIN alice wrong"),
              (Lines{"a1 NO [AUTHENTICATIONFAILED] Invalid credentials"}));
    EXPECT_EQ(client.command("a2", "LOGIN nobody wrong"),
              (Lines{"a2 NO [AUTHENTICATIONFAILED] Invalid credentials"}));
    EXPECT_EQ(client.command("a3", "LOGIN alice wrong"),
              (Lines{"* BYE Too many failed logins",
                     "a3 NO [AUTHENTICATIONFAILED] Invalid credentials"}));
    EXPECT_TRUE(client.closed_by_server());
}

TEST(ImapServer, AuthenticatePlainWithAndWithoutInitialResponse) {
    ImapServer server;
    {
        ImapTestClient client(server.port());
        client.response();
        // "\0alice\0wonderland"
        auto lines = client.command("a1", "AUTHENTICATE PLAIN AGFsaWNlAHdvbmRlcmxhbmQ=");
        ASSERT_EQ(lines.size(), 1u);
        EXPECT_EQ(lines[0].rfind("a1 OK [CAPABILITY IMAP4rev1 SASL-IR", 0), 0u);
    }
    {
        ImapTestClient client(server.port());
        client.response();
        client.send("a1 AUTHENTICATE PLAIN\r\n");
        EXPECT_EQ(client.response(), "+ ");
        client.send("AGFsaWNlAHdvbmRlcmxhbmQ=\r\n");
        auto lines = client.until_tagged("a1");
        ASSERT_EQ(lines.size(), 1u);
        EXPECT_EQ(lines[0].rfind("a1 OK", 0), 0u);
    }
    {
        ImapTestClient client(server.port());
        client.response();
        client.send("a1 AUTHENTICATE PLAIN\r\n");
        EXPECT_EQ(client.response(), "+ ");
        client.send("*\r\n");
        EXPECT_EQ(client.until_tagged("a1"), (Lines{"a1 BAD Authentication cancelled"}));
        EXPECT_EQ(client.command("a2", "AUTHENTICATE PLAIN AGFsaWNlAHdyb25n"),
                  (Lines{"a2 NO [AUTHENTICATIONFAILED] Invalid credentials"}));
    }
}

TEST(ImapServer, CommandsInTheWrongStateAreBad) {
    ImapServer server;
    ImapTestClient client(server.port());
    client.response();
    EXPECT_EQ(client.command("a1", "SELECT INBOX"),
              (Lines{"a1 BAD Command not valid before LOGIN"}));
    EXPECT_EQ(client.command("a2", "FETCH 1 FLAGS"), (Lines{"a2 BAD No mailbox selected"}));
    EXPECT_EQ(client.command("a3", "FROBNICATE"), (Lines{"a3 BAD Unknown command FROBNICATE"}));
    client.command("a4", "LOGIN alice wonderland");
    EXPECT_EQ(client.command("a5", "EXPUNGE"), (Lines{"a5 BAD No mailbox selected"}));
    EXPECT_EQ(client.command("a6", "UID FETCH 1 FLAGS"), (Lines{"a6 BAD No mailbox selected"}));
}

TEST(ImapServer, SelectReportsTheMailboxState) {
    ImapServer server;
    server.call([](testserver::MailStore& store) {
        std::vector<testserver::MailStore::NewMessage> messages;
        messages.push_back({make_message("one", "1\r\n"), {"\\Seen"}, {}});
        messages.push_back({make_message("two", "2\r\n"), {}, {}});
        return store.append("alice", "INBOX", std::move(messages)).error;
    });
    auto uidvalidity = server.call(
        [](testserver::MailStore& store) { return store.mailbox("alice", "INBOX")->uidvalidity; });
    auto client = logged_in_client(server);
    const auto v = std::to_string(uidvalidity);
    EXPECT_EQ(
        client->command("a1", "SELECT inbox"),
        (Lines{"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)", "* 2 EXISTS",
               "* 2 RECENT", "* OK [UNSEEN 2] First unseen",
               "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] "
               "Flags permitted",
               "* OK [UIDVALIDITY " + v + "] UIDs valid", "* OK [UIDNEXT 3] Predicted next UID",
               "* OK [HIGHESTMODSEQ 3] Highest", "a1 OK [READ-WRITE] SELECT completed"}));
    // \Recent belongs to the first session that selected the mailbox.
    auto other = logged_in_client(server);
    auto lines = other->command("b1", "EXAMINE INBOX");
    EXPECT_EQ(lines[2], "* 0 RECENT");
    EXPECT_EQ(lines[4], "* OK [PERMANENTFLAGS ()] Read-only mailbox");
    EXPECT_EQ(lines.back(), "b1 OK [READ-ONLY] EXAMINE completed");
    EXPECT_EQ(client->command("a2", "SELECT Nonexistent"),
              (Lines{"a2 NO [NONEXISTENT] No such mailbox"}));
    EXPECT_EQ(client->command("a3", "FETCH 1 FLAGS"), (Lines{"a3 BAD No mailbox selected"}));
}

TEST(ImapServer, ListShowsHierarchySpecialUseAndDelimiter) {
    ImapServer server;
    auto client = logged_in_client(server);
    EXPECT_EQ(client->command("a1", "LIST \"\" \"\""),
              (Lines{"* LIST (\\Noselect) \"/\" \"\"", "a1 OK LIST completed"}));
    EXPECT_EQ(client->command("a2", "CREATE Projects/2024/"), (Lines{"a2 OK CREATE completed"}));
    EXPECT_EQ(client->command("a3", "LIST \"\" *"),
              (Lines{"* LIST (\\HasNoChildren) \"/\" INBOX",
                     "* LIST (\\HasNoChildren \\Archive) \"/\" Archive",
                     "* LIST (\\HasNoChildren \\Drafts) \"/\" Drafts",
                     "* LIST (\\HasNoChildren \\Junk) \"/\" Junk",
                     "* LIST (\\HasChildren) \"/\" Projects",
                     "* LIST (\\HasNoChildren) \"/\" Projects/2024",
                     "* LIST (\\HasNoChildren \\Sent) \"/\" Sent",
                     "* LIST (\\HasNoChildren \\Trash) \"/\" Trash", "a3 OK LIST completed"}));
    EXPECT_EQ(client->command("a4", "LIST Projects/ %"),
              (Lines{"* LIST (\\HasNoChildren) \"/\" Projects/2024", "a4 OK LIST completed"}));
    EXPECT_EQ(client->command("a5", "LIST \"\" %"),
              (Lines{"* LIST (\\HasNoChildren) \"/\" INBOX",
                     "* LIST (\\HasNoChildren \\Archive) \"/\" Archive",
                     "* LIST (\\HasNoChildren \\Drafts) \"/\" Drafts",
                     "* LIST (\\HasNoChildren \\Junk) \"/\" Junk",
                     "* LIST (\\HasChildren) \"/\" Projects",
                     "* LIST (\\HasNoChildren \\Sent) \"/\" Sent",
                     "* LIST (\\HasNoChildren \\Trash) \"/\" Trash", "a5 OK LIST completed"}));
    EXPECT_EQ(client->command("a6", "LIST \"\" inBox"),
              (Lines{"* LIST (\\HasNoChildren) \"/\" INBOX", "a6 OK LIST completed"}));
    EXPECT_EQ(client->command("a7", "LIST (SPECIAL-USE) \"\" *"),
              (Lines{"* LIST (\\HasNoChildren \\Archive) \"/\" Archive",
                     "* LIST (\\HasNoChildren \\Drafts) \"/\" Drafts",
                     "* LIST (\\HasNoChildren \\Junk) \"/\" Junk",
                     "* LIST (\\HasNoChildren \\Sent) \"/\" Sent",
                     "* LIST (\\HasNoChildren \\Trash) \"/\" Trash", "a7 OK LIST completed"}));
    EXPECT_EQ(client->command("a8", "LIST \"\" Sent RETURN (SPECIAL-USE)"),
              (Lines{"* LIST (\\HasNoChildren \\Sent) \"/\" Sent", "a8 OK LIST completed"}));
    EXPECT_EQ(client->command("a9", "LSUB \"\" P*"), (Lines{"a9 OK LSUB completed"}));
    EXPECT_EQ(client->command("b1", "SUBSCRIBE Projects"), (Lines{"b1 OK SUBSCRIBE completed"}));
    EXPECT_EQ(client->command("b2", "LSUB \"\" P*"),
              (Lines{"* LSUB (\\HasChildren) \"/\" Projects", "b2 OK LSUB completed"}));
    EXPECT_EQ(client->command("b3", "UNSUBSCRIBE Projects"),
              (Lines{"b3 OK UNSUBSCRIBE completed"}));
    EXPECT_EQ(client->command("b4", "LSUB \"\" P*"), (Lines{"b4 OK LSUB completed"}));
}

// RFC 5819: each selectable mailbox's LIST is followed by its STATUS, with
// the same items and values the STATUS command gives.
TEST(ImapServer, ListReturnStatusFollowsEachListWithItsStatus) {
    ImapServer server;
    auto client = logged_in_client(server);
    EXPECT_EQ(client->command("a1", "CREATE Projects"), (Lines{"a1 OK CREATE completed"}));
    EXPECT_EQ(
        client->command("a2", "LIST \"\" (INBOX P%) RETURN (STATUS (MESSAGES UIDNEXT))"),
        (Lines{"* LIST (\\HasNoChildren) \"/\" INBOX", "* STATUS INBOX (MESSAGES 0 UIDNEXT 1)",
               "* LIST (\\HasNoChildren) \"/\" Projects",
               "* STATUS Projects (MESSAGES 0 UIDNEXT 1)", "a2 OK LIST completed"}));
    const Lines status = client->command("a3", "STATUS Projects (UIDVALIDITY HIGHESTMODSEQ)");
    ASSERT_EQ(status.size(), 2U);
    EXPECT_EQ(
        client->command("a4",
                        "LIST \"\" Projects RETURN (STATUS (UIDVALIDITY HIGHESTMODSEQ) "
                        "SPECIAL-USE)"),
        (Lines{"* LIST (\\HasNoChildren) \"/\" Projects", status[0], "a4 OK LIST completed"}));
    EXPECT_EQ(client->command("a5", "LIST \"\" % RETURN (STATUS ())"),
              (Lines{"a5 BAD The STATUS return option needs a list of items"}));
    EXPECT_EQ(client->command("a6", "LIST \"\" % RETURN (STATUS (BOGUS))"),
              (Lines{"a6 BAD Unknown STATUS item BOGUS"}));
}

TEST(ImapServer, ListPatternWithBracketsMatchingNothingIsAnEmptyOk) {
    ImapServer server;
    auto client = logged_in_client(server);
    EXPECT_EQ(client->command("a1", "LIST \"\" !#$&'+,-.0123456789:;<=>?@^_`|[}%*"),
              (Lines{"a1 OK LIST completed"}));
    EXPECT_EQ(client->command("a2", "LIST \"\" \"!#$&'+,-.0123456789:;<=>?@^_`|[}%*\""),
              (Lines{"a2 OK LIST completed"}));
    EXPECT_EQ(client->command("a3", "CREATE a[b]c"), (Lines{"a3 OK CREATE completed"}));
    EXPECT_EQ(client->command("a4", "LIST \"\" a[%"),
              (Lines{"* LIST (\\HasNoChildren) \"/\" a[b]c", "a4 OK LIST completed"}));
    EXPECT_EQ(client->command("a5", "NOOP"), (Lines{"a5 OK NOOP completed"}));
}

TEST(ImapServer, LsubPercentReturnsAnUnsubscribedParentAsNoselect) {
    ImapServer server;
    auto client = logged_in_client(server);
    client->command("c1", "CREATE parent/child/leaf");
    client->command("s1", "SUBSCRIBE parent/child/leaf");
    EXPECT_EQ(client->command("a1", "LSUB \"\" \"parent/%\""),
              (Lines{"* LSUB (\\Noselect) \"/\" parent/child", "a1 OK LSUB completed"}));
    EXPECT_EQ(client->command("a2", "LSUB \"\" parent/*"),
              (Lines{"* LSUB (\\HasNoChildren) \"/\" parent/child/leaf", "a2 OK LSUB completed"}));
    client->command("s3", "SUBSCRIBE parent/child");
    EXPECT_EQ(client->command("a3", "LSUB \"\" parent/%"),
              (Lines{"* LSUB (\\HasChildren) \"/\" parent/child", "a3 OK LSUB completed"}));
}

TEST(ImapServer, MailboxNamesAreModifiedUtf7) {
    ImapServer server;
    auto client = logged_in_client(server);
    EXPECT_EQ(client->command("a1", "CREATE \"Entw&APw-rfe\""), (Lines{"a1 OK CREATE completed"}));
    EXPECT_EQ(client->command("a2", "LIST \"\" Entw*"),
              (Lines{"* LIST (\\HasNoChildren) \"/\" Entw&APw-rfe", "a2 OK LIST completed"}));
    EXPECT_EQ(client->command("a3", "CREATE \"Bad&Name\""),
              (Lines{"a3 NO [CANNOT] Invalid mailbox name"}));
    EXPECT_EQ(client->command("a4", "CREATE inbox"),
              (Lines{"a4 NO [ALREADYEXISTS] INBOX always exists"}));
    EXPECT_EQ(client->command("a5", "CREATE Sent"),
              (Lines{"a5 NO [ALREADYEXISTS] CREATE: mailbox exists"}));
}

std::string uidvalidity_of(ImapServer& server, const std::string& mailbox) {
    return std::to_string(server.call([&](testserver::MailStore& store) {
        return store.mailbox("alice", mailbox)->uidvalidity;
    }));
}

TEST(ImapServer, RenameDeleteAndStatus) {
    ImapServer server;
    auto client = logged_in_client(server);
    EXPECT_EQ(client->command("a1", "CREATE Old/Sub"), (Lines{"a1 OK CREATE completed"}));
    client->send("a2 APPEND Old {5+}\r\nHello\r\n");
    auto v = uidvalidity_of(server, "Old");
    EXPECT_EQ(client->until_tagged("a2"),
              (Lines{"a2 OK [APPENDUID " + v + " 1] APPEND completed"}));
    EXPECT_EQ(client->command("a3", "STATUS Old (MESSAGES UIDNEXT UIDVALIDITY UNSEEN RECENT)"),
              (Lines{"* STATUS Old (MESSAGES 1 UIDNEXT 2 UIDVALIDITY " + v + " UNSEEN 1 RECENT 1)",
                     "a3 OK STATUS completed"}));
    EXPECT_EQ(client->command("a4", "RENAME Old New"), (Lines{"a4 OK RENAME completed"}));
    EXPECT_EQ(client->command("a5", "LIST \"\" New*"),
              (Lines{"* LIST (\\HasChildren) \"/\" New", "* LIST (\\HasNoChildren) \"/\" New/Sub",
                     "a5 OK LIST completed"}));
    EXPECT_EQ(client->command("a6", "STATUS Old (MESSAGES)"),
              (Lines{"a6 NO [NONEXISTENT] No such mailbox"}));
    EXPECT_EQ(client->command("a7", "DELETE New/Sub"), (Lines{"a7 OK DELETE completed"}));
    EXPECT_EQ(client->command("a8", "DELETE New"), (Lines{"a8 OK DELETE completed"}));
    EXPECT_EQ(client->command("a9", "DELETE INBOX"),
              (Lines{"a9 NO [CANNOT] INBOX cannot be deleted"}));
    EXPECT_EQ(client->command("b1", "DELETE New"),
              (Lines{"b1 NO [NONEXISTENT] DELETE: no such mailbox"}));
    EXPECT_EQ(client->command("b2", "STATUS INBOX (BOGUS)"),
              (Lines{"b2 BAD Unknown STATUS item BOGUS"}));
}

TEST(ImapServer, UidvalidityChangesWhenAMailboxIsRecreated) {
    ImapServer server;
    auto client = logged_in_client(server);
    client->command("a1", "CREATE Box");
    const auto before = uidvalidity_of(server, "Box");
    client->command("a2", "DELETE Box");
    client->command("a3", "CREATE Box");
    const auto after = uidvalidity_of(server, "Box");
    EXPECT_GT(std::stoul(after), std::stoul(before));
    auto lines = client->command("a4", "SELECT Box");
    EXPECT_NE(std::find(lines.begin(), lines.end(), "* OK [UIDVALIDITY " + after + "] UIDs valid"),
              lines.end());
}

TEST(ImapServer, AppendWithSyncLiteralFlagsAndDate) {
    ImapServer server;
    auto client = logged_in_client(server);
    const std::string message = make_message("appended", "Body\r\n");
    client->send("a1 APPEND INBOX (\\Seen \\Flagged) \" 7-Feb-1994 21:52:25 -0800\" {" +
                 std::to_string(message.size()) + "}\r\n");
    EXPECT_EQ(client->response(), "+ Ready for literal data");
    client->send(message + "\r\n");
    const auto v = uidvalidity_of(server, "INBOX");
    EXPECT_EQ(client->until_tagged("a1"),
              (Lines{"a1 OK [APPENDUID " + v + " 1] APPEND completed"}));
    auto stored =
        server.call([](testserver::MailStore& store) { return store.messages("alice", "INBOX"); });
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_EQ(stored[0].flags, (std::vector<std::string>{"\\Flagged", "\\Seen"}));
    EXPECT_EQ(stored[0].internal_date.seconds, 760686745);
    EXPECT_EQ(stored[0].internal_date.offset_minutes, -480);
    EXPECT_EQ(stored[0].size, message.size());
    EXPECT_EQ(client->command("a2", "APPEND Missing {3+}\r\nabc"),
              (Lines{"a2 NO [TRYCREATE] No such mailbox"}));
    EXPECT_EQ(client->command("a3", "APPEND INBOX \"not a date\" {3+}\r\nabc"),
              (Lines{"a3 BAD Invalid date-time in APPEND"}));
}

TEST(ImapServer, LiteralPlusIsReadWithoutContinuation) {
    ImapServer server;
    auto client = logged_in_client(server);
    client->send("a1 APPEND INBOX {5+}\r\n");
    EXPECT_TRUE(client->silent_for(std::chrono::milliseconds(200)));
    client->send("Hello\r\n");
    auto lines = client->until_tagged("a1");
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].rfind("a1 OK [APPENDUID ", 0), 0u);
}

TEST(ImapServer, MultiappendIsAllOrNothingWithOneUidRange) {
    ImapServer server;
    auto client = logged_in_client(server);
    client->command("s", "SELECT INBOX");
    const auto v = uidvalidity_of(server, "INBOX");
    EXPECT_EQ(
        client->command("a1", "APPEND INBOX (\\Seen) {3+}\r\none {3+}\r\ntwo () {5+}\r\nthree"),
        (Lines{"* 3 EXISTS", "* 3 RECENT", "a1 OK [APPENDUID " + v + " 1:3] APPEND completed"}));
    EXPECT_EQ(client->command("a2", "APPEND INBOX {3+}\r\nfou (\\Recent) {3+}\r\nfiv"),
              (Lines{"a2 BAD Invalid flag in APPEND"}));
    EXPECT_EQ(
        server.call([](testserver::MailStore& s) { return s.messages("alice", "INBOX").size(); }),
        3u);
}

TEST(ImapServer, InjectedAppendFaultAnswersServerBug) {
    testserver::FaultPlan faults;
    faults.no_append = 2;
    ImapServer server({}, faults);
    auto client = logged_in_client(server);
    EXPECT_EQ(client->command("a1", "APPEND INBOX {3+}\r\none").back().rfind("a1 OK", 0), 0u);
    EXPECT_EQ(client->command("a2", "APPEND INBOX {3+}\r\ntwo"),
              (Lines{"a2 NO [SERVERBUG] Injected APPEND failure"}));
    EXPECT_EQ(client->command("a3", "APPEND INBOX {5+}\r\nthree").back().rfind("a3 OK", 0), 0u);
}

TEST(ImapServer, NamespaceIdAndEnable) {
    ImapServer server;
    auto client = logged_in_client(server);
    EXPECT_EQ(client->command("a1", "NAMESPACE"),
              (Lines{"* NAMESPACE ((\"\" \"/\")) NIL NIL", "a1 OK NAMESPACE completed"}));
    EXPECT_EQ(client->command("a2", "ID (\"name\" \"test\")"),
              (Lines{"* ID (\"name\" \"mailferry\" \"vendor\" \"mailferry\" \"support-url\" NIL)",
                     "a2 OK ID completed"}));
    EXPECT_EQ(client->command("a3", "ENABLE CONDSTORE X-UNKNOWN"),
              (Lines{"* ENABLED CONDSTORE", "a3 OK ENABLE completed"}));
}

TEST(ImapServer, PipelinedCommandsInOneWriteAreAnsweredInOrder) {
    ImapServer server;
    ImapTestClient client(server.port());
    client.response();
    client.send(
        "p1 LOGIN alice wonderland\r\np2 CREATE Pipe\r\np3 SELECT Pipe\r\np4 NOOP\r\n"
        "p5 LOGOUT\r\n");
    auto lines = client.until_tagged("p1");
    EXPECT_EQ(lines.back().rfind("p1 OK", 0), 0u);
    EXPECT_EQ(client.until_tagged("p2"), (Lines{"p2 OK CREATE completed"}));
    EXPECT_EQ(client.until_tagged("p3").back(), "p3 OK [READ-WRITE] SELECT completed");
    EXPECT_EQ(client.until_tagged("p4"), (Lines{"p4 OK NOOP completed"}));
    EXPECT_EQ(client.until_tagged("p5").back(), "p5 OK LOGOUT completed");
    EXPECT_TRUE(client.closed_by_server());
}

TEST(ImapServer, TooLongLineIsBadAndTheSessionContinues) {
    testserver::ServerLimits limits;
    limits.max_line = 1000;
    ImapServer server(limits);
    auto client = logged_in_client(server);
    client->send("a1 NOOP " + std::string(5000, 'x') + "\r\n");
    auto lines = client->until_tagged("a1");
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0], "a1 BAD line too long");
    EXPECT_EQ(client->command("a2", "NOOP"), (Lines{"a2 OK NOOP completed"}));
}

TEST(ImapServer, TooBigLiteralIsRefused) {
    testserver::ServerLimits limits;
    limits.max_literal = 100;
    ImapServer server(limits);
    auto client = logged_in_client(server);
    // Synchronizing: refused before the client sends it (RFC 7888 §4, RFC 4469 TOOBIG).
    EXPECT_EQ(client->command("a1", "APPEND INBOX {1000}"),
              (Lines{"a1 NO [TOOBIG] literal too big"}));
    EXPECT_EQ(client->command("a2", "NOOP"), (Lines{"a2 OK NOOP completed"}));
    // Non-synchronizing: the stream cannot be resynchronised.
    client->send("a3 APPEND INBOX {1000+}\r\n");
    std::string rest;
    EXPECT_TRUE(client->closed_by_server(&rest));
    EXPECT_EQ(rest.rfind("* BYE ", 0), 0u) << rest;
}

TEST(ImapServer, AutologoutAfterInactivity) {
    testserver::ServerLimits limits;
    limits.imap_autologout = std::chrono::seconds(1);
    ImapServer server(limits);
    auto client = logged_in_client(server);
    std::string rest;
    EXPECT_TRUE(client->closed_by_server(&rest));
    EXPECT_EQ(rest, "* BYE Autologout; idle for too long\r\n");
}

TEST(ImapServer, StartTlsUpgradesAndDropsStartTlsFromCapabilities) {
    ImapServer server;
    ImapTestClient client(server.port());
    client.response();
    // Anything pipelined after STARTTLS in the clear is discarded.
    client.send("t1 STARTTLS\r\nt2 NOOP\r\n");
    EXPECT_EQ(client.response(), "t1 OK Begin TLS negotiation now");
    ASSERT_TRUE(client.start_tls());
    EXPECT_EQ(client.command("t3", "CAPABILITY"),
              (Lines{"* CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 SASL-IR LITERAL+ ID ENABLE "
                     "IDLE NAMESPACE UIDPLUS MOVE UNSELECT CHILDREN SPECIAL-USE CONDSTORE "
                     "MULTIAPPEND STATUS=SIZE LIST-STATUS APPENDLIMIT=67108864",
                     "t3 OK CAPABILITY completed"}));
    EXPECT_EQ(client.command("t4", "STARTTLS"), (Lines{"t4 BAD TLS is already active"}));
    EXPECT_EQ(client.command("t5", "LOGIN alice wonderland").back().rfind("t5 OK", 0), 0u);
}

}  // namespace
}  // namespace mailferry::test
