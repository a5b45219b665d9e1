// Schema migrations: forward-only, tracked by PRAGMA user_version.
#include "state/migrations.hpp"
#include "state/state_store.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <fstream>
#include <string>

namespace {

using mailferry::state::error;
using mailferry::state::FolderId;
using mailferry::state::latest_schema_version;
using mailferry::state::MessageStatus;
using mailferry::state::StateStore;
using mailferry::test::TempDir;

int user_version(const std::filesystem::path& file) {
    SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
    return db.execAndGet("PRAGMA user_version").getInt();
}

TEST(StateMigrations, FreshFileGetsTheLatestSchemaInWalMode) {
    TempDir dir;
    const auto file = dir / "deep" / "er" / "state.db";
    {
        auto store = StateStore::open(file);
        ASSERT_TRUE(store) << store.error().message;
    }
    EXPECT_TRUE(std::filesystem::exists(file));
    EXPECT_EQ(user_version(file), latest_schema_version);
    SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("PRAGMA journal_mode").getString(), "wal");
    EXPECT_EQ(db.execAndGet("PRAGMA application_id").getInt(), mailferry::state::application_id);
    for (const char* table : {"account_pair", "folder", "message", "run", "run_error", "job"}) {
        EXPECT_TRUE(db.tableExists(table)) << table;
    }
}

TEST(StateMigrations, ReopeningAtTheLatestSchemaChangesNothing) {
    TempDir dir;
    const auto file = dir / "state.db";
    {
        auto store = StateStore::open(file);
        ASSERT_TRUE(store);
        ASSERT_TRUE(store->ensure_pair("imap://a@h:143", "imap://b@h:143"));
    }
    auto store = StateStore::open(file);
    ASSERT_TRUE(store) << store.error().message;
    EXPECT_EQ(store->pairs()->size(), 1u);
    EXPECT_EQ(user_version(file), latest_schema_version);
}

TEST(StateMigrations, SchemaOneFileMigratesForwardKeepingItsData) {
    TempDir dir;
    const auto file = dir / "state.db";
    {
        SQLite::Database db(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        auto migrated = mailferry::state::migrate(db, file, 1);
        ASSERT_TRUE(migrated) << migrated.error().message;
        ASSERT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 1);
        EXPECT_FALSE(db.tableExists("run"));
        db.exec(
            "INSERT INTO account_pair (id, source, target) "
            "VALUES (7, 'pop3://shop@pop.example.net:110', 'imap://shop@new.example.org:143')");
        db.exec(
            "INSERT INTO folder (id, pair_id, source_name, target_name, target_uidvalidity, "
            "created_on_target) VALUES (3, 7, 'INBOX', 'INBOX/Shop', 555, 1)");
        db.exec(
            "INSERT INTO message (folder_id, source_key, target_uid, target_uidvalidity, "
            "message_id, size, internal_date, content_hash, status) VALUES (3, 'UIDL-1', 11, "
            "555, '<m1@example.net>', 1234, 1700000000, '', 'copied')");
    }
    auto store = StateStore::open(file);
    ASSERT_TRUE(store) << store.error().message;
    EXPECT_EQ(user_version(file), latest_schema_version);

    auto pairs = store->pairs();
    ASSERT_TRUE(pairs);
    ASSERT_EQ(pairs->size(), 1u);
    EXPECT_EQ(pairs->front().source, "pop3://shop@pop.example.net:110");
    auto folder = store->folder(FolderId{3});
    ASSERT_TRUE(folder) << folder.error().message;
    EXPECT_EQ(folder->target_name, "INBOX/Shop");
    EXPECT_TRUE(folder->created_on_target);
    auto messages = store->messages(FolderId{3});
    ASSERT_TRUE(messages);
    ASSERT_EQ(messages->size(), 1u);
    EXPECT_EQ(messages->front().source_key, "UIDL-1");
    EXPECT_EQ(messages->front().target_uid, 11u);
    EXPECT_EQ(messages->front().status, MessageStatus::copied);

    // Schema 2's run history works on the migrated file.
    auto run = store->begin_run(pairs->front().id, "sync", false, 1700000100);
    ASSERT_TRUE(run) << run.error().message;
    EXPECT_EQ(store->runs(pairs->front().id)->size(), 1u);
}

TEST(StateMigrations, SchemaTwoFileMigratesToTheLatestKeepingItsData) {
    TempDir dir;
    const auto file = dir / "state.db";
    {
        SQLite::Database db(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        auto migrated = mailferry::state::migrate(db, file, 2);
        ASSERT_TRUE(migrated) << migrated.error().message;
        ASSERT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 2);
        EXPECT_FALSE(db.tableExists("job"));
        db.exec(
            "INSERT INTO account_pair (id, source, target) "
            "VALUES (4, 'imap://ann@old.example.net:143', 'imap://ann@new.example.org:143')");
        db.exec(
            "INSERT INTO folder (id, pair_id, source_name, target_name) VALUES (9, 4, 'INBOX', "
            "'INBOX')");
        db.exec(
            "INSERT INTO message (folder_id, source_key, source_uid, size, internal_date, status) "
            "VALUES (9, '17', 17, 2048, 1700000000, 'copied')");
        db.exec(
            "INSERT INTO run (pair_id, command, started, finished, messages_copied, "
            "bytes_copied, exit_code, outcome) VALUES (4, 'migrate', 1700000000, 1700000060, 1, "
            "2048, 0, 'ok')");
    }
    auto store = StateStore::open(file);
    ASSERT_TRUE(store) << store.error().message;
    EXPECT_EQ(user_version(file), mailferry::state::latest_schema_version);

    auto summary = store->summary();
    ASSERT_TRUE(summary) << summary.error().message;
    ASSERT_EQ(summary->size(), 1u);
    EXPECT_EQ(summary->front().pair.source, "imap://ann@old.example.net:143");
    EXPECT_EQ(summary->front().folders, 1u);
    EXPECT_EQ(summary->front().messages.copied, 1u);
    ASSERT_TRUE(summary->front().last_run);
    EXPECT_EQ(summary->front().last_run->command, "migrate");
    EXPECT_EQ(summary->front().last_run->totals.bytes_copied, 2048u);
    EXPECT_EQ(summary->front().last_run->outcome, "ok");

    // Schema 3's jobs start empty and work on the migrated file.
    auto jobs = store->jobs();
    ASSERT_TRUE(jobs) << jobs.error().message;
    EXPECT_TRUE(jobs->empty());
    mailferry::state::JobRun run;
    run.name = "ann";
    run.source = "imap://ann@old.example.net:143";
    run.target = "imap://ann@new.example.org:143";
    run.started = 1700000100;
    run.finished = 1700000110;
    run.outcome = "ok";
    ASSERT_TRUE(store->record_job_run(run, {}));
    ASSERT_EQ(store->jobs()->size(), 1u);
    EXPECT_EQ(store->jobs()->front().last_success, 1700000110);

    // Schema 4: the folder kept from schema 2 is not settled until a pass
    // settles it.
    auto folders = store->folders(summary->front().pair.id);
    ASSERT_TRUE(folders) << folders.error().message;
    ASSERT_EQ(folders->size(), 1u);
    EXPECT_FALSE(folders->front().settled);
    mailferry::state::FolderSettlement settled{18, 40, 1, 0, "key"};
    ASSERT_TRUE(store->settle_folder(folders->front().id, settled));
    EXPECT_EQ(store->folder(folders->front().id)->settled, settled);
}

TEST(StateMigrations, FileOfANewerMailferryIsRefusedUntouched) {
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
    auto store = StateStore::open(file);
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, error::newer_schema);
    EXPECT_EQ(store.error().message, "state file " + file.string() +
                                         " was written by a newer mailferry (schema 7, this one "
                                         "knows " +
                                         std::to_string(latest_schema_version) +
                                         "); use a newer mailferry or another --state");
    EXPECT_EQ(user_version(file), 7);
    // The refusal released the lock: the next open gets the same answer.
    EXPECT_EQ(StateStore::open(file).error().code, error::newer_schema);
}

TEST(StateMigrations, SqliteFileOfAnotherProgramIsRefused) {
    TempDir dir;
    const auto file = dir / "other.db";
    {
        SQLite::Database db(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        db.exec("CREATE TABLE contacts (name TEXT)");
    }
    auto store = StateStore::open(file);
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, error::corrupt);
    EXPECT_EQ(store.error().message, "state file " + file.string() +
                                         " is not a mailferry state database (it holds tables of "
                                         "another program); use another --state");
    SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
    EXPECT_FALSE(db.tableExists("message"));
}

TEST(StateMigrations, FileThatIsNoDatabaseIsRefused) {
    TempDir dir;
    const auto file = dir / "notes.txt";
    std::ofstream(file) << std::string(4096, 'x');
    auto store = StateStore::open(file);
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, error::corrupt);
    EXPECT_NE(store.error().message.find("state file " + file.string() +
                                         " is not a mailferry state database or is damaged"),
              std::string::npos)
        << store.error().message;
}

TEST(StateMigrations, UnknownTargetSchemaIsAnInvalidArgument) {
    TempDir dir;
    const auto file = dir / "state.db";
    SQLite::Database db(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    auto migrated = mailferry::state::migrate(db, file, latest_schema_version + 1);
    ASSERT_FALSE(migrated);
    EXPECT_EQ(migrated.error().code, error::invalid_argument);
    EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 0);
}

}  // namespace
