// UID sets written and read in their compact form ("1:3,5,7:8").

#include "clients/wire/sequence_set.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace {

using namespace mailferry::wire;

TEST(WireSequenceSet, UidSetsCompressRunsAndParseBack) {
    struct Row {
        std::vector<std::uint32_t> uids;
        std::string text;
    };
    const std::vector<Row> rows = {
        {{}, ""},
        {{7}, "7"},
        {{3, 1, 2, 5, 8, 7, 7}, "1:3,5,7:8"},
        {{9, 9, 9}, "9"},
        {{1, 3, 5}, "1,3,5"},
        {{4294967295u, 4294967294u}, "4294967294:4294967295"},
        {{4294967295u, 1}, "1,4294967295"},
    };
    for (const auto& row : rows) {
        EXPECT_EQ(format_uid_set(row.uids), row.text);
        auto back = parse_uid_set(row.text);
        ASSERT_TRUE(back) << row.text;
        EXPECT_EQ(format_uid_set(*back), row.text);
    }
}

TEST(WireSequenceSet, SequenceKeepsTheGivenOrder) {
    // COPYUID pairs source and target UIDs by position.
    EXPECT_EQ(format_sequence(std::vector<std::uint32_t>{}), "");
    EXPECT_EQ(format_sequence(std::vector<std::uint32_t>{5, 6, 7, 2}), "5:7,2");
    EXPECT_EQ(format_sequence(std::vector<std::uint32_t>{3, 2, 1}), "3,2,1");
    EXPECT_EQ(format_sequence(std::vector<std::uint32_t>{4, 4}), "4,4");
    // No run across the top of the range.
    EXPECT_EQ(format_sequence(std::vector<std::uint32_t>{4294967295u, 0}), "4294967295,0");
}

TEST(WireSequenceSet, AppendsRangesAfterAComma) {
    std::string set;
    append_uid_range(set, 1, 1);
    EXPECT_EQ(set, "1");
    append_uid_range(set, 3, 5);
    EXPECT_EQ(set, "1,3:5");
    append_uid_range(set, 4294967295u, 4294967295u);
    EXPECT_EQ(set, "1,3:5,4294967295");
}

TEST(WireSequenceSet, ParsesRangesInEitherOrder) {
    EXPECT_EQ(parse_uid_set("5:3"), (std::vector<std::uint32_t>{3, 4, 5}));
    EXPECT_EQ(parse_uid_set("2,1:2"), (std::vector<std::uint32_t>{2, 1, 2}));
    EXPECT_EQ(parse_uid_set(""), (std::vector<std::uint32_t>{}));
    for (const char* bad :
         {"0", "1,", ",1", "1:*", "*", "a", "1::2", "1:", ":1", "4294967296", "1:0", " 1", "-1"}) {
        EXPECT_FALSE(parse_uid_set(bad)) << bad;
    }
}

TEST(WireSequenceSet, ParseStopsAtTheLimit) {
    EXPECT_FALSE(parse_uid_set("1:1000", 10));
    EXPECT_TRUE(parse_uid_set("1:10", 10));
    EXPECT_FALSE(parse_uid_set("1:10,20", 10));
    EXPECT_FALSE(parse_uid_set("1:4294967295"));
}

}  // namespace
