// Per-job loggers: their lines name the job in text and JSON, and they follow
// configure_logging.
#include "cli/logging.hpp"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace mailferry::cli {
namespace {

class JobLogger : public ::testing::Test {
  protected:
    void SetUp() override {
        // configure_logging adopts an existing "mailferry" logger: ours writes
        // into a string.
        spdlog::drop("mailferry");
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
        spdlog::register_logger(std::make_shared<spdlog::logger>("mailferry", sink));
    }

    void TearDown() override {
        // Back to stderr, so no logger keeps writing into out_.
        spdlog::drop("mailferry");
        configure_logging(LogOptions{});
    }

    static void configure(std::string format, bool quiet = false) {
        LogOptions options;
        options.format = std::move(format);
        options.quiet = quiet;
        configure_logging(options);
    }

    std::vector<std::string> lines() const {
        std::vector<std::string> result;
        std::istringstream in(out_.str());
        for (std::string line; std::getline(in, line);) {
            result.push_back(line);
        }
        return result;
    }

    std::ostringstream out_;
};

TEST_F(JobLogger, TextLinesLookLikeTheDefaultOnesWithTheJobBeforeTheMessage) {
    configure("text");
    job_logger("alice")->info("hello");
    spdlog::info("plain");

    const auto written = lines();
    ASSERT_EQ(written.size(), 2U) << out_.str();
    const std::regex stamp(R"(^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} info )");
    EXPECT_TRUE(std::regex_search(written[0], stamp)) << written[0];
    EXPECT_TRUE(written[0].ends_with(" info [job alice] hello")) << written[0];
    EXPECT_TRUE(std::regex_search(written[1], stamp)) << written[1];
    EXPECT_TRUE(written[1].ends_with(" info plain")) << written[1];
}

TEST_F(JobLogger, JsonLinesCarryAJobFieldOnlyForJobLoggers) {
    configure("json");
    job_logger("alice")->info("hello");
    spdlog::warn("plain");

    const auto written = lines();
    ASSERT_EQ(written.size(), 2U) << out_.str();
    const auto job_line = nlohmann::json::parse(written[0]);
    EXPECT_EQ(job_line.at("job"), "alice");
    EXPECT_EQ(job_line.at("msg"), "hello");
    EXPECT_EQ(job_line.at("level"), "info");
    EXPECT_EQ(job_line.at("logger"), "mailferry");
    const auto plain_line = nlohmann::json::parse(written[1]);
    EXPECT_FALSE(plain_line.contains("job")) << written[1];
    EXPECT_EQ(plain_line.at("msg"), "plain");
    EXPECT_EQ(plain_line.at("logger"), "mailferry");
}

TEST_F(JobLogger, OneLoggerPerName) {
    configure("text");
    EXPECT_EQ(job_logger("alice"), job_logger("alice"));
    EXPECT_NE(job_logger("alice"), job_logger("bob"));
    job_logger("bob")->info("from bob");
    const auto written = lines();
    ASSERT_EQ(written.size(), 1U) << out_.str();
    EXPECT_TRUE(written[0].ends_with("[job bob] from bob")) << written[0];
}

TEST_F(JobLogger, FollowsALaterConfigureLogging) {
    configure("text");
    const auto alice = job_logger("alice");
    alice->info("before");

    configure("json", /*quiet=*/true);
    alice->info("hidden by --quiet");
    alice->warn("after");

    const auto written = lines();
    ASSERT_EQ(written.size(), 2U) << out_.str();
    EXPECT_TRUE(written[0].ends_with("[job alice] before")) << written[0];
    const auto json_line = nlohmann::json::parse(written[1]);
    EXPECT_EQ(json_line.at("job"), "alice");
    EXPECT_EQ(json_line.at("msg"), "after");
}

TEST_F(JobLogger, NamesAreTakenVerbatim) {
    configure("json");
    job_logger("shop pop \"eu\"")->info("x");
    const auto written = lines();
    ASSERT_EQ(written.size(), 1U) << out_.str();
    EXPECT_EQ(nlohmann::json::parse(written[0]).at("job"), "shop pop \"eu\"");
}

}  // namespace
}  // namespace mailferry::cli
