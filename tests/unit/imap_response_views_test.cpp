// Typed views over parsed IMAP responses (imap/response_views.hpp).
#include "clients/imap/response_views.hpp"

#include "clients/imap/response_parser.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mailferry::imap {
namespace {

using Strings = std::vector<std::string>;

// Parses one response fed whole (the parser's grind is in its own test).
Response parse_one(std::string_view text, ParseLimits limits = {}) {
    ResponseParser whole(limits);
    FeedResult r = whole.feed(text);
    while (r.event != Event::response) {
        if (r.event == Event::need_more || r.event == Event::error) {
            ADD_FAILURE() << "no response from: " << text << " " << whole.error_message();
            return {};
        }
        text.remove_prefix(r.consumed);
        r = whole.feed(text);
    }
    EXPECT_EQ(r.consumed, text.size());
    return whole.response();
}

TEST(ImapResponseViews, TaggedStatusWithCodes) {
    const auto s = parse_status(parse_one("a7 OK [APPENDUID 38505 3955] APPEND completed\r\n"));
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->tagged);
    EXPECT_EQ(s->tag, "a7");
    EXPECT_EQ(s->status, Status::ok);
    EXPECT_EQ(s->text, "APPEND completed");
    ASSERT_TRUE(s->code);
    const auto append = parse_appenduid(*s->code);
    ASSERT_TRUE(append);
    EXPECT_EQ(append->uidvalidity, 38505U);
    EXPECT_EQ(append->uids, "3955");

    const auto copy = parse_status(parse_one("a8 OK [COPYUID 38505 304,319:320 3956:3958] ok\r\n"));
    ASSERT_TRUE(copy && copy->code);
    const auto c = parse_copyuid(*copy->code);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->uidvalidity, 38505U);
    EXPECT_EQ(c->source_uids, "304,319:320");
    EXPECT_EQ(c->target_uids, "3956:3958");
    EXPECT_FALSE(parse_appenduid(*copy->code));
}

TEST(ImapResponseViews, UntaggedCodes) {
    const Response validity = parse_one("* OK [UIDVALIDITY 3857529045] UIDs valid\r\n");
    ASSERT_TRUE(validity.code);
    EXPECT_EQ(code_number(*validity.code), 3857529045U);
    const Response modseq = parse_one("* OK [HIGHESTMODSEQ 715194045007] Highest\r\n");
    EXPECT_EQ(code_number(*modseq.code), 715194045007U);
    const Response flags = parse_one("* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n");
    EXPECT_EQ(code_atoms(*flags.code), (Strings{"\\Deleted", "\\Seen", "\\*"}));
    const Response caps = parse_one("* OK [CAPABILITY IMAP4rev1 LITERAL+ AUTH=PLAIN] ready\r\n");
    EXPECT_EQ(caps.code->name, "CAPABILITY");
    EXPECT_EQ(code_atoms(*caps.code), (Strings{"IMAP4rev1", "LITERAL+", "AUTH=PLAIN"}));
    const Response ro = parse_one("a1 OK [read-only] EXAMINE done\r\n");
    EXPECT_EQ(ro.code->name, "READ-ONLY");
    EXPECT_FALSE(code_number(*ro.code));
    const auto bye = parse_status(parse_one("* BYE Autologout; idle for too long\r\n"));
    ASSERT_TRUE(bye);
    EXPECT_FALSE(bye->tagged);
    EXPECT_EQ(bye->status, Status::bye);
}

TEST(ImapResponseViews, Capability) {
    const auto caps =
        parse_capability(parse_one("* CAPABILITY IMAP4rev1 STARTTLS AUTH=GSSAPI "
                                   "LOGINDISABLED\r\n"));
    ASSERT_TRUE(caps);
    EXPECT_EQ(*caps, (Strings{"IMAP4rev1", "STARTTLS", "AUTH=GSSAPI", "LOGINDISABLED"}));
    EXPECT_FALSE(parse_capability(parse_one("* 3 EXISTS\r\n")));
}

TEST(ImapResponseViews, ListAndLsub) {
    const auto gmail =
        parse_list(parse_one("* LIST (\\HasNoChildren \\Sent) \"/\" "
                             "\"[Gmail]/Sent Mail\"\r\n"));
    ASSERT_TRUE(gmail);
    EXPECT_FALSE(gmail->lsub);
    EXPECT_TRUE(gmail->has_attribute("\\sent"));
    EXPECT_EQ(gmail->delimiter, '/');
    EXPECT_EQ(gmail->mailbox, "[Gmail]/Sent Mail");

    const auto flat = parse_list(parse_one("* LIST (\\Noinferiors) NIL INBOX\r\n"));
    ASSERT_TRUE(flat);
    EXPECT_FALSE(flat->delimiter);
    EXPECT_EQ(flat->mailbox, "INBOX");

    const auto literal = parse_list(parse_one("* LSUB () \".\" {8}\r\nTeam \"Q\"\r\n"));
    ASSERT_TRUE(literal);
    EXPECT_TRUE(literal->lsub);
    EXPECT_EQ(literal->mailbox, "Team \"Q\"");

    const auto quoted_nil = parse_list(parse_one("* LIST () \"/\" \"NIL\"\r\n"));
    ASSERT_TRUE(quoted_nil);
    EXPECT_EQ(quoted_nil->mailbox, "NIL");

    const auto extended =
        parse_list(parse_one("* LIST () \"/\" Foo (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n"));
    ASSERT_TRUE(extended);
    EXPECT_EQ(extended->mailbox, "Foo");

    EXPECT_FALSE(parse_list(parse_one("* LIST () \"//\" Foo\r\n")));
    EXPECT_FALSE(parse_list(parse_one("* LIST \\Sent \"/\" Foo\r\n")));
}

TEST(ImapResponseViews, MailboxStatus) {
    const auto s = parse_status_data(
        parse_one("* STATUS \"Sent Items\" (MESSAGES 231 UIDNEXT 44292 UIDVALIDITY 7 UNSEEN 0 "
                  "HIGHESTMODSEQ 90 X-SIZE 100)\r\n"));
    ASSERT_TRUE(s);
    EXPECT_EQ(s->mailbox, "Sent Items");
    EXPECT_EQ(s->messages, 231U);
    EXPECT_EQ(s->uidnext, 44292U);
    EXPECT_EQ(s->uidvalidity, 7U);
    EXPECT_EQ(s->unseen, 0U);
    EXPECT_EQ(s->highestmodseq, 90U);
    EXPECT_FALSE(s->recent);
    EXPECT_EQ(s->items.size(), 6U);
    EXPECT_EQ(s->items.back().first, "X-SIZE");
    EXPECT_FALSE(parse_status_data(parse_one("* STATUS x (MESSAGES)\r\n")));
}

TEST(ImapResponseViews, SearchAndEsearch) {
    const auto plain = parse_search(parse_one("* SEARCH 2 3 6\r\n"));
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->numbers, (std::vector<std::uint32_t>{2, 3, 6}));
    EXPECT_FALSE(plain->modseq);
    const auto empty = parse_search(parse_one("* SEARCH\r\n"));
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->numbers.empty());
    const auto modseq =
        parse_search(parse_one("* SEARCH 2 5 6 7 11 12 18 19 20 23 "
                               "(MODSEQ 917162500)\r\n"));
    ASSERT_TRUE(modseq);
    EXPECT_EQ(modseq->numbers.size(), 10U);
    EXPECT_EQ(modseq->modseq, 917162500U);
    EXPECT_FALSE(parse_search(parse_one("* SEARCH 1 x\r\n")));

    const auto es = parse_esearch(parse_one("* ESEARCH (TAG \"A282\") MIN 2 COUNT 3\r\n"));
    ASSERT_TRUE(es);
    EXPECT_EQ(es->tag, "A282");
    EXPECT_FALSE(es->uid);
    EXPECT_EQ(es->min, 2U);
    EXPECT_EQ(es->count, 3U);
    EXPECT_FALSE(es->max);
    const auto all =
        parse_esearch(parse_one("* ESEARCH (TAG \"A285\") UID MIN 7 MAX 3800 "
                                "ALL 7,8,10:3800\r\n"));
    ASSERT_TRUE(all);
    EXPECT_TRUE(all->uid);
    EXPECT_EQ(all->max, 3800U);
    EXPECT_EQ(all->all, "7,8,10:3800");
    const auto single = parse_esearch(parse_one("* ESEARCH (TAG \"x\") UID ALL 5\r\n"));
    ASSERT_TRUE(single);
    EXPECT_EQ(single->all, "5");
    const auto none = parse_esearch(parse_one("* ESEARCH (TAG \"A284\")\r\n"));
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->count);
    EXPECT_FALSE(parse_esearch(parse_one("* ESEARCH (TAG \"x\") MIN\r\n")));
}

TEST(ImapResponseViews, FlagsCountsAndVanished) {
    EXPECT_EQ(*parse_flags(parse_one("* FLAGS (\\Answered $Junk)\r\n")),
              (Strings{"\\Answered", "$Junk"}));
    const auto exists = parse_message_count(parse_one("* 23 EXISTS\r\n"));
    ASSERT_TRUE(exists);
    EXPECT_EQ(exists->kind, MessageCount::Kind::exists);
    EXPECT_EQ(exists->number, 23U);
    EXPECT_EQ(parse_message_count(parse_one("* 5 recent\r\n"))->kind, MessageCount::Kind::recent);
    EXPECT_EQ(parse_message_count(parse_one("* 44 EXPUNGE\r\n"))->kind,
              MessageCount::Kind::expunge);
    EXPECT_FALSE(parse_message_count(parse_one("* 0 EXPUNGE\r\n")));
    EXPECT_FALSE(parse_message_count(parse_one("* 1 FETCH (UID 1)\r\n")));

    const auto earlier = parse_vanished(parse_one("* VANISHED (EARLIER) 300:310,405,411\r\n"));
    ASSERT_TRUE(earlier);
    EXPECT_TRUE(earlier->earlier);
    EXPECT_EQ(earlier->uids, "300:310,405,411");
    const auto now = parse_vanished(parse_one("* VANISHED 405\r\n"));
    ASSERT_TRUE(now);
    EXPECT_FALSE(now->earlier);
    EXPECT_EQ(now->uids, "405");
}

// Responses from `pieces` fed in turn (each piece until the parser needs
// more), as a socket would deliver them.
std::vector<Response> parse_pieces(const std::vector<std::string_view>& pieces) {
    ResponseParser parser(ParseLimits{});
    std::vector<Response> out;
    for (std::string_view piece : pieces) {
        while (true) {
            const FeedResult r = parser.feed(piece);
            piece.remove_prefix(r.consumed);
            if (r.event == Event::response) {
                out.push_back(parser.response());
            } else if (r.event == Event::error) {
                ADD_FAILURE() << parser.error_message();
                return out;
            } else if (r.event == Event::need_more) {
                break;
            }
        }
    }
    return out;
}

// The grind: the one response of `text` fed whole, split at every offset and
// one byte at a time must be the same response.
Response ground(std::string_view text) {
    const std::vector<Response> whole = parse_pieces({text});
    if (whole.size() != 1) {
        ADD_FAILURE() << "expected one response from: " << text;
        return {};
    }
    for (std::size_t cut = 0; cut <= text.size(); ++cut) {
        EXPECT_EQ(parse_pieces({text.substr(0, cut), text.substr(cut)}), whole)
            << "split at " << cut << " of " << text;
    }
    std::vector<std::string_view> bytes;
    for (std::size_t i = 0; i < text.size(); ++i) {
        bytes.push_back(text.substr(i, 1));
    }
    EXPECT_EQ(parse_pieces(bytes), whole) << "one byte at a time: " << text;
    return whole.front();
}

using Ranges = UidRanges;

TEST(ImapResponseViews, VanishedRfc7162Examples) {
    struct Row {
        const char* input;
        bool earlier;
        std::string uids;
        Ranges ranges;
        std::uint64_t count;
    };
    const std::vector<Row> rows = {
        // RFC 7162 §3.2.6 example 1.
        {"* VANISHED (EARLIER) 300:310,405,411\r\n",
         true,
         "300:310,405,411",
         {{300, 310}, {405, 405}, {411, 411}},
         13},
        // §3.2.10.2 example: EXPUNGE answered with VANISHED.
        {"* VANISHED 505,507,510,625\r\n",
         false,
         "505,507,510,625",
         {{505, 505}, {507, 507}, {510, 510}, {625, 625}},
         4},
        // A single UID arrives as a number, not an atom.
        {"* VANISHED 405\r\n", false, "405", {{405, 405}}, 1},
        // §3.2.5.1 example (SELECT with QRESYNC), keyword case-insensitive.
        {"* vanished (earlier) 41,43:116,118,120:211,214:540\r\n",
         true,
         "41,43:116,118,120:211,214:540",
         {{41, 41}, {43, 116}, {118, 118}, {120, 211}, {214, 540}},
         1 + 74 + 1 + 92 + 327},
        // Reversed, overlapping and adjacent ranges are normalized.
        {"* VANISHED (EARLIER) 9:7,8,1,2:3,10\r\n", true, "9:7,8,1,2:3,10", {{1, 3}, {7, 10}}, 7},
        {"* VANISHED 4294967294:4294967295\r\n",
         false,
         "4294967294:4294967295",
         {{4294967294U, 4294967295U}},
         2},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.input);
        const auto v = parse_vanished(ground(row.input));
        ASSERT_TRUE(v);
        EXPECT_EQ(v->earlier, row.earlier);
        EXPECT_EQ(v->uids, row.uids);
        EXPECT_EQ(v->ranges, row.ranges);
        EXPECT_EQ(uid_count(v->ranges), row.count);
    }
}

TEST(ImapResponseViews, VanishedMalformed) {
    for (const char* input : {
             "* VANISHED\r\n",                      // no known-uids
             "* VANISHED (EARLIER)\r\n",            // no known-uids after the tag
             "* VANISHED 1:*\r\n",                  // "*" is not allowed (RFC 7162 §7)
             "* VANISHED 0\r\n",                    // UIDs are nz-number
             "* VANISHED 0:4\r\n",                  //
             "* VANISHED 1,,3\r\n",                 // empty element
             "* VANISHED 1,\r\n",                   //
             "* VANISHED 4294967296\r\n",           // beyond 32 bits
             "* VANISHED \"1:3\"\r\n",              // a string, not a set
             "* VANISHED (LATER) 1:3\r\n",          // only EARLIER is defined
             "* VANISHED (EARLIER) 1:3 4\r\n",      // one set only
             "* VANISHED 1:3 (EARLIER)\r\n",        // tag first
             "* VANISHED (EARLIER EARLIER) 1\r\n",  //
             "* 3 EXPUNGE\r\n",                     // another response
         }) {
        SCOPED_TRACE(input);
        EXPECT_FALSE(parse_vanished(ground(input)));
    }
}

TEST(ImapResponseViews, UidRangesParseFormatMergeAndExpand) {
    EXPECT_EQ(parse_uid_ranges("1:3,5"), (Ranges{{1, 3}, {5, 5}}));
    EXPECT_EQ(parse_uid_ranges("5,4,3"), (Ranges{{3, 5}}));
    EXPECT_FALSE(parse_uid_ranges(""));
    EXPECT_FALSE(parse_uid_ranges("1:"));
    EXPECT_FALSE(parse_uid_ranges(":2"));
    EXPECT_FALSE(parse_uid_ranges("1:2:3"));
    EXPECT_FALSE(parse_uid_ranges("01"));
    EXPECT_FALSE(parse_uid_ranges("1 2"));

    EXPECT_EQ(format_uid_ranges({}), "");
    EXPECT_EQ(format_uid_ranges({{1, 3}, {5, 5}, {7, 8}}), "1:3,5,7:8");
    EXPECT_EQ(format_uid_ranges(*parse_uid_ranges("300:310,405,411")), "300:310,405,411");

    Ranges set = {{10, 20}};
    merge_uid_ranges(set, {{21, 21}, {1, 2}, {15, 30}, {4294967295U, 4294967295U}});
    EXPECT_EQ(set, (Ranges{{1, 2}, {10, 30}, {4294967295U, 4294967295U}}));
    EXPECT_EQ(uid_count(set), 2u + 21u + 1u);
    EXPECT_TRUE(contains_uid(set, 2));
    EXPECT_TRUE(contains_uid(set, 10));
    EXPECT_TRUE(contains_uid(set, 30));
    EXPECT_TRUE(contains_uid(set, 4294967295U));
    EXPECT_FALSE(contains_uid(set, 3));
    EXPECT_FALSE(contains_uid(set, 31));
    EXPECT_FALSE(contains_uid({}, 1));

    EXPECT_EQ(expand_uid_ranges({{1, 3}, {7, 7}}),
              (std::optional<std::vector<std::uint32_t>>{{1, 2, 3, 7}}));
    EXPECT_EQ(expand_uid_ranges({{4294967294U, 4294967295U}}),
              (std::optional<std::vector<std::uint32_t>>{{4294967294U, 4294967295U}}));
    EXPECT_FALSE(expand_uid_ranges({{1, 4294967295U}}, 1000));
}

TEST(ImapResponseViews, FetchItems) {
    const auto f = parse_fetch(
        parse_one("* 12 FETCH (UID 4827313 FLAGS (\\Seen $Label1) INTERNALDATE "
                  "\"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE 4286 MODSEQ (624140003) "
                  "ENVELOPE (NIL \"subject\" NIL NIL NIL NIL NIL NIL NIL NIL) "
                  "BODYSTRUCTURE (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 3028 92) "
                  "BODY[HEADER.FIELDS (MESSAGE-ID)] {26}\r\nMessage-ID: <a@b>\r\n\r\n12345 "
                  "BODY[]<0> NIL X-UNKNOWN (a b))\r\n"));
    ASSERT_TRUE(f) << f.error().message();
    EXPECT_EQ(f->sequence, 12U);
    EXPECT_EQ(f->uid, 4827313U);
    EXPECT_EQ(f->flags, (Strings{"\\Seen", "$Label1"}));
    EXPECT_EQ(f->internal_date, "17-Jul-1996 02:44:25 -0700");
    EXPECT_EQ(f->rfc822_size, 4286U);
    EXPECT_EQ(f->modseq, 624140003U);
    ASSERT_TRUE(f->envelope);
    EXPECT_EQ(f->envelope->items.at(1).text, "subject");
    ASSERT_TRUE(f->bodystructure);
    EXPECT_EQ(f->bodystructure->items.at(0).text, "TEXT");
    ASSERT_EQ(f->bodies.size(), 2U);
    EXPECT_EQ(f->bodies[0].section, "HEADER.FIELDS (MESSAGE-ID)");
    EXPECT_EQ(f->bodies[0].content, "Message-ID: <a@b>\r\n\r\n12345");
    EXPECT_FALSE(f->bodies[0].origin);
    EXPECT_EQ(f->bodies[1].section, "");
    EXPECT_EQ(f->bodies[1].origin, 0U);
    EXPECT_FALSE(f->bodies[1].content);
    EXPECT_EQ(f->items.back().first, "X-UNKNOWN");
}

TEST(ImapResponseViews, FetchStreamedBodyAndGmailItems) {
    ParseLimits limits;
    limits.inline_literal_max = 2;
    ResponseParser parser(limits);
    std::string_view in =
        "* 3 FETCH (X-GM-MSGID 1278455344230334865 X-GM-THRID 12 "
        "X-GM-LABELS (\\Inbox \"\\\\Important\" \"Muy Importante\") "
        "UID 9 BODY[] {5}\r\nhello)\r\n";
    std::string body;
    while (true) {
        const FeedResult r = parser.feed(in);
        in.remove_prefix(r.consumed);
        ASSERT_NE(r.event, Event::error) << parser.error_message();
        ASSERT_NE(r.event, Event::need_more);
        if (r.event == Event::literal_chunk) {
            body.append(r.chunk);
        }
        if (r.event == Event::response) {
            break;
        }
    }
    EXPECT_EQ(body, "hello");
    const auto f = parse_fetch(parser.response());
    ASSERT_TRUE(f);
    EXPECT_EQ(f->gmail_msgid, 1278455344230334865U);
    EXPECT_EQ(f->gmail_thrid, 12U);
    EXPECT_EQ(f->gmail_labels, (Strings{"\\Inbox", "\\Important", "Muy Importante"}));
    ASSERT_EQ(f->bodies.size(), 1U);
    EXPECT_TRUE(f->bodies[0].streamed);
    EXPECT_EQ(f->bodies[0].size, 5U);
    EXPECT_FALSE(f->bodies[0].content);
}

TEST(ImapResponseViews, MalformedFetch) {
    EXPECT_EQ(parse_fetch(parse_one("* 1 FETCH (UID)\r\n")).error(),
              make_error_code(error::malformed_response));
    EXPECT_FALSE(parse_fetch(parse_one("* 1 FETCH (UID x)\r\n")));
    EXPECT_FALSE(parse_fetch(parse_one("* 1 FETCH (MODSEQ 5)\r\n")));
    EXPECT_FALSE(parse_fetch(parse_one("* 1 FETCH (BODY[]<x> NIL)\r\n")));
    EXPECT_FALSE(parse_fetch(parse_one("* 0 FETCH (UID 1)\r\n")));
    EXPECT_FALSE(parse_fetch(parse_one("* 1 FETCH UID 1\r\n")));
}

TEST(ImapResponseViews, NamespaceEnabledId) {
    const auto ns =
        parse_namespace(parse_one("* NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) ((\"#shared/\" "
                                  "\"/\")(\"#public/\" \"/\"))\r\n"));
    ASSERT_TRUE(ns);
    ASSERT_EQ(ns->personal.size(), 1U);
    EXPECT_EQ(ns->personal[0].prefix, "");
    EXPECT_EQ(ns->personal[0].delimiter, '/');
    EXPECT_EQ(ns->other.at(0).prefix, "~");
    EXPECT_EQ(ns->shared.size(), 2U);
    const auto flat = parse_namespace(parse_one("* NAMESPACE ((\"\" NIL)) NIL NIL\r\n"));
    ASSERT_TRUE(flat);
    EXPECT_FALSE(flat->personal.at(0).delimiter);
    EXPECT_TRUE(flat->other.empty());

    EXPECT_EQ(*parse_enabled(parse_one("* ENABLED CONDSTORE\r\n")), (Strings{"CONDSTORE"}));

    const auto id = parse_id(parse_one("* ID (\"name\" \"Dovecot\" \"os\" NIL)\r\n"));
    ASSERT_TRUE(id);
    ASSERT_EQ(id->size(), 2U);
    EXPECT_EQ((*id)[0].second, "Dovecot");
    EXPECT_FALSE((*id)[1].second);
    EXPECT_TRUE(parse_id(parse_one("* ID NIL\r\n"))->empty());
}

}  // namespace
}  // namespace mailferry::imap
