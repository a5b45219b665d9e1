#pragma once
// What the parts of one migration run share: the connections, the plan and
// the listings it came from, the state bridge, the report and the stop
// signals. Used on the io_context thread only.

#include "sync/folder_mapping.hpp"
#include "sync/gmail_labels.hpp"
#include "sync/mailbox.hpp"
#include "sync/migration.hpp"
#include "sync/plan.hpp"
#include "sync/report.hpp"
#include "sync/state_bridge.hpp"
#include "sync/throttle.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/cancellation_state.hpp>

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace mailferry::sync::detail {

// One source/target connection pair.
struct ConnectionPair {
    std::unique_ptr<SourceMailbox> source;
    std::unique_ptr<TargetMailbox> target;
    unsigned reconnects = 0;
};

// A share of one folder's work: the whole folder, or a slice of its copies
// when a large folder is spread over several connections. The primary unit
// also brings flags, deletions and the planner's bookkeeping over.
struct WorkUnit {
    std::size_t folder = 0;      // index into RunContext::plan.folders
    std::set<std::string> keys;  // source keys of this slice; empty: every copy
    bool primary = true;
    // Handed back by a pair that closed while backing off from throttling:
    // planned again from fresh listings before anything is sent.
    bool resume = false;
};

struct RunContext {
    AccountAccess source_access;
    AccountAccess target_access;
    MigrationOptions options;
    ProgressCallback progress_callback;
    Progress progress;

    StateBridge* bridge = nullptr;
    Report* report = nullptr;
    Plan plan;
    // As listed at the start, for re-planning: folders and STATUS (their
    // messages are dropped once the run is planned).
    SourceListing source_listing;
    TargetListing target_listing;
    FolderMappingResult mapping;  // of the listings above, for every plan of the run
    GmailFolders gmail;           // a Gmail source's folders, for apply_gmail_labels()
    std::vector<GmailLabelJob> gmail_label_jobs;        // into Gmail: labels to add after copying
    std::map<std::size_t, state::FolderId> folder_ids;  // by plan folder index

    std::vector<ConnectionPair> pairs;  // [0] is the one that listed
    std::size_t open_pairs = 0;         // workers connected and at work
    Throttle throttle;                  // the servers' throttling, and our answer
    std::deque<WorkUnit> queue;
    std::set<std::pair<std::size_t, std::string>> attempted;  // (folder, key) sent this run
    std::map<std::string, std::set<std::string>> copied;      // source folder -> keys stored

    std::optional<boost::asio::cancellation_state> cancel;
    // Set when the run must stop: a lost connection beyond its retries, a
    // state failure. The first message wins.
    std::optional<std::string> stop_reason;
    bool interrupted = false;

    spdlog::logger& log() const {
        return options.logger ? *options.logger : *spdlog::default_logger_raw();
    }

    bool stopping() const {
        return stop_reason.has_value() ||
               (cancel && cancel->cancelled() != boost::asio::cancellation_type::none);
    }
    void stop(std::string reason) {
        if (!stop_reason) {
            stop_reason = std::move(reason);
        }
    }
    void message_done(const std::string& folder, std::uint64_t bytes) {
        ++progress.messages_done;
        progress.bytes_done += bytes;
        progress.folder = folder;
        if (progress_callback) {
            progress_callback(progress);
        }
    }
};

}  // namespace mailferry::sync::detail
