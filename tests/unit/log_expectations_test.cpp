// The test-support sink that fails a test on a warning it did not expect:
// it must fail when it should (or a clean run's warnings go unseen) and stay
// quiet when it should (or every test of a failure needs a workaround).
#include "tests/support/log_expectations.hpp"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <stdexcept>
#include <thread>

namespace mailferry::test {
namespace {

TEST(LogExpectations, UnexpectedWarningFailsTheTest) {
    EXPECT_NONFATAL_FAILURE(
        {
            LogExpectations logs;
            spdlog::warn("disk almost full");
        },
        "unexpected warning from logger '': disk almost full");
}

TEST(LogExpectations, UnexpectedErrorFailsTheTest) {
    EXPECT_NONFATAL_FAILURE(
        {
            LogExpectations logs;
            logs.expect_warning("lost");  // a warning, not an error
            spdlog::warn("connection lost");
            spdlog::error("connection lost for good");
        },
        "unexpected error from logger '': connection lost for good");
}

TEST(LogExpectations, ExpectedWarningThatNeverComesFailsTheTest) {
    EXPECT_NONFATAL_FAILURE(
        {
            LogExpectations logs;
            logs.expect_warning("reconnecting");
        },
        "expected a warning containing \"reconnecting\", but none was logged");
}

TEST(LogExpectations, ExpectedAndAllowedLinesPassAndAreCounted) {
    LogExpectations logs;
    logs.expect_warning("reconnecting");
    logs.allow_warning("server alert");
    logs.expect_error("gave up");
    spdlog::warn("INBOX: connection lost; reconnecting");
    spdlog::warn("Projects: connection lost; reconnecting");
    spdlog::error("gave up after 4 attempts");
    spdlog::info("an info line is never a failure");
    EXPECT_EQ(logs.count("reconnecting"), 2U);
    EXPECT_EQ(logs.count("server alert"), 0U);
    EXPECT_EQ(logs.count(""), 3U);
}

TEST(LogExpectations, VerifyReportsEachUnexpectedLineOnce) {
    LogExpectations logs;
    spdlog::warn("first");
    EXPECT_NONFATAL_FAILURE(logs.verify(), "first");
    spdlog::warn("second");
    EXPECT_NONFATAL_FAILURE(logs.verify(), "second");
    logs.verify();  // nothing new: no failure
}

// The test servers log from their own thread, through a clone of the
// default logger made after the expectations were set up.
TEST(LogExpectations, SeesLinesFromOtherThreadsAndLaterClones) {
    EXPECT_NONFATAL_FAILURE(
        {
            LogExpectations logs;
            auto clone = spdlog::default_logger()->clone("testserver");
            std::thread([clone] { clone->warn("accept failed"); }).join();
        },
        "unexpected warning from logger 'testserver': accept failed");
}

TEST(LogExpectations, InnermostObjectGetsTheLines) {
    LogExpectations outer;
    {
        LogExpectations inner;
        inner.allow_warning("inner only");
        EXPECT_EQ(&test_log(), &inner);
        spdlog::warn("inner only");
    }
    EXPECT_EQ(&test_log(), &outer);
    EXPECT_EQ(outer.count("inner only"), 0U);
}

TEST(LogExpectations, TestLogWithoutAnyObjectIsABugInTheTest) {
    EXPECT_THROW(test_log(), std::logic_error);
}

}  // namespace
}  // namespace mailferry::test
