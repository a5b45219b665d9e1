#pragma once
// Fails a test on every warning or error it logs without saying it would
// (STYLE §9; Dovecot's test_expect_error_string): a clean run must log none,
// and a test of a failure names the warnings the failure should cause.
//
//   LogExpectations logs;                  // or test_log(), see below
//   logs.expect_warning("reconnecting");   // must be logged, any number of times
//   logs.allow_warning("server alert");    // may be logged
//   ... run ...
//   // ~LogExpectations: ADD_FAILURE for every other warning/error line, and
//   // for every expected one that never came.
//
// What it sees: lines of level warn and above sent to spdlog's default
// logger or to any logger registered when the object is made, and to every
// logger cloned from those later (the test servers clone the default
// logger). A logger built with sinks of its own (MigrationOptions::logger)
// is not seen; neither is a default logger a test installs later.
//
// Objects nest: a line goes to the innermost one alive. Lines may come from
// any thread (a test server logs from its own); the checks run on the
// thread that calls verify() or destroys the object.

#include <spdlog/common.h>

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::test {

class LogExpectations {
  public:
    LogExpectations();
    // verify(), then a failure for each expect_*() substring never logged.
    ~LogExpectations();
    LogExpectations(const LogExpectations&) = delete;
    LogExpectations& operator=(const LogExpectations&) = delete;

    // Warnings containing `substring` are expected; at least one must come.
    void expect_warning(std::string substring);
    // Warnings containing `substring` are fine, none included.
    void allow_warning(std::string substring);
    // Errors (and criticals) containing `substring` are expected; at least
    // one must come.
    void expect_error(std::string substring);

    // Fails the test for each unexpected line logged since the last call,
    // then forgets them; call it inside a SCOPED_TRACE to name the case.
    void verify();
    // Warning and error lines logged so far (expected or not) that contain
    // `substring`.
    std::size_t count(std::string_view substring) const;

    // Called by the sink for each line of level warn and above.
    void record(spdlog::level::level_enum level, std::string_view logger, std::string_view text);

  private:
    struct Expectation {
        bool error = false;  // error/critical lines; else warnings
        std::string substring;
        bool required = true;
        std::size_t seen = 0;
    };
    struct Line {
        spdlog::level::level_enum level;
        std::string logger;
        std::string text;
    };

    mutable std::mutex mutex_;
    std::vector<Expectation> expectations_;
    std::vector<Line> lines_;       // every warning/error line
    std::vector<Line> unexpected_;  // not yet reported by verify()
};

// The innermost LogExpectations alive; throws std::logic_error when there
// is none (check_logs_of_every_test() was not called).
LogExpectations& test_log();

// From now on every test of this program runs inside a LogExpectations of
// its own (a gtest event listener, as gtest's leak-checker sample does), so
// it fails on a warning it did not expect; it reaches it with test_log().
// Idempotent.
void check_logs_of_every_test();

}  // namespace mailferry::test
