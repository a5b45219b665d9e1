// What a settled folder listed in part is made of (split_changed): the
// changed messages still there, the rest counted, the stored UIDs gone.
#include "sync/changed_listing.hpp"

#include <gtest/gtest.h>

namespace mailferry::sync {
namespace {

SourceMessage message(std::uint32_t uid) {
    SourceMessage m;
    m.uid = uid;
    m.source_key = std::to_string(uid);
    return m;
}

std::vector<std::uint32_t> uids_of(const std::vector<SourceMessage>& messages) {
    std::vector<std::uint32_t> out;
    for (const SourceMessage& m : messages) {
        out.push_back(m.uid);
    }
    return out;
}

TEST(SplitChanged, ListsTheChangedCountsTheRestAndFindsWhatIsGone) {
    // On the source now: 1..8 and 10, 11 (new). The state has rows of 1..7
    // and 9 (expunged since); 8 was filtered (no row); 3 is \Deleted.
    const std::vector<std::uint32_t> present{1, 2, 3, 4, 5, 6, 7, 8, 10, 11};
    const std::vector<std::uint32_t> deleted{3};
    const std::vector<std::uint32_t> stored{1, 2, 3, 4, 5, 6, 7, 9};
    // Changed since the settlement, in the server's order: 11 and 10 new, 5
    // flagged, 12 arrived and went before the UIDs were asked for.
    const ChangedListing split = split_changed({message(11), message(5), message(12), message(10)},
                                               present, deleted, stored);
    EXPECT_EQ(uids_of(split.messages), (std::vector<std::uint32_t>{5, 10, 11}));
    EXPECT_EQ(split.unlisted.messages, 7u);  // 1, 2, 3, 4, 6, 7, 8
    EXPECT_EQ(split.unlisted.filtered, 2u);  // 3 (\Deleted) and 8 (never copied)
    EXPECT_EQ(split.vanished, (std::vector<std::uint32_t>{9}));
}

TEST(SplitChanged, StoredUidsBeyondTheLastPresentAreGone) {
    const ChangedListing split = split_changed({}, {2, 4}, {}, {1, 2, 3, 4, 5, 6});
    EXPECT_TRUE(split.messages.empty());
    EXPECT_EQ(split.unlisted.messages, 2u);
    EXPECT_EQ(split.unlisted.filtered, 0u);
    EXPECT_EQ(split.vanished, (std::vector<std::uint32_t>{1, 3, 5, 6}));
}

TEST(SplitChanged, AnEmptiedFolderListsNothingAndLosesEveryRow) {
    const ChangedListing split = split_changed({message(3)}, {}, {}, {1, 3});
    EXPECT_TRUE(split.messages.empty());
    EXPECT_EQ(split.unlisted.messages, 0u);
    EXPECT_EQ(split.vanished, (std::vector<std::uint32_t>{1, 3}));
}

}  // namespace
}  // namespace mailferry::sync
