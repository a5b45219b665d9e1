#include "cli/prometheus_text.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

namespace mailferry::cli {
namespace {

TEST(PrometheusText, TwoJobsGiveEveryFamilyOnceWithOneSamplePerJob) {
    std::vector<JobMetrics> jobs(2);
    jobs[0].job = "alice";
    jobs[0].runs = 3;
    jobs[0].failures = 1;
    jobs[0].messages_copied = 42;
    jobs[0].bytes_copied = 123456;
    jobs[0].last_success = 1700000000;
    jobs[0].running = true;
    jobs[1].job = "bob";
    jobs[1].runs = 2;
    jobs[1].failures = 2;
    jobs[1].backoff_seconds = 30.5;

    EXPECT_EQ(render_prometheus(jobs),
              "# HELP mailferry_job_runs_total Job runs finished.\n"
              "# TYPE mailferry_job_runs_total counter\n"
              "mailferry_job_runs_total{job=\"alice\"} 3\n"
              "mailferry_job_runs_total{job=\"bob\"} 2\n"
              "# HELP mailferry_job_failures_total Job runs that failed.\n"
              "# TYPE mailferry_job_failures_total counter\n"
              "mailferry_job_failures_total{job=\"alice\"} 1\n"
              "mailferry_job_failures_total{job=\"bob\"} 2\n"
              "# HELP mailferry_job_messages_copied_total Messages copied to the target.\n"
              "# TYPE mailferry_job_messages_copied_total counter\n"
              "mailferry_job_messages_copied_total{job=\"alice\"} 42\n"
              "mailferry_job_messages_copied_total{job=\"bob\"} 0\n"
              "# HELP mailferry_job_bytes_copied_total Message bytes copied to the target.\n"
              "# TYPE mailferry_job_bytes_copied_total counter\n"
              "mailferry_job_bytes_copied_total{job=\"alice\"} 123456\n"
              "mailferry_job_bytes_copied_total{job=\"bob\"} 0\n"
              "# HELP mailferry_job_last_success_timestamp_seconds Unix time of the end of the "
              "last successful run.\n"
              "# TYPE mailferry_job_last_success_timestamp_seconds gauge\n"
              "mailferry_job_last_success_timestamp_seconds{job=\"alice\"} 1700000000\n"
              "# HELP mailferry_job_backoff_seconds Current back-off after failures, 0 when "
              "none.\n"
              "# TYPE mailferry_job_backoff_seconds gauge\n"
              "mailferry_job_backoff_seconds{job=\"alice\"} 0\n"
              "mailferry_job_backoff_seconds{job=\"bob\"} 30.5\n"
              "# HELP mailferry_job_running 1 while a run of the job is in progress.\n"
              "# TYPE mailferry_job_running gauge\n"
              "mailferry_job_running{job=\"alice\"} 1\n"
              "mailferry_job_running{job=\"bob\"} 0\n"
              "# HELP mailferry_jobs Jobs configured.\n"
              "# TYPE mailferry_jobs gauge\n"
              "mailferry_jobs 2\n");
}

TEST(PrometheusText, JobNamesAreEscapedInLabelValues) {
    std::vector<JobMetrics> jobs(1);
    jobs[0].job = "a\\b\"c\nd";
    const std::string text = render_prometheus(jobs);
    EXPECT_NE(text.find("mailferry_job_runs_total{job=\"a\\\\b\\\"c\\nd\"} 0\n"), std::string::npos)
        << text;
    // The raw newline must not split a sample line.
    EXPECT_EQ(text.find("c\nd"), std::string::npos) << text;
}

TEST(PrometheusText, EscapingLeavesOtherBytesAlone) {
    EXPECT_EQ(escape_label_value("plain name-1.x"), "plain name-1.x");
    EXPECT_EQ(escape_label_value("\\"), "\\\\");
    EXPECT_EQ(escape_label_value("\""), "\\\"");
    EXPECT_EQ(escape_label_value("\n"), "\\n");
    EXPECT_EQ(escape_label_value("caf\xc3\xa9\t"), "caf\xc3\xa9\t");
}

TEST(PrometheusText, NoJobsGiveHeadersAndAJobCountOfZero) {
    const std::string text = render_prometheus({});
    EXPECT_NE(text.find("# TYPE mailferry_job_runs_total counter\n"), std::string::npos);
    EXPECT_NE(text.find("\nmailferry_jobs 0\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("{job="), std::string::npos) << text;
}

TEST(PrometheusText, SpecialBackOffValuesUseTheFormatsSpelling) {
    std::vector<JobMetrics> jobs(1);
    jobs[0].job = "x";
    jobs[0].backoff_seconds = std::numeric_limits<double>::infinity();
    EXPECT_NE(render_prometheus(jobs).find("mailferry_job_backoff_seconds{job=\"x\"} +Inf\n"),
              std::string::npos);
}

}  // namespace
}  // namespace mailferry::cli
