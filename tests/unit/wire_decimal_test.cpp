// Unsigned decimal numbers as the protocols write them: digits only, and a
// value that does not fit is an error, never a wrapped number.

#include "clients/wire/decimal.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace {

using namespace mailferry::wire;

TEST(WireDecimal, ReadsDigits) {
    EXPECT_EQ(parse_u64("0"), 0u);
    EXPECT_EQ(parse_u64("42"), 42u);
    EXPECT_EQ(parse_u32("007"), 7u);
    EXPECT_EQ(parse_u64("00000000000000000001"), 1u);  // 20 characters
}

TEST(WireDecimal, RejectsAnythingButDigits) {
    for (const char* bad : {"", " 1", "1 ", "+1", "-1", "0x10", "1.5", "1e3", "١", "12a"}) {
        EXPECT_EQ(parse_u64(bad), std::nullopt) << bad;
        EXPECT_EQ(parse_u32(bad), std::nullopt) << bad;
    }
    EXPECT_EQ(parse_u64(std::string("1\0", 2)), std::nullopt);
    // More than 20 characters never parse, even when the value is small.
    EXPECT_EQ(parse_u64("000000000000000000001"), std::nullopt);
}

TEST(WireDecimal, StopsAtTheTypesLimits) {
    EXPECT_EQ(parse_u32("4294967295"), 4294967295u);
    EXPECT_EQ(parse_u32("4294967296"), std::nullopt);
    EXPECT_EQ(parse_u32("42949672950"), std::nullopt);
    EXPECT_EQ(parse_u64("4294967296"), 4294967296u);
    EXPECT_EQ(parse_u64("18446744073709551615"), UINT64_MAX);
    EXPECT_EQ(parse_u64("18446744073709551616"), std::nullopt);
    EXPECT_EQ(parse_u64("18446744073709551620"), std::nullopt);
    EXPECT_EQ(parse_u64("99999999999999999999"), std::nullopt);
}

TEST(WireDecimal, HonoursACallersMaximum) {
    EXPECT_EQ(parse_decimal("31", 31), 31u);
    EXPECT_EQ(parse_decimal("32", 31), std::nullopt);
    EXPECT_EQ(parse_decimal("9999", 9999), 9999u);
    EXPECT_EQ(parse_decimal("10000", 9999), std::nullopt);
    EXPECT_EQ(parse_decimal("0", 0), 0u);
    EXPECT_EQ(parse_decimal("1", 0), std::nullopt);
    EXPECT_EQ(parse_decimal("9", 5), std::nullopt);
}

}  // namespace
