// Scenario tables for the sync planner, in the style of isync's run-tests.pl:
// each row gives the source listing, the stored state, the target listing and
// the options before a run, and the plan expected from them.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sync/planner.hpp"

namespace mailferry::sync {
namespace {

using Flags = std::vector<std::string>;

constexpr std::int64_t day = 1'700'000'000;  // 2023-11-14T22:13:20Z

SourceMessage src(std::uint32_t uid, std::string mid, std::uint64_t size, std::int64_t date,
                  Flags flags = {}, bool deleted = false) {
    SourceMessage m;
    m.uid = uid;
    m.source_key = std::to_string(uid);
    m.message_id = std::move(mid);
    m.size = size;
    m.internal_date = date;
    m.flags = std::move(flags);
    m.deleted = deleted;
    return m;
}

TargetMessage tgt(std::uint32_t uid, std::string mid, std::uint64_t size, std::int64_t date,
                  Flags flags = {}) {
    return {uid, size, date, std::move(mid), std::move(flags)};
}

MessageState row(CopyStatus status, std::uint32_t uid, std::optional<std::uint32_t> target_uid,
                 std::string mid, std::uint64_t size, std::int64_t date, Flags flags = {}) {
    MessageState s;
    s.source_key = std::to_string(uid);
    s.source_uid = uid;
    s.target_uid = target_uid;
    s.message_id = std::move(mid);
    s.size = size;
    s.internal_date = date;
    s.source_flags = flags;
    s.target_flags = std::move(flags);
    s.status = status;
    return s;
}

MessageState copied(std::uint32_t uid, std::optional<std::uint32_t> target_uid, std::string mid,
                    std::uint64_t size, std::int64_t date, Flags flags = {}) {
    return row(CopyStatus::copied, uid, target_uid, std::move(mid), size, date, std::move(flags));
}

MessageState pending(std::uint32_t uid, std::optional<std::uint32_t> target_uid, std::string mid,
                     std::uint64_t size, std::int64_t date) {
    return row(CopyStatus::pending, uid, target_uid, std::move(mid), size, date);
}

// A row whose message an earlier run moved off the source (--delete-source).
MessageState moved(std::uint32_t uid, std::optional<std::uint32_t> target_uid, std::string mid,
                   std::uint64_t size, std::int64_t date) {
    return row(CopyStatus::deleted_on_source, uid, target_uid, std::move(mid), size, date);
}

// Renderings of one folder plan, compared as strings so a failure shows the
// whole section.
std::string copies_of(const FolderPlan& f) {
    std::string out;
    for (const CopyItem& c : f.copies) {
        out += (out.empty() ? "" : " ") + c.source_key;
    }
    return out;
}

std::string confirmations_of(const FolderPlan& f) {
    std::string out;
    for (const TargetMatch& c : f.confirmations) {
        const char* tag = c.reason == MatchReason::matched     ? "m"
                          : c.reason == MatchReason::rematched ? "r"
                                                               : "p";
        out += (out.empty() ? "" : " ") + c.source_key + ">" + std::to_string(c.target_uid) + tag;
    }
    return out;
}

std::string filtered_of(const FolderPlan& f) {
    std::string out;
    for (const FilteredItem& i : f.filtered) {
        const char* why = i.reason == FilterReason::deleted     ? "deleted"
                          : i.reason == FilterReason::too_large ? "too_large"
                                                                : "too_old";
        out += (out.empty() ? "" : " ") + i.source_key + ":" + why;
    }
    return out;
}

std::string flags_of(const FolderPlan& f) {
    std::string out;
    for (const FlagUpdateGroup& g : f.flag_updates) {
        if (!out.empty()) {
            out += "; ";
        }
        for (const std::string& a : g.add) {
            out += "+" + a + " ";
        }
        for (const std::string& r : g.remove) {
            out += "-" + r + " ";
        }
        std::string uids;
        for (std::uint32_t uid : g.target_uids) {
            uids += (uids.empty() ? "" : ",") + std::to_string(uid);
        }
        out += ":" + uids;
    }
    return out;
}

std::string deletions_of(const FolderPlan& f) {
    std::string out;
    for (const TargetDeletion& d : f.target_deletions) {
        out += (out.empty() ? "t" : " t") + std::to_string(d.target_uid);
    }
    for (const SourceDeletion& d : f.source_deletions) {
        out += (out.empty() ? "s" : " s") + d.source_key;
    }
    return out;
}

struct Scenario {
    const char* name{};
    // Before the run (one folder, INBOX on both sides).
    std::vector<SourceMessage> source{};
    std::optional<std::vector<MessageState>> state{};  // nullopt: first run
    std::vector<TargetMessage> target{};
    PlanOptions options{};
    std::uint32_t source_uidvalidity = 1;  // listed now; the state recorded 1
    std::uint32_t target_uidvalidity = 7;  // listed now; the state recorded 7
    bool target_keywords_allowed = true;   // the target's PERMANENTFLAGS hold `\*`
    // The plan expected.
    std::string copies{};
    std::string confirmations{};  // source key > target uid, m/r/p: matched/rematched/pending
    std::size_t already_there = 0;
    std::string filtered{};
    std::string flags{};
    std::string deletions{};  // t<target uid>, s<source key>
    std::size_t deletion_count = 0;
};

// The scenarios' folders are a few messages each: they show which
// messages a mode deletes, with --max-deletions raised out of the way
// (DeletionCeiling below tests the limit itself).
PlanOptions with(void (*edit)(PlanOptions&)) {
    PlanOptions o;
    o.max_deletions = DeletionLimit::unlimited();
    edit(o);
    return o;
}

using Rows = std::vector<MessageState>;

const std::vector<Scenario> scenarios = {
    {.name = "first run into an empty target",
     .source = {src(1, "<a@x>", 100, day), src(2, "<b@x>", 200, day), src(3, "", 300, day)},
     .copies = "1 2 3"},
    {.name = "first run into a target that holds part of the mail already",
     .source = {src(1, "<a@x>", 100, day, {"\\Seen"}), src(2, "<b@x>", 200, day),
                src(3, "<c@x>", 300, day)},
     .target = {tgt(10, "<a@x>", 100, day, {"\\Seen"}), tgt(11, "<c@x>", 300, day)},
     .copies = "2",
     .confirmations = "1>10m 3>11m",
     .already_there = 2},
    {.name = "first run: the source's flags win over a matched target copy",
     .source = {src(1, "<a@x>", 100, day, {"\\Seen"}), src(2, "<b@x>", 200, day, {"\\Seen"})},
     .target = {tgt(10, "<a@x>", 100, day, {"\\Flagged"}),
                tgt(11, "<b@x>", 200, day, {"\\Flagged"})},
     .confirmations = "1>10m 2>11m",
     .already_there = 2,
     .flags = "+\\Seen -\\Flagged :10,11"},
    {.name = "two messages sharing a Message-ID are two messages",
     .source = {src(1, "<a@x>", 100, day), src(2, "<a@x>", 200, day),
                src(3, "<a@x>", 100, day + 60)},
     .target = {tgt(10, "<a@x>", 200, day)},
     .copies = "1 3",
     .confirmations = "2>10m",
     .already_there = 1},
    {.name = "N identical source messages match at most N target messages",
     .source = {src(1, "<d@x>", 100, day), src(2, "<d@x>", 100, day), src(3, "<d@x>", 100, day)},
     .target = {tgt(11, "<d@x>", 100, day), tgt(10, "<d@x>", 100, day)},
     .copies = "3",
     .confirmations = "1>10m 2>11m",
     .already_there = 2},
    {.name = "messages without Message-ID are copied, not matched by size and date",
     .source = {src(1, "", 100, day)},
     .target = {tgt(10, "", 100, day)},
     .copies = "1"},
    {.name = "a time-zone-only date difference still matches; a second's difference does not",
     .source = {src(1, "<a@x>", 100, day), src(2, "<b@x>", 100, day)},
     .target = {tgt(10, "<a@x>", 100, day - 5 * 3600 - 1800), tgt(11, "<b@x>", 100, day + 1)},
     .copies = "2",
     .confirmations = "1>10m",
     .already_there = 1},
    {.name = "copies go in ascending source UID order",
     .source = {src(9, "<c@x>", 1, day), src(2, "<a@x>", 1, day), src(5, "<b@x>", 1, day)},
     .copies = "2 5 9"},
    {.name = "a re-run with nothing new does nothing",
     .source = {src(1, "<a@x>", 100, day, {"\\Seen"}), src(2, "<b@x>", 200, day)},
     .state = Rows{copied(1, 10, "<a@x>", 100, day, {"\\Seen"}), copied(2, 11, "<b@x>", 200, day)},
     .target = {tgt(10, "<a@x>", 100, day, {"\\Seen"}), tgt(11, "<b@x>", 200, day)},
     .already_there = 2},
    {.name = "a re-run copies only the new messages",
     .source = {src(1, "<a@x>", 100, day), src(2, "<b@x>", 200, day), src(3, "<c@x>", 300, day)},
     .state = Rows{copied(1, 10, "<a@x>", 100, day), copied(2, 11, "<b@x>", 200, day)},
     .target = {tgt(10, "<a@x>", 100, day), tgt(11, "<b@x>", 200, day)},
     .copies = "3",
     .already_there = 2},
    {.name = "flag changes on the source are grouped into one change per set",
     .source = {src(1, "<a@x>", 1, day, {"\\Flagged"}), src(2, "<b@x>", 1, day, {"\\Flagged"}),
                src(3, "<c@x>", 1, day, {"\\Seen", "\\Recent"})},
     .state = Rows{copied(1, 10, "<a@x>", 1, day, {"\\Seen"}),
                   copied(2, 11, "<b@x>", 1, day, {"\\Seen"}), copied(3, 12, "<c@x>", 1, day)},
     .target = {tgt(10, "<a@x>", 1, day), tgt(11, "<b@x>", 1, day), tgt(12, "<c@x>", 1, day)},
     .already_there = 3,
     .flags = "+\\Flagged -\\Seen :10,11; +\\Seen :12"},
    {.name = "\\Recent never counts as a flag change",
     .source = {src(1, "<a@x>", 1, day, {"\\Recent"})},
     .state = Rows{copied(1, 10, "<a@x>", 1, day)},
     .target = {tgt(10, "<a@x>", 1, day)},
     .already_there = 1},
    {.name = "keywords are synced where the target allows them",
     .source = {src(1, "<a@x>", 1, day, {"$Work", "\\Seen"}), src(2, "<b@x>", 1, day)},
     .state = Rows{copied(1, 10, "<a@x>", 1, day, {"\\Seen", "$Home"}),
                   copied(2, 11, "<b@x>", 1, day, {"$Home"})},
     .target = {tgt(10, "<a@x>", 1, day), tgt(11, "<b@x>", 1, day)},
     .already_there = 2,
     .flags = "+$Work -$Home :10; -$Home :11"},
    {.name = "keywords are dropped where the target does not allow them",
     .source = {src(1, "<a@x>", 1, day, {"$Work", "\\Seen"}), src(2, "<b@x>", 1, day, {"$Work"})},
     .state = Rows{copied(1, 10, "<a@x>", 1, day)},
     .target = {tgt(10, "<a@x>", 1, day)},
     .target_keywords_allowed = false,
     .copies = "2",
     .already_there = 1,
     .flags = "+\\Seen :10"},
    {.name = "the source's deletions stay on the target without --sync-deletions",
     .source = {src(1, "<a@x>", 1, day)},
     .state = Rows{copied(1, 10, "<a@x>", 1, day), copied(2, 11, "<b@x>", 1, day)},
     .target = {tgt(10, "<a@x>", 1, day), tgt(11, "<b@x>", 1, day)},
     .already_there = 1},
    {.name = "--sync-deletions deletes what the source lost, found without APPENDUID too",
     .source = {src(1, "<a@x>", 1, day)},
     .state = Rows{copied(1, 10, "<a@x>", 1, day), copied(2, 11, "<b@x>", 1, day),
                   copied(3, std::nullopt, "<c@x>", 1, day)},
     .target = {tgt(10, "<a@x>", 1, day), tgt(11, "<b@x>", 1, day), tgt(12, "<c@x>", 1, day)},
     .options = with([](PlanOptions& o) { o.sync_deletions = true; }),
     .already_there = 1,
     .deletions = "t11 t12",
     .deletion_count = 2},
    {.name = "a flag change reaches a message copied without APPENDUID",
     .source = {src(1, "<a@x>", 1, day, {"\\Answered"})},
     .state = Rows{copied(1, std::nullopt, "<a@x>", 1, day)},
     .target = {tgt(10, "<b@x>", 1, day), tgt(14, "<a@x>", 1, day)},
     .already_there = 1,
     .flags = "+\\Answered :14"},
    {.name = "a source UIDVALIDITY change re-matches instead of copying twice",
     .source = {src(5, "<a@x>", 1, day), src(6, "<b@x>", 1, day), src(7, "<n@x>", 1, day)},
     .state = Rows{copied(1, 10, "<a@x>", 1, day), copied(2, 11, "<b@x>", 1, day)},
     .target = {tgt(10, "<a@x>", 1, day), tgt(11, "<b@x>", 1, day)},
     .options = with([](PlanOptions& o) { o.sync_deletions = true; }),
     .source_uidvalidity = 2,
     .copies = "7",
     .confirmations = "5>10r 6>11r",
     .already_there = 2},
    {.name = "a target UIDVALIDITY change re-matches against the renumbered target",
     .source = {src(1, "<a@x>", 1, day), src(2, "<b@x>", 1, day)},
     .state = Rows{copied(1, 10, "<a@x>", 1, day), copied(2, 11, "<b@x>", 1, day)},
     .target = {tgt(1, "<a@x>", 1, day)},
     .target_uidvalidity = 8,
     .copies = "2",
     .confirmations = "1>1r",
     .already_there = 1},
    {.name = "an interrupted APPEND found by its APPENDUID is confirmed",
     .source = {src(1, "<a@x>", 1, day), src(2, "<b@x>", 1, day)},
     .state = Rows{copied(1, 10, "<a@x>", 1, day), pending(2, 11, "<b@x>", 1, day)},
     .target = {tgt(10, "<a@x>", 1, day), tgt(11, "<b@x>", 1, day)},
     .confirmations = "2>11p",
     .already_there = 2},
    {.name = "an interrupted APPEND found by Message-ID, size and date is confirmed",
     .source = {src(1, "<a@x>", 1, day), src(2, "<b@x>", 1, day)},
     .state = Rows{copied(1, 10, "<a@x>", 1, day), pending(2, std::nullopt, "<b@x>", 1, day)},
     .target = {tgt(10, "<a@x>", 1, day), tgt(11, "<b@x>", 1, day)},
     .confirmations = "2>11p",
     .already_there = 2},
    {.name = "an interrupted APPEND without Message-ID is found by size and date",
     .source = {src(1, "", 5, day), src(2, "", 5, day)},
     .state = Rows{copied(1, 10, "", 5, day), pending(2, std::nullopt, "", 5, day)},
     .target = {tgt(10, "", 5, day), tgt(11, "", 5, day)},
     .confirmations = "2>11p",
     .already_there = 2},
    {.name = "an interrupted APPEND that did not arrive is copied again",
     .source = {src(1, "<a@x>", 1, day), src(2, "<b@x>", 1, day), src(3, "", 5, day)},
     .state = Rows{copied(1, 10, "<a@x>", 1, day), pending(2, 12, "<b@x>", 1, day),
                   pending(3, std::nullopt, "", 5, day)},
     .target = {tgt(10, "<a@x>", 1, day)},
     .copies = "2 3",
     .already_there = 1},
    {.name = "\\Deleted, --max-size and --since filter messages not yet copied",
     .source = {src(1, "<a@x>", 100, day, {}, true), src(2, "<b@x>", 5000, day),
                src(3, "<c@x>", 100, day - 86400), src(4, "<d@x>", 100, day),
                src(5, "<e@x>", 100, 0)},
     .target = {tgt(10, "<a@x>", 100, day)},
     .options = with([](PlanOptions& o) {
         o.max_size = 4096;
         o.since = day - 3600;
     }),
     .copies = "4 5",
     .filtered = "1:deleted 2:too_large 3:too_old"},
    {.name = "--max-size leaves messages copied earlier alone",
     .source = {src(1, "<a@x>", 5000, day)},
     .state = Rows{copied(1, 10, "<a@x>", 5000, day)},
     .target = {tgt(10, "<a@x>", 5000, day)},
     .options = with([](PlanOptions& o) { o.max_size = 4096; }),
     .already_there = 1},
    {.name = "a message copied before and flagged \\Deleted since is filtered, and stays",
     .source = {src(1, "<a@x>", 1, day, {"\\Seen"}, true), src(2, "<b@x>", 1, day)},
     .state = Rows{copied(1, 10, "<a@x>", 1, day), copied(2, 11, "<b@x>", 1, day)},
     .target = {tgt(10, "<a@x>", 1, day), tgt(11, "<b@x>", 1, day)},
     .options = with([](PlanOptions& o) { o.sync_deletions = true; }),
     .already_there = 1,
     .filtered = "1:deleted",
     .flags = "+\\Seen :10"},
    {.name = "--delete-source still moves a copied message flagged \\Deleted since",
     .source = {src(1, "<a@x>", 1, day, {}, true)},
     .state = Rows{copied(1, 10, "<a@x>", 1, day)},
     .target = {tgt(10, "<a@x>", 1, day)},
     .options = with([](PlanOptions& o) { o.delete_source = true; }),
     .filtered = "1:deleted",
     .deletions = "s1",
     .deletion_count = 1},
    {.name = "--delete-source deletes what is safely on the target, and this run's copies",
     .source = {src(1, "<a@x>", 1, day), src(2, "<b@x>", 1, day),
                src(3, "<c@x>", 1, day, {}, true)},
     .state = Rows{copied(1, 10, "<a@x>", 1, day)},
     .target = {tgt(10, "<a@x>", 1, day)},
     .options = with([](PlanOptions& o) { o.delete_source = true; }),
     .copies = "2",
     .already_there = 1,
     .filtered = "3:deleted",
     .deletions = "s1",
     .deletion_count = 2},
    {.name = "--sync-deletions is ignored with --delete-source",
     .source = {src(1, "<a@x>", 1, day)},
     .state = Rows{copied(1, 10, "<a@x>", 1, day), copied(2, 11, "<b@x>", 1, day)},
     .target = {tgt(10, "<a@x>", 1, day), tgt(11, "<b@x>", 1, day)},
     .options = with([](PlanOptions& o) {
         o.sync_deletions = true;
         o.delete_source = true;
     }),
     .already_there = 1,
     .deletions = "s1",
     .deletion_count = 1},
    {.name = "--sync-deletions in a later run never deletes what --delete-source moved",
     .source = {src(1, "<a@x>", 1, day)},
     .state = Rows{copied(1, 10, "<a@x>", 1, day), moved(2, 11, "<b@x>", 1, day)},
     .target = {tgt(10, "<a@x>", 1, day), tgt(11, "<b@x>", 1, day)},
     .options = with([](PlanOptions& o) { o.sync_deletions = true; }),
     .already_there = 1},
    {.name = "a message whose deletion from the source did not complete is deleted again",
     .source = {src(1, "<a@x>", 1, day), src(2, "<b@x>", 1, day)},
     .state = Rows{moved(1, 10, "<a@x>", 1, day)},
     .target = {tgt(10, "<a@x>", 1, day)},
     .options = with([](PlanOptions& o) { o.delete_source = true; }),
     .copies = "2",
     .already_there = 1,
     .deletions = "s1",
     .deletion_count = 2},
    {.name = "--delete-source keeps a copied message whose copy the target no longer shows",
     .source = {src(1, "<a@x>", 1, day), src(2, "<b@x>", 1, day), src(3, "<c@x>", 1, day)},
     .state = Rows{copied(1, 10, "<a@x>", 1, day), copied(2, 11, "<b@x>", 1, day),
                   moved(3, 12, "<c@x>", 1, day)},
     .target = {tgt(10, "<a@x>", 1, day)},
     .options = with([](PlanOptions& o) { o.delete_source = true; }),
     .already_there = 3,
     .deletions = "s1",
     .deletion_count = 1},
    {.name = "a moved message still listed stays without --delete-source, and is not copied",
     .source = {src(1, "<a@x>", 1, day)},
     .state = Rows{moved(1, 10, "<a@x>", 1, day)},
     .target = {tgt(10, "<a@x>", 1, day)},
     .already_there = 1},
};

const Scenario& scenario(std::string_view name) {
    for (const Scenario& s : scenarios) {
        if (name == s.name) {
            return s;
        }
    }
    throw std::invalid_argument(std::string("no scenario ") + std::string(name));
}

Plan plan_inbox(const Scenario& s) {
    SourceListing source;
    source.folders.push_back({{"INBOX", "", true}, {s.source_uidvalidity, 100, 0, 0}, s.source});
    TargetListing target;
    target.folders.push_back({{"INBOX", "", true},
                              {s.target_uidvalidity, 100, 0, 0},
                              s.target,
                              s.target_keywords_allowed});
    StateView state;
    if (s.state) {
        state.folders.push_back({"INBOX", "INBOX", 1, 7, 100, 0, *s.state, std::nullopt});
    }
    return plan_sync(source, target, state, s.options);
}

TEST(SyncPlanner, ScenarioTable) {
    for (const Scenario& s : scenarios) {
        SCOPED_TRACE(s.name);
        const Plan plan = plan_inbox(s);
        ASSERT_EQ(plan.folders.size(), 1U);
        const FolderPlan& f = plan.folders.front();
        EXPECT_EQ(copies_of(f), s.copies);
        EXPECT_EQ(confirmations_of(f), s.confirmations);
        EXPECT_EQ(f.already_there, s.already_there);
        EXPECT_EQ(filtered_of(f), s.filtered);
        EXPECT_EQ(flags_of(f), s.flags);
        EXPECT_EQ(deletions_of(f), s.deletions);
        const FolderCounts c = f.counts();
        EXPECT_EQ(c.deletions, s.deletion_count);
        // Every listed message is counted exactly once.
        EXPECT_EQ(c.source, c.to_copy + c.already_there + c.filtered);
        EXPECT_FALSE(f.created);
        EXPECT_TRUE(plan.folders_to_create.empty());
    }
}

TEST(SyncPlanner, RematchIsMarkedWithItsReason) {
    const Plan plan =
        plan_inbox(scenario("a source UIDVALIDITY change re-matches instead of copying twice"));
    const FolderPlan& f = plan.folders.front();
    EXPECT_TRUE(f.rematch);
    ASSERT_EQ(f.notes.size(), 1U);
    EXPECT_EQ(f.notes.front(), "re-matching by content: source UIDVALIDITY changed from 1 to 2");
    EXPECT_EQ(f.source_uidvalidity, 2U);
    EXPECT_FALSE(
        plan_inbox(scenario("a re-run copies only the new messages")).folders.front().rematch);
}

TEST(SyncPlanner, CountsBytesToCopy) {
    const FolderCounts c =
        plan_inbox(scenario("first run into an empty target")).folders.front().counts();
    EXPECT_EQ(c.to_copy, 3U);
    EXPECT_EQ(c.bytes_to_copy, 600U);
}

TEST(SyncPlanner, KeywordsDroppedAreCountedAndRecorded) {
    const Plan plan =
        plan_inbox(scenario("keywords are dropped where the target does not allow them"));
    const FolderPlan& f = plan.folders.front();
    EXPECT_EQ(f.keywords_dropped, 2U);  // the update of 1 and the copy of 2
    ASSERT_EQ(f.copies.size(), 1U);
    EXPECT_TRUE(f.copies.front().flags.empty());
    EXPECT_EQ(f.copies.front().source_flags, Flags{"$Work"});
    ASSERT_EQ(f.flag_records.size(), 1U);
    EXPECT_EQ(f.flag_records.front().source_flags, (Flags{"$Work", "\\Seen"}));
    EXPECT_EQ(f.flag_records.front().target_flags, Flags{"\\Seen"});
}

TEST(SyncPlanner, AppendFlagsLeaveOutRecentAndDeleted) {
    Scenario s = scenario("first run into an empty target");
    s.source = {src(1, "<a@x>", 1, day, {"\\seen", "\\Recent", "$Work", "\\Seen"})};
    const FolderPlan f = plan_inbox(s).folders.front();
    ASSERT_EQ(f.copies.size(), 1U);
    EXPECT_EQ(f.copies.front().flags, (Flags{"$Work", "\\Seen"}));
}

TEST(SyncPlanner, PendingCopiedAgainIsMarkedRetry) {
    const FolderPlan f =
        plan_inbox(scenario("an interrupted APPEND that did not arrive is copied again"))
            .folders.front();
    ASSERT_EQ(f.copies.size(), 2U);
    EXPECT_TRUE(f.copies[0].retry);
}

TEST(SyncPlanner, CopiedMessageFlaggedDeletedKeepsItsStateRowAndTargetCopy) {
    const FolderPlan f =
        plan_inbox(
            scenario("a message copied before and flagged \\Deleted since is filtered, and stays"))
            .folders.front();
    EXPECT_TRUE(f.target_deletions.empty());
    EXPECT_TRUE(f.forget.empty());
    EXPECT_TRUE(f.copies.empty());
    ASSERT_EQ(f.flag_records.size(), 1U);
    EXPECT_EQ(f.flag_records.front().source_key, "1");
    EXPECT_EQ(f.filtered_by(FilterReason::deleted), 1U);
}

TEST(SyncPlanner, SyncDeletionsForgetsRowsWhoseTargetCopyIsGone) {
    Scenario s =
        scenario("--sync-deletions deletes what the source lost, found without APPENDUID too");
    s.target = {tgt(10, "<a@x>", 1, day)};
    const FolderPlan f = plan_inbox(s).folders.front();
    EXPECT_TRUE(f.target_deletions.empty());
    EXPECT_EQ(f.forget, (std::vector<std::string>{"2", "3"}));
}

MailboxFolder folder(std::string name, std::string special_use = {}) {
    return {std::move(name), std::move(special_use), true};
}

TEST(SyncPlanner, NewFoldersAreCreatedAndFilledParentsFirst) {
    SourceListing source;
    source.folders.push_back({folder("INBOX"), {1, 2, 0, 1}, {src(1, "<a@x>", 1, day)}});
    source.folders.push_back({folder("Archive/2023"), {3, 2, 0, 1}, {src(1, "<b@x>", 1, day)}});
    source.folders.push_back({folder("Empty"), {4, 1, 0, 0}, {}});
    TargetListing target;
    target.folders.push_back({folder("INBOX"), {9, 1, 0, 0}, {}});
    const Plan plan = plan_sync(source, target, {}, {});
    EXPECT_EQ(plan.folders_to_create,
              (std::vector<std::string>{"Archive", "Archive/2023", "Empty"}));
    ASSERT_EQ(plan.folders.size(), 3U);
    EXPECT_FALSE(plan.folders[0].created);
    EXPECT_TRUE(plan.folders[1].created);
    EXPECT_EQ(plan.folders[1].target_uidvalidity, 0U);
    EXPECT_EQ(copies_of(plan.folders[1]), "1");
    const PlanTotals t = plan.totals();
    EXPECT_EQ(t.messages.source, 2U);
    EXPECT_EQ(t.messages.to_copy, 2U);
    EXPECT_EQ(t.folders_created, 3U);
}

TEST(SyncPlanner, MergedFoldersNeverClaimOneTargetMessageTwice) {
    SourceListing source;
    source.folders.push_back({folder("Sent", "\\Sent"), {1, 2, 0, 1}, {src(1, "<a@x>", 1, day)}});
    source.folders.push_back(
        {folder("Sent Items", "\\Sent"), {2, 2, 0, 1}, {src(1, "<a@x>", 1, day)}});
    TargetListing target;
    target.folders.push_back({folder("INBOX"), {9, 1, 0, 0}, {}});
    target.folders.push_back(
        {folder("Sent Messages", "\\Sent"), {9, 2, 0, 1}, {tgt(1, "<a@x>", 1, day)}});
    const Plan plan = plan_sync(source, target, {}, {});
    ASSERT_EQ(plan.folders.size(), 2U);
    EXPECT_EQ(plan.folders[0].target, "Sent Messages");
    EXPECT_EQ(plan.folders[1].target, "Sent Messages");
    EXPECT_EQ(confirmations_of(plan.folders[0]), "1>1m");
    EXPECT_EQ(copies_of(plan.folders[1]), "1");
    ASSERT_EQ(plan.notes.size(), 1U);
    EXPECT_NE(plan.notes.front().find("merged"), std::string::npos);
}

TEST(SyncPlanner, ChangedMappingReMatchesTheNewTargetFolder) {
    SourceListing source;
    source.folders.push_back(
        {folder("Old"), {1, 3, 0, 2}, {src(1, "<a@x>", 1, day), src(2, "<b@x>", 1, day)}});
    TargetListing target;
    target.folders.push_back({folder("INBOX"), {9, 1, 0, 0}, {}});
    target.folders.push_back({folder("Old"), {9, 3, 0, 2}, {tgt(1, "<a@x>", 1, day)}});
    target.folders.push_back({folder("Archive/Old"), {5, 2, 0, 1}, {tgt(7, "<b@x>", 1, day)}});
    StateView state;
    state.folders.push_back({"Old",
                             "Old",
                             1,
                             9,
                             3,
                             0,
                             {copied(1, 1, "<a@x>", 1, day), copied(2, 2, "<b@x>", 1, day)},
                             std::nullopt});
    PlanOptions options;
    options.map.push_back({"Old", "Archive/Old"});
    const Plan plan = plan_sync(source, target, state, options);
    ASSERT_EQ(plan.folders.size(), 1U);
    const FolderPlan& f = plan.folders.front();
    EXPECT_TRUE(f.rematch);
    EXPECT_EQ(f.reason, MappingReason::mapped);
    EXPECT_EQ(confirmations_of(f), "2>7r");
    EXPECT_EQ(copies_of(f), "1");
}

TEST(SyncPlanner, VanishedTargetFolderIsRecreatedAndRefilled) {
    Scenario s = scenario("a re-run with nothing new does nothing");
    SourceListing source;
    source.folders.push_back({folder("Work"), {1, 3, 0, 2}, s.source});
    TargetListing target;
    target.folders.push_back({folder("INBOX"), {9, 1, 0, 0}, {}});
    StateView state;
    state.folders.push_back({"Work", "Work", 1, 7, 3, 0, *s.state, std::nullopt});
    const Plan plan = plan_sync(source, target, state, {});
    EXPECT_EQ(plan.folders_to_create, std::vector<std::string>{"Work"});
    const FolderPlan& f = plan.folders.front();
    EXPECT_TRUE(f.rematch);
    EXPECT_EQ(copies_of(f), "1 2");
}

TEST(SyncPlanner, FolderGoneFromTheSourceIsNotedAndLeftAlone) {
    SourceListing source;
    source.folders.push_back({folder("INBOX"), {1, 1, 0, 0}, {}});
    TargetListing target;
    target.folders.push_back({folder("INBOX"), {7, 1, 0, 0}, {}});
    StateView state;
    state.folders.push_back(
        {"Gone", "Gone", 1, 7, 3, 0, {copied(1, 1, "<a@x>", 1, day)}, std::nullopt});
    PlanOptions options;
    options.sync_deletions = true;
    const Plan plan = plan_sync(source, target, state, options);
    ASSERT_EQ(plan.folders.size(), 1U);
    EXPECT_TRUE(plan.folders.front().target_deletions.empty());
    ASSERT_EQ(plan.notes.size(), 1U);
    EXPECT_NE(plan.notes.front().find("\"Gone\""), std::string::npos);
}

SourceMessage pop(std::string uidl, std::uint64_t size) {
    SourceMessage m;
    m.source_key = std::move(uidl);
    m.size = size;
    return m;
}

TEST(SyncPlanner, Pop3FirstRunIntoItsFolderWithDeleteSource) {
    SourceListing source;
    source.traits.single_folder = true;
    source.folders.push_back({folder("INBOX"), {}, {pop("zz", 10), pop("aa", 20), pop("mm", 30)}});
    TargetListing target;
    target.folders.push_back({folder("INBOX"), {9, 1, 0, 0}, {}});
    PlanOptions options;
    options.pop3_folder = "inbox/Shop";
    options.delete_source = true;
    options.max_deletions = DeletionLimit::unlimited();
    options.sync_deletions = true;
    const Plan plan = plan_sync(source, target, {}, options);
    EXPECT_EQ(plan.folders_to_create, std::vector<std::string>{"INBOX/Shop"});
    ASSERT_EQ(plan.folders.size(), 1U);
    const FolderPlan& f = plan.folders.front();
    EXPECT_EQ(f.source, "INBOX");
    EXPECT_EQ(f.target, "INBOX/Shop");
    EXPECT_EQ(f.reason, MappingReason::pop3);
    EXPECT_EQ(copies_of(f), "zz aa mm");  // server order
    EXPECT_EQ(f.counts().bytes_to_copy, 60U);
    EXPECT_EQ(f.counts().deletions, 3U);  // each one once it is recorded
    ASSERT_EQ(plan.notes.size(), 1U);
    EXPECT_NE(plan.notes.front().find("IMAP sources only"), std::string::npos);
}

TEST(SyncPlanner, Pop3ReRunCopiesOnlyUnseenUidlsAndDeletesRecordedOnes) {
    SourceListing source;
    source.traits.single_folder = true;
    source.folders.push_back({folder("INBOX"), {}, {pop("aa", 20), pop("bb", 25)}});
    TargetListing target;
    target.folders.push_back({folder("INBOX"), {9, 2, 0, 1}, {tgt(1, "", 20, 0)}});
    MessageState aa;
    aa.source_key = "aa";
    aa.target_uid = 1;
    aa.size = 20;
    aa.status = CopyStatus::copied;
    StateView state;
    state.folders.push_back({"INBOX", "INBOX", std::nullopt, 9, 0, 0, {aa}, std::nullopt});
    PlanOptions options;
    options.delete_source = true;
    options.max_deletions = DeletionLimit::unlimited();
    const Plan plan = plan_sync(source, target, state, options);
    const FolderPlan& f = plan.folders.front();
    EXPECT_FALSE(f.rematch);
    EXPECT_EQ(copies_of(f), "bb");
    EXPECT_EQ(f.already_there, 1U);
    EXPECT_EQ(deletions_of(f), "saa");
    EXPECT_EQ(f.counts().deletions, 2U);
    EXPECT_TRUE(f.flag_updates.empty());
}

// One INBOX of `messages` messages on each side, all recorded as copied,
// of which the source now lists the first `listed`.
Plan plan_recorded(std::uint32_t messages, std::uint32_t listed, PlanOptions options) {
    SourceListing source;
    TargetListing target;
    StateView state;
    source.folders.push_back({folder("INBOX"), {1, messages + 1, 0, listed}, {}});
    target.folders.push_back({folder("INBOX"), {7, messages + 1, 0, messages}, {}});
    state.folders.push_back({"INBOX", "INBOX", 1, 7, messages + 1, 0, {}, std::nullopt});
    for (std::uint32_t uid = 1; uid <= messages; ++uid) {
        const std::string id = "<" + std::to_string(uid) + "@x>";
        if (uid <= listed) {
            source.folders.front().messages.push_back(src(uid, id, 1, day));
        }
        target.folders.front().messages.push_back(tgt(uid + 100, id, 1, day));
        state.folders.front().messages.push_back(copied(uid, uid + 100, id, 1, day));
    }
    return plan_sync(source, target, state, options);
}

TEST(DeletionCeiling, AShareIsRoundedUpButNeverTheWholeFolder) {
    const DeletionLimit ten_percent;
    EXPECT_EQ(ten_percent.allowed(1000), 100U);
    EXPECT_EQ(ten_percent.allowed(15), 2U);
    EXPECT_EQ(ten_percent.allowed(2), 1U);
    EXPECT_EQ(ten_percent.allowed(1), 0U);
    EXPECT_EQ(ten_percent.allowed(0), 0U);
    EXPECT_EQ((DeletionLimit{99, true}.allowed(10)), 9U);
    EXPECT_EQ(DeletionLimit::unlimited().allowed(10), 10U);
    EXPECT_EQ((DeletionLimit{25, false}.allowed(10)), 25U);
    EXPECT_EQ((DeletionLimit{0, false}.allowed(10)), 0U);
    EXPECT_EQ(ten_percent.to_string(), "10%");
    EXPECT_EQ((DeletionLimit{25, false}.to_string()), "25");
}

TEST(DeletionCeiling, ASourceEmptiedBehindTheToolsBackWipesNothing) {
    PlanOptions options;
    options.sync_deletions = true;
    const Plan plan = plan_recorded(40, 0, options);
    const FolderPlan& f = plan.folders.front();
    EXPECT_TRUE(f.target_deletions.empty());
    EXPECT_TRUE(f.forget.empty()) << "the rows stay, so a later run can still decide";
    EXPECT_EQ(f.counts().deletions, 0U);
    EXPECT_EQ(f.deletions_held_back, 40U);
    EXPECT_NE(f.held_back_reason.find("40 deletion(s) from the target folder \"INBOX\" of 40"),
              std::string::npos)
        << f.held_back_reason;
    EXPECT_NE(f.held_back_reason.find("--max-deletions 40"), std::string::npos);
}

TEST(DeletionCeiling, DeletionsWithinTheLimitGoAndOneOverHoldsAllBack) {
    PlanOptions options;
    options.sync_deletions = true;
    // 4 of 40 is 10%: allowed; 5 is over, and then none goes.
    EXPECT_EQ(plan_recorded(40, 36, options).folders.front().target_deletions.size(), 4U);
    const FolderPlan over = plan_recorded(40, 35, options).folders.front();
    EXPECT_TRUE(over.target_deletions.empty());
    EXPECT_EQ(over.deletions_held_back, 5U);
    options.max_deletions = {5, false};
    EXPECT_EQ(plan_recorded(40, 35, options).folders.front().target_deletions.size(), 5U);
    options.max_deletions = {100, true};
    EXPECT_EQ(plan_recorded(40, 0, options).folders.front().target_deletions.size(), 40U);
}

TEST(DeletionCeiling, DeleteSourceCountsThisRunsCopiesToo) {
    SourceListing source;
    source.folders.push_back({folder("INBOX"), {1, 11, 0, 10}, {}});
    for (std::uint32_t uid = 1; uid <= 10; ++uid) {
        source.folders.front().messages.push_back(
            src(uid, "<" + std::to_string(uid) + "@x>", 1, day));
    }
    PlanOptions options;
    options.delete_source = true;
    const FolderPlan held = plan_sync(source, {}, {}, options).folders.front();
    EXPECT_EQ(held.copies.size(), 10U) << "the copies are made all the same";
    EXPECT_FALSE(held.delete_source_after_copy);
    EXPECT_EQ(held.counts().deletions, 0U);
    EXPECT_EQ(held.deletions_held_back, 10U);
    EXPECT_NE(held.held_back_reason.find("source folder \"INBOX\" of 10"), std::string::npos);
    options.max_deletions = DeletionLimit::unlimited();
    const FolderPlan moved = plan_sync(source, {}, {}, options).folders.front();
    EXPECT_TRUE(moved.delete_source_after_copy);
    EXPECT_EQ(moved.counts().deletions, 10U);
    EXPECT_EQ(moved.deletions_held_back, 0U);
}

TEST(DeletionCeiling, HoldingBackDropsEveryDeletionOfTheFolder) {
    PlanOptions options;
    options.delete_source = true;
    options.max_deletions = DeletionLimit::unlimited();
    FolderPlan f = plan_recorded(10, 10, options).folders.front();
    ASSERT_EQ(f.source_deletions.size(), 10U);
    hold_back_deletions(f);
    EXPECT_EQ(f.counts().deletions, 0U);
    EXPECT_FALSE(f.delete_source_after_copy);
}

TEST(TargetLimits, CopiesTheTargetWouldRefuseAreTakenOutInSendingOrder) {
    SourceListing source;
    source.folders.push_back({folder("INBOX"), {1, 5, 0, 4}, {}});
    source.folders.push_back({folder("Work"), {1, 3, 0, 2}, {}});
    for (const auto& [uid, size] : std::vector<std::pair<std::uint32_t, std::uint64_t>>{
             {1, 100}, {2, 5000}, {3, 300}, {4, 400}}) {
        source.folders[0].messages.push_back(
            src(uid, "<i" + std::to_string(uid) + "@x>", size, day));
    }
    source.folders[1].messages.push_back(src(1, "<w1@x>", 200, day));
    source.folders[1].messages.push_back(src(2, "<w2@x>", 150, day));
    Plan plan = plan_sync(source, {}, {}, {});
    refuse_over_limits(plan, {.append_limit = 4096, .storage_left = 700});
    // 5000 is over APPENDLIMIT; 100 and 300 fit (300 left), 400 does not;
    // in the next folder 200 fits (100 left) and 150 does not.
    const FolderPlan& inbox = plan.folders[0];
    EXPECT_EQ(copies_of(inbox), "1 3");
    ASSERT_EQ(inbox.refused.size(), 2U);
    EXPECT_EQ(inbox.refused[0].source_key, "2");
    EXPECT_NE(inbox.refused[0].reason.find("APPENDLIMIT 4096"), std::string::npos);
    EXPECT_EQ(inbox.refused[1].source_key, "4");
    EXPECT_NE(inbox.refused[1].reason.find("quota has 300 octets left"), std::string::npos);
    EXPECT_EQ(copies_of(plan.folders[1]), "1");
    ASSERT_EQ(plan.folders[1].refused.size(), 1U);
    EXPECT_EQ(plan.folders[1].refused[0].source_key, "2");
    EXPECT_EQ(inbox.counts().to_copy, 2U);
    EXPECT_EQ(inbox.counts().bytes_to_copy, 400U);

    Plan unlimited = plan_sync(source, {}, {}, {});
    refuse_over_limits(unlimited, {});
    EXPECT_EQ(copies_of(unlimited.folders[0]), "1 2 3 4");
    EXPECT_TRUE(unlimited.folders[0].refused.empty());
}

}  // namespace
}  // namespace mailferry::sync
