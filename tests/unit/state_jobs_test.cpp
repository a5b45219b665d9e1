// The jobs of `sync` and `daemon` in the state, and the read-only store
// `mailferry status` opens while a run holds the lock.
#include "state/database.hpp"
#include "state/migrations.hpp"
#include "state/state_store.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <string>
#include <vector>

namespace {

using namespace mailferry::state;
using mailferry::test::TempDir;

constexpr const char* source_id = "imaps://alice@old.example.net:993";
constexpr const char* target_id = "imaps://alice@new.example.org:993";

OpenOptions read_only() {
    OpenOptions options;
    options.read_only = true;
    return options;
}

JobRun run_of(std::string name, std::int64_t started, bool failed, std::uint64_t messages = 0,
              std::uint64_t bytes = 0) {
    JobRun run;
    run.name = std::move(name);
    run.source = source_id;
    run.target = target_id;
    run.started = started;
    run.finished = started + 30;
    run.outcome = failed ? "connect_failed" : "ok";
    run.exit_code = failed ? 3 : 0;
    run.failed = failed;
    run.messages_copied = messages;
    run.bytes_copied = bytes;
    run.error = failed ? "cannot connect to old.example.net:993 (connection refused)" : "";
    return run;
}

JobSchedule next_at(std::int64_t next_run, std::int64_t backoff_s = 0,
                    std::uint32_t consecutive_failures = 0) {
    return JobSchedule{next_run, backoff_s, consecutive_failures};
}

std::vector<std::string> names_of(const std::vector<JobRecord>& jobs) {
    std::vector<std::string> names;
    for (const JobRecord& j : jobs) {
        names.push_back(j.name);
    }
    return names;
}

class StateJobsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto opened = StateStore::open(file_);
        ASSERT_TRUE(opened) << opened.error().message;
        store_.emplace(std::move(*opened));
    }

    StateStore& store() { return *store_; }

    JobRecord job(const std::string& name) {
        auto jobs = store().jobs();
        EXPECT_TRUE(jobs) << jobs.error().message;
        for (const JobRecord& j : *jobs) {
            if (j.name == name) {
                return j;
            }
        }
        ADD_FAILURE() << "no job " << name;
        return {};
    }

    TempDir dir_;
    std::filesystem::path file_ = dir_ / "state.db";
    std::optional<StateStore> store_;
};

TEST_F(StateJobsTest, FirstRunCreatesTheJobWithItsRunAndSchedule) {
    EXPECT_TRUE(store().jobs()->empty());
    ASSERT_TRUE(
        store().record_job_run(run_of("alice", 1700000000, false, 12, 34567), next_at(1700000330)));
    JobRecord expected;
    expected.name = "alice";
    expected.source = source_id;
    expected.target = target_id;
    expected.last_started = 1700000000;
    expected.last_finished = 1700000030;
    expected.last_success = 1700000030;
    expected.last_outcome = "ok";
    expected.last_exit_code = 0;
    expected.last_messages_copied = 12;
    expected.last_bytes_copied = 34567;
    expected.last_error = "";
    expected.next_run = 1700000330;
    expected.backoff_s = 0;
    expected.consecutive_failures = 0;
    expected.runs = 1;
    expected.failures = 0;
    expected.messages_copied = 12;
    expected.bytes_copied = 34567;
    EXPECT_EQ(job("alice"), expected);
}

TEST_F(StateJobsTest, RunsAddUpAndFailuresInARowCountUntilASuccess) {
    ASSERT_TRUE(store().record_job_run(run_of("alice", 1000, false, 10, 1000), next_at(1300)));
    ASSERT_TRUE(store().record_job_run(run_of("alice", 2000, true), next_at(2060, 30, 1)));
    ASSERT_TRUE(store().record_job_run(run_of("alice", 3000, true), next_at(3120, 60, 2)));
    JobRecord failing = job("alice");
    EXPECT_EQ(failing.runs, 3u);
    EXPECT_EQ(failing.failures, 2u);
    EXPECT_EQ(failing.consecutive_failures, 2u);
    EXPECT_EQ(failing.backoff_s, 60);
    EXPECT_EQ(failing.next_run, 3120);
    EXPECT_EQ(failing.last_outcome, "connect_failed");
    EXPECT_EQ(failing.last_exit_code, 3);
    EXPECT_EQ(failing.last_error, "cannot connect to old.example.net:993 (connection refused)");
    EXPECT_EQ(failing.last_messages_copied, 0u);
    EXPECT_EQ(failing.last_started, 3000);
    // The last success is still the first run's end.
    EXPECT_EQ(failing.last_success, 1030);
    EXPECT_EQ(failing.messages_copied, 10u);
    EXPECT_EQ(failing.bytes_copied, 1000u);

    ASSERT_TRUE(store().record_job_run(run_of("alice", 4000, false, 5, 500), next_at(4300)));
    JobRecord recovered = job("alice");
    EXPECT_EQ(recovered.runs, 4u);
    EXPECT_EQ(recovered.failures, 2u);
    EXPECT_EQ(recovered.consecutive_failures, 0u);
    EXPECT_EQ(recovered.backoff_s, 0);
    EXPECT_EQ(recovered.last_success, 4030);
    EXPECT_EQ(recovered.last_outcome, "ok");
    EXPECT_EQ(recovered.last_error, "");
    EXPECT_EQ(recovered.last_messages_copied, 5u);
    EXPECT_EQ(recovered.messages_copied, 15u);
    EXPECT_EQ(recovered.bytes_copied, 1500u);
}

TEST_F(StateJobsTest, StoredFailureCountOutlivesASchedulerThatStartedAgain) {
    // Without a count from the schedule, the store counts on by itself.
    ASSERT_TRUE(store().record_job_run(run_of("alice", 1000, true), {}));
    ASSERT_TRUE(store().record_job_run(run_of("alice", 2000, true), {}));
    EXPECT_EQ(job("alice").consecutive_failures, 2u);
    // A restarted daemon's scheduler says 1: the stored count goes on.
    ASSERT_TRUE(store().record_job_run(run_of("alice", 3000, true), next_at(3010, 10, 1)));
    EXPECT_EQ(job("alice").consecutive_failures, 3u);
    // A scheduler that counted more is believed.
    ASSERT_TRUE(store().record_job_run(run_of("alice", 4000, true), next_at(4010, 10, 9)));
    EXPECT_EQ(job("alice").consecutive_failures, 9u);
    EXPECT_EQ(job("alice").failures, 4u);
    EXPECT_FALSE(job("alice").last_success);
}

TEST_F(StateJobsTest, ScheduleUpdateChangesOnlyTheScheduleOfAKnownJob) {
    ASSERT_TRUE(store().record_job_run(run_of("alice", 1000, true), next_at(1060, 30, 1)));
    ASSERT_TRUE(store().update_job_schedule("alice", next_at(1010, 0, 0)));
    JobRecord updated = job("alice");
    EXPECT_EQ(updated.next_run, 1010);
    EXPECT_EQ(updated.backoff_s, 0);
    EXPECT_EQ(updated.consecutive_failures, 0u);
    EXPECT_EQ(updated.runs, 1u);
    EXPECT_EQ(updated.last_outcome, "connect_failed");

    ASSERT_TRUE(store().update_job_schedule("alice", JobSchedule{}));
    EXPECT_FALSE(job("alice").next_run);

    // A job that never ran gets no row from its schedule.
    ASSERT_TRUE(store().update_job_schedule("bob", next_at(5000)));
    EXPECT_EQ(names_of(*store().jobs()), std::vector<std::string>{"alice"});
}

TEST_F(StateJobsTest, JobsAreListedByNameAndAForgottenOneGoes) {
    for (const char* name : {"shop-pop", "alice", "Zed", "bob"}) {
        ASSERT_TRUE(store().record_job_run(run_of(name, 1000, false, 1, 10), next_at(2000)));
    }
    EXPECT_EQ(names_of(*store().jobs()),
              (std::vector<std::string>{"Zed", "alice", "bob", "shop-pop"}));

    ASSERT_TRUE(store().forget_job("bob"));
    EXPECT_EQ(names_of(*store().jobs()), (std::vector<std::string>{"Zed", "alice", "shop-pop"}));
    ASSERT_TRUE(store().forget_job("bob"));  // already gone: nothing to do

    // A job added again under the same name starts afresh.
    ASSERT_TRUE(store().forget_job("alice"));
    ASSERT_TRUE(store().record_job_run(run_of("alice", 3000, false, 2, 20), next_at(4000)));
    EXPECT_EQ(job("alice").runs, 1u);
    EXPECT_EQ(job("alice").messages_copied, 2u);
}

TEST_F(StateJobsTest, JobWithoutANameOrWithAPasswordInAnIdentityIsRefused) {
    auto unnamed = store().record_job_run(run_of("", 1000, false), {});
    ASSERT_FALSE(unnamed);
    EXPECT_EQ(unnamed.error().code, error::invalid_argument);

    JobRun leaky = run_of("alice", 1000, false);
    leaky.source = "imaps://alice:hunter2@old.example.net:993";
    auto refused = store().record_job_run(leaky, {});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, error::invalid_identity);
    EXPECT_EQ(refused.error().message.find("hunter2"), std::string::npos);
    EXPECT_TRUE(store().jobs()->empty());

    // An account URL that could not be parsed leaves its identity empty;
    // the failed run is still recorded.
    JobRun unparsable = run_of("broken", 1000, true);
    unparsable.source = "";
    unparsable.outcome = "usage";
    unparsable.exit_code = 2;
    ASSERT_TRUE(store().record_job_run(unparsable, {}));
    EXPECT_EQ(job("broken").source, "");
    EXPECT_EQ(job("broken").last_outcome, "usage");
}

// --- read-only ----------------------------------------------------------------

TEST_F(StateJobsTest, ReadOnlyStoreSeesWhatTheLockHolderCommitsAfterItOpened) {
    auto reader = StateStore::open(file_, read_only());
    ASSERT_TRUE(reader) << reader.error().message;
    // The writer really holds the lock: a second writer is refused.
    EXPECT_EQ(StateStore::open(file_).error().code, error::locked);
    EXPECT_TRUE(reader->pairs()->empty());
    EXPECT_TRUE(reader->jobs()->empty());

    auto pair = store().ensure_pair(source_id, target_id);
    ASSERT_TRUE(pair);
    auto run = store().begin_run(pair->id, "daemon", false, 1700000000);
    ASSERT_TRUE(run);
    ASSERT_TRUE(store().finish_run(*run, 1700000020, RunTotals{}, "ok"));
    ASSERT_TRUE(store().record_exit_code(*run, 0));
    ASSERT_TRUE(
        store().record_job_run(run_of("alice", 1700000000, false, 3, 300), next_at(1700000300)));

    auto summary = reader->summary();
    ASSERT_TRUE(summary) << summary.error().message;
    ASSERT_EQ(summary->size(), 1u);
    EXPECT_EQ(summary->front().pair.source, source_id);
    ASSERT_TRUE(summary->front().last_run);
    EXPECT_EQ(summary->front().last_run->command, "daemon");
    EXPECT_EQ(summary->front().last_run->finished, 1700000020);
    auto jobs = reader->jobs();
    ASSERT_TRUE(jobs) << jobs.error().message;
    ASSERT_EQ(jobs->size(), 1u);
    EXPECT_EQ(jobs->front().messages_copied, 3u);

    // And the next commit too.
    ASSERT_TRUE(store().record_job_run(run_of("alice", 1700000300, true), next_at(1700000330)));
    EXPECT_EQ(reader->jobs()->front().runs, 2u);
}

TEST_F(StateJobsTest, ReadOnlyStoreRefusesEveryChange) {
    ASSERT_TRUE(store().record_job_run(run_of("alice", 1000, false, 1, 10), next_at(2000)));
    auto pair = store().ensure_pair(source_id, target_id);
    ASSERT_TRUE(pair);
    auto reader = StateStore::open(file_, read_only());
    ASSERT_TRUE(reader) << reader.error().message;

    const auto expect_refused = [&](const Result<void>& r, const char* what) {
        ASSERT_FALSE(r) << what;
        EXPECT_EQ(r.error().code, error::read_only) << what;
        EXPECT_NE(r.error().message.find("state file " + file_.string() + " was opened read-only"),
                  std::string::npos)
            << r.error().message;
    };
    expect_refused(reader->record_job_run(run_of("alice", 3000, true), {}), "record_job_run");
    expect_refused(reader->update_job_schedule("alice", next_at(9999)), "update_job_schedule");
    expect_refused(reader->forget_job("alice"), "forget_job");
    auto new_pair = reader->ensure_pair(source_id, "imap://bob@127.0.0.1:143");
    ASSERT_FALSE(new_pair);
    EXPECT_EQ(new_pair.error().code, error::read_only);
    auto run = reader->begin_run(pair->id, "sync", false, 1000);
    ASSERT_FALSE(run);
    EXPECT_EQ(run.error().code, error::read_only);

    // Nothing changed, as the writer sees it.
    auto jobs = store().jobs();
    ASSERT_TRUE(jobs);
    ASSERT_EQ(jobs->size(), 1u);
    EXPECT_EQ(jobs->front().runs, 1u);
    EXPECT_EQ(jobs->front().next_run, 2000);
    EXPECT_EQ(store().pairs()->size(), 1u);
    EXPECT_TRUE(store().runs(pair->id)->empty());
}

TEST_F(StateJobsTest, ReadOnlyOpenTakesNoLockFile) {
    store_.reset();
    const auto lock = lock_path_for(file_);
    ASSERT_TRUE(std::filesystem::remove(lock));
    {
        auto reader = StateStore::open(file_, read_only());
        ASSERT_TRUE(reader) << reader.error().message;
        EXPECT_TRUE(reader->jobs()->empty());
        EXPECT_FALSE(std::filesystem::exists(lock));
        // A writer can start while the reader is open.
        auto writer = StateStore::open(file_);
        ASSERT_TRUE(writer) << writer.error().message;
    }
}

TEST(StateReadOnly, MissingFileIsNotFoundAndNothingIsCreated) {
    TempDir dir;
    const auto file = dir / "never" / "state.db";
    auto store = StateStore::open(file, read_only());
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, error::not_found);
    EXPECT_NE(store.error().message.find("state file " + file.string() + " does not exist"),
              std::string::npos)
        << store.error().message;
    EXPECT_FALSE(std::filesystem::exists(dir / "never"));
}

TEST(StateReadOnly, SchemaTwoFileIsReadAsItIsWithNoJobs) {
    TempDir dir;
    const auto file = dir / "state.db";
    {
        SQLite::Database db(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        db.exec("PRAGMA journal_mode = WAL");
        ASSERT_TRUE(migrate(db, file, 2));
        db.exec(
            "INSERT INTO account_pair (id, source, target) "
            "VALUES (1, 'imaps://alice@old.example.net:993', 'imaps://alice@new.example.org:993')");
        db.exec(
            "INSERT INTO run (pair_id, command, started, finished, exit_code, outcome) "
            "VALUES (1, 'migrate', 1700000000, 1700000010, 0, 'ok')");
    }
    {
        auto reader = StateStore::open(file, read_only());
        ASSERT_TRUE(reader) << reader.error().message;
        auto summary = reader->summary();
        ASSERT_TRUE(summary) << summary.error().message;
        ASSERT_EQ(summary->size(), 1u);
        ASSERT_TRUE(summary->front().last_run);
        EXPECT_EQ(summary->front().last_run->command, "migrate");
        auto jobs = reader->jobs();
        ASSERT_TRUE(jobs) << jobs.error().message;
        EXPECT_TRUE(jobs->empty());
        auto refused = reader->record_job_run(run_of("alice", 1000, false), {});
        ASSERT_FALSE(refused);
        EXPECT_EQ(refused.error().code, error::read_only);
    }
    SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
    EXPECT_EQ(schema_version(db), 2);
    EXPECT_FALSE(db.tableExists("job"));
}

TEST(StateReadOnly, SchemaOneFileHasNoRunsAndAnEmptyFileNothing) {
    TempDir dir;
    const auto file = dir / "state.db";
    {
        SQLite::Database db(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        ASSERT_TRUE(migrate(db, file, 1));
        db.exec(
            "INSERT INTO account_pair (id, source, target) "
            "VALUES (1, 'imaps://alice@old.example.net:993', 'imaps://alice@new.example.org:993')");
    }
    auto reader = StateStore::open(file, read_only());
    ASSERT_TRUE(reader) << reader.error().message;
    auto summary = reader->summary();
    ASSERT_TRUE(summary) << summary.error().message;
    ASSERT_EQ(summary->size(), 1u);
    EXPECT_FALSE(summary->front().last_run);
    EXPECT_TRUE(reader->runs(summary->front().pair.id)->empty());

    // A file a starting run has only just created.
    const auto empty = dir / "empty.db";
    { SQLite::Database db(empty.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE); }
    auto fresh = StateStore::open(empty, read_only());
    ASSERT_TRUE(fresh) << fresh.error().message;
    EXPECT_TRUE(fresh->summary()->empty());
    EXPECT_TRUE(fresh->jobs()->empty());
}

TEST(StateReadOnly, FileOfANewerMailferryIsStillRefused) {
    TempDir dir;
    const auto file = dir / "state.db";
    {
        auto store = StateStore::open(file);
        ASSERT_TRUE(store);
    }
    {
        SQLite::Database db(file.string(), SQLite::OPEN_READWRITE);
        db.exec("PRAGMA user_version = 7");
    }
    auto reader = StateStore::open(file, read_only());
    ASSERT_FALSE(reader);
    EXPECT_EQ(reader.error().code, error::newer_schema);
}

}  // namespace
