// Re-runs against a CONDSTORE source list incrementally (RFC 7162 §3.1.4):
// the source is asked for the UIDs it has and for what changed since the
// HIGHESTMODSEQ the state stored, not for every message's metadata. The
// target must end up exactly as after a full listing.
#include "tests/sync/migration_fixture.hpp"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <gtest/gtest.h>

#include <sstream>

namespace mailferry::test {
namespace {

using testserver::FlagMode;

constexpr std::int64_t day = 1'700'000'000;

// Captures every protocol line the clients log (trace level) while alive.
class ProtocolTrace {
  public:
    ProtocolTrace() : previous_(spdlog::default_logger()) {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(lines_);
        auto logger = std::make_shared<spdlog::logger>("trace", sink);
        logger->set_level(spdlog::level::trace);
        spdlog::set_default_logger(logger);
    }
    ~ProtocolTrace() { spdlog::set_default_logger(previous_); }
    ProtocolTrace(const ProtocolTrace&) = delete;
    ProtocolTrace& operator=(const ProtocolTrace&) = delete;

    // The commands sent to `port`.
    std::vector<std::string> commands_to(std::uint16_t port) const {
        const std::string marker = ":" + std::to_string(port) + " C: ";
        std::vector<std::string> out;
        std::istringstream in(lines_.str());
        for (std::string line; std::getline(in, line);) {
            if (auto pos = line.find(marker); pos != std::string::npos) {
                out.push_back(line.substr(pos + marker.size()));
            }
        }
        return out;
    }

  private:
    std::ostringstream lines_;
    std::shared_ptr<spdlog::logger> previous_;
};

std::size_t count_containing(const std::vector<std::string>& commands, std::string_view text) {
    return static_cast<std::size_t>(
        std::count_if(commands.begin(), commands.end(),
                      [&](const std::string& c) { return c.find(text) != std::string::npos; }));
}

std::uint64_t stored_modseq(state::StateStore& store, const std::string& folder) {
    auto pairs = store.pairs();
    EXPECT_TRUE(pairs && pairs->size() == 1);
    auto folders = store.folders(pairs->front().id);
    EXPECT_TRUE(folders);
    for (const auto& f : *folders) {
        if (f.source_name == folder) {
            return f.source_highestmodseq.value_or(0);
        }
    }
    return 0;
}

TEST(MigrationIncremental, ReRunListsOnlyChangesAndGivesTheSameTarget) {
    Account source, target;
    StateFile state;
    source.create("Projects");
    std::vector<Mail> inbox;
    for (int i = 1; i <= 40; ++i) {
        inbox.push_back(
            {make_body(i),
             i % 3 == 0 ? std::vector<std::string>{"\\Seen"} : std::vector<std::string>{},
             day + i});
    }
    source.add("INBOX", inbox);
    source.add("Projects", {{make_body(100), {"\\Seen"}, day}, {make_body(101), {}, day}});
    // Filtered by --max-size, so never in the state: it must still be listed.
    source.add("INBOX", {{make_body(200, 50'000), {}, day}});
    sync::MigrationOptions options;
    options.plan.max_size = 40'000;
    options.plan.sync_deletions = true;

    const auto first = migrate(source.imap(), target.imap(), state.store(), options);
    ASSERT_EQ(first.outcome, sync::Outcome::ok) << first.message;
    EXPECT_EQ(first.report->totals().messages.copied, 42U);
    const std::uint64_t mark = stored_modseq(state.store(), "INBOX");
    EXPECT_GT(mark, 0U) << "a fully synced folder stores its HIGHESTMODSEQ";
    EXPECT_GT(stored_modseq(state.store(), "Projects"), 0U);

    const auto uids = source.uids("INBOX");
    source.set_flags("INBOX", {uids[0], uids[4]}, FlagMode::add, {"\\Flagged", "$Work"});
    source.set_flags("INBOX", {uids[2]}, FlagMode::remove, {"\\Seen"});
    source.expunge("INBOX", {uids[7], uids[8]});
    source.add("INBOX", {{make_body(41), {"\\Answered"}, day + 41}});

    ProtocolTrace trace;
    const auto second = migrate(source.imap(), target.imap(), state.store(), options);
    ASSERT_EQ(second.outcome, sync::Outcome::ok) << second.message;
    const sync::ReportTotals t = second.report->totals();
    EXPECT_EQ(t.messages.copied, 1U);
    EXPECT_EQ(t.flag_updates, 3U);
    EXPECT_EQ(t.deletions, 2U);
    EXPECT_EQ(t.messages.filtered, 1U) << "the filtered message is still listed";
    EXPECT_EQ(t.messages.source, 42U);  // INBOX: 40 + 1 filtered - 2 expunged + 1 new; Projects: 2

    Mailboxes expected = source.read(true);
    std::erase_if(expected["INBOX"],
                  [](const Mail& m) { return m.body == make_body(200, 50'000); });
    EXPECT_EQ(target.read(), expected);

    // On the wire: the source was asked for changes since the stored mark,
    // and only the filtered message (unknown to the state) was listed in
    // full; no `UID FETCH 1:*` listing of every message's metadata.
    const auto commands = trace.commands_to(source.imap_port());
    EXPECT_EQ(count_containing(commands, "(CHANGEDSINCE " + std::to_string(mark) + ")"), 1U);
    EXPECT_EQ(count_containing(commands, "CHANGEDSINCE"), 2U);  // INBOX and Projects
    EXPECT_EQ(count_containing(commands, "UID FETCH 1:* (UID FLAGS INTERNALDATE"), 2U)
        << "each a CHANGEDSINCE fetch";
    EXPECT_EQ(count_containing(commands, "UID FETCH 1:* (UID)"), 2U);
    EXPECT_GT(stored_modseq(state.store(), "INBOX"), mark);

    // A third run finds nothing to do, still incrementally.
    const auto third = migrate(source.imap(), target.imap(), state.store(), options);
    ASSERT_EQ(third.outcome, sync::Outcome::ok) << third.message;
    EXPECT_EQ(third.report->totals().messages.copied, 0U);
    EXPECT_EQ(third.report->totals().flag_updates, 0U);
    EXPECT_EQ(third.report->totals().deletions, 0U);
    EXPECT_EQ(target.read(), expected);
}

TEST(MigrationIncremental, FolderWithAFailureKeepsItsMarkAndTheNextRunSeesItsChanges) {
    Account source;
    testserver::FaultPlan faults;
    faults.no_append = 2;  // the first run's APPEND passes, the second run's is refused
    Account target(faults);
    StateFile state;
    source.add("INBOX", {{make_body(1), {}, day}, {make_body(2), {}, day}});
    ASSERT_EQ(migrate(source.imap(), target.imap(), state.store()).outcome, sync::Outcome::ok);
    const std::uint64_t mark = stored_modseq(state.store(), "INBOX");
    ASSERT_GT(mark, 0U);

    const auto uids = source.uids("INBOX");
    source.add("INBOX", {{make_body(3), {}, day}});
    source.set_flags("INBOX", {uids[0]}, FlagMode::add, {"\\Seen"});
    sync::MigrationOptions no_retries;
    no_retries.retries = 0;
    const auto refused = migrate(source.imap(), target.imap(), state.store(), no_retries);
    ASSERT_EQ(refused.outcome, sync::Outcome::partial) << refused.message;
    EXPECT_EQ(refused.report->totals().messages.failed, 1U);
    EXPECT_EQ(stored_modseq(state.store(), "INBOX"), mark)
        << "a folder with a failure must not move its mark past changes not yet synced";

    source.set_flags("INBOX", {uids[1]}, FlagMode::add, {"\\Answered"});
    const auto retried = migrate(source.imap(), target.imap(), state.store(), no_retries);
    ASSERT_EQ(retried.outcome, sync::Outcome::ok) << retried.message;
    EXPECT_EQ(retried.report->totals().messages.copied, 1U);
    EXPECT_EQ(target.read(), source.read(true));
    EXPECT_GT(stored_modseq(state.store(), "INBOX"), mark);
}

}  // namespace
}  // namespace mailferry::test
