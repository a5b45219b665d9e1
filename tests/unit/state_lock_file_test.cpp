// The lock that keeps a second mailferry run off a state file in use.
#include "state/lock_file.hpp"
#include "state/state_store.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/state_child_process.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <string>

namespace {

using mailferry::state::error;
using mailferry::state::LockFile;
using mailferry::state::StateStore;
using mailferry::test::ChildProcess;
using mailferry::test::TempDir;

std::string in_use_message(const std::filesystem::path& state, long pid) {
    return "state file " + state.string() + " is in use by another mailferry run (pid " +
           std::to_string(pid) + ", lock file " + state.string() +
           ".lock); wait for it to finish or use another --state";
}

TEST(StateLockFile, SecondLockOnSameFileIsRefusedUntilTheFirstIsReleased) {
    TempDir dir;
    const auto lock = dir / "x.lock";
    {
        auto first = LockFile::acquire(lock, dir / "x");
        ASSERT_TRUE(first) << first.error().message;
        auto second = LockFile::acquire(lock, dir / "x");
        ASSERT_FALSE(second);
        EXPECT_EQ(second.error().code, error::locked);
    }
    EXPECT_TRUE(LockFile::acquire(lock, dir / "x"));
}

TEST(StateLockFile, SecondStoreInTheSameProcessIsRefusedWithTheHolder) {
    TempDir dir;
    const auto file = dir / "state.db";
    {
        auto first = StateStore::open(file);
        ASSERT_TRUE(first) << first.error().message;
        auto second = StateStore::open(file);
        ASSERT_FALSE(second);
        EXPECT_EQ(second.error().code, error::locked);
        EXPECT_EQ(second.error().message, in_use_message(file, ::getpid()));
        // The refused store did not disturb the holder.
        EXPECT_TRUE(first->ensure_pair("imap://a@h:143", "imap://b@h:143"));
    }
    auto again = StateStore::open(file);
    ASSERT_TRUE(again) << again.error().message;
    auto pairs = again->pairs();
    ASSERT_TRUE(pairs);
    EXPECT_EQ(pairs->size(), 1u);
}

// Waits until the child has opened the store, which it holds until told to
// close it (or killed).
void hold_in_child(ChildProcess& child) {
    ASSERT_TRUE(child.started());
    ASSERT_EQ(child.next_line(), "open");
}

int holder_body(const std::filesystem::path& file, int report, int command) {
    auto store = StateStore::open(file);
    if (!store) {
        mailferry::test::report_line(report, "failed: " + store.error().message);
        return 1;
    }
    mailferry::test::report_line(report, "open");
    mailferry::test::wait_for_parent(command);
    return 0;
}

TEST(StateLockFile, StoreHeldByAnotherProcessIsRefusedUntilItCloses) {
    TempDir dir;
    const auto file = dir / "state.db";
    ChildProcess child([&](int report, int command) { return holder_body(file, report, command); });
    ASSERT_NO_FATAL_FAILURE(hold_in_child(child));

    auto refused = StateStore::open(file);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, error::locked);
    EXPECT_EQ(refused.error().message, in_use_message(file, child.pid()));

    child.send('q');
    EXPECT_EQ(child.wait_exit(), 0);
    auto opened = StateStore::open(file);
    EXPECT_TRUE(opened) << opened.error().message;
}

TEST(StateLockFile, LockOfAKilledHolderIsReleased) {
    TempDir dir;
    const auto file = dir / "state.db";
    ChildProcess child([&](int report, int command) { return holder_body(file, report, command); });
    ASSERT_NO_FATAL_FAILURE(hold_in_child(child));
    ASSERT_FALSE(StateStore::open(file));

    ASSERT_TRUE(child.kill_now());
    auto opened = StateStore::open(file);
    EXPECT_TRUE(opened) << opened.error().message;
}

}  // namespace
