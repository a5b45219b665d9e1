// pop3::ResponseParser and the reply helpers: status lines with RFC 2449
// codes, SASL continuations, multi-line bodies with dot-unstuffing. Every
// case runs the grind (whole, every split, one byte at a time).
#include "clients/pop3/response_parser.hpp"

#include "clients/pop3/replies.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mailferry::pop3 {
namespace {

// Feeds `pieces`; `multiline` lists, per status line in order, whether
// expect_multiline() is called before it. Body chunks are merged.
std::vector<std::string> drive(const ParseLimits& limits, const std::vector<bool>& multiline,
                               const std::vector<std::string_view>& pieces) {
    ResponseParser parser(limits);
    std::vector<std::string> events;
    std::size_t statuses = 0;
    if (!multiline.empty() && multiline[0]) {
        parser.expect_multiline();
    }
    std::string body;
    bool in_body = false;
    for (std::string_view in : pieces) {
        while (true) {
            const FeedResult r = parser.feed(in);
            EXPECT_LE(r.consumed, in.size());
            in.remove_prefix(r.consumed);
            if (r.event == Event::need_more) {
                EXPECT_TRUE(in.empty());
                break;
            }
            if (r.event == Event::body_chunk) {
                body.append(r.chunk);
                in_body = true;
                continue;
            }
            if (in_body || r.event == Event::body_end) {
                events.push_back("body " + body);
                body.clear();
                in_body = false;
            }
            switch (r.event) {
                case Event::status: {
                    const StatusLine& s = parser.status();
                    events.push_back(std::string(s.ok ? "+OK" : "-ERR") +
                                     (s.code ? " [" + *s.code + "]" : "") + " text=" + s.text);
                    ++statuses;
                    if (statuses < multiline.size() && multiline[statuses]) {
                        parser.expect_multiline();
                    }
                    break;
                }
                case Event::continuation:
                    events.push_back("+ " + parser.continuation());
                    break;
                case Event::body_end:
                    events.push_back("end");
                    break;
                case Event::error:
                    events.push_back("error " + parser.error_message());
                    return events;
                default:
                    break;
            }
        }
    }
    if (in_body) {
        events.push_back("body " + body);
    }
    return events;
}

std::vector<std::string> grind(std::string_view input, const std::vector<bool>& multiline,
                               const ParseLimits& limits = {}) {
    const auto whole = drive(limits, multiline, {input});
    for (std::size_t cut = 0; cut <= input.size(); ++cut) {
        if (drive(limits, multiline, {input.substr(0, cut), input.substr(cut)}) != whole) {
            ADD_FAILURE() << "split at " << cut << " differs";
            return whole;
        }
    }
    std::vector<std::string_view> bytes;
    for (std::size_t i = 0; i < input.size(); ++i) {
        bytes.push_back(input.substr(i, 1));
    }
    EXPECT_EQ(drive(limits, multiline, bytes), whole) << "one byte at a time differs";
    return whole;
}

struct Case {
    const char* name;
    std::string input;
    std::vector<bool> multiline;
    std::vector<std::string> expected;
};

void run_cases(const std::vector<Case>& cases, const ParseLimits& limits = {}) {
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(grind(c.input, c.multiline, limits), c.expected);
    }
}

TEST(Pop3ResponseParser, StatusLines) {
    run_cases({
        {"RFC 1939 greeting",
         "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n",
         {},
         {"+OK text=POP3 server ready <1896.697170952@dbc.mtview.ca.us>"}},
        {"IN-USE",
         "-ERR [IN-USE] Do you have another POP session running?\r\n",
         {},
         {"-ERR [IN-USE] text=Do you have another POP session running?"}},
        {"RFC 2449 codes",
         "-ERR [LOGIN-DELAY] wait\r\n-ERR [SYS/TEMP] try later\r\n-ERR [SYS/PERM] no\r\n"
         "-ERR [AUTH] bad password\r\n-ERR [sys/temp] lower\r\n",
         {},
         {"-ERR [LOGIN-DELAY] text=wait", "-ERR [SYS/TEMP] text=try later",
          "-ERR [SYS/PERM] text=no", "-ERR [AUTH] text=bad password",
          "-ERR [SYS/TEMP] text=lower"}},
        {"bare status words and case",
         "+OK\r\n-ERR\r\n+ok fine\r\n-err bad \r\n",
         {},
         {"+OK text=", "-ERR text=", "+OK text=fine", "-ERR text=bad"}},
        {"SASL continuations",
         "+ \r\n+\r\n+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2U+\r\n",
         {},
         {"+ ", "+ ", "+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2U+"}},
        {"bare LF", "+OK hi\n", {}, {"+OK text=hi"}},
        {"STAT", "+OK 2 320\r\n", {}, {"+OK text=2 320"}},
    });
}

TEST(Pop3ResponseParser, RetrUnstuffsDotsAtEveryBoundary) {
    run_cases({
        {"RETR with stuffed lines",
         "+OK 120 octets\r\n"
         "Subject: dots\r\n"
         "\r\n"
         "..leading dot\r\n"
         "...two dots\r\n"
         "..\r\n"
         "middle . dot\r\n"
         ".\r\n"
         "+OK next\r\n",
         {true},
         {"+OK text=120 octets",
          "body Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nmiddle . dot\r\n", "end",
          "+OK text=next"}},
        {"empty body", "+OK\r\n.\r\n", {true}, {"+OK text=", "body ", "end"}},
        {"-ERR has no body",
         "-ERR no such message\r\n+OK 1 2\r\n",
         {true, false},
         {"-ERR text=no such message", "+OK text=1 2"}},
        {"a lone dot line start is kept",
         "+OK\r\n.x\r\n.\r\r\n.\r\n",
         {true},
         {"+OK text=", "body .x\r\n.\r\r\n", "end"}},
        {"bare LF terminator", "+OK\nline\n.\n", {true}, {"+OK text=", "body line\n", "end"}},
        {"pipelined LIST and UIDL",
         "+OK 2 messages\r\n1 120\r\n2 200\r\n.\r\n+OK\r\n1 whqtswO00WBw418f9t5JxYwZ\r\n"
         "2 QhdPYR:00WBw1Ph7x7\r\n.\r\n",
         {true, true},
         {"+OK text=2 messages", "body 1 120\r\n2 200\r\n", "end",
          "+OK text=", "body 1 whqtswO00WBw418f9t5JxYwZ\r\n2 QhdPYR:00WBw1Ph7x7\r\n", "end"}},
    });
}

TEST(Pop3ResponseParser, LargeBodyChunksAreViewsIntoTheInput) {
    std::string body;
    for (int i = 0; body.size() < 100000; ++i) {
        body += (i % 7 == 0 ? ".." : "") + std::string("line ") + std::to_string(i) + "\r\n";
    }
    const std::string input = "+OK\r\n" + body + ".\r\n";
    ResponseParser parser;
    parser.expect_multiline();
    std::string_view in(input);
    std::size_t bytes = 0;
    std::size_t chunks = 0;
    while (true) {
        const FeedResult r = parser.feed(in);
        if (r.event == Event::body_chunk) {
            EXPECT_GE(r.chunk.data(), in.data());
            EXPECT_LE(r.chunk.data() + r.chunk.size(), in.data() + in.size());
            bytes += r.chunk.size();
            ++chunks;
        }
        in.remove_prefix(r.consumed);
        if (r.event == Event::body_end || r.event == Event::need_more) {
            EXPECT_EQ(r.event, Event::body_end);
            break;
        }
    }
    EXPECT_TRUE(in.empty());
    EXPECT_LT(bytes, body.size());  // stuffed dots removed
    EXPECT_GT(chunks, 1U);
}

TEST(Pop3ResponseParser, StatusLineLimit) {
    ParseLimits limits;
    limits.max_status_line = 10;
    run_cases({{"at the limit", "+OK 456789\r\n", {}, {"+OK text=456789"}},
               {"over the limit",
                "+OK 4567890 and more\r\n",
                {},
                {"error Server sent invalid input: status line longer than 10 bytes: "
                 "\"+OK 456789\"..."}}},
              limits);
    run_cases({{"the limit is not applied to bodies",
                "+OK\r\n" + std::string(50, 'x') + "\r\n.\r\n",
                {true},
                {"+OK text=", "body " + std::string(50, 'x') + "\r\n", "end"}}},
              limits);
}

TEST(Pop3ResponseParser, MalformedInput) {
    run_cases({
        {"not POP3",
         "* OK IMAP4rev1\r\n",
         {},
         {"error Server sent invalid input: expected +OK or -ERR: \"* OK IMAP4rev1\""}},
        {"status word run on",
         "+OKAY\r\n",
         {},
         {"error Server sent invalid input: expected a space after the status: \"+OKAY\""}},
        {"control bytes are escaped",
         "\x01\x02\r\n",
         {},
         {"error Server sent invalid input: expected +OK or -ERR: \"\\x01\\x02\""}},
    });
    ResponseParser parser;
    EXPECT_EQ(parser.feed("HELLO\r\n").event, Event::error);
    EXPECT_EQ(parser.error(), make_error_code(error::invalid_input));
    EXPECT_EQ(parser.feed("+OK\r\n").event, Event::error);
}

TEST(Pop3Replies, StatListUidl) {
    const auto stat = parse_stat("2 320");
    ASSERT_TRUE(stat);
    EXPECT_EQ(stat->count, 2U);
    EXPECT_EQ(stat->octets, 320U);
    EXPECT_TRUE(parse_stat("2 320 extra words"));
    EXPECT_FALSE(parse_stat("2"));
    EXPECT_FALSE(parse_stat("x 320"));
    EXPECT_FALSE(parse_stat("99999999999 1"));

    const auto list = parse_list_line("2 200\r\n");
    ASSERT_TRUE(list);
    EXPECT_EQ(list->number, 2U);
    EXPECT_EQ(list->octets, 200U);
    EXPECT_FALSE(parse_list_line("0 200"));
    EXPECT_FALSE(parse_list_line("1 -5"));
    EXPECT_FALSE(parse_list_line("1 99999999999999999999999"));

    const auto uidl = parse_uidl_line("2 QhdPYR:00WBw1Ph7x7");
    ASSERT_TRUE(uidl);
    EXPECT_EQ(uidl->number, 2U);
    EXPECT_EQ(uidl->uidl, "QhdPYR:00WBw1Ph7x7");
    EXPECT_TRUE(parse_uidl_line("1 " + std::string(255, 'u')));
    EXPECT_FALSE(parse_uidl_line("1 " + std::string(256, 'u')));
    EXPECT_FALSE(parse_uidl_line("1 a b"));
    EXPECT_FALSE(parse_uidl_line("1 caf\xc3\xa9"));
    EXPECT_FALSE(parse_uidl_line("1"));
}

TEST(Pop3Replies, CapaBody) {
    // RFC 2449 §5 example.
    const std::string body =
        "TOP\r\nUSER\r\nSASL CRAM-MD5 KERBEROS_V4\r\nRESP-CODES\r\nLOGIN-DELAY 900\r\n"
        "PIPELINING\r\nEXPIRE 60\r\nUIDL\r\nIMPLEMENTATION Shlemazle-Plotz-v302\r\n";
    const auto lines = split_lines(body);
    ASSERT_EQ(lines.size(), 9U);
    std::vector<Capability> caps;
    for (auto line : lines) {
        auto cap = parse_capa_line(line);
        ASSERT_TRUE(cap);
        caps.push_back(*cap);
    }
    EXPECT_EQ(caps[2].name, "SASL");
    EXPECT_EQ(caps[2].args, (std::vector<std::string>{"CRAM-MD5", "KERBEROS_V4"}));
    EXPECT_EQ(caps[4].name, "LOGIN-DELAY");
    EXPECT_EQ(caps[4].args, (std::vector<std::string>{"900"}));
    EXPECT_EQ(caps[8].args, (std::vector<std::string>{"Shlemazle-Plotz-v302"}));
    EXPECT_EQ(parse_capa_line("stls")->name, "STLS");
    EXPECT_FALSE(parse_capa_line("  "));
    EXPECT_EQ(split_lines("a\nb"), (std::vector<std::string_view>{"a", "b"}));
}

}  // namespace
}  // namespace mailferry::pop3
