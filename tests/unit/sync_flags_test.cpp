// How flags are translated and compared before they reach the target: what
// an APPEND carries, which differences cause a STORE, and which keywords a
// folder without `\*` in PERMANENTFLAGS loses. Atoms compare
// case-insensitively (RFC 3501 §9, note 1), so "\SEEN" from one server and
// "\Seen" from another must never look like a change.
#include "sync/flags.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mailferry::sync {
namespace {

using Flags = std::vector<std::string>;

struct SyncableRow {
    const char* what;
    Flags in;
    Flags out;
};

TEST(SyncFlags, SyncableFlagsAreWhatTheTargetMayBeGiven) {
    const SyncableRow rows[] = {
        {"nothing", {}, {}},
        {"\\Recent is the server's to set", {"\\Recent", "\\Seen"}, {"\\Seen"}},
        {"\\Deleted is never propagated", {"\\Deleted", "\\Flagged"}, {"\\Flagged"}},
        {"any spelling of both is dropped", {"\\RECENT", "\\deleted"}, {}},
        {"system flags in canonical spelling",
         {"\\SEEN", "\\answered", "\\DrAfT"},
         {"\\Answered", "\\Draft", "\\Seen"}},
        {"duplicates in another case",
         {"\\Seen", "\\SEEN", "$Label", "$LABEL"},
         {"$Label", "\\Seen"}},
        {"keywords keep their first spelling", {"$Work", "$work"}, {"$Work"}},
        {"empty strings are dropped", {"", "\\Seen", ""}, {"\\Seen"}},
        {"sorted case-insensitively (by octet after folding)",
         {"Zeta", "\\Seen", "alpha", "$Label"},
         {"$Label", "\\Seen", "alpha", "Zeta"}},
    };
    for (const SyncableRow& row : rows) {
        EXPECT_EQ(syncable_flags(row.in), row.out) << row.what;
    }
}

// A folder that cannot hold keywords gets the system flags only; the
// keywords are what the report says was dropped.
TEST(SyncFlags, KeywordsAndSystemFlagsPartitionAFlagList) {
    const Flags flags{"\\Seen", "$Label", "\\Flagged", "NonJunk"};
    EXPECT_EQ(keywords_of(flags), (Flags{"$Label", "NonJunk"}));
    EXPECT_EQ(without_keywords(flags), (Flags{"\\Seen", "\\Flagged"}));
    EXPECT_TRUE(keywords_of({"\\Seen"}).empty());
    EXPECT_TRUE(without_keywords({"$Label"}).empty());
}

TEST(SyncFlags, DifferenceIgnoresCaseAndKeepsTheFirstListsOrder) {
    // What +FLAGS and -FLAGS of a flag update would carry.
    const Flags source{"\\Seen", "$Label", "\\Answered"};
    const Flags target{"\\SEEN", "$Other"};
    EXPECT_EQ(flags_minus(source, target), (Flags{"$Label", "\\Answered"}));
    EXPECT_EQ(flags_minus(target, source), (Flags{"$Other"}));
    EXPECT_TRUE(flags_minus({"$label"}, {"$LABEL"}).empty());
    EXPECT_EQ(flags_minus({"\\Seen"}, {}), (Flags{"\\Seen"}));
}

TEST(SyncFlags, SameFlagsIgnoresOrderCaseAndDuplicates) {
    EXPECT_TRUE(same_flags({"\\Seen", "$Label"}, {"$label", "\\SEEN"}));
    EXPECT_TRUE(same_flags({"\\Seen", "\\Seen"}, {"\\Seen"}));
    EXPECT_TRUE(same_flags({}, {}));
    EXPECT_FALSE(same_flags({"\\Seen"}, {"\\Seen", "\\Flagged"}));
    EXPECT_FALSE(same_flags({"\\Seen"}, {}));
    EXPECT_FALSE(same_flags({"$Label"}, {"$Labels"}));
}

}  // namespace
}  // namespace mailferry::sync
