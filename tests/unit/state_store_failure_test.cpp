// The state store under failure: a full disk, and a process killed at any
// point of the record-intent / confirm cycle (STYLE §6).
#include "state/state_store.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/state_child_process.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace {

using namespace mailferry::state;
using mailferry::test::ChildProcess;
using mailferry::test::TempDir;

constexpr const char* source_id = "imap://alice@127.0.0.1:1143";
constexpr const char* target_id = "imap://alice@127.0.0.1:2143";

PendingMessage message(std::uint32_t uid) {
    PendingMessage m;
    m.source_uid = uid;
    m.source_uidvalidity = 1;
    m.message_id = "<" + std::to_string(uid) + "." + std::string(150, 'x') + "@example.net>";
    m.size = uid;
    m.internal_date = 1700000000;
    m.flags = "\\Seen";
    return m;
}

std::vector<PendingMessage> batch_of(std::uint32_t first, std::uint32_t count) {
    std::vector<PendingMessage> out;
    for (std::uint32_t uid = first; uid < first + count; ++uid) {
        out.push_back(message(uid));
    }
    return out;
}

FolderId prepare(const std::filesystem::path& file) {
    auto store = StateStore::open(file);
    EXPECT_TRUE(store) << store.error().message;
    auto pair = store->ensure_pair(source_id, target_id);
    auto folder = store->ensure_folder(pair->id, "INBOX", "INBOX");
    return folder->id;
}

TEST(StateStoreFailure, FullDiskIsAnErrorValueAndLosesNothing) {
    TempDir dir;
    const auto file = dir / "state.db";
    const FolderId folder = prepare(file);

    OpenOptions small;
    small.max_page_count = 40;  // 160 KiB with 4 KiB pages
    auto opened = StateStore::open(file, small);
    ASSERT_TRUE(opened) << opened.error().message;
    StateStore store = std::move(*opened);

    std::uint32_t stored = 0;
    std::optional<Failure> full;
    for (std::uint32_t first = 1; first < 100000 && !full; first += 50) {
        auto ids = store.record_pending(folder, batch_of(first, 50));
        if (!ids) {
            full = ids.error();
            break;
        }
        std::vector<Confirmation> confirmations;
        for (std::uint32_t i = 0; i < 50; ++i) {
            confirmations.push_back({(*ids)[i], first + i, 7, "\\Seen"});
        }
        auto confirmed = store.confirm_copied(folder, confirmations, {first + 50, {}});
        if (!confirmed) {
            full = confirmed.error();
            break;
        }
        stored = first + 49;
    }
    ASSERT_TRUE(full) << "the page limit was never reached";
    EXPECT_EQ(full->code, error::disk_full);
    EXPECT_NE(full->message.find("state file " + file.string() + ": disk full while "),
              std::string::npos)
        << full->message;
    EXPECT_NE(full->message.find("; nothing was lost, free space and re-run"), std::string::npos)
        << full->message;

    // Still usable: what was committed reads back, whole batches only.
    auto messages = store.messages(folder);
    ASSERT_TRUE(messages) << messages.error().message;
    std::uint32_t copied = 0;
    std::uint32_t pending = 0;
    for (const auto& m : *messages) {
        (m.status == MessageStatus::copied ? copied : pending) += 1;
    }
    EXPECT_EQ(copied, stored);
    EXPECT_TRUE(pending == 0 || pending == 50) << pending;
    EXPECT_EQ(store.folder(folder)->source_uidnext, stored + 1);

    // Freed space (here: a higher limit) and a re-run continues where it stopped.
    { StateStore closing = std::move(store); }
    auto reopened = StateStore::open(file);
    ASSERT_TRUE(reopened) << reopened.error().message;
    auto left = reopened->pending_messages(folder);
    ASSERT_TRUE(left);
    std::vector<MessageRowId> forget;
    for (const auto& m : *left) {
        forget.push_back(m.id);
    }
    ASSERT_TRUE(reopened->forget_pending(forget));
    auto more = reopened->record_pending(folder, batch_of(stored + 1, 50));
    ASSERT_TRUE(more) << more.error().message;
    EXPECT_EQ(reopened->messages(folder)->size(), stored + 50);
}

// The child's loop: batches of `batch` messages recorded pending, then
// confirmed with the high-water mark; after each commit it reports
// "P <n>" or "C <n>". UIDs of batch n are n*batch+1 ... (n+1)*batch, target
// UIDs are source UIDs + 1000.
constexpr std::uint32_t batch = 20;

int sync_loop(const std::filesystem::path& file, FolderId folder, int report) {
    auto store = StateStore::open(file);
    if (!store) {
        mailferry::test::report_line(report, "failed " + store.error().message);
        return 1;
    }
    // Far more batches than the parent waits for, so the kill always comes
    // first.
    for (std::uint32_t n = 0; n < 100000; ++n) {
        const std::uint32_t first = n * batch + 1;
        auto ids = store->record_pending(folder, batch_of(first, batch));
        if (!ids) {
            return 2;
        }
        mailferry::test::report_line(report, "P " + std::to_string(n));
        std::vector<Confirmation> confirmations;
        for (std::uint32_t i = 0; i < batch; ++i) {
            confirmations.push_back({(*ids)[i], first + i + 1000, 9, "\\Seen"});
        }
        if (!store->confirm_copied(folder, confirmations, {first + batch, {}})) {
            return 3;
        }
        mailferry::test::report_line(report, "C " + std::to_string(n));
    }
    return 0;
}

TEST(StateStoreFailure, KillAtAnyPointKeepsEveryConfirmedMessageAndNothingHalfWritten) {
    for (const int kill_after : {1, 2, 3, 4, 5, 8, 13, 21}) {
        SCOPED_TRACE("killed after event " + std::to_string(kill_after));
        TempDir dir;
        const auto file = dir / "state.db";
        const FolderId folder = prepare(file);

        std::map<std::uint32_t, char> reported;  // batch -> last event seen
        {
            ChildProcess child([&](int report, int) { return sync_loop(file, folder, report); });
            ASSERT_TRUE(child.started());
            for (int event = 0; event < kill_after; ++event) {
                const auto line = child.next_line();
                ASSERT_TRUE(line) << "child stopped early";
                ASSERT_TRUE(line->size() > 2 && (line->front() == 'P' || line->front() == 'C'))
                    << *line;
                reported[static_cast<std::uint32_t>(std::stoul(line->substr(2)))] = line->front();
            }
            // The child is somewhere in its next transaction by now.
            ASSERT_TRUE(child.kill_now()) << "child exited before the kill";
        }

        auto store = StateStore::open(file);
        ASSERT_TRUE(store) << store.error().message;
        auto messages = store->messages(folder);
        ASSERT_TRUE(messages) << messages.error().message;

        std::map<std::uint32_t, std::vector<MessageRecord>> by_batch;
        for (const auto& m : *messages) {
            ASSERT_TRUE(m.source_uid);
            by_batch[(*m.source_uid - 1) / batch].push_back(m);
        }
        std::uint32_t highest_copied = 0;
        for (const auto& [n, rows] : by_batch) {
            SCOPED_TRACE("batch " + std::to_string(n));
            // A batch is in the file whole or not at all, in one status.
            ASSERT_EQ(rows.size(), batch);
            for (const auto& m : rows) {
                EXPECT_EQ(m.status, rows.front().status);
                if (m.status == MessageStatus::copied) {
                    EXPECT_EQ(m.target_uid, *m.source_uid + 1000);
                    EXPECT_EQ(m.target_uidvalidity, 9u);
                    highest_copied = std::max(highest_copied, *m.source_uid);
                } else {
                    EXPECT_EQ(m.status, MessageStatus::pending);
                    EXPECT_FALSE(m.target_uid);
                }
            }
        }
        // Whatever the child reported as committed is there.
        for (const auto& [n, event] : reported) {
            ASSERT_TRUE(by_batch.count(n)) << "batch " << n << " lost";
            if (event == 'C') {
                EXPECT_EQ(by_batch[n].front().status, MessageStatus::copied) << "batch " << n;
            }
        }
        // The high-water mark moved with the confirmed rows, never ahead.
        const auto folder_record = store->folder(folder);
        if (highest_copied == 0) {
            EXPECT_FALSE(folder_record->source_uidnext);
        } else {
            EXPECT_EQ(folder_record->source_uidnext, highest_copied + 1);
        }
        // At most the batch in flight is pending, and the next run sees it.
        auto pending = store->pending_messages(folder);
        ASSERT_TRUE(pending);
        EXPECT_TRUE(pending->empty() || pending->size() == batch) << pending->size();
        std::vector<Confirmation> resume;
        for (const auto& m : *pending) {
            resume.push_back({m.id, *m.source_uid + 1000, 9, m.source_flags});
        }
        EXPECT_TRUE(store->confirm_copied(folder, resume));
    }
}

}  // namespace
