// Matching source messages against a target folder by content, when no
// state says where they went: a false match loses a message (it is never
// copied), a missed one copies it twice. So: Message-ID, size and date must
// agree (the date up to a whole time-zone offset), each target message is
// claimed once, and mail without a Message-ID is matched only in the one
// narrow case the planner allows.
#include "sync/message_matching.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace mailferry::sync {
namespace {

constexpr std::int64_t date = 1'700'000'000;

TargetMessage on_target(std::uint32_t uid, std::string message_id, std::uint64_t size,
                        std::int64_t internal_date) {
    TargetMessage m;
    m.uid = uid;
    m.message_id = std::move(message_id);
    m.size = size;
    m.internal_date = internal_date;
    return m;
}

TEST(MessageMatching, SameMessageIdSizeAndDateMatches) {
    const std::vector<TargetMessage> target{on_target(4, "<a@x>", 900, date),
                                            on_target(9, "<b@x>", 900, date)};
    TargetPool pool(target);
    EXPECT_EQ(pool.claim_match("<b@x>", 900, date), std::optional<std::uint32_t>(9));
    EXPECT_EQ(pool.claim_match("<a@x>", 900, date), std::optional<std::uint32_t>(4));
}

TEST(MessageMatching, AnyDifferenceInIdOrSizeIsAnotherMessage) {
    const std::vector<TargetMessage> target{on_target(4, "<a@x>", 900, date)};
    TargetPool pool(target);
    EXPECT_FALSE(pool.claim_match("<a@x>", 901, date)) << "size differs";
    EXPECT_FALSE(pool.claim_match("<A@x>", 900, date)) << "Message-IDs compare exactly";
    EXPECT_FALSE(pool.claim_match("<c@x>", 900, date));
    EXPECT_FALSE(pool.claim_match("<a@x>", 900, date + 1)) << "a second off";
    EXPECT_EQ(pool.claim_match("<a@x>", 900, date), std::optional<std::uint32_t>(4));
}

TEST(MessageMatching, SurroundingWhiteSpaceOfTheMessageIdIsIgnored) {
    const std::vector<TargetMessage> target{on_target(4, " <a@x>\r\n", 900, date)};
    TargetPool pool(target);
    EXPECT_EQ(pool.claim_match("\t<a@x> ", 900, date), std::optional<std::uint32_t>(4));
    EXPECT_EQ(message_id_key(" \t<a@x>\r\n"), "<a@x>");
    EXPECT_EQ(message_id_key(" \r\n"), "");
}

TEST(MessageMatching, EachTargetMessageIsClaimedOnceLowestUidFirst) {
    // Three identical source messages, two copies on the target: two match,
    // the third is copied.
    const std::vector<TargetMessage> target{on_target(12, "<dup@x>", 500, date),
                                            on_target(3, "<dup@x>", 500, date)};
    TargetPool pool(target);
    EXPECT_EQ(pool.claim_match("<dup@x>", 500, date), std::optional<std::uint32_t>(3));
    EXPECT_EQ(pool.claim_match("<dup@x>", 500, date), std::optional<std::uint32_t>(12));
    EXPECT_FALSE(pool.claim_match("<dup@x>", 500, date));
}

struct ShiftRow {
    std::int64_t shift;  // target date minus source date, seconds
    bool matches;
};

// A tool that stored local time under the wrong zone leaves dates off by a
// whole offset: a multiple of 15 minutes, at most 14 hours.
TEST(MessageMatching, DateOffByAWholeTimeZoneOffsetStillMatches) {
    const ShiftRow rows[] = {
        {3600, true},
        {-3600, true},
        {15 * 60, true},
        {-(5 * 3600 + 45 * 60), true},
        {14 * 3600, true},
        {-14 * 3600, true},
        {14 * 3600 + 900, false},
        {61, false},
        {3600 + 1, false},
        {10 * 60, false},
    };
    for (const ShiftRow& row : rows) {
        const std::vector<TargetMessage> target{on_target(1, "<a@x>", 900, date + row.shift)};
        TargetPool pool(target);
        EXPECT_EQ(pool.claim_match("<a@x>", 900, date).has_value(), row.matches)
            << "shift " << row.shift << " s";
    }
}

TEST(MessageMatching, ExactDateWinsOverAZoneShiftedTwin) {
    const std::vector<TargetMessage> target{on_target(1, "<a@x>", 900, date + 3600),
                                            on_target(2, "<a@x>", 900, date)};
    TargetPool pool(target);
    EXPECT_EQ(pool.claim_match("<a@x>", 900, date), std::optional<std::uint32_t>(2));
    EXPECT_EQ(pool.claim_match("<a@x>", 900, date), std::optional<std::uint32_t>(1));
}

TEST(MessageMatching, MailWithoutMessageIdIsNeverMatchedByContent) {
    const std::vector<TargetMessage> target{on_target(1, "", 900, date)};
    TargetPool pool(target);
    EXPECT_FALSE(pool.claim_match("", 900, date));
    EXPECT_FALSE(pool.claim_match("  ", 900, date));
}

// The interrupted-APPEND case: size and exact date, and only against target
// messages that lack a Message-ID too.
TEST(MessageMatching, WithoutIdMatchesOnlyIdLessMailOfTheExactDate) {
    const std::vector<TargetMessage> target{on_target(1, "<a@x>", 900, date),
                                            on_target(2, "", 900, date + 3600),
                                            on_target(3, "", 900, date)};
    TargetPool pool(target);
    EXPECT_EQ(pool.claim_match_without_id(900, date), std::optional<std::uint32_t>(3));
    EXPECT_FALSE(pool.claim_match_without_id(900, date)) << "no zone shift without an ID";
    EXPECT_FALSE(pool.claim_match_without_id(901, date + 3600));
    EXPECT_EQ(pool.claim_match_without_id(900, date + 3600), std::optional<std::uint32_t>(2));
}

TEST(MessageMatching, ClaimingByUidTakesTheMessageOutOfThePool) {
    // A pending APPEND found by its APPENDUID is claimed first; content
    // matching must not hand the same message to another source message.
    const std::vector<TargetMessage> target{on_target(7, "<a@x>", 900, date)};
    TargetPool pool(target);
    ASSERT_NE(pool.find(7), nullptr);
    EXPECT_EQ(pool.find(7)->message_id, "<a@x>");
    EXPECT_EQ(pool.find(8), nullptr);
    EXPECT_TRUE(pool.claim(7));
    EXPECT_FALSE(pool.claim(7)) << "claimed twice";
    EXPECT_FALSE(pool.claim(8)) << "not on the target";
    EXPECT_FALSE(pool.claim_match("<a@x>", 900, date));
    EXPECT_NE(pool.find(7), nullptr) << "a claimed message is still listed";
}

}  // namespace
}  // namespace mailferry::sync
