// imap::ResponseParser: RFC 3501 examples, server transcripts (Dovecot,
// Gmail, Exchange, Courier), literal streaming, limits and malformed input.
// Every case runs the grind: the input fed whole, split at every offset and
// one byte at a time must give the same events.
#include "clients/imap/response_parser.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mailferry::imap {
namespace {

std::string describe_code(const ResponseCode& c) {
    std::string out = "[" + c.name;
    if (!c.args.empty()) {
        out += " " + to_imap_text(c.args);
    } else if (!c.raw_args.empty()) {
        out += " raw:" + c.raw_args;
    }
    return out + "]";
}

std::string describe(const Response& r) {
    std::string out;
    switch (r.kind) {
        case Response::Kind::tagged:
            out = "TAG " + r.tag;
            break;
        case Response::Kind::untagged:
            out = "*";
            break;
        case Response::Kind::continuation:
            out = "+";
            break;
    }
    if (r.is_status()) {
        out += " " + std::string(to_string(r.status));
    }
    if (r.code) {
        out += " " + describe_code(*r.code);
    }
    if (r.is_status() || r.kind == Response::Kind::continuation) {
        out += " text=" + r.text;
    } else {
        out += " " + to_imap_text(r.data);
    }
    return out;
}

std::string fingerprint(const std::string& bytes) {
    if (bytes.size() <= 40) {
        return bytes;
    }
    std::uint64_t h = 1469598103934665603ULL;
    for (char c : bytes) {
        h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    }
    return "fnv:" + std::to_string(h);
}

// Feeds `pieces` in order and returns the events as text; consecutive
// literal chunks are merged, since their boundaries follow the read sizes.
std::vector<std::string> drive(const ParseLimits& limits,
                               const std::vector<std::string_view>& pieces) {
    ResponseParser parser(limits);
    std::vector<std::string> events;
    std::string chunks;
    bool in_chunks = false;
    auto flush = [&] {
        if (in_chunks) {
            events.push_back("chunk " + std::to_string(chunks.size()) + " " + fingerprint(chunks));
            chunks.clear();
            in_chunks = false;
        }
    };
    for (std::string_view in : pieces) {
        while (true) {
            const FeedResult r = parser.feed(in);
            EXPECT_LE(r.consumed, in.size());
            in.remove_prefix(r.consumed);
            if (r.event == Event::need_more) {
                EXPECT_TRUE(in.empty());
                break;
            }
            if (r.event == Event::literal_chunk) {
                chunks.append(r.chunk);
                in_chunks = true;
                continue;
            }
            flush();
            switch (r.event) {
                case Event::response:
                    events.push_back(describe(parser.response()));
                    break;
                case Event::literal_begin: {
                    const LiteralInfo& l = parser.literal();
                    events.push_back("literal_begin " + std::to_string(l.size) + " " + l.response +
                                     " " + (l.message ? std::to_string(*l.message) : "-") + " " +
                                     l.item + (l.uid ? " uid=" + std::to_string(*l.uid) : ""));
                    break;
                }
                case Event::literal_end:
                    events.push_back("literal_end");
                    break;
                case Event::error:
                    events.push_back("error " + parser.error().to_string() + " " +
                                     parser.error_message());
                    return events;
                default:
                    break;
            }
        }
    }
    flush();
    return events;
}

// The grind: whole, every two-way split, one byte at a time.
std::vector<std::string> grind(std::string_view input, const ParseLimits& limits = {}) {
    const std::vector<std::string> whole = drive(limits, {input});
    for (std::size_t cut = 0; cut <= input.size(); ++cut) {
        const auto split = drive(limits, {input.substr(0, cut), input.substr(cut)});
        if (split != whole) {
            ADD_FAILURE() << "split at " << cut << " differs";
            return whole;
        }
    }
    std::vector<std::string_view> bytes;
    for (std::size_t i = 0; i < input.size(); ++i) {
        bytes.push_back(input.substr(i, 1));
    }
    EXPECT_EQ(drive(limits, bytes), whole) << "one byte at a time differs";
    return whole;
}

struct Case {
    const char* name;
    std::string input;
    std::vector<std::string> expected;
};

void run_cases(const std::vector<Case>& cases, const ParseLimits& limits = {}) {
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(grind(c.input, limits), c.expected);
    }
}

TEST(ImapResponseParser, Rfc3501SampleSession) {
    const std::string header(342, 'h');
    run_cases({
        {"§8 greeting and SELECT",
         "* OK IMAP4rev1 Service Ready\r\n"
         "a001 OK LOGIN completed\r\n"
         "* 18 EXISTS\r\n"
         "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
         "* 2 RECENT\r\n"
         "* OK [UNSEEN 17] Message 17 is the first unseen message\r\n"
         "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n"
         "a002 OK [READ-WRITE] SELECT completed\r\n",
         {"* OK text=IMAP4rev1 Service Ready", "TAG a001 OK text=LOGIN completed", "* 18 EXISTS",
          "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)", "* 2 RECENT",
          "* OK [UNSEEN 17] text=Message 17 is the first unseen message",
          "* OK [UIDVALIDITY 3857529045] text=UIDs valid",
          "TAG a002 OK [READ-WRITE] text=SELECT completed"}},
        {"§8 FETCH with ENVELOPE and BODY",
         "* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" "
         "RFC822.SIZE 4286 ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" "
         "\"IMAP4rev1 WG mtg summary and minutes\" "
         "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
         "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
         "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
         "((NIL NIL \"imap\" \"cac.washington.edu\")) "
         "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")"
         "(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL "
         "\"<B27397-0100000@cac.washington.edu>\") "
         "BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92))\r\n"
         "a003 OK FETCH completed\r\n",
         {"* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" "
          "RFC822.SIZE 4286 ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" "
          "\"IMAP4rev1 WG mtg summary and minutes\" "
          "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
          "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
          "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
          "((NIL NIL \"imap\" \"cac.washington.edu\")) "
          "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\") "
          "(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL "
          "\"<B27397-0100000@cac.washington.edu>\") "
          "BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92))",
          "TAG a003 OK text=FETCH completed"}},
        {"§8 BODY[HEADER] literal, STORE, LOGOUT",
         "* 12 FETCH (BODY[HEADER] {342}\r\n" + header +
             ")\r\n"
             "a004 OK FETCH completed\r\n"
             "* 12 FETCH (FLAGS (\\Seen \\Deleted))\r\n"
             "a005 OK +FLAGS completed\r\n"
             "* BYE IMAP4rev1 server logging out\r\n"
             "a006 OK LOGOUT completed\r\n",
         {"* 12 FETCH (BODY[HEADER] {342}" + header + ")", "TAG a004 OK text=FETCH completed",
          "* 12 FETCH (FLAGS (\\Seen \\Deleted))", "TAG a005 OK text=+FLAGS completed",
          "* BYE text=IMAP4rev1 server logging out", "TAG a006 OK text=LOGOUT completed"}},
    });
}

TEST(ImapResponseParser, Rfc3501ResponseExamples) {
    run_cases({
        {"§7.2.2 LIST",
         "* LIST (\\Noselect) \"/\" ~/Mail/foo\r\n",
         {"* LIST (\\Noselect) \"/\" ~/Mail/foo"}},
        {"§7.2.3 LSUB",
         "* LSUB () \".\" #news.comp.mail.misc\r\n",
         {"* LSUB () \".\" #news.comp.mail.misc"}},
        {"§7.2.4 STATUS",
         "* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\r\n",
         {"* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)"}},
        {"§7.2.5 SEARCH", "* SEARCH 2 3 6\r\n", {"* SEARCH 2 3 6"}},
        {"§7.4.1 EXPUNGE", "* 44 EXPUNGE\r\n", {"* 44 EXPUNGE"}},
        {"§7.1.1 PERMANENTFLAGS",
         "* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n",
         {"* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] text=Limited"}},
        {"§7.1.4 PREAUTH",
         "* PREAUTH IMAP4rev1 server logged in as Smith\r\n",
         {"* PREAUTH text=IMAP4rev1 server logged in as Smith"}},
        {"§7.5 continuation",
         "+ Ready for additional command text\r\n",
         {"+ text=Ready for additional command text"}},
        {"§7.1.2 NO with ALERT",
         "A222 NO [ALERT] Disk quota exceeded\r\n",
         {"TAG A222 NO [ALERT] text=Disk quota exceeded"}},
        {"§7.1.3 BAD untagged",
         "* BAD Command line too long\r\n",
         {"* BAD text=Command line too long"}},
        {"§6.3.1 TRYCREATE",
         "A003 NO [TRYCREATE] Mailbox doesn't exist\r\n",
         {"TAG A003 NO [TRYCREATE] text=Mailbox doesn't exist"}},
        {"RFC 4315 APPENDUID",
         "A003 OK [APPENDUID 38505 3955] APPEND completed\r\n",
         {"TAG A003 OK [APPENDUID 38505 3955] text=APPEND completed"}},
        {"RFC 4315 COPYUID",
         "A004 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n",
         {"TAG A004 OK [COPYUID 38505 304,319:320 3956:3958] text=Done"}},
        {"RFC 7162 VANISHED",
         "* VANISHED (EARLIER) 300:310,405,411\r\n",
         {"* VANISHED (EARLIER) 300:310,405,411"}},
        {"RFC 4731 ESEARCH",
         "* ESEARCH (TAG \"A282\") MIN 2 COUNT 3\r\n",
         {"* ESEARCH (TAG \"A282\") MIN 2 COUNT 3"}},
        {"RFC 2342 NAMESPACE",
         "* NAMESPACE ((\"\" \"/\")) NIL ((\"Public Folders/\" \"/\"))\r\n",
         {"* NAMESPACE ((\"\" \"/\")) NIL ((\"Public Folders/\" \"/\"))"}},
        {"RFC 2971 ID",
         "* ID (\"name\" \"Cyrus\" \"version\" \"1.5\")\r\n",
         {"* ID (\"name\" \"Cyrus\" \"version\" \"1.5\")"}},
        {"RFC 5161 ENABLED", "* ENABLED CONDSTORE QRESYNC\r\n", {"* ENABLED CONDSTORE QRESYNC"}},
        {"literal8 (RFC 3516)",
         "* 1 FETCH (BINARY[1] ~{3}\r\nabc)\r\n",
         {"* 1 FETCH (BINARY[1] {3}abc)"}},
        {"zero-length literal", "* 1 FETCH (BODY[] {0}\r\n)\r\n", {"* 1 FETCH (BODY[] {0})"}},
        {"two literals, one line each",
         "* 2 FETCH (BODY[HEADER] {2}\r\nhh BODY[TEXT] {4}\r\nt\r\nt)\r\n",
         {"* 2 FETCH (BODY[HEADER] {2}hh BODY[TEXT] {4}t\r\nt)"}},
    });
}

TEST(ImapResponseParser, DovecotTranscript) {
    run_cases({
        {"greeting with CAPABILITY code",
         "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ "
         "AUTH=PLAIN] Dovecot (Debian) ready.\r\n",
         {"* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ "
          "AUTH=PLAIN] text=Dovecot (Debian) ready."}},
        {"SELECT with CONDSTORE",
         "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded)\r\n"
         "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded \\*)] "
         "Flags permitted.\r\n"
         "* 3 EXISTS\r\n* 0 RECENT\r\n"
         "* OK [UIDVALIDITY 1700000000] UIDs valid\r\n"
         "* OK [UIDNEXT 4] Predicted next UID\r\n"
         "* OK [HIGHESTMODSEQ 7] Highest\r\n"
         "a3 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n",
         {"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded)",
          "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded \\*)] "
          "text=Flags permitted.",
          "* 3 EXISTS", "* 0 RECENT", "* OK [UIDVALIDITY 1700000000] text=UIDs valid",
          "* OK [UIDNEXT 4] text=Predicted next UID", "* OK [HIGHESTMODSEQ 7] text=Highest",
          "TAG a3 OK [READ-WRITE] text=Select completed (0.001 + 0.000 secs)."}},
        {"UID FETCH with MODSEQ",
         "* 1 FETCH (UID 1 MODSEQ (5) FLAGS (\\Seen) RFC822.SIZE 1234 "
         "INTERNALDATE \"01-Jan-2024 10:00:00 +0000\")\r\n"
         "a4 OK Fetch completed (0.001 + 0.000 secs).\r\n",
         {"* 1 FETCH (UID 1 MODSEQ (5) FLAGS (\\Seen) RFC822.SIZE 1234 "
          "INTERNALDATE \"01-Jan-2024 10:00:00 +0000\")",
          "TAG a4 OK text=Fetch completed (0.001 + 0.000 secs)."}},
        {"SEARCH with MODSEQ tail",
         "* SEARCH 2 5 6 (MODSEQ 917162500)\r\n",
         {"* SEARCH 2 5 6 (MODSEQ 917162500)"}},
        {"mailbox name as literal",
         "* LIST (\\HasNoChildren) \".\" {7}\r\nfoo\"bar\r\n",
         {"* LIST (\\HasNoChildren) \".\" {7}foo\"bar"}},
    });
}

TEST(ImapResponseParser, GmailTranscript) {
    run_cases({
        {"greeting",
         "* OK Gimap ready for requests from 192.0.2.1 a1mb123\r\n",
         {"* OK text=Gimap ready for requests from 192.0.2.1 a1mb123"}},
        {"special-use LIST",
         "* LIST (\\HasNoChildren) \"/\" \"INBOX\"\r\n"
         "* LIST (\\HasChildren \\Noselect) \"/\" \"[Gmail]\"\r\n"
         "* LIST (\\HasNoChildren \\Sent) \"/\" \"[Gmail]/Sent Mail\"\r\n"
         "* LIST (\\All \\HasNoChildren) \"/\" \"[Gmail]/All Mail\"\r\n",
         {"* LIST (\\HasNoChildren) \"/\" \"INBOX\"",
          "* LIST (\\HasChildren \\Noselect) \"/\" \"[Gmail]\"",
          "* LIST (\\HasNoChildren \\Sent) \"/\" \"[Gmail]/Sent Mail\"",
          "* LIST (\\All \\HasNoChildren) \"/\" \"[Gmail]/All Mail\""}},
        {"X-GM items in FETCH",
         "* 1 FETCH (X-GM-THRID 1278455344230334865 X-GM-MSGID 1278455344230334865 "
         "X-GM-LABELS (\\Inbox \\Sent Important \"Muy Importante\") UID 4 FLAGS ())\r\n",
         {"* 1 FETCH (X-GM-THRID 1278455344230334865 X-GM-MSGID 1278455344230334865 "
          "X-GM-LABELS (\\Inbox \\Sent Important \"Muy Importante\") UID 4 FLAGS ())"}},
        {"lower-case status and keywords",
         "a5 ok success\r\n* 3 exists\r\n",
         {"TAG a5 OK text=success", "* 3 exists"}},
    });
}

TEST(ImapResponseParser, ExchangeAndCourierQuirks) {
    run_cases({
        {"Exchange greeting",
         "* OK The Microsoft Exchange IMAP4 service is ready.\r\n",
         {"* OK text=The Microsoft Exchange IMAP4 service is ready."}},
        {"Exchange READ-WRITE",
         "a2 OK [READ-WRITE] SELECT completed.\r\n",
         {"TAG a2 OK [READ-WRITE] text=SELECT completed."}},
        {"NIL delimiter and quoted NIL",
         "* LIST (\\HasNoChildren) NIL \"Calendar\"\r\n* LIST () \"/\" \"NIL\"\r\n",
         {"* LIST (\\HasNoChildren) NIL \"Calendar\"", "* LIST () \"/\" \"NIL\""}},
        {"Courier trailing space",
         "* 2 EXISTS \r\n* SEARCH \r\na1 OK done \r\n",
         {"* 2 EXISTS", "* SEARCH", "TAG a1 OK text=done"}},
        {"OK without text",
         "* OK\r\na1 OK\r\n* OK [ALERT]\r\n",
         {"* OK text=", "TAG a1 OK text=", "* OK [ALERT] text="}},
        {"bare LF line ends", "* 1 EXISTS\na1 OK done\n", {"* 1 EXISTS", "TAG a1 OK text=done"}},
        {"bracket without closing is text", "* OK [not a code\r\n", {"* OK text=[not a code"}},
        {"unknown code with free text",
         "* NO [WEIRD some \"text] here\r\n",
         {"* NO [WEIRD raw:some \"text] text=here"}},
        {"code without space before", "* OK[ALERT] x\r\n", {"* OK [ALERT] text=x"}},
        {"text looking like a literal stays text",
         "a1 NO quota {5}\r\n",
         {"TAG a1 NO text=quota {5}"}},
        {"unknown untagged response",
         "* XAPPLEPUSHSERVICE aps-version 2 (x \"y\")\r\n",
         {"* XAPPLEPUSHSERVICE aps-version 2 (x \"y\")"}},
        {"continuation forms",
         "+\r\n+ dGVzdA==\r\n+ [ALERT] hi\r\n",
         {"+ text=", "+ text=dGVzdA==", "+ [ALERT] text=hi"}},
        {"quoted escapes",
         "* LIST () \"/\" \"a\\\"b\\\\c\"\r\n",
         {"* LIST () \"/\" \"a\\\"b\\\\c\""}},
        {"section with header list",
         "* 3 FETCH (BODY[HEADER.FIELDS (DATE FROM)]<0> {4}\r\nabcd)\r\n",
         {"* 3 FETCH (BODY[HEADER.FIELDS (DATE FROM)]<0> {4}abcd)"}},
    });
}

TEST(ImapResponseParser, StreamsLargeLiteralAtEveryBoundary) {
    std::string body;
    for (int i = 0; body.size() < 3000; ++i) {
        body += "line " + std::to_string(i) + " of the message body\r\n";
    }
    const std::string input = "* 7 FETCH (UID 42 BODY[] {" + std::to_string(body.size()) + "}\r\n" +
                              body + " FLAGS (\\Seen))\r\na9 OK done\r\n";
    ParseLimits limits;
    limits.inline_literal_max = 100;
    const auto events = grind(input, limits);
    ASSERT_EQ(events.size(), 5U);
    EXPECT_EQ(events[0], "literal_begin " + std::to_string(body.size()) + " FETCH 7 BODY[] uid=42");
    EXPECT_EQ(events[1], "chunk " + std::to_string(body.size()) + " " + fingerprint(body));
    EXPECT_EQ(events[2], "literal_end");
    EXPECT_EQ(events[3],
              "* 7 FETCH (UID 42 BODY[] {" + std::to_string(body.size()) + "} FLAGS (\\Seen))");
    EXPECT_EQ(events[4], "TAG a9 OK text=done");
}

TEST(ImapResponseParser, StreamsHundredMegabytesWithoutBuffering) {
    ResponseParser parser;  // default limits: 64 KiB inline
    const std::uint64_t size = 100ULL * 1024 * 1024;
    std::string head = "* 1 FETCH (BODY[1] {" + std::to_string(size) + "}\r\n";
    FeedResult r = parser.feed(head);
    ASSERT_EQ(r.event, Event::literal_begin);
    EXPECT_EQ(parser.literal().item, "BODY[1]");
    const std::string block(64 * 1024, 'x');
    std::uint64_t seen = 0;
    while (seen < size) {
        std::string_view in(block);
        if (size - seen < in.size()) {
            in = in.substr(0, static_cast<std::size_t>(size - seen));
        }
        r = parser.feed(in);
        ASSERT_EQ(r.event, Event::literal_chunk);
        ASSERT_EQ(r.consumed, in.size());
        ASSERT_EQ(r.chunk.data(), in.data());  // a view into the input, not a copy
        seen += r.chunk.size();
    }
    EXPECT_EQ(parser.feed(")\r\n").event, Event::literal_end);
    r = parser.feed(")\r\n");
    EXPECT_EQ(r.event, Event::response);
    EXPECT_EQ(parser.response().data.at(2).items.at(1).kind, Value::Kind::streamed_literal);
    EXPECT_EQ(parser.response().data.at(2).items.at(1).number, size);
}

TEST(ImapResponseParser, InlineLiteralThresholdIsInclusive) {
    ParseLimits limits;
    limits.inline_literal_max = 4;
    run_cases({{"at the threshold: inline",
                "* 1 FETCH (BODY[] {4}\r\nabcd)\r\n",
                {"* 1 FETCH (BODY[] {4}abcd)"}},
               {"one above: streamed",
                "* 1 FETCH (BODY[] {5}\r\nabcde)\r\n",
                {"literal_begin 5 FETCH 1 BODY[]", "chunk 5 abcde", "literal_end",
                 "* 1 FETCH (BODY[] {5})"}}},
              limits);
}

TEST(ImapResponseParser, SeveralStreamedLiteralsInOneResponse) {
    ParseLimits limits;
    limits.inline_literal_max = 4;
    run_cases({{"two bodies and a long mailbox name",
                "* 1 FETCH (BODY[1] {5}\r\nabcde BODY[2] {2}\r\nxy BODY[3] {6}\r\nfghijk)\r\n"
                "* LIST () \"/\" {7}\r\nMailbox\r\n",
                {"literal_begin 5 FETCH 1 BODY[1]", "chunk 5 abcde", "literal_end",
                 "literal_begin 6 FETCH 1 BODY[3]", "chunk 6 fghijk", "literal_end",
                 "* 1 FETCH (BODY[1] {5} BODY[2] {2}xy BODY[3] {6})", "literal_begin 7 LIST - ",
                 "chunk 7 Mailbox", "literal_end", "* LIST () \"/\" {7}"}}},
              limits);
}

TEST(ImapResponseParser, StreamedLiteralCarriesTheUidSentBeforeIt) {
    ParseLimits limits;
    limits.inline_literal_max = 4;
    run_cases(
        {{"UID first (Dovecot, Gmail)",
          "* 3 FETCH (UID 17 BODY[] {5}\r\nabcde)\r\n",
          {"literal_begin 5 FETCH 3 BODY[] uid=17", "chunk 5 abcde", "literal_end",
           "* 3 FETCH (UID 17 BODY[] {5})"}},
         {"UID after other items, lower case",
          "* 3 FETCH (FLAGS (\\Seen) RFC822.SIZE 5 uid 4294967295 BODY[] {5}\r\nabcde)\r\n",
          {"literal_begin 5 FETCH 3 BODY[] uid=4294967295", "chunk 5 abcde", "literal_end",
           "* 3 FETCH (FLAGS (\\Seen) RFC822.SIZE 5 uid 4294967295 BODY[] {5})"}},
         {"UID last (RFC 3501 §7.4.2 sets no order): not known yet",
          "* 3 FETCH (BODY[] {5}\r\nabcde UID 17)\r\n",
          {"literal_begin 5 FETCH 3 BODY[]", "chunk 5 abcde", "literal_end",
           "* 3 FETCH (BODY[] {5} UID 17)"}},
         {"UID between two streamed literals: only the second knows it",
          "* 3 FETCH (BODY[1] {5}\r\nabcde UID 9 BODY[2] {6}\r\nfghijk)\r\n",
          {"literal_begin 5 FETCH 3 BODY[1]", "chunk 5 abcde", "literal_end",
           "literal_begin 6 FETCH 3 BODY[2] uid=9", "chunk 6 fghijk", "literal_end",
           "* 3 FETCH (BODY[1] {5} UID 9 BODY[2] {6})"}},
         {"'UID 5' inside an earlier quoted string and inline literal is data",
          "* 3 FETCH (X-A \"x UID 5\" X-B {4}\r\nUID  BODY[] {5}\r\nabcde UID 8)\r\n",
          {"literal_begin 5 FETCH 3 BODY[]", "chunk 5 abcde", "literal_end",
           "* 3 FETCH (X-A \"x UID 5\" X-B {4}UID  BODY[] {5} UID 8)"}},
         {"a quoted \"UID\" followed by a number is a value, not a name",
          "* 3 FETCH (X-A \"UID\" X-B 5 BODY[] {5}\r\nabcde UID 8)\r\n",
          {"literal_begin 5 FETCH 3 BODY[]", "chunk 5 abcde", "literal_end",
           "* 3 FETCH (X-A \"UID\" X-B 5 BODY[] {5} UID 8)"}},
         {"'UID 5' in a nested list or as a value is not the message's UID",
          "* 3 FETCH (X-LIST (UID 5) X-NAME UID 7 BODY[] {5}\r\nabcde UID 8)\r\n",
          {"literal_begin 5 FETCH 3 BODY[]", "chunk 5 abcde", "literal_end",
           "* 3 FETCH (X-LIST (UID 5) X-NAME UID 7 BODY[] {5} UID 8)"}},
         {"a literal nested in a list still sees the top-level UID",
          "* 3 FETCH (UID 11 X-LIST (a {5}\r\nabcde))\r\n",
          {"literal_begin 5 FETCH 3 a uid=11", "chunk 5 abcde", "literal_end",
           "* 3 FETCH (UID 11 X-LIST (a {5}))"}},
         {"UID 0 and UIDs beyond 32 bits are not UIDs (nz-number, RFC 3501 §9)",
          "* 3 FETCH (UID 0 BODY[] {5}\r\nabcde)\r\n"
          "* 4 FETCH (UID 4294967296 BODY[] {5}\r\nabcde)\r\n",
          {"literal_begin 5 FETCH 3 BODY[]", "chunk 5 abcde", "literal_end",
           "* 3 FETCH (UID 0 BODY[] {5})", "literal_begin 5 FETCH 4 BODY[]", "chunk 5 abcde",
           "literal_end", "* 4 FETCH (UID 4294967296 BODY[] {5})"}},
         {"the UID of one response does not carry over to the next",
          "* 3 FETCH (UID 17 BODY[] {5}\r\nabcde)\r\n* 4 FETCH (BODY[] {5}\r\nfghij UID 18)\r\n",
          {"literal_begin 5 FETCH 3 BODY[] uid=17", "chunk 5 abcde", "literal_end",
           "* 3 FETCH (UID 17 BODY[] {5})", "literal_begin 5 FETCH 4 BODY[]", "chunk 5 fghij",
           "literal_end", "* 4 FETCH (BODY[] {5} UID 18)"}},
         {"not a FETCH response: no UID",
          "* 3 XFETCH (UID 17 BODY[] {5}\r\nabcde)\r\n",
          {"literal_begin 5 XFETCH 3 BODY[]", "chunk 5 abcde", "literal_end",
           "* 3 XFETCH (UID 17 BODY[] {5})"}}},
        limits);
}

TEST(ImapResponseParser, LineLengthLimit) {
    ParseLimits limits;
    limits.max_line_length = 20;
    run_cases({{"exactly at the limit", "* OK 456789012345678\r\n", {"* OK text=456789012345678"}},
               {"over the limit",
                "* OK 456789012345678 and more text here\r\n",
                {"error mailferry.imap:2 Server sent invalid input: line longer than 20 bytes: "
                 "\"* OK 456789012345678\"..."}}},
              limits);
}

// A limit above the quoted length (120 octets): the quote is cut, and says
// so, however the overlong line arrived (found by fuzzing: fed whole, a line
// one octet over the limit lost the "...").
TEST(ImapResponseParser, OverlongLineQuoteIsCutTheSameForEveryReadSize) {
    ParseLimits limits;
    limits.max_line_length = 200;
    const std::string text(196, 'a');  // "* OK " + 196 = 201 octets
    run_cases({{"one octet over the limit",
                "* OK " + text + "\r\n",
                {"error mailferry.imap:2 Server sent invalid input: line longer than 200 bytes: "
                 "\"* OK " +
                 text.substr(0, 115) + "\"..."}}},
              limits);
}

TEST(ImapResponseParser, LineLimitAppliesPerLineAroundLiterals) {
    ParseLimits limits;
    limits.max_line_length = 24;
    run_cases({{"lines short, literal long",
                "* 1 FETCH (BODY[] {30}\r\n012345678901234567890123456789)\r\n",
                {"* 1 FETCH (BODY[] {30}012345678901234567890123456789)"}}},
              limits);
}

TEST(ImapResponseParser, NestingDepthLimit) {
    ParseLimits limits;
    limits.max_depth = 3;
    run_cases({{"at the limit", "* X (((a)))\r\n", {"* X (((a)))"}},
               {"too deep",
                "* X ((((a))))\r\n",
                {"error mailferry.imap:3 Server sent invalid input: lists nested deeper "
                 "than 3: \"* X ((((a))))\""}}},
              limits);
}

TEST(ImapResponseParser, LiteralSizeLimit) {
    ParseLimits limits;
    limits.max_literal_size = 100;
    limits.inline_literal_max = 10;
    run_cases(
        {{"at the limit",
          "* 1 FETCH (BODY[] {100}\r\n" + std::string(100, 'b') + ")\r\n",
          {"literal_begin 100 FETCH 1 BODY[]", "chunk 100 " + fingerprint(std::string(100, 'b')),
           "literal_end", "* 1 FETCH (BODY[] {100})"}},
         {"over the limit",
          "* 1 FETCH (BODY[] {101}\r\n",
          {"error mailferry.imap:4 Server sent invalid input: literal of 101 bytes "
           "exceeds the limit of 100: \"* 1 FETCH (BODY[] {101}\""}},
         {"size overflows 64 bits",
          "* 1 FETCH (BODY[] {99999999999999999999999}\r\n",
          {"error mailferry.imap:4 Server sent invalid input: literal size does not fit "
           "in 64 bits: \"* 1 FETCH (BODY[] {99999999999999999999999}\""}}},
        limits);
}

TEST(ImapResponseParser, ResponseSizeLimit) {
    ParseLimits limits;
    limits.max_response_size = 40;
    run_cases({{"inline literals add up",
                "* 1 FETCH (BODY[1] {10}\r\n0123456789 BODY[2] {10}\r\n0123456789)\r\n",
                {"error mailferry.imap:5 Server sent invalid input: response larger than 40 "
                 "bytes: \"* 1 FETCH (BODY[1] {10}\""}}},
              limits);
}

TEST(ImapResponseParser, MalformedInputQuotesTheLine) {
    run_cases({
        {"unknown tagged status",
         "a1 FOO bar\r\n",
         {"error mailferry.imap:1 Server sent invalid input: tagged response with status "
          "'FOO' (expected OK, NO or BAD): \"a1 FOO bar\""}},
        {"tagged BYE",
         "a1 BYE x\r\n",
         {"error mailferry.imap:1 Server sent invalid input: tagged response with status "
          "'BYE' (expected OK, NO or BAD): \"a1 BYE x\""}},
        {"unterminated list",
         "* 1 FETCH (UID 1\r\n",
         {"error mailferry.imap:1 Server sent invalid input: unterminated list: "
          "\"* 1 FETCH (UID 1\""}},
        {"unterminated quote",
         "* LIST () \"/ INBOX\r\n",
         {"error mailferry.imap:1 Server sent invalid input: unterminated quoted string: "
          "\"* LIST () \"/ INBOX\""}},
        {"stray parenthesis",
         "* 1 FETCH (UID 1))\r\n",
         {"error mailferry.imap:1 Server sent invalid input: unexpected ')': "
          "\"* 1 FETCH (UID 1))\""}},
        {"no space after star",
         "*OK hi\r\n",
         {"error mailferry.imap:1 Server sent invalid input: expected a space after '*': "
          "\"*OK hi\""}},
        {"empty line",
         "\r\n",
         {"error mailferry.imap:1 Server sent invalid input: empty line: \"\""}},
        {"tag only",
         "a1\r\n",
         {"error mailferry.imap:1 Server sent invalid input: tagged response without a "
          "status: \"a1\""}},
        {"control character",
         "* X a\x01z\r\n",
         {"error mailferry.imap:1 Server sent invalid input: unexpected control character: "
          "\"* X a\\x01z\""}},
        {"star alone",
         "* \r\n",
         {"error mailferry.imap:1 Server sent invalid input: expected a space after '*': "
          "\"*\""}},
        {"star and spaces before data",
         "*  (\r\n",
         {"error mailferry.imap:1 Server sent invalid input: unterminated list: \"*  (\""}},
        {"responses before the error still arrive",
         "* 1 EXISTS\r\n)\r\n",
         {"* 1 EXISTS", "error mailferry.imap:1 Server sent invalid input: invalid tag: \")\""}},
    });
}

TEST(ImapResponseParser, StaysFailedAfterAnError) {
    ResponseParser parser;
    EXPECT_EQ(parser.feed("a1 WHAT\r\n").event, Event::error);
    const FeedResult r = parser.feed("* 1 EXISTS\r\n");
    EXPECT_EQ(r.event, Event::error);
    EXPECT_EQ(r.consumed, 0U);
    EXPECT_EQ(parser.error(), make_error_code(error::invalid_input));
}

}  // namespace
}  // namespace mailferry::imap
