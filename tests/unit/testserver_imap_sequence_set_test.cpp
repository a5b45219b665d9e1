#include "contrib/testserver/imap/sequence_set.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string_view>
#include <vector>

namespace {

using mailferry::testserver::imap::SeqRange;
using mailferry::testserver::imap::SequenceSet;

struct Case {
    std::string_view text;
    std::uint32_t max;
    std::vector<SeqRange> expected;
};

TEST(ImapSequenceSet, ParsesAndNormalises) {
    const Case cases[] = {
        {"1", 10, {{1, 1}}},
        {"*", 10, {{10, 10}}},
        {"1:*", 10, {{1, 10}}},
        {"*:4", 10, {{4, 10}}},
        {"1,3:5,7:*", 10, {{1, 1}, {3, 5}, {7, 10}}},
        {"5:3", 10, {{3, 5}}},
        // Overlapping and adjacent ranges merge; order does not matter.
        {"7,1:3,2:4,5", 10, {{1, 5}, {7, 7}}},
        {"3,2,1", 10, {{1, 3}}},
        // RFC 3501 §6.4.8: 559:* includes the last one even when 559 > max.
        {"559:*", 100, {{100, 559}}},
        // Numbers beyond max are kept; the caller judges them.
        {"20", 10, {{20, 20}}},
        {"4294967295", 10, {{4294967295u, 4294967295u}}},
        {"1:4294967295", 10, {{1, 4294967295u}}},
        // Empty mailbox: "*" stands for no number.
        {"1:*", 0, {}},
        {"*", 0, {}},
        {"1:*,3", 0, {{3, 3}}},
    };
    for (const auto& c : cases) {
        const auto set = SequenceSet::parse(c.text, c.max);
        ASSERT_TRUE(set) << c.text << ": " << set.error();
        EXPECT_EQ(set->ranges(), c.expected) << c.text;
    }
}

TEST(ImapSequenceSet, RejectsJunk) {
    for (const std::string_view text :
         {"",      "0", "0:5", "1:0", "01",         "1,",          ",1", "1,,2", "1:", ":1",
          "1:2:3", "a", "1 2", "-1",  "4294967296", "99999999999", "$",  "1.5",  "**", "*1"}) {
        const auto set = SequenceSet::parse(text, 10);
        EXPECT_FALSE(set) << text;
        if (!set) {
            EXPECT_EQ(set.error(), "invalid sequence set");
        }
    }
}

TEST(ImapSequenceSet, Contains) {
    const auto set = SequenceSet::parse("2:4,8,10:*", 12);
    ASSERT_TRUE(set);
    const std::vector<std::uint32_t> in = {2, 3, 4, 8, 10, 11, 12};
    for (std::uint32_t n = 0; n <= 14; ++n) {
        const bool expected = std::find(in.begin(), in.end(), n) != in.end();
        EXPECT_EQ(set->contains(n), expected) << n;
    }
    EXPECT_EQ(set->count(), 7u);
    EXPECT_EQ(set->highest(), 12u);
}

TEST(ImapSequenceSet, ExpandHonoursCap) {
    const auto set = SequenceSet::parse("5,1:3", 10);
    ASSERT_TRUE(set);
    EXPECT_EQ(set->expand(4), (std::vector<std::uint32_t>{1, 2, 3, 5}));
    EXPECT_EQ(set->expand(3), std::nullopt);
    const auto huge = SequenceSet::parse("1:4294967295", 1);
    ASSERT_TRUE(huge);
    EXPECT_EQ(huge->count(), 4294967295u);
    EXPECT_EQ(huge->expand(1000), std::nullopt);
    EXPECT_TRUE(huge->contains(4294967295u));
}

TEST(ImapSequenceSet, TextRoundTrip) {
    const auto set = SequenceSet::parse("9,1:3,4,7:8", 10);
    ASSERT_TRUE(set);
    EXPECT_EQ(set->to_string(), "1:4,7:9");
    EXPECT_EQ(SequenceSet::from_ranges({{5, 6}, {1, 1}, {2, 2}}).to_string(), "1:2,5:6");
    EXPECT_EQ(SequenceSet::from_ranges({}).to_string(), "");
}

}  // namespace
