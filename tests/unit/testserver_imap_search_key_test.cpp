#include "contrib/testserver/imap/search_key.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using mailferry::testserver::imap::Arg;
using mailferry::testserver::imap::parse_search;
using mailferry::testserver::imap::parse_search_date;
using mailferry::testserver::imap::SearchContext;
using mailferry::testserver::imap::SearchDate;
using mailferry::testserver::imap::SearchKey;
using Kind = SearchKey::Kind;

Arg atom(std::string text) {
    return Arg{Arg::Kind::atom, std::move(text), {}};
}
Arg quoted(std::string text) {
    return Arg{Arg::Kind::quoted, std::move(text), {}};
}
Arg literal(std::string text) {
    return Arg{Arg::Kind::literal, std::move(text), {}};
}
Arg list(std::vector<Arg> children) {
    return Arg{Arg::Kind::list, {}, std::move(children)};
}

const SearchContext context{10, 100};

// Compact rendering of a key tree, for table comparisons.
std::string render(const SearchKey& key) {
    static const char* const names[] = {
        "ALL",     "AND",       "NOT",        "OR",      "ANSWERED",  "DELETED",    "DRAFT",
        "FLAGGED", "NEW",       "OLD",        "RECENT",  "SEEN",      "UNANSWERED", "UNDELETED",
        "UNDRAFT", "UNFLAGGED", "UNSEEN",     "KEYWORD", "UNKEYWORD", "BCC",        "BODY",
        "CC",      "FROM",      "HEADER",     "SUBJECT", "TEXT",      "TO",         "BEFORE",
        "ON",      "SINCE",     "SENTBEFORE", "SENTON",  "SENTSINCE", "LARGER",     "SMALLER",
        "SEQ",     "UID",       "MODSEQ"};
    std::string out = names[static_cast<int>(key.kind)];
    switch (key.kind) {
        case Kind::keyword:
        case Kind::unkeyword:
        case Kind::bcc:
        case Kind::body:
        case Kind::cc:
        case Kind::from:
        case Kind::subject:
        case Kind::text:
        case Kind::to:
            out += "{" + key.text + "}";
            break;
        case Kind::header:
            out += "{" + key.header_name + ":" + key.text + "}";
            break;
        case Kind::before:
        case Kind::on:
        case Kind::since:
        case Kind::sent_before:
        case Kind::sent_on:
        case Kind::sent_since:
            out += "{" + std::to_string(key.date.year) + "-" + std::to_string(key.date.month) +
                   "-" + std::to_string(key.date.day) + "}";
            break;
        case Kind::larger:
        case Kind::smaller:
            out += "{" + std::to_string(key.number) + "}";
            break;
        case Kind::modseq:
            out += "{" + key.header_name + (key.header_name.empty() ? "" : " " + key.text + " ") +
                   std::to_string(key.number) + "}";
            break;
        case Kind::sequence_set:
        case Kind::uid:
            out += "{" + key.set.to_string() + "}";
            break;
        default:
            break;
    }
    if (!key.children.empty()) {
        out += "(";
        for (std::size_t i = 0; i < key.children.size(); ++i) {
            out += (i > 0 ? " " : "") + render(key.children[i]);
        }
        out += ")";
    }
    return out;
}

struct Case {
    std::vector<Arg> args;
    std::string expected;
};

TEST(ImapSearchKey, ParsesEveryKey) {
    const Case cases[] = {
        {{atom("ALL")}, "AND(ALL)"},
        {{atom("answered"), atom("DELETED"), atom("DRAFT"), atom("FLAGGED"), atom("NEW"),
          atom("OLD"), atom("RECENT"), atom("SEEN")},
         "AND(ANSWERED DELETED DRAFT FLAGGED NEW OLD RECENT SEEN)"},
        {{atom("UNANSWERED"), atom("UNDELETED"), atom("UNDRAFT"), atom("UNFLAGGED"),
          atom("UNSEEN")},
         "AND(UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN)"},
        {{atom("KEYWORD"), atom("$Junk"), atom("UNKEYWORD"), atom("foo")},
         "AND(KEYWORD{$Junk} UNKEYWORD{foo})"},
        {{atom("BCC"), atom("a"), atom("BODY"), quoted("b c"), atom("CC"), literal("d"),
          atom("FROM"), atom("NIL"), atom("SUBJECT"), quoted(""), atom("TEXT"), atom("t"),
          atom("TO"), atom("u")},
         "AND(BCC{a} BODY{b c} CC{d} FROM{NIL} SUBJECT{} TEXT{t} TO{u})"},
        {{atom("HEADER"), atom("Message-ID"), quoted("<x@y>"), atom("HEADER"), atom("X-A"),
          quoted("")},
         "AND(HEADER{Message-ID:<x@y>} HEADER{X-A:})"},
        {{atom("BEFORE"), atom("1-Feb-1994"), atom("ON"), quoted("29-feb-2000"), atom("SINCE"),
          atom("31-Dec-2024")},
         "AND(BEFORE{1994-2-1} ON{2000-2-29} SINCE{2024-12-31})"},
        {{atom("SENTBEFORE"), atom("01-Jan-2000"), atom("SENTON"), atom("2-MAR-2001"),
          atom("SENTSINCE"), atom("17-Jul-1996")},
         "AND(SENTBEFORE{2000-1-1} SENTON{2001-3-2} SENTSINCE{1996-7-17})"},
        {{atom("LARGER"), atom("1024"), atom("SMALLER"), atom("0")},
         "AND(LARGER{1024} SMALLER{0})"},
        {{atom("1:3,5"), atom("UID"), atom("2,50:*")}, "AND(SEQ{1:3,5} UID{2,50:100})"},
        {{atom("*")}, "AND(SEQ{10})"},
        {{atom("NOT"), atom("SEEN")}, "AND(NOT(SEEN))"},
        {{atom("OR"), atom("FROM"), atom("x"), atom("NOT"), atom("TO"), atom("y")},
         "AND(OR(FROM{x} NOT(TO{y})))"},
        {{atom("OR"), list({atom("SEEN"), atom("FLAGGED")}), atom("DELETED"), atom("UNDRAFT")},
         "AND(OR(AND(SEEN FLAGGED) DELETED) UNDRAFT)"},
        {{list({list({atom("ALL")})})}, "AND(AND(AND(ALL)))"},
        {{atom("MODSEQ"), atom("620162338")}, "AND(MODSEQ{620162338})"},
        {{atom("MODSEQ"), quoted("/flags/\\Draft"), atom("all"), atom("620162338")},
         "AND(MODSEQ{/flags/\\draft all 620162338})"},
        {{atom("CHARSET"), atom("utf-8"), atom("TEXT"), literal("\xc3\xa4")},
         "AND(TEXT{\xc3\xa4})"},
    };
    for (const auto& c : cases) {
        const auto parsed = parse_search(c.args, context);
        ASSERT_TRUE(parsed) << c.expected << ": " << parsed.error.message;
        EXPECT_EQ(render(parsed.program->root), c.expected);
    }
}

TEST(ImapSearchKey, Charset) {
    auto parsed = parse_search(std::vector<Arg>{atom("ALL")}, context);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed.program->charset, "US-ASCII");
    parsed =
        parse_search(std::vector<Arg>{atom("charset"), quoted("us-ascii"), atom("ALL")}, context);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed.program->charset, "US-ASCII");
    parsed = parse_search(std::vector<Arg>{atom("CHARSET"), atom("UTF-8"), atom("ALL")}, context);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed.program->charset, "UTF-8");

    parsed =
        parse_search(std::vector<Arg>{atom("CHARSET"), atom("ISO-8859-1"), atom("ALL")}, context);
    ASSERT_FALSE(parsed);
    EXPECT_TRUE(parsed.error.bad_charset);
    EXPECT_EQ(parsed.error.message, "[BADCHARSET (US-ASCII UTF-8)] unsupported charset ISO-8859-1");

    parsed = parse_search(std::vector<Arg>{atom("CHARSET")}, context);
    ASSERT_FALSE(parsed);
    EXPECT_FALSE(parsed.error.bad_charset);
    EXPECT_EQ(parsed.error.message, "missing argument to CHARSET");
}

TEST(ImapSearchKey, RejectsInvalidCriteria) {
    const std::pair<std::vector<Arg>, std::string> cases[] = {
        {{}, "missing search criteria"},
        {{atom("CHARSET"), atom("UTF-8")}, "missing search criteria"},
        {{atom("FOO")}, "unknown search key: FOO"},
        {{quoted("SEEN")}, "invalid search key: SEEN"},
        {{atom("FROM")}, "missing argument to FROM"},
        {{atom("FROM"), list({})}, "missing argument to FROM"},
        {{atom("HEADER"), atom("X")}, "missing argument to HEADER"},
        {{atom("NOT")}, "missing argument to NOT"},
        {{atom("OR"), atom("SEEN")}, "missing argument to OR"},
        {{atom("BEFORE"), atom("31-Feb-2020")}, "invalid date: 31-Feb-2020"},
        {{atom("BEFORE"), atom("29-Feb-1900")}, "invalid date: 29-Feb-1900"},
        {{atom("ON"), atom("1-Foo-2020")}, "invalid date: 1-Foo-2020"},
        {{atom("ON"), atom("1-Jan-20")}, "invalid date: 1-Jan-20"},
        {{atom("ON"), atom("001-Jan-2020")}, "invalid date: 001-Jan-2020"},
        {{atom("ON"), atom("0-Jan-2020")}, "invalid date: 0-Jan-2020"},
        {{atom("SINCE"), atom("2020-01-01")}, "invalid date: 2020-01-01"},
        {{atom("LARGER"), atom("x")}, "invalid number: x"},
        {{atom("LARGER"), quoted("5")}, "invalid number: 5"},
        {{atom("SMALLER"), atom("-1")}, "invalid number: -1"},
        {{atom("UID"), atom("0")}, "invalid sequence set: 0"},
        {{atom("1:x")}, "invalid sequence set: 1:x"},
        {{atom("KEYWORD"), atom("\\Seen")}, "invalid keyword: \\Seen"},
        {{list({})}, "empty parenthesised search key"},
        {{atom("MODSEQ"), atom("x")}, "invalid MODSEQ value: x"},
        {{atom("MODSEQ"), quoted("/flags/\\Seen"), atom("bogus"), atom("1")},
         "invalid MODSEQ entry: /flags/\\Seen"},
        {{atom("MODSEQ"), quoted("/flags/\\Seen"), atom("priv")}, "missing argument to MODSEQ"},
    };
    for (const auto& [args, message] : cases) {
        const auto parsed = parse_search(args, context);
        EXPECT_FALSE(parsed) << message;
        EXPECT_EQ(parsed.error.message, message);
        EXPECT_FALSE(parsed.error.bad_charset);
    }
}

TEST(ImapSearchKey, NestingLimit) {
    std::vector<Arg> args;
    for (int i = 0; i < 63; ++i) {
        args.push_back(atom("NOT"));
    }
    args.push_back(atom("SEEN"));
    EXPECT_TRUE(parse_search(args, context));
    args.insert(args.begin(), atom("NOT"));
    const auto parsed = parse_search(args, context);
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error.message, "search keys nested too deeply");
}

TEST(ImapSearchKey, SearchDates) {
    EXPECT_EQ(parse_search_date("1-Feb-1994"), (SearchDate{1994, 2, 1}));
    EXPECT_EQ(parse_search_date("29-Feb-2024"), (SearchDate{2024, 2, 29}));
    EXPECT_EQ(parse_search_date("31-dec-1999"), (SearchDate{1999, 12, 31}));
    EXPECT_EQ(parse_search_date("29-Feb-2023"), std::nullopt);
    EXPECT_EQ(parse_search_date("31-Apr-2023"), std::nullopt);
    EXPECT_EQ(parse_search_date("1-Feb-1994 "), std::nullopt);
    EXPECT_EQ(parse_search_date(""), std::nullopt);
    EXPECT_LT(SearchDate(1994, 2, 1), SearchDate(1994, 3, 1));
}

}  // namespace
