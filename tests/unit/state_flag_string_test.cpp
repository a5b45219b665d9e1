#include "state/flag_string.hpp"

#include <gtest/gtest.h>

namespace {

using mailferry::state::normalize_flags;

struct Row {
    const char* input;
    const char* expected;
};

constexpr Row rows[] = {
    {"", ""},
    {"   ", ""},
    {"\\Seen", "\\Seen"},
    {"\\Seen \\Flagged", "\\Flagged \\Seen"},
    {"  \\Seen\t\\Answered\r\n\\Seen ", "\\Answered \\Seen"},
    {"$Label1 \\Draft Junk", "$Label1 Junk \\Draft"},
    {"\\seen \\Seen", "\\Seen \\seen"},  // case kept; folding is the caller's job
};

TEST(StateFlagString, SortsDeduplicatesAndJoinsWithOneSpace) {
    for (const Row& r : rows) {
        EXPECT_EQ(normalize_flags(r.input), r.expected) << '"' << r.input << '"';
        EXPECT_EQ(normalize_flags(normalize_flags(r.input)), r.expected) << "idempotent";
    }
}

}  // namespace
