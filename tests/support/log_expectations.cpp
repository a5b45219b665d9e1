#include "tests/support/log_expectations.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <stdexcept>

namespace mailferry::test {
namespace {

// One sink for the whole program, added once to each logger and never
// removed: a logger cloned during a test keeps a pointer to it, and taking a
// sink out of a logger another thread may be using would race. It forwards
// to the innermost LogExpectations alive and drops lines when there is none.
class ExpectationSink final : public spdlog::sinks::base_sink<std::mutex> {
  public:
    void push(LogExpectations* logs) {
        const std::lock_guard lock(mutex_);
        active_.push_back(logs);
    }
    void pop(LogExpectations* logs) {
        const std::lock_guard lock(mutex_);
        active_.erase(std::remove(active_.begin(), active_.end(), logs), active_.end());
    }
    LogExpectations* innermost() {
        const std::lock_guard lock(mutex_);
        return active_.empty() ? nullptr : active_.back();
    }

  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        if (msg.level < spdlog::level::warn || msg.level == spdlog::level::off || active_.empty()) {
            return;
        }
        active_.back()->record(msg.level,
                               std::string_view(msg.logger_name.data(), msg.logger_name.size()),
                               std::string_view(msg.payload.data(), msg.payload.size()));
    }
    void flush_() override {}

  private:
    std::vector<LogExpectations*> active_;
};

const std::shared_ptr<ExpectationSink>& expectation_sink() {
    static const auto sink = std::make_shared<ExpectationSink>();
    return sink;
}

// Called on the test's thread before the test starts anything that logs.
void attach_to(const std::shared_ptr<spdlog::logger>& logger) {
    if (!logger) {
        return;
    }
    auto& sinks = logger->sinks();
    if (std::find(sinks.begin(), sinks.end(), expectation_sink()) == sinks.end()) {
        sinks.push_back(expectation_sink());
    }
}

bool is_error(spdlog::level::level_enum level) {
    return level >= spdlog::level::err;
}

std::string describe(spdlog::level::level_enum level, std::string_view logger,
                     std::string_view text) {
    const auto name = spdlog::level::to_string_view(level);
    return std::string(name.data(), name.size()) + " from logger '" + std::string(logger) +
           "': " + std::string(text);
}

class EveryTestListener final : public testing::EmptyTestEventListener {
  public:
    void OnTestStart(const testing::TestInfo&) override { logs_.emplace(); }
    // gtest calls OnTestEnd of later listeners first, so failures reported
    // here still count for the test and show before its result line.
    void OnTestEnd(const testing::TestInfo&) override { logs_.reset(); }

  private:
    std::optional<LogExpectations> logs_;
};

}  // namespace

LogExpectations::LogExpectations() {
    attach_to(spdlog::default_logger());
    spdlog::apply_all(attach_to);
    expectation_sink()->push(this);
}

LogExpectations::~LogExpectations() {
    expectation_sink()->pop(this);
    verify();
    const std::lock_guard lock(mutex_);
    for (const Expectation& e : expectations_) {
        if (e.required && e.seen == 0) {
            ADD_FAILURE() << "expected " << (e.error ? "an error" : "a warning") << " containing \""
                          << e.substring << "\", but none was logged";
        }
    }
}

void LogExpectations::expect_warning(std::string substring) {
    const std::lock_guard lock(mutex_);
    expectations_.push_back({false, std::move(substring), true, 0});
}

void LogExpectations::allow_warning(std::string substring) {
    const std::lock_guard lock(mutex_);
    expectations_.push_back({false, std::move(substring), false, 0});
}

void LogExpectations::expect_error(std::string substring) {
    const std::lock_guard lock(mutex_);
    expectations_.push_back({true, std::move(substring), true, 0});
}

void LogExpectations::record(spdlog::level::level_enum level, std::string_view logger,
                             std::string_view text) {
    const std::lock_guard lock(mutex_);
    Line line{level, std::string(logger), std::string(text)};
    bool expected = false;
    for (Expectation& e : expectations_) {
        if (e.error == is_error(level) && line.text.find(e.substring) != std::string::npos) {
            ++e.seen;
            expected = true;
        }
    }
    if (!expected) {
        unexpected_.push_back(line);
    }
    lines_.push_back(std::move(line));
}

void LogExpectations::verify() {
    std::vector<Line> report;
    {
        const std::lock_guard lock(mutex_);
        report.swap(unexpected_);
    }
    for (const Line& line : report) {
        ADD_FAILURE() << "unexpected " << describe(line.level, line.logger, line.text);
    }
}

std::size_t LogExpectations::count(std::string_view substring) const {
    const std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(std::count_if(
        lines_.begin(), lines_.end(),
        [&](const Line& line) { return line.text.find(substring) != std::string::npos; }));
}

LogExpectations& test_log() {
    LogExpectations* logs = expectation_sink()->innermost();
    if (logs == nullptr) {
        throw std::logic_error(
            "test_log(): no LogExpectations alive; call check_logs_of_every_test() first");
    }
    return *logs;
}

void check_logs_of_every_test() {
    static bool installed = false;
    if (installed) {
        return;
    }
    installed = true;
    // The listener list owns and deletes it.
    testing::UnitTest::GetInstance()->listeners().Append(new EveryTestListener);
}

}  // namespace mailferry::test
