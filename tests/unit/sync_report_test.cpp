// The run report: SPEC.md's JSON shape, dry-run semantics and the table.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "sync/planner.hpp"
#include "sync/report.hpp"

namespace mailferry::sync {
namespace {

// The example of SPEC.md, "The report", verbatim.
constexpr const char* spec_example = R"({
  "dry_run": false,
  "source": "imap://src@127.0.0.1:1143",
  "target": "imap://dst@127.0.0.1:2143",
  "started": "2026-11-23T10:00:00Z",
  "duration_s": 12.5,
  "folders": [
    {
      "source": "Archive/2023", "target": "Archive/2023", "created": true,
      "messages": {"source": 120, "to_copy": 120, "copied": 120,
                   "already_there": 0, "filtered": 0, "failed": 0},
      "bytes": {"to_copy": 3456789, "copied": 3456789},
      "flag_updates": 0, "deletions": 0
    }
  ],
  "totals": {
    "messages": {"source": 0, "to_copy": 0, "copied": 0,
                 "already_there": 0, "filtered": 0, "failed": 0},
    "bytes": {"to_copy": 0, "copied": 0},
    "flag_updates": 0, "deletions": 0, "folders_created": 0
  },
  "errors": [{"folder": "INBOX", "source_id": "4711", "error": "..."}],
  "throttling": {"episodes": 0, "wait_s": 0.0, "connections_start": 0, "connections_end": 0}
})";

// Same keys at every level and the same kind of value (number, string, ...).
void expect_same_shape(const nlohmann::json& expected, const nlohmann::json& actual,
                       const std::string& path) {
    SCOPED_TRACE(path);
    const bool both_numbers = expected.is_number() && actual.is_number();
    ASSERT_TRUE(both_numbers || expected.type() == actual.type())
        << expected.type_name() << " vs " << actual.type_name();
    if (expected.is_object()) {
        ASSERT_EQ(expected.size(), actual.size());
        for (const auto& [key, value] : expected.items()) {
            ASSERT_TRUE(actual.contains(key)) << key;
            expect_same_shape(value, actual.at(key), path + "." + key);
        }
    } else if (expected.is_array()) {
        ASSERT_FALSE(actual.empty());
        for (const auto& element : actual) {
            expect_same_shape(expected.front(), element, path + "[]");
        }
    }
}

using Flags = std::vector<std::string>;

SourceMessage src(std::uint32_t uid, std::string mid, std::uint64_t size, Flags flags = {}) {
    SourceMessage m;
    m.uid = uid;
    m.source_key = std::to_string(uid);
    m.message_id = std::move(mid);
    m.size = size;
    m.internal_date = 1'700'000'000;
    m.flags = std::move(flags);
    return m;
}

// Archive/2023 is new (two messages to copy, one \Deleted); INBOX has one
// message copied before whose flags changed and one that was deleted.
Plan sample_plan() {
    SourceListing source;
    source.folders.push_back(
        {{"INBOX", "", true}, {1, 3, 0, 1}, {src(1, "<a@x>", 10, {"\\Seen"})}});
    SourceMessage deleted = src(3, "<d@x>", 7);
    deleted.deleted = true;
    source.folders.push_back({{"Archive/2023", "", true},
                              {2, 4, 0, 3},
                              {src(1, "<b@x>", 1000), src(2, "<c@x>", 2000), deleted}});
    TargetListing target;
    target.folders.push_back({{"INBOX", "", true},
                              {5, 3, 0, 2},
                              {{1, 10, 1'700'000'000, "<a@x>", {}}, {2, 5, 0, "<z@x>", {}}}});
    MessageState a;
    a.source_key = "1";
    a.source_uid = 1;
    a.target_uid = 1;
    a.status = CopyStatus::copied;
    MessageState z = a;
    z.source_key = "2";
    z.source_uid = 2;
    z.target_uid = 2;
    StateView state;
    state.folders.push_back({"INBOX", "INBOX", 1, 5, 3, 0, {a, z}, std::nullopt});
    PlanOptions options;
    options.sync_deletions = true;
    return plan_sync(source, target, state, options);
}

const Report::Clock::time_point started = Report::Clock::from_time_t(1'795'428'000);

TEST(SyncReport, JsonHasExactlyTheShapeOfTheSpecExample) {
    Report report = Report::from_plan(sample_plan(), "imap://src@127.0.0.1:1143",
                                      "imap://dst@127.0.0.1:2143", false, started);
    report.record_failed("INBOX", "4711", "...");
    expect_same_shape(nlohmann::json::parse(spec_example), report.to_json(), "$");
}

TEST(SyncReport, DryRunSaysWhatARealRunWouldDoAndCopiesNothing) {
    const Report report = Report::from_plan(sample_plan(), "imap://src@127.0.0.1:1143",
                                            "imap://dst@127.0.0.1:2143", true, started);
    const nlohmann::json j = report.to_json();
    EXPECT_EQ(j.at("dry_run"), true);
    EXPECT_EQ(j.at("source"), "imap://src@127.0.0.1:1143");
    EXPECT_EQ(j.at("started"), "2026-11-23T10:00:00Z");
    EXPECT_EQ(j.at("errors"), nlohmann::json::array());
    const nlohmann::json inbox = j.at("folders").at(0);
    EXPECT_EQ(inbox.at("source"), "INBOX");
    EXPECT_EQ(inbox.at("created"), false);
    EXPECT_EQ(inbox.at("messages"),
              nlohmann::json::parse(R"({"source": 1, "to_copy": 0, "copied": 0,
                  "already_there": 1, "filtered": 0, "failed": 0})"));
    EXPECT_EQ(inbox.at("flag_updates"), 1);
    EXPECT_EQ(inbox.at("deletions"), 1);
    const nlohmann::json archive = j.at("folders").at(1);
    EXPECT_EQ(archive.at("target"), "Archive/2023");
    EXPECT_EQ(archive.at("created"), true);
    EXPECT_EQ(archive.at("messages"),
              nlohmann::json::parse(R"({"source": 3, "to_copy": 2, "copied": 0,
                  "already_there": 0, "filtered": 1, "failed": 0})"));
    EXPECT_EQ(archive.at("bytes"), nlohmann::json::parse(R"({"to_copy": 3000, "copied": 0})"));
    EXPECT_EQ(j.at("totals"), nlohmann::json::parse(R"({
        "messages": {"source": 4, "to_copy": 2, "copied": 0,
                     "already_there": 1, "filtered": 1, "failed": 0},
        "bytes": {"to_copy": 3000, "copied": 0},
        "flag_updates": 1, "deletions": 1, "folders_created": 2})"));
}

TEST(SyncReport, ExecutorUpdatesCopiedAndFailed) {
    Report report = Report::from_plan(sample_plan(), "s", "t", false, started);
    report.record_copied("Archive/2023", 1000);
    report.record_failed("Archive/2023", "2", "APPEND failed: NO [OVERQUOTA] quota exceeded");
    report.set_duration(12.5);
    const nlohmann::json j = report.to_json();
    EXPECT_EQ(j.at("duration_s"), 12.5);
    const nlohmann::json& archive = j.at("folders").at(1);
    EXPECT_EQ(archive.at("messages").at("copied"), 1);
    EXPECT_EQ(archive.at("messages").at("failed"), 1);
    EXPECT_EQ(archive.at("bytes").at("copied"), 1000);
    EXPECT_EQ(j.at("totals").at("messages").at("copied"), 1);
    EXPECT_EQ(j.at("totals").at("messages").at("failed"), 1);
    EXPECT_EQ(j.at("errors"), nlohmann::json::parse(R"([{"folder": "Archive/2023",
        "source_id": "2", "error": "APPEND failed: NO [OVERQUOTA] quota exceeded"}])"));
}

// A folder copied in windows is planned once per window: each plan adds to
// the folder's row, and the run's totals count every window once.
TEST(SyncReport, ALaterPlanOfTheRunAddsToTheFoldersItNames) {
    const Plan plan = sample_plan();
    Report once = Report::from_plan(plan, "s", "t", true, started);
    Report twice = Report::from_plan(plan, "s", "t", true, started);
    twice.add_plan(plan);
    ASSERT_EQ(twice.folders().size(), once.folders().size());
    for (std::size_t i = 0; i < once.folders().size(); ++i) {
        const FolderReport& one = once.folders()[i];
        const FolderReport& two = twice.folders()[i];
        EXPECT_EQ(two.source, one.source);
        EXPECT_EQ(two.messages.source, 2 * one.messages.source) << one.source;
        EXPECT_EQ(two.messages.to_copy, 2 * one.messages.to_copy) << one.source;
        EXPECT_EQ(two.messages.filtered, 2 * one.messages.filtered) << one.source;
        EXPECT_EQ(two.bytes.to_copy, 2 * one.bytes.to_copy) << one.source;
        EXPECT_EQ(two.deletions, 2 * one.deletions) << one.source;
        EXPECT_EQ(two.created, one.created) << one.source;
    }
    EXPECT_EQ(twice.totals().messages.to_copy, 2 * once.totals().messages.to_copy);
    EXPECT_EQ(twice.totals().folders_created, once.totals().folders_created)
        << "folders are made once, by the first plan";
}

TEST(SyncReport, ThrottlingIsInTheJsonAndATableLineOnlyWhenItHappened) {
    Report report = Report::from_plan(sample_plan(), "s", "t", false, started);
    EXPECT_EQ(report.to_table().find("Throttled"), std::string::npos);
    report.set_throttling({3, 4.25, 4, 2});
    const nlohmann::json j = report.to_json();
    EXPECT_EQ(j.at("throttling"), nlohmann::json::parse(R"({"episodes": 3, "wait_s": 4.25,
        "connections_start": 4, "connections_end": 2})"));
    EXPECT_NE(report.to_table().find(
                  "Throttled by the server: 3 episode(s), 4.2 s waited, connections 4 -> 2\n"),
              std::string::npos)
        << report.to_table();
}

TEST(SyncReport, RealRunCountsOnlyTheFoldersTheTargetCreated) {
    // The plan creates "Archive" and "Archive/2023"; the target refused the
    // second.
    Report report = Report::from_plan(sample_plan(), "s", "t", false, started);
    EXPECT_EQ(report.totals().folders_created, 0U);
    EXPECT_FALSE(report.folder("Archive/2023")->created);
    report.record_folder_created("Archive");
    report.record_folder_error("Archive/2023", "creating target folder failed");
    const nlohmann::json j = report.to_json();
    EXPECT_EQ(j.at("folders").at(1).at("created"), false);
    EXPECT_EQ(j.at("totals").at("folders_created"), 1);
    std::string table = report.to_table();
    EXPECT_EQ(table.find("(new)"), std::string::npos) << table;
    EXPECT_NE(table.find("1 folder(s) created, 1 error(s)"), std::string::npos) << table;

    report.record_folder_created("Archive/2023");
    EXPECT_TRUE(report.folder("Archive/2023")->created);
    EXPECT_EQ(report.totals().folders_created, 2U);
    table = report.to_table();
    EXPECT_NE(table.find("Archive/2023 (new)"), std::string::npos) << table;
}

TEST(SyncReport, TableShowsEveryFolderAndTheTotal) {
    Report report = Report::from_plan(sample_plan(), "imap://src@h", "imap://dst@h", true, started);
    const std::string table = report.to_table();
    EXPECT_NE(table.find("Dry run"), std::string::npos);
    EXPECT_NE(table.find("INBOX "), std::string::npos);
    EXPECT_NE(table.find("Archive/2023 (new)"), std::string::npos);
    EXPECT_NE(table.find("2.9 KiB"), std::string::npos);
    EXPECT_NE(table.find("Total"), std::string::npos);
    EXPECT_NE(table.find("2 folder(s) to create, 0 error(s)"), std::string::npos);
}

TEST(SyncReport, StartTimeIsUtcRfc3339) {
    EXPECT_EQ(format_utc(Report::Clock::from_time_t(0)), "1970-01-01T00:00:00Z");
    EXPECT_EQ(format_utc(started), "2026-11-23T10:00:00Z");
}

TEST(SyncReport, WhatThePlanWillNotDeleteIsListedBeforeAnythingMoves) {
    Plan plan;
    FolderPlan inbox;
    inbox.source = inbox.target = "INBOX";
    inbox.source_messages = 3;
    inbox.already_there = 3;
    inbox.kept_on_source.push_back({"2", 2});
    inbox.deletions_held_back = 1;
    inbox.held_back_reason = "held back 1 deletion(s)";
    plan.folders.push_back(inbox);
    for (const bool dry_run : {true, false}) {
        const nlohmann::json j =
            Report::from_plan(plan, "s", "t", dry_run, Report::Clock::time_point{}).to_json();
        EXPECT_EQ(j.at("folders").at(0).at("messages").at("failed"), 1);
        EXPECT_EQ(j.at("folders").at(0).at("deletions"), 0);
        ASSERT_EQ(j.at("errors").size(), 2U);
        EXPECT_EQ(j.at("errors").at(0).at("source_id"), "2");
        EXPECT_EQ(j.at("errors").at(0).at("error"), std::string(kept_on_source_reason));
        EXPECT_EQ(j.at("errors").at(1).at("error"), "held back 1 deletion(s)");
    }
}

}  // namespace
}  // namespace mailferry::sync
