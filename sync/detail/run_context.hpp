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

// A large folder whose interrupted first copy is resumed in windows
// (migration.cpp, resume_in_windows()).
struct ResumedFolder {
    state::FolderId id{};
    FolderState state;  // as the view had it, without rows: each window reads its own
    // The target folder's messages the state does not know, offered to
    // each window's plan until one claims them.
    std::vector<TargetMessage> unknown;
};

// A large source folder listed, planned and copied one window of UIDs at a
// time, a window per pass of the run (migration.cpp), so that no more than
// a window's metadata is held at once.
struct WindowedFolder {
    MailboxFolder folder;  // as the source listed it
    std::string name;      // normalized
    // The last UID of each window but the last, which runs to the end of
    // the folder (SourceFolderListing::window_ends).
    std::vector<std::uint32_t> ends;
    std::size_t current = 0;  // the window being worked on
    // The folder as its first window's EXAMINE saw it: what the run records
    // once the last window is done (a message arriving meanwhile, or a flag
    // changed, makes the next run list it again).
    FolderStatus status;
    std::uint32_t target_uidvalidity = 0;    // once the first window readied the state
    std::size_t filtered = 0;                // in the windows done
    bool finished = false;                   // its last window's pass is over
    std::optional<ResumedFolder> resumed{};  // a first copy resumed

    bool last() const { return current >= ends.size(); }
    UidRange range() const { return range_of(current); }
    UidRange range_of(std::size_t window) const {
        return {window == 0 ? 1 : ends[window - 1] + 1, window >= ends.size() ? 0 : ends[window]};
    }
};

// A settled source folder that changed since, listed after the first pass
// on its own: a pass of the run lists it, plans it and carries the plan out
// on the selections that listed it, so neither side opens it twice.
struct ChangedFolder {
    MailboxFolder folder;  // as the source listed it
    FolderState state;     // as the state view had it: settled, without rows
    FolderStatus source_now;
    std::string target;  // its target folder's name
};

// One window's source listing.
struct ListedWindow {
    std::string name;  // the windowed folder's
    std::size_t window = 0;
    SourceFolderListing listing;
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
    // Folders listed in windows; the plan holds their current window.
    std::vector<WindowedFolder> windowed;
    // The first worker out of work in a pass lists the next windows ahead
    // (list_ahead), while the others still copy; the next pass takes them.
    bool list_ahead = false;
    std::vector<ListedWindow> prefetched;
    // Settled folders that changed, each listed and carried out in a pass
    // of its own after the others (migration.cpp).
    std::vector<ChangedFolder> listed_later;
    // The target's limits as asked once a run (the first pass with copies),
    // and the bytes the run had stored then: a later pass takes what was
    // stored since from the storage left.
    std::optional<TargetLimits> target_limits;
    std::uint64_t bytes_done_at_limits = 0;

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

    WindowedFolder* windowed_folder(const std::string& name) {
        for (WindowedFolder& w : windowed) {
            if (w.name == name) {
                return &w;
            }
        }
        return nullptr;
    }
    // What of source folder `name` the current pass lists: its window, or
    // (not windowed) all of it.
    UidRange listed_range(const std::string& name) {
        const WindowedFolder* w = windowed_folder(name);
        return w == nullptr ? UidRange{} : w->range();
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
