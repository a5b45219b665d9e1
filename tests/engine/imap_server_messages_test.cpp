// The IMAP server's message commands against scripted exchanges: FETCH,
// STORE, SEARCH, COPY, MOVE, EXPUNGE, and what a second session sees.

#include "tests/engine/imap_server_fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

namespace mailferry::test {
namespace {

using Lines = std::vector<std::string>;
using testserver::MailStore;

// 1 Jul 2003 10:52:37 +0200 as the internal date of seeded messages.
constexpr testserver::InternalDate seeded_date{1057049557, 120};

std::vector<std::uint32_t> seed(ImapServer& server, const std::string& mailbox,
                                const std::vector<std::string>& bodies,
                                const std::vector<std::string>& flags = {}) {
    return server.call([&](MailStore& store) {
        std::vector<MailStore::NewMessage> messages;
        for (const auto& body : bodies) {
            messages.push_back({body, flags, seeded_date});
        }
        return store.append("alice", mailbox, std::move(messages)).uids;
    });
}

std::string uidvalidity_of(ImapServer& server, const std::string& mailbox) {
    return std::to_string(server.call(
        [&](MailStore& store) { return store.mailbox("alice", mailbox)->uidvalidity; }));
}

std::vector<std::string> flags_of(ImapServer& server, const std::string& mailbox, std::size_t i) {
    return server.call(
        [&](MailStore& store) { return store.messages("alice", mailbox).at(i).flags; });
}

const std::string first = make_message("one", "First body\r\n");
const std::string second =
    make_message("two", "Second body\r\nwith a needle\r\n", "X-Tag: blue\r\n");

TEST(ImapServerFetch, ReturnsMetadataItems) {
    ImapServer server;
    seed(server, "INBOX", {first});
    auto client = logged_in_client(server);
    client->command("s", "SELECT INBOX");
    EXPECT_EQ(
        client->command("f1", "FETCH 1 (UID FLAGS INTERNALDATE RFC822.SIZE)"),
        (Lines{"* 1 FETCH (UID 1 FLAGS (\\Recent) INTERNALDATE \" 1-Jul-2003 10:52:37 +0200\" "
               "RFC822.SIZE " +
                   std::to_string(first.size()) + ")",
               "f1 OK FETCH completed"}));
    EXPECT_EQ(client->command("f2", "FETCH 1 ENVELOPE"),
              (Lines{"* 1 FETCH (ENVELOPE (\"Tue, 1 Jul 2003 10:52:37 +0200\" \"one\" "
                     "((\"Alice\" NIL \"alice\" \"example.org\")) "
                     "((\"Alice\" NIL \"alice\" \"example.org\")) "
                     "((\"Alice\" NIL \"alice\" \"example.org\")) "
                     "((\"Bob\" NIL \"bob\" \"example.org\")) NIL NIL NIL \"<one@example.org>\"))",
                     "f2 OK FETCH completed"}));
    EXPECT_EQ(client->command("f3", "FETCH 1 BODY"),
              (Lines{"* 1 FETCH (BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL "
                     "\"7BIT\" 12 1))",
                     "f3 OK FETCH completed"}));
    auto lines = client->command("f4", "FETCH 1 BODYSTRUCTURE");
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(
        lines[0].rfind("* 1 FETCH (BODYSTRUCTURE (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") "
                       "NIL NIL \"7BIT\" 12 1",
                       0),
        0u)
        << lines[0];
    EXPECT_EQ(client->command("f5", "FETCH 1 (MODSEQ)"),
              (Lines{"* 1 FETCH (MODSEQ (2))", "f5 OK FETCH completed"}));
    EXPECT_EQ(client->command("f6", "FETCH 2 FLAGS"), (Lines{"f6 BAD Invalid sequence set"}));
    EXPECT_EQ(client->command("f7", "FETCH 1 BOGUS").back().rfind("f7 BAD ", 0), 0u);
    EXPECT_EQ(client->command("f8", "UID FETCH 1:* FLAGS"),
              (Lines{"* 1 FETCH (UID 1 FLAGS (\\Recent))", "f8 OK UID FETCH completed"}));
    EXPECT_EQ(client->command("f9", "UID FETCH 5 FLAGS"), (Lines{"f9 OK UID FETCH completed"}));
}

TEST(ImapServerFetch, BodySectionsPartialsAndImplicitSeen) {
    ImapServer server;
    seed(server, "INBOX", {first});
    auto client = logged_in_client(server);
    client->command("s", "SELECT INBOX");
    const auto header_end = first.find("\r\n\r\n") + 4;
    const std::string header = first.substr(0, header_end);
    EXPECT_EQ(
        client->command("f1", "FETCH 1 BODY.PEEK[HEADER]"),
        (Lines{"* 1 FETCH (BODY[HEADER] {" + std::to_string(header.size()) + "}\r\n" + header + ")",
               "f1 OK FETCH completed"}));
    EXPECT_EQ(client->command("f2", "FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT)]"),
              (Lines{"* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT)] {16}\r\nSubject: one\r\n\r\n)",
                     "f2 OK FETCH completed"}));
    EXPECT_EQ(client->command("f3", "FETCH 1 BODY.PEEK[]<0.4>"),
              (Lines{"* 1 FETCH (BODY[]<0> {4}\r\nFrom)", "f3 OK FETCH completed"}));
    EXPECT_EQ(client->command("f4", "FETCH 1 BODY.PEEK[]<100000.4>"),
              (Lines{"* 1 FETCH (BODY[]<100000> {0}\r\n)", "f4 OK FETCH completed"}));
    EXPECT_EQ(client->command("f5", "FETCH 1 RFC822.HEADER"),
              (Lines{"* 1 FETCH (RFC822.HEADER {" + std::to_string(header.size()) + "}\r\n" +
                         header + ")",
                     "f5 OK FETCH completed"}));
    EXPECT_TRUE(flags_of(server, "INBOX", 0).empty());
    // A non-PEEK body fetch sets \Seen and reports the new flags (§6.4.5).
    EXPECT_EQ(client->command("f6", "FETCH 1 BODY[TEXT]"),
              (Lines{"* 1 FETCH (BODY[TEXT] {12}\r\nFirst body\r\n FLAGS (\\Seen \\Recent))",
                     "f6 OK FETCH completed"}));
    EXPECT_EQ(flags_of(server, "INBOX", 0), (std::vector<std::string>{"\\Seen"}));
    EXPECT_EQ(client->command("f7", "FETCH 1 RFC822"),
              (Lines{"* 1 FETCH (RFC822 {" + std::to_string(first.size()) + "}\r\n" + first + ")",
                     "f7 OK FETCH completed"}));
    EXPECT_EQ(client->command("f8", "FETCH 1 RFC822.TEXT"),
              (Lines{"* 1 FETCH (RFC822.TEXT {12}\r\nFirst body\r\n)", "f8 OK FETCH completed"}));
}

TEST(ImapServerFetch, ChangedSinceReturnsOnlyNewerMessages) {
    ImapServer server;
    seed(server, "INBOX", {first, second});
    auto client = logged_in_client(server);
    client->command("s", "SELECT INBOX");
    client->command("t", "STORE 2 +FLAGS.SILENT (\\Flagged)");
    EXPECT_EQ(
        client->command("f1", "FETCH 1:* (FLAGS) (CHANGEDSINCE 2)"),
        (Lines{"* 2 FETCH (FLAGS (\\Flagged \\Recent) MODSEQ (4))", "f1 OK FETCH completed"}));
}

TEST(ImapServerFetch, InjectedByeCutsTheFetchAfterOneMessage) {
    testserver::FaultPlan faults;
    faults.bye_in_fetch = 1;
    ImapServer server({}, faults);
    seed(server, "INBOX", {first, second});
    auto client = logged_in_client(server);
    client->command("s", "SELECT INBOX");
    client->send("f1 FETCH 1:* UID\r\n");
    EXPECT_EQ(client->response(), "* 1 FETCH (UID 1)");
    EXPECT_EQ(client->response(), "* BYE Injected fault: connection closed during FETCH");
    EXPECT_TRUE(client->closed_by_server());
}

TEST(ImapServerStore, ChangesFlagsAndReportsThem) {
    ImapServer server;
    seed(server, "INBOX", {first, second});
    auto client = logged_in_client(server);
    client->command("s", "EXAMINE INBOX");
    EXPECT_EQ(client->command("r", "STORE 1 +FLAGS (\\Seen)"),
              (Lines{"r NO Mailbox is read-only"}));
    client->command("s", "SELECT INBOX");
    EXPECT_EQ(client->command("t1", "STORE 1:2 +FLAGS (\\Seen $Label)"),
              (Lines{"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label)",
                     "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label "
                     "\\*)] Flags permitted",
                     "* 1 FETCH (FLAGS ($Label \\Seen \\Recent))",
                     "* 2 FETCH (FLAGS ($Label \\Seen \\Recent))", "t1 OK STORE completed"}));
    EXPECT_EQ(client->command("t2", "STORE 1 -FLAGS.SILENT ($Label)"),
              (Lines{"t2 OK STORE completed"}));
    EXPECT_EQ(
        client->command("t3", "UID STORE 2 FLAGS (\\Answered)"),
        (Lines{"* 2 FETCH (FLAGS (\\Answered \\Recent) UID 2)", "t3 OK UID STORE completed"}));
    EXPECT_EQ(flags_of(server, "INBOX", 0), (std::vector<std::string>{"\\Seen"}));
    EXPECT_EQ(flags_of(server, "INBOX", 1), (std::vector<std::string>{"\\Answered"}));
    EXPECT_EQ(client->command("t4", "STORE 1 BOGUS (\\Seen)"),
              (Lines{"t4 BAD Unknown STORE item"}));
}

TEST(ImapServerStore, NilAndNonAtomFlagsAreBadAndStoreNothing) {
    ImapServer server;
    seed(server, "INBOX", {first});
    auto client = logged_in_client(server);
    client->command("s", "SELECT INBOX");
    EXPECT_EQ(client->command("t1", "STORE 1 +FLAGS (NIL)"), (Lines{"t1 BAD Invalid flag NIL"}));
    EXPECT_EQ(client->command("t2", "STORE 1 +FLAGS nil"), (Lines{"t2 BAD Invalid flag nil"}));
    EXPECT_EQ(client->command("t3", "STORE 1 +FLAGS (a%)"), (Lines{"t3 BAD Invalid flag a%"}));
    EXPECT_EQ(flags_of(server, "INBOX", 0), (std::vector<std::string>{}));
    EXPECT_EQ(client->command("t4", "STORE 1 +FLAGS.SILENT (Nil2)").back(),
              "t4 OK STORE completed");
    EXPECT_EQ(flags_of(server, "INBOX", 0), (std::vector<std::string>{"Nil2"}));
}

TEST(ImapServerStore, UnchangedSinceReportsModifiedMessages) {
    ImapServer server;
    seed(server, "INBOX", {first, second});
    auto client = logged_in_client(server);
    client->command("s", "SELECT INBOX");
    // Message 2 changes after modseq 3, so a conditional store skips it.
    client->command("t0", "STORE 2 +FLAGS.SILENT (\\Draft)");
    EXPECT_EQ(client->command("t1", "STORE 1:2 (UNCHANGEDSINCE 3) +FLAGS (\\Flagged)"),
              (Lines{"* 1 FETCH (FLAGS (\\Flagged \\Recent) MODSEQ (5))",
                     "t1 OK [MODIFIED 2] Conditional STORE failed"}));
}

TEST(ImapServerSearch, EvaluatesKeys) {
    ImapServer server;
    seed(server, "INBOX", {first, second});
    auto client = logged_in_client(server);
    client->command("s", "SELECT INBOX");
    client->command("t", "STORE 2 +FLAGS.SILENT (\\Seen)");
    auto search = [&](const std::string& criteria) {
        auto lines = client->command("q", "SEARCH " + criteria);
        EXPECT_EQ(lines.size(), 2u) << criteria;
        EXPECT_EQ(lines.back(), "q OK SEARCH completed") << criteria;
        return lines.front();
    };
    EXPECT_EQ(search("ALL"), "* SEARCH 1 2");
    EXPECT_EQ(search("SEEN"), "* SEARCH 2");
    EXPECT_EQ(search("UNSEEN"), "* SEARCH 1");
    EXPECT_EQ(search("NEW"), "* SEARCH 1");
    EXPECT_EQ(search("RECENT"), "* SEARCH 1 2");
    EXPECT_EQ(search("OLD"), "* SEARCH");
    EXPECT_EQ(search("SUBJECT TWO"), "* SEARCH 2");
    EXPECT_EQ(search("FROM alice"), "* SEARCH 1 2");
    EXPECT_EQ(search("TO \"bob@example\""), "* SEARCH 1 2");
    EXPECT_EQ(search("HEADER X-Tag BLUE"), "* SEARCH 2");
    EXPECT_EQ(search("HEADER X-Tag \"\""), "* SEARCH 2");
    EXPECT_EQ(search("BODY needle"), "* SEARCH 2");
    EXPECT_EQ(search("BODY Subject"), "* SEARCH");
    EXPECT_EQ(search("TEXT subject"), "* SEARCH 1 2");
    EXPECT_EQ(search("LARGER " + std::to_string(first.size())), "* SEARCH 2");
    EXPECT_EQ(search("SMALLER " + std::to_string(second.size())), "* SEARCH 1");
    EXPECT_EQ(search("ON 1-Jul-2003"), "* SEARCH 1 2");
    EXPECT_EQ(search("BEFORE 1-Jul-2003"), "* SEARCH");
    EXPECT_EQ(search("SINCE 2-Jul-2003"), "* SEARCH");
    EXPECT_EQ(search("SENTON 1-Jul-2003"), "* SEARCH 1 2");
    EXPECT_EQ(search("SENTSINCE 2-Jul-2003"), "* SEARCH");
    EXPECT_EQ(search("NOT 1"), "* SEARCH 2");
    EXPECT_EQ(search("OR 1 SEEN"), "* SEARCH 1 2");
    EXPECT_EQ(search("(UNSEEN SUBJECT one)"), "* SEARCH 1");
    EXPECT_EQ(search("UID 2:*"), "* SEARCH 2");
    EXPECT_EQ(search("MODSEQ 3"), "* SEARCH 2 (MODSEQ 4)");
    EXPECT_EQ(client->command("u", "UID SEARCH SEEN"),
              (Lines{"* SEARCH 2", "u OK UID SEARCH completed"}));
    EXPECT_EQ(client->command("c", "SEARCH CHARSET KOI8-R ALL").back().rfind("c NO [BADCHARSET", 0),
              0u);
    EXPECT_EQ(client->command("b", "SEARCH FROB").back().rfind("b BAD ", 0), 0u);
}

// RFC 3501 §6.4.4: SENT* compare the calendar date as written in Date:,
// whatever its zone makes of it in UTC.
TEST(ImapServerSearch, SentDatesUseTheDateAsWrittenInItsOwnZone) {
    ImapServer server;
    const std::string west =
        "From: a@example.org\r\nDate: Mon, 30 Jun 2003 23:30:00 -0500\r\n"
        "\r\nwest\r\n";
    const std::string east =
        "From: b@example.org\r\nDate: Tue, 1 Jul 2003 01:00:00 +0900\r\n"
        "\r\neast\r\n";
    seed(server, "INBOX", {west, east});
    auto client = logged_in_client(server);
    client->command("s", "SELECT INBOX");
    EXPECT_EQ(client->command("a", "SEARCH SENTON 30-Jun-2003"),
              (Lines{"* SEARCH 1", "a OK SEARCH completed"}));
    EXPECT_EQ(client->command("b", "SEARCH SENTON 1-Jul-2003"),
              (Lines{"* SEARCH 2", "b OK SEARCH completed"}));
    EXPECT_EQ(client->command("c", "SEARCH SENTBEFORE 1-Jul-2003"),
              (Lines{"* SEARCH 1", "c OK SEARCH completed"}));
    EXPECT_EQ(client->command("d", "SEARCH SENTSINCE 1-Jul-2003"),
              (Lines{"* SEARCH 2", "d OK SEARCH completed"}));
}

// RFC 3501 §6.4.4: address keys match the field text, display names and
// RFC 2047 encoded words (decoded) included, case-insensitively.
TEST(ImapServerSearch, AddressKeysMatchDecodedDisplayNames) {
    ImapServer server;
    const std::string message =
        "From: =?UTF-8?Q?J=C3=B6rg_Meyer?= <jm@example.org>\r\n"
        "To: \"Bob Builder\" <bob@example.org>\r\n"
        "Cc: =?ISO-8859-1?B?U/hyZW4=?= <s@example.org>\r\n\r\nbody\r\n";
    seed(server, "INBOX", {message, first});
    auto client = logged_in_client(server);
    client->command("s", "SELECT INBOX");
    EXPECT_EQ(client->command("a", "SEARCH FROM \"g meyer\""),
              (Lines{"* SEARCH 1", "a OK SEARCH completed"}));
    EXPECT_EQ(client->command("b", "SEARCH CHARSET UTF-8 FROM {5+}\r\nJ\xC3\xB6rg"),
              (Lines{"* SEARCH 1", "b OK SEARCH completed"}));
    EXPECT_EQ(client->command("c", "SEARCH TO builder"),
              (Lines{"* SEARCH 1", "c OK SEARCH completed"}));
    EXPECT_EQ(client->command("d", "SEARCH CHARSET UTF-8 CC {6+}\r\nS\xC3\xB8ren"),
              (Lines{"* SEARCH 1", "d OK SEARCH completed"}));
    EXPECT_EQ(client->command("e", "SEARCH FROM jm@EXAMPLE"),
              (Lines{"* SEARCH 1", "e OK SEARCH completed"}));
}

// BEFORE/ON/SINCE: the internal date's calendar day in the server's zone,
// not in the zone the client gave at APPEND.
TEST(ImapServerSearch, InternalDatesUseTheServersZone) {
    const char* saved = std::getenv("TZ");
    const std::string saved_tz = saved ? saved : "";
    ::setenv("TZ", "UTC0", 1);
    ::tzset();
    ImapServer server;
    auto client = logged_in_client(server);
    client->command("a", "APPEND INBOX \"01-Jul-2003 01:00:00 +0200\" {5+}\r\nlate!");
    client->command("s", "SELECT INBOX");
    EXPECT_EQ(client->command("b", "SEARCH ON 30-Jun-2003"),
              (Lines{"* SEARCH 1", "b OK SEARCH completed"}));
    EXPECT_EQ(client->command("c", "SEARCH SINCE 1-Jul-2003"),
              (Lines{"* SEARCH", "c OK SEARCH completed"}));
    ::setenv("TZ", "JST-9", 1);  // 1 Jul 08:00 there
    ::tzset();
    EXPECT_EQ(client->command("d", "SEARCH BEFORE 1-Jul-2003"),
              (Lines{"* SEARCH", "d OK SEARCH completed"}));
    EXPECT_EQ(client->command("e", "SEARCH ON 1-Jul-2003"),
              (Lines{"* SEARCH 1", "e OK SEARCH completed"}));
    if (saved) {
        ::setenv("TZ", saved_tz.c_str(), 1);
    } else {
        ::unsetenv("TZ");
    }
    ::tzset();
}

TEST(ImapServerCopy, CopyAndMoveReportUids) {
    ImapServer server;
    seed(server, "INBOX", {first, second, first});
    auto client = logged_in_client(server);
    client->command("s", "SELECT INBOX");
    const auto trash = uidvalidity_of(server, "Trash");
    EXPECT_EQ(client->command("c1", "COPY 2:3 Trash"),
              (Lines{"c1 OK [COPYUID " + trash + " 2:3 1:2] COPY completed"}));
    EXPECT_EQ(client->command("c2", "COPY 1 Nowhere"),
              (Lines{"c2 NO [TRYCREATE] No such mailbox"}));
    EXPECT_EQ(client->command("m1", "UID MOVE 1,3 Trash"),
              (Lines{"* OK [COPYUID " + trash + " 1,3 3:4] Moved", "* 3 EXPUNGE", "* 1 EXPUNGE",
                     "m1 OK UID MOVE completed"}));
    EXPECT_EQ(client->command("f", "FETCH 1:* UID"),
              (Lines{"* 1 FETCH (UID 2)", "f OK FETCH completed"}));
    EXPECT_EQ(server.call([](MailStore& s) { return s.messages("alice", "Trash").size(); }), 4u);
}

TEST(ImapServerExpunge, NumbersExpungesAndHonoursUidSets) {
    ImapServer server;
    seed(server, "INBOX", {first, first, first, first, first});
    auto client = logged_in_client(server);
    client->command("s", "SELECT INBOX");
    client->command("d", "STORE 2,4,5 +FLAGS.SILENT (\\Deleted)");
    EXPECT_EQ(client->command("x1", "UID EXPUNGE 4:5"),
              (Lines{"* 5 EXPUNGE", "* 4 EXPUNGE", "x1 OK UID EXPUNGE completed"}));
    EXPECT_EQ(client->command("x2", "EXPUNGE"), (Lines{"* 2 EXPUNGE", "x2 OK EXPUNGE completed"}));
    EXPECT_EQ(client->command("f", "FETCH 1:* UID"),
              (Lines{"* 1 FETCH (UID 1)", "* 2 FETCH (UID 3)", "f OK FETCH completed"}));
    client->command("d2", "STORE 1 +FLAGS.SILENT (\\Deleted)");
    EXPECT_EQ(client->command("u", "UNSELECT"), (Lines{"u OK UNSELECT completed"}));
    client->command("s2", "SELECT INBOX");
    EXPECT_EQ(client->command("c", "CLOSE"), (Lines{"c OK CLOSE completed"}));
    EXPECT_EQ(server.call([](MailStore& s) { return s.messages("alice", "INBOX").size(); }), 1u);
}

TEST(ImapServerSessions, SecondSessionSeesChangesAtNoopButNoExpungeDuringFetch) {
    ImapServer server;
    seed(server, "INBOX", {first, second});
    auto one = logged_in_client(server);
    auto two = logged_in_client(server);
    one->command("s", "SELECT INBOX");
    two->command("s", "SELECT INBOX");
    one->command("a", "STORE 1 +FLAGS.SILENT (\\Deleted \\Seen)");
    one->command("b", "EXPUNGE");
    one->command("c", "APPEND INBOX {5+}\r\nthird");
    // FETCH must not renumber: message 1 stays until a NOOP may say EXPUNGE
    // (RFC 3501 §7.4.1); the new message is announced.
    EXPECT_EQ(two->command("f", "FETCH 2 UID"),
              (Lines{"* 2 FETCH (UID 2)", "* 3 EXISTS", "* 0 RECENT", "f OK FETCH completed"}));
    EXPECT_EQ(two->command("n", "NOOP"), (Lines{"* 1 EXPUNGE", "n OK NOOP completed"}));
    one->command("d", "STORE 1 +FLAGS.SILENT (\\Flagged)");
    EXPECT_EQ(two->command("n2", "NOOP"),
              (Lines{"* 1 FETCH (FLAGS (\\Flagged))", "n2 OK NOOP completed"}));
}

// RFC 3501 §7.2.6: a keyword reaches a FETCH response only after a FLAGS
// response (and, read-write, PERMANENTFLAGS) named it, in every session.
TEST(ImapServerSessions, NewKeywordsAreAnnouncedBeforeFetchInEverySession) {
    ImapServer server;
    seed(server, "INBOX", {first}, {"$Old"});
    auto one = logged_in_client(server);
    auto two = logged_in_client(server);
    auto three = logged_in_client(server);
    const std::string system = "\\Answered \\Flagged \\Deleted \\Seen \\Draft";
    auto select = one->command("s", "SELECT INBOX");
    EXPECT_EQ(select.at(0), "* FLAGS (" + system + " $Old)");
    EXPECT_NE(std::find(select.begin(), select.end(),
                        "* OK [PERMANENTFLAGS (" + system + " $Old \\*)] Flags permitted"),
              select.end());
    two->command("s", "SELECT INBOX");
    three->command("s", "EXAMINE INBOX");

    EXPECT_EQ(one->command("a", "STORE 1 +FLAGS.SILENT ($New)"),
              (Lines{"* FLAGS (" + system + " $Old $New)",
                     "* OK [PERMANENTFLAGS (" + system +
                         " $Old $New \\*)] Flags "
                         "permitted",
                     "a OK STORE completed"}));
    EXPECT_EQ(two->command("n", "NOOP"),
              (Lines{"* FLAGS (" + system + " $Old $New)",
                     "* OK [PERMANENTFLAGS (" + system + " $Old $New \\*)] Flags permitted",
                     "* 1 FETCH (FLAGS ($New $Old))", "n OK NOOP completed"}));
    EXPECT_EQ(
        three->command("n", "NOOP"),
        (Lines{"* FLAGS (" + system + " $Old $New)", "* OK [PERMANENTFLAGS ()] Read-only mailbox",
               "* 1 FETCH (FLAGS ($New $Old))", "n OK NOOP completed"}));
    // Known keywords are not announced again; APPEND brings its own.
    EXPECT_EQ(two->command("b", "STORE 1 -FLAGS ($New)"),
              (Lines{"* 1 FETCH (FLAGS ($Old))", "b OK STORE completed"}));
    one->command("c", "APPEND INBOX (Fresh) {5+}\r\nthird");
    EXPECT_EQ(two->command("n2", "NOOP"),
              (Lines{"* FLAGS (" + system + " $Old $New Fresh)",
                     "* OK [PERMANENTFLAGS (" + system + " $Old $New Fresh \\*)] Flags permitted",
                     "* 2 EXISTS", "* 0 RECENT", "n2 OK NOOP completed"}));
    EXPECT_EQ(two->command("f", "FETCH 2 FLAGS"),
              (Lines{"* 2 FETCH (FLAGS (Fresh))", "f OK FETCH completed"}));
}

TEST(ImapServerSessions, IdlePushesUpdatesUntilDone) {
    ImapServer server;
    seed(server, "INBOX", {first});
    auto watcher = logged_in_client(server);
    auto writer = logged_in_client(server);
    watcher->command("s", "SELECT INBOX");
    watcher->send("i IDLE\r\n");
    EXPECT_EQ(watcher->response(), "+ idling");
    writer->command("a", "APPEND INBOX {5+}\r\nhello");
    EXPECT_EQ(watcher->response(), "* 2 EXISTS");
    EXPECT_EQ(watcher->response(), "* 2 RECENT");
    writer->command("s", "SELECT INBOX");
    writer->command("d", "STORE 1 +FLAGS.SILENT (\\Deleted)");
    EXPECT_EQ(watcher->response(), "* 1 FETCH (FLAGS (\\Deleted \\Recent))");
    writer->command("x", "EXPUNGE");
    EXPECT_EQ(watcher->response(), "* 1 EXPUNGE");
    watcher->send("DONE\r\n");
    EXPECT_EQ(watcher->until_tagged("i"), (Lines{"i OK IDLE terminated"}));
    EXPECT_EQ(watcher->command("n", "NOOP"), (Lines{"n OK NOOP completed"}));
}

TEST(ImapServerSessions, IdleIsLoggedOutByTheSameInactivityTimer) {
    testserver::ServerLimits limits;
    limits.imap_autologout = std::chrono::seconds(1);
    ImapServer server(limits);
    auto client = logged_in_client(server);
    client->command("s", "SELECT INBOX");
    client->send("i IDLE\r\n");
    EXPECT_EQ(client->response(), "+ idling");
    std::string rest;
    EXPECT_TRUE(client->closed_by_server(&rest));
    EXPECT_EQ(rest, "* BYE Autologout; idle for too long\r\n");
}

TEST(ImapServerSessions, IdleEndsWithBadOnAnythingButDone) {
    ImapServer server;
    auto client = logged_in_client(server);
    client->send("i IDLE\r\n");
    EXPECT_EQ(client->response(), "+ idling");
    client->send("NOOP\r\n");
    EXPECT_EQ(client->until_tagged("i"), (Lines{"i BAD Expected DONE"}));
    EXPECT_EQ(client->command("n", "NOOP"), (Lines{"n OK NOOP completed"}));
}

TEST(ImapServerSessions, CondstoreAddsModseqToFlagUpdates) {
    ImapServer server;
    seed(server, "INBOX", {first});
    auto one = logged_in_client(server);
    auto two = logged_in_client(server);
    one->command("s", "SELECT INBOX");
    auto lines = two->command("s", "SELECT INBOX (CONDSTORE)");
    EXPECT_EQ(lines.back(), "s OK [READ-WRITE] SELECT completed");
    one->command("t", "STORE 1 +FLAGS.SILENT (\\Answered)");
    EXPECT_EQ(two->command("n", "NOOP"),
              (Lines{"* 1 FETCH (FLAGS (\\Answered) MODSEQ (3))", "n OK NOOP completed"}));
    EXPECT_EQ(one->command("n", "NOOP"), (Lines{"n OK NOOP completed"}));
}

}  // namespace
}  // namespace mailferry::test
