// The server line quoted in error messages: bounded, control bytes escaped.

#include "clients/wire/quote_line.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace {

using namespace mailferry::wire;

TEST(WireQuoteLine, QuotesPrintableTextAsIs) {
    EXPECT_EQ(quote_line("* OK ready", 10), "\"* OK ready\"");
    EXPECT_EQ(quote_line("", 0), "\"\"");
    EXPECT_EQ(quote_line("caf\xc3\xa9", 5), "\"caf\xc3\xa9\"");
}

TEST(WireQuoteLine, EscapesControlBytes) {
    EXPECT_EQ(quote_line("* X a\x01z", 7), "\"* X a\\x01z\"");
    EXPECT_EQ(quote_line("a\r\nb", 4), "\"a\\r\\nb\"");
    EXPECT_EQ(quote_line(std::string("\0\x1b[2J\x7f", 6), 6), "\"\\x00\\x1b[2J\\x7f\"");
    EXPECT_EQ(quote_line("\t", 1), "\"\\x09\"");
}

TEST(WireQuoteLine, CutsLongLinesAndSaysSo) {
    const std::string long_line(500, 'x');
    EXPECT_EQ(quote_line(long_line, long_line.size()),
              "\"" + std::string(quote_line_limit, 'x') + "\"...");
    // A prefix of a longer line is marked even when it is short.
    EXPECT_EQ(quote_line("abc", 10), "\"abc\"...");
    EXPECT_EQ(quote_line("abc", std::numeric_limits<std::size_t>::max()), "\"abc\"...");
    const std::string exact(quote_line_limit, 'y');
    EXPECT_EQ(quote_line(exact, exact.size()), "\"" + exact + "\"");
}

}  // namespace
