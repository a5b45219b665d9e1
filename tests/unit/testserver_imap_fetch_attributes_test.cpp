#include "contrib/testserver/imap/fetch_attributes.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

namespace {

using mailferry::testserver::imap::Arg;
using mailferry::testserver::imap::FetchItem;
using mailferry::testserver::imap::FetchModifiers;
using mailferry::testserver::imap::parse_fetch_items;
using mailferry::testserver::imap::parse_fetch_modifiers;
using mailferry::testserver::imap::parse_store_modifiers;
using mailferry::testserver::imap::response_name;
using Kind = FetchItem::Kind;

Arg atom(std::string text) {
    return Arg{Arg::Kind::atom, std::move(text), {}};
}
Arg quoted(std::string text) {
    return Arg{Arg::Kind::quoted, std::move(text), {}};
}
Arg list(std::vector<Arg> children) {
    return Arg{Arg::Kind::list, {}, std::move(children)};
}

// Parses one item atom and returns its response name ("" on error).
std::string name_of(const std::string& text) {
    const auto items = parse_fetch_items(atom(text));
    if (!items || items->size() != 1) {
        return "";
    }
    return response_name(items->front());
}

TEST(ImapFetchAttributes, SimpleItemsAndTheirResponseNames) {
    const std::pair<std::string, Kind> cases[] = {
        {"UID", Kind::uid},
        {"flags", Kind::flags},
        {"INTERNALDATE", Kind::internaldate},
        {"RFC822.SIZE", Kind::rfc822_size},
        {"ENVELOPE", Kind::envelope},
        {"BODYSTRUCTURE", Kind::body_structure},
        {"BODY", Kind::body},
        {"RFC822", Kind::rfc822},
        {"RFC822.HEADER", Kind::rfc822_header},
        {"RFC822.TEXT", Kind::rfc822_text},
        {"MODSEQ", Kind::modseq},
    };
    for (const auto& [text, kind] : cases) {
        const auto items = parse_fetch_items(atom(text));
        ASSERT_TRUE(items) << text << ": " << items.error();
        ASSERT_EQ(items->size(), 1u);
        EXPECT_EQ(items->front().kind, kind) << text;
        EXPECT_FALSE(items->front().peek);
        std::string upper = text;
        for (char& c : upper) {
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
        EXPECT_EQ(response_name(items->front()), upper);
    }
}

TEST(ImapFetchAttributes, Macros) {
    const auto all = parse_fetch_items(atom("ALL"));
    ASSERT_TRUE(all);
    EXPECT_EQ(all->size(), 4u);
    EXPECT_EQ(all->back().kind, Kind::envelope);
    const auto fast = parse_fetch_items(atom("fast"));
    ASSERT_TRUE(fast);
    ASSERT_EQ(fast->size(), 3u);
    EXPECT_EQ((*fast)[0].kind, Kind::flags);
    EXPECT_EQ((*fast)[1].kind, Kind::internaldate);
    EXPECT_EQ((*fast)[2].kind, Kind::rfc822_size);
    const auto full = parse_fetch_items(atom("FULL"));
    ASSERT_TRUE(full);
    ASSERT_EQ(full->size(), 5u);
    EXPECT_EQ(full->back().kind, Kind::body);
    // Macros cannot appear inside a list.
    EXPECT_FALSE(parse_fetch_items(list({atom("ALL")})));
}

TEST(ImapFetchAttributes, BodySections) {
    struct Case {
        std::string text;
        bool peek;
        std::string section;
        std::string response;
    };
    const Case cases[] = {
        {"BODY[]", false, "", "BODY[]"},
        {"BODY.PEEK[]", true, "", "BODY[]"},
        {"body.peek[header]", true, "HEADER", "BODY[HEADER]"},
        {"BODY[TEXT]", false, "TEXT", "BODY[TEXT]"},
        {"BODY[1]", false, "1", "BODY[1]"},
        {"BODY[1.2.3]", false, "1.2.3", "BODY[1.2.3]"},
        {"BODY[1.2.mime]", false, "1.2.MIME", "BODY[1.2.MIME]"},
        {"BODY[2.HEADER]", false, "2.HEADER", "BODY[2.HEADER]"},
        {"BODY.PEEK[HEADER.FIELDS (DATE FROM)]", true, "HEADER.FIELDS (DATE FROM)",
         "BODY[HEADER.FIELDS (DATE FROM)]"},
        {"BODY[header.fields.not (x-a \"Subject\")]", false, "HEADER.FIELDS.NOT (X-A SUBJECT)",
         "BODY[HEADER.FIELDS.NOT (X-A SUBJECT)]"},
        {"BODY[1.HEADER.FIELDS (A)]", false, "1.HEADER.FIELDS (A)", "BODY[1.HEADER.FIELDS (A)]"},
    };
    for (const auto& c : cases) {
        const auto items = parse_fetch_items(atom(c.text));
        ASSERT_TRUE(items) << c.text << ": " << items.error();
        ASSERT_EQ(items->size(), 1u);
        const auto& item = items->front();
        EXPECT_EQ(item.kind, Kind::body_section) << c.text;
        EXPECT_EQ(item.peek, c.peek) << c.text;
        EXPECT_EQ(item.section, c.section) << c.text;
        EXPECT_FALSE(item.partial) << c.text;
        EXPECT_EQ(response_name(item), c.response) << c.text;
    }
}

TEST(ImapFetchAttributes, PartialEchoesOriginOnly) {
    const auto items = parse_fetch_items(atom("BODY.PEEK[HEADER.FIELDS (DATE FROM)]<0.2048>"));
    ASSERT_TRUE(items);
    const auto& item = items->front();
    ASSERT_TRUE(item.partial);
    EXPECT_EQ(item.partial->first, 0u);
    EXPECT_EQ(item.partial->second, 2048u);
    EXPECT_EQ(response_name(item), "BODY[HEADER.FIELDS (DATE FROM)]<0>");
    EXPECT_EQ(name_of("BODY[]<100.5>"), "BODY[]<100>");
}

TEST(ImapFetchAttributes, SectionSpecForTheSession) {
    const auto items = parse_fetch_items(atom("BODY[1.2.HEADER.FIELDS (DATE FROM)]"));
    ASSERT_TRUE(items);
    const auto spec = items->front().section_spec();
    EXPECT_EQ(spec.parts, (std::vector<std::uint32_t>{1, 2}));
    EXPECT_EQ(spec.text, "HEADER.FIELDS");
    EXPECT_EQ(spec.header_names, (std::vector<std::string>{"DATE", "FROM"}));
}

TEST(ImapFetchAttributes, Lists) {
    const auto items = parse_fetch_items(
        list({atom("UID"), atom("FLAGS"), atom("BODY.PEEK[TEXT]<10.20>"), atom("MODSEQ")}));
    ASSERT_TRUE(items) << items.error();
    ASSERT_EQ(items->size(), 4u);
    EXPECT_EQ((*items)[0].kind, Kind::uid);
    EXPECT_EQ((*items)[2].section, "TEXT");
    EXPECT_EQ((*items)[3].kind, Kind::modseq);
}

TEST(ImapFetchAttributes, RejectsInvalidItems) {
    const std::string bad[] = {
        "FOO",
        "BODY[",
        "BODY[FOO]",
        "BODY[MIME]",
        "BODY[0]",
        "BODY[1.]",
        "BODY[01]",
        "BODY[HEADER.FIELDS]",
        "BODY[HEADER.FIELDS ()]",
        "BODY[HEADER.FIELDS (A:B)]",
        "BODY[HEADER.FIELDS (A  B)]",
        "BODY[HEADER.FIELDS (A)]X",
        "BODY[]<0>",
        "BODY[]<0.0>",
        "BODY[]<a.1>",
        "BODY[]<1.2",
        "BODY.PEEK",
        "RFC822.PEEK",
        "BODYX[]",
        "BINARY[]",
        "BODY[]<4294967296.1>",
    };
    for (const auto& text : bad) {
        const auto items = parse_fetch_items(atom(text));
        EXPECT_FALSE(items) << text;
        if (!items) {
            EXPECT_EQ(items.error(), "invalid fetch attribute: " + text);
        }
    }
    EXPECT_EQ(parse_fetch_items(list({})).error(), "empty fetch attribute list");
    EXPECT_FALSE(parse_fetch_items(list({atom("UID"), list({atom("FLAGS")})})));
    EXPECT_FALSE(parse_fetch_items(quoted("FLAGS")));
    EXPECT_FALSE(parse_fetch_items(list({atom("UID"), quoted("FLAGS")})));
}

TEST(ImapFetchAttributes, FetchModifiers) {
    const auto mods = parse_fetch_modifiers(list({atom("CHANGEDSINCE"), atom("12345")}));
    ASSERT_TRUE(mods) << mods.error();
    EXPECT_EQ(mods->changed_since, 12345u);
    EXPECT_FALSE(mods->vanished);
    const auto vanished =
        parse_fetch_modifiers(list({atom("changedsince"), atom("9"), atom("VANISHED")}));
    ASSERT_TRUE(vanished);
    EXPECT_TRUE(vanished->vanished);
    EXPECT_EQ(parse_fetch_modifiers(list({atom("CHANGEDSINCE"), atom("9223372036854775807")}))
                  ->changed_since,
              9223372036854775807u);

    EXPECT_EQ(parse_fetch_modifiers(list({atom("CHANGEDSINCE"), atom("0")})).error(),
              "invalid CHANGEDSINCE value: 0");
    EXPECT_FALSE(parse_fetch_modifiers(list({atom("CHANGEDSINCE"), atom("9223372036854775808")})));
    EXPECT_FALSE(parse_fetch_modifiers(list({atom("CHANGEDSINCE")})));
    EXPECT_FALSE(parse_fetch_modifiers(list({atom("CHANGEDSINCE"), atom("x")})));
    EXPECT_FALSE(parse_fetch_modifiers(
        list({atom("CHANGEDSINCE"), atom("1"), atom("CHANGEDSINCE"), atom("2")})));
    EXPECT_EQ(parse_fetch_modifiers(list({atom("VANISHED")})).error(),
              "VANISHED requires CHANGEDSINCE");
    EXPECT_EQ(parse_fetch_modifiers(list({atom("FOO")})).error(), "unknown fetch modifier: FOO");
    EXPECT_FALSE(parse_fetch_modifiers(list({})));
    EXPECT_FALSE(parse_fetch_modifiers(atom("CHANGEDSINCE")));
}

TEST(ImapFetchAttributes, StoreModifiers) {
    EXPECT_EQ(*parse_store_modifiers(list({atom("UNCHANGEDSINCE"), atom("0")})), 0u);
    EXPECT_EQ(*parse_store_modifiers(list({atom("unchangedsince"), atom("320162338")})),
              320162338u);
    EXPECT_EQ(parse_store_modifiers(list({atom("UNCHANGEDSINCE"), atom("-1")})).error(),
              "invalid UNCHANGEDSINCE value: -1");
    EXPECT_FALSE(parse_store_modifiers(list({atom("UNCHANGEDSINCE")})));
    EXPECT_FALSE(parse_store_modifiers(list({atom("CHANGEDSINCE"), atom("1")})));
    EXPECT_FALSE(parse_store_modifiers(atom("UNCHANGEDSINCE")));
}

}  // namespace
