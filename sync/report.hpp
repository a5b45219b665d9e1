#pragma once
// The run report of SPEC.md ("The report"): filled from a plan, then updated
// by the engine as messages are copied or fail and folders are created.
// With a dry run nothing updates it, so every `copied` figure stays 0 while
// `to_copy`, `bytes.to_copy`, `flag_updates`, `deletions`, `created` and
// `folders_created` say what a real run would do. A real run's report says
// what happened: a folder is `created` (and counted in `folders_created`)
// only when the run's CREATE made it.
//
// The account strings are printed as given: pass URLs without passwords.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sync/plan.hpp"

namespace mailferry::sync {

struct MessageFigures {
    std::size_t source = 0;
    std::size_t to_copy = 0;
    std::size_t copied = 0;
    std::size_t already_there = 0;
    std::size_t filtered = 0;
    std::size_t failed = 0;
};

struct ByteFigures {
    std::uint64_t to_copy = 0;
    std::uint64_t copied = 0;
};

struct FolderReport {
    std::string source;  // '/' separated UTF-8
    std::string target;
    bool created = false;
    MessageFigures messages;
    ByteFigures bytes;
    std::size_t flag_updates = 0;
    std::size_t deletions = 0;
};

struct ReportError {
    std::string folder;     // source folder name
    std::string source_id;  // source key: UID in decimal or UIDL
    std::string error;
};

struct ReportTotals {
    MessageFigures messages;
    ByteFigures bytes;
    std::size_t flag_updates = 0;
    std::size_t deletions = 0;
    std::size_t folders_created = 0;
};

// How a server's throttling slowed the run (throttle.hpp): episodes of
// back-off, the time spent waiting, and the connection pairs the run began
// its work with and ended with.
struct ThrottleFigures {
    std::size_t episodes = 0;
    double wait_s = 0.0;
    std::size_t connections_start = 0;
    std::size_t connections_end = 0;
};

MessageFigures& operator+=(MessageFigures& sum, const MessageFigures& m) noexcept;
ByteFigures& operator+=(ByteFigures& sum, const ByteFigures& b) noexcept;
ReportTotals& operator+=(ReportTotals& sum, const ReportTotals& t) noexcept;
// The "totals" object of the JSON report.
nlohmann::json to_json(const ReportTotals& totals);

class Report {
  public:
    using Clock = std::chrono::system_clock;

    static Report from_plan(const Plan& plan, std::string source, std::string target, bool dry_run,
                            Clock::time_point started);
    // A later plan of the same run (the next window of folders copied in
    // windows): its figures add to those of the folders reported already.
    void add_plan(const Plan& plan);

    // Executor updates; an unknown folder name is ignored for the figures but
    // an error is still listed.
    void record_copied(std::string_view source_folder, std::uint64_t bytes);
    void record_failed(std::string_view source_folder, std::string source_id, std::string error);
    // The run's CREATE made `target_folder` (a parent without a source
    // folder of its own counts too).
    void record_folder_created(std::string_view target_folder);
    // An error of the folder itself, no message counted (an empty folder
    // whose target could not be created).
    void record_folder_error(std::string_view source_folder, std::string error);
    void set_duration(double seconds) { duration_s_ = seconds; }
    void set_throttling(const ThrottleFigures& t) { throttling_ = t; }
    const ThrottleFigures& throttling() const { return throttling_; }
    double duration() const { return duration_s_; }

    FolderReport* folder(std::string_view source_folder);
    const std::vector<FolderReport>& folders() const { return folders_; }
    const std::vector<ReportError>& errors() const { return errors_; }
    bool dry_run() const { return dry_run_; }
    ReportTotals totals() const;

    // SPEC.md's JSON shape, key for key.
    nlohmann::json to_json() const;
    // A fixed-width table for the terminal, one row per folder and a total.
    std::string to_table() const;

  private:
    bool dry_run_ = false;
    std::string source_;
    std::string target_;
    Clock::time_point started_{};
    double duration_s_ = 0.0;
    ThrottleFigures throttling_;
    std::vector<FolderReport> folders_;
    std::size_t folders_created_ = 0;
    std::vector<ReportError> errors_;
    std::optional<GmailStrategy> gmail_;
};

// "2026-11-23T10:00:00Z" (RFC 3339, UTC, whole seconds).
std::string format_utc(Report::Clock::time_point t);

}  // namespace mailferry::sync
