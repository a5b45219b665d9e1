// A large message crosses in constant memory (STYLE §3): what the migration
// holds on the heap (tests/support/held_bytes.hpp) is the same for a 4 MB
// and a 20 MB message, and far below either; and for a folder of 1,000 and
// of 4,000 messages. The servers run in a child
// process, so only the migration's own bytes are counted; the count is of
// bytes allocated and not yet freed, which no load on the machine changes.
#include "tests/support/held_bytes.hpp"
#include "tests/sync/migration_fixture.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace mailferry::test {
namespace {

constexpr std::size_t kMiB = 1024 * 1024;

std::string big_message(std::size_t size) {
    std::string m = "Subject: big\r\nMessage-ID: <big@example.org>\r\n\r\n";
    std::string line(76, 'x');
    for (std::size_t i = 0; m.size() + 78 <= size; ++i) {
        line[i % 76] = static_cast<char>('a' + i % 26);
        m += line + "\r\n";
    }
    return m;
}

// What the source account holds for one measurement.
using Fill = Mailboxes (*)(std::size_t size);

Mailboxes one_big_message(std::size_t size) {
    return {{"INBOX", {{big_message(size), {"\\Seen"}, 1'700'000'000}}}};
}

// Four folders of 100 messages of `size` bytes: enough copies for four
// connection pairs at once.
Mailboxes four_busy_folders(std::size_t size) {
    Mailboxes boxes;
    int n = 0;
    for (const std::string folder : {"INBOX", "Busy 1", "Busy 2", "Busy 3"}) {
        for (int i = 0; i < 100; ++i) {
            boxes[folder].push_back({make_body(n++, size), {}, 1'700'000'000});
        }
    }
    return boxes;
}

// One folder of `count` small messages: a folder's size in messages, not
// in bytes.
Mailboxes many_small_messages(std::size_t count) {
    Mailboxes boxes;
    for (std::size_t i = 0; i < count; ++i) {
        boxes["INBOX"].push_back({make_body(static_cast<int>(i), 1024), {"\\Seen"}, 1'700'000'000});
    }
    return boxes;
}

// New mail for INBOX, added between two runs.
Mailboxes new_mail(std::size_t count) {
    Mailboxes boxes;
    for (std::size_t i = 0; i < count; ++i) {
        boxes["INBOX"].push_back(
            {make_body(1'000'000 + static_cast<int>(i), 1024), {}, 1'700'000'000});
    }
    return boxes;
}

std::uint64_t bytes_of(const Mailboxes& boxes) {
    std::uint64_t bytes = 0;
    for (const auto& [folder, mails] : boxes) {
        for (const Mail& m : mails) {
            bytes += m.body.size();
        }
    }
    return bytes;
}

// Between two runs, besides the new mail: ten old messages flagged, five
// expunged (the second run mirrors deletions).
enum class OtherChanges { none, flags_and_expunges };

// Child: serves both accounts; on 'a' adds new_mail(added) to the source
// (and makes `other` changes) and answers 'k'; on 'g' reports whether the
// target got every message byte for byte.
[[noreturn]] void serve(Fill fill, std::size_t size, std::size_t added, OtherChanges other,
                        int to_parent, int from_parent) {
    int ok = 0;
    {
        Account source, target;
        for (auto& [folder, mails] : fill(size)) {
            if (folder != "INBOX") {
                source.create(folder);
            }
            source.add(folder, std::move(mails));
        }
        const std::string ports = source.imap().url + "\n" + target.imap().url + "\n";
        if (write(to_parent, ports.data(), ports.size()) != static_cast<ssize_t>(ports.size())) {
            _exit(2);
        }
        char command = 0;
        while (read(from_parent, &command, 1) == 1 && command == 'a') {
            if (other == OtherChanges::flags_and_expunges) {
                const auto uids = source.uids("INBOX");
                source.set_flags("INBOX", {uids.begin(), uids.begin() + 10},
                                 testserver::FlagMode::add, {"\\Flagged"});
                source.expunge("INBOX", {uids.end() - 5, uids.end()});
            }
            source.add("INBOX", std::move(new_mail(added)["INBOX"]));
            if (write(to_parent, "k", 1) != 1) {
                _exit(2);
            }
        }
        if (command == 'g') {
            ok = target.read() == source.read() ? 1 : 0;
        }
    }
    const char result = ok != 0 ? 'y' : 'n';
    _exit(write(to_parent, &result, 1) == 1 ? 0 : 3);
}

// Migrates what `fill` puts in the source; returns the most the migration
// held on the heap beyond what was held before it started. With `added`,
// what is measured is the next run, after that many new messages arrived.
std::size_t held_while_migrating(Fill fill, std::size_t size, unsigned connections = 1,
                                 std::size_t window = sync::MigrationOptions{}.window_messages,
                                 std::size_t added = 0, OtherChanges other = OtherChanges::none,
                                 std::size_t interrupted_at = 0) {
    int up[2];
    int down[2];
    if (pipe(up) != 0 || pipe(down) != 0) {
        ADD_FAILURE() << "pipe failed";
        return 0;
    }
    const pid_t child = fork();
    if (child == 0) {
        close(up[0]);
        close(down[1]);
        serve(fill, size, added, other, up[1], down[0]);
    }
    close(up[1]);
    close(down[0]);
    std::string urls;
    char c = 0;
    while (std::count(urls.begin(), urls.end(), '\n') < 2 && read(up[0], &c, 1) == 1) {
        urls += c;
    }
    std::size_t grown = 0;
    if (std::count(urls.begin(), urls.end(), '\n') != 2) {
        ADD_FAILURE() << "the servers did not start";
    } else {
        const std::string source_url = urls.substr(0, urls.find('\n'));
        const std::string target_url =
            urls.substr(urls.find('\n') + 1, urls.rfind('\n') - urls.find('\n') - 1);
        StateFile state;
        auto& store = state.store();
        sync::MigrationOptions options;
        options.connections = connections;
        options.window_messages = window;
        options.plan.sync_deletions = other != OtherChanges::none;
        const sync::AccountAccess source{source_url, "secret", "", false, false};
        const sync::AccountAccess target{target_url, "secret", "", false, false};
        if (added != 0) {
            const auto first = migrate(source, target, store, options);
            EXPECT_EQ(first.outcome, sync::Outcome::ok) << first.message;
            char added_now = 0;
            EXPECT_EQ(write(down[1], "a", 1), 1);
            EXPECT_EQ(read(up[0], &added_now, 1), 1);
        }
        if (interrupted_at != 0) {
            const auto first = migrate(source, target, store, options, interrupted_at);
            EXPECT_EQ(first.outcome, sync::Outcome::interrupted) << first.message;
        }
        const std::size_t before = held_bytes();
        reset_held_peak();
        const auto run = migrate(source, target, store, options);
        grown = held_peak() - before;
        EXPECT_EQ(run.outcome, sync::Outcome::ok) << run.message;
        if (interrupted_at != 0) {
            const auto& m = run.report->totals().messages;
            EXPECT_EQ(m.copied + m.already_there, total(fill(size)));
            EXPECT_LT(m.copied, total(fill(size))) << "the resumed run copied only the rest";
        } else {
            EXPECT_EQ(run.report->totals().bytes.copied,
                      added != 0 ? bytes_of(new_mail(added)) : bytes_of(fill(size)));
        }

        const char go = 'g';
        EXPECT_EQ(write(down[1], &go, 1), 1);
        char verdict = 0;
        EXPECT_EQ(read(up[0], &verdict, 1), 1);
        EXPECT_EQ(verdict, 'y') << "the target's copy differs";
    }
    int status = 0;
    waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(up[0]);
    close(down[1]);
    return grown;
}

TEST(MigrationMemory, HeldBytesDoNotGrowWithTheMessage) {
    const std::size_t small = held_while_migrating(one_big_message, 4 * kMiB);
    const std::size_t large = held_while_migrating(one_big_message, 20 * kMiB);
    std::printf("held at most: %zu bytes for 4 MiB, %zu bytes for 20 MiB\n", small, large);
    // Far below the message: the body pipe holds 1 MiB.
    EXPECT_LT(large, 3 * kMiB);
    // Five times the message, the same bytes held, give or take how the
    // reads happened to split.
    EXPECT_LT(large, small + 256 * 1024) << small << " vs " << large;
}

// The body pipes of all connection pairs share one budget (1 MiB): four
// pairs copying at once hold what one does plus each pair's own sessions
// (about 1 MB each, measured), not three more pipes of 1 MiB besides (a pipe
// per pair held 8 MB here).
TEST(MigrationMemory, ConnectionsShareOneInFlightBudget) {
    const std::size_t one = held_while_migrating(four_busy_folders, 64 * 1024, 1);
    const std::size_t four = held_while_migrating(four_busy_folders, 64 * 1024, 4);
    std::printf("held at most: %zu bytes with one pair, %zu bytes with four\n", one, four);
    EXPECT_LT(four, one + 3 * kMiB + kMiB / 2) << one << " vs " << four;
}

// A folder copied for the first time is listed, planned and copied in
// windows (here of 250 messages): four times the messages, the same bytes
// held. Listed whole, each message's metadata is held at once (about 1 KB
// each, listing and plan; printed for comparison).
TEST(MigrationMemory, HeldBytesDoNotGrowWithTheFolder) {
    const std::size_t small = held_while_migrating(many_small_messages, 1000, 1, 250);
    const std::size_t large = held_while_migrating(many_small_messages, 4000, 1, 250);
    const std::size_t whole = held_while_migrating(many_small_messages, 4000, 1, 0);
    std::printf("held at most: %zu bytes for 1,000 messages, %zu for 4,000 (%zu listed whole)\n",
                small, large, whole);
    EXPECT_LT(large, small + 512 * 1024) << small << " vs " << large;
}

// A first copy interrupted halfway is resumed in windows too: the rows of
// one window at a time, and of the target only its UIDs (4 bytes a
// message), so resuming 1,000 or 4,000 messages holds the same bytes.
// Resumed whole (as before), the folder's rows and both sides' metadata
// were held at once (printed for comparison).
TEST(MigrationMemory, ResumedFirstCopyHoldsNoMoreForALargerFolder) {
    const OtherChanges none = OtherChanges::none;
    const std::size_t small = held_while_migrating(many_small_messages, 1000, 1, 250, 0, none, 500);
    const std::size_t large =
        held_while_migrating(many_small_messages, 4000, 1, 250, 0, none, 2000);
    const std::size_t whole = held_while_migrating(many_small_messages, 4000, 1, 0, 0, none, 2000);
    std::printf("held at most: %zu bytes resuming 1,000 messages, %zu for 4,000 (%zu whole)\n",
                small, large, whole);
    EXPECT_LT(large, small + 512 * 1024) << small << " vs " << large;
}

// A re-run after new mail in a settled folder reads only the new messages
// and their state rows: ten new messages in a folder of 1,000 or of 4,000,
// the same bytes held. Reading the folder's rows and UIDs, as a re-run did
// before, grew by about 1 KB a message.
TEST(MigrationMemory, ReRunAfterNewMailHoldsNoMoreForALargerFolder) {
    const std::size_t window = sync::MigrationOptions{}.window_messages;
    const std::size_t small = held_while_migrating(many_small_messages, 1000, 1, window, 10);
    const std::size_t large = held_while_migrating(many_small_messages, 4000, 1, window, 10);
    std::printf("held at most: %zu bytes re-running 1,000 messages + 10, %zu for 4,000 + 10\n",
                small, large);
    EXPECT_LT(large, small + 128 * 1024) << small << " vs " << large;
}

// The same when old messages changed too (ten flagged, five expunged): the
// folder is listed by what changed; of the rest, only its UIDs are read (4
// bytes a message on each side), never its metadata or rows.
TEST(MigrationMemory, ReRunAfterChangesHoldsNoMoreForALargerFolder) {
    const std::size_t window = sync::MigrationOptions{}.window_messages;
    const OtherChanges changes = OtherChanges::flags_and_expunges;
    const std::size_t small =
        held_while_migrating(many_small_messages, 1000, 1, window, 10, changes);
    const std::size_t large =
        held_while_migrating(many_small_messages, 4000, 1, window, 10, changes);
    std::printf("held at most: %zu bytes re-running 1,000 messages + changes, %zu for 4,000\n",
                small, large);
    EXPECT_LT(large, small + 128 * 1024) << small << " vs " << large;
}

}  // namespace
}  // namespace mailferry::test
