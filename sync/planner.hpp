#pragma once
// The sync planner: source listing + target listing + stored state + options
// in, Plan out. Pure and deterministic; the same inputs give the same plan.
//
// Per folder pair (see folder_mapping.hpp for how pairs are formed):
//   * Stale mapping: when the stored source or target UIDVALIDITY differs
//     from the listing (RFC 3501 §2.3.1.1), the target folder has vanished,
//     or the folder now maps to another target folder, the pair is marked
//     `rematch`: its stored rows are ignored, every source message is matched
//     by content against the target (message_matching.hpp) and only the
//     unmatched ones are copied. The engine replaces the folder's rows with
//     the plan's confirmations and the copies it makes.
//   * First run (no stored folder): same content matching, reason `matched`.
//   * Re-run: a source message with a `copied` row is already there. One with
//     a `pending` row (an interrupted APPEND) is looked up on the target: by
//     its recorded target UID if any, else by Message-ID + size + date, else
//     (no Message-ID) by size + date among target messages that have no
//     Message-ID and no other owner, since an intent was recorded for exactly
//     such a message; found means confirmed, not found means copied again.
//     Any other message is new and copied; new messages are not content
//     matched, because nothing but this tool writes mail that the state does
//     not know of after the first run.
//   * Filters apply to messages not yet on the target: \Deleted, larger than
//     max_size, INTERNALDATE before since (a date of 0, unknown, is never
//     too old).
//   * Flags, source wins: for recorded messages the difference between the
//     source's flags now and those last synced is applied to the target
//     (+FLAGS/-FLAGS), so changes made on the target alone survive until the
//     source changes that flag. Messages found by content get the difference
//     between the source's flags and the target's. \Recent and \Deleted are
//     never set; keywords only where the target allows them, else counted in
//     keywords_dropped.
//   * --sync-deletions (IMAP source only): recorded messages gone from the
//     source are deleted from the target. Ignored together with
//     --delete-source, whose own deletions would otherwise be mirrored.
//   * --delete-source: recorded messages still on the source are deleted
//     from it, and so are this run's copies and confirmations once recorded.
//     Rows deleted_on_source (moved off by an earlier run) are never "gone
//     from the source" for --sync-deletions, in this run or any later one;
//     when such a message is still listed (its deletion did not complete) it
//     is already there and, with --delete-source, deleted again.
//   * --delete-source deletes a recorded message only while the target
//     listing shows its copy; one the target no longer has stays on the
//     source (kept_on_source).
//   * --max-deletions: a folder whose plan would delete more messages than
//     the limit allows (of the source folder's messages for --delete-source,
//     of the target folder's for --sync-deletions) deletes none
//     (deletions_held_back says how many it would have).
//   * A POP3 source has one folder (INBOX), keyed by UIDL, without flags; it
//     goes to options.pop3_folder.
//   * A folder unchanged since a run settled it (listed as `unchanged`, with
//     the state's SettledPass and an unchanged target) has nothing to do: it
//     is counted as that run left it.
//   * A settled folder listed in part (`unlisted`: the messages that changed
//     or arrived since, with their rows, and those of messages gone from the
//     source when deletions are mirrored) plans those; the rest is counted
//     as the settling run left it, and nothing is matched by content.

#include "sync/folder_mapping.hpp"
#include "sync/model.hpp"
#include "sync/plan.hpp"

namespace mailferry::sync {

// Plans the folder pairs of `mapping` (map_account_folders() of the run's
// listings) whose source folder `source` lists.
Plan plan_sync(const SourceListing& source, const TargetListing& target, const StateView& state,
               const PlanOptions& options, const FolderMappingResult& mapping);
// The same with the mapping of these listings.
Plan plan_sync(const SourceListing& source, const TargetListing& target, const StateView& state,
               const PlanOptions& options);

// Why a message not yet on the target is not copied: \Deleted, larger than
// max_size, INTERNALDATE before since; std::nullopt when it is copied.
std::optional<FilterReason> filter_reason(const SourceMessage& message, const PlanOptions& options);

// Takes the copies `limits` says the target will refuse out of `plan`, in
// the order the run would send them: larger than APPENDLIMIT, or beyond
// what the quota has left once the earlier copies are stored.
void refuse_over_limits(Plan& plan, const TargetLimits& limits);

// Drops every deletion of `plan`: what --max-deletions does to a folder
// over its limit. A re-plan during the run repeats the first plan's verdict
// with this rather than judging the remaining deletions afresh.
void hold_back_deletions(FolderPlan& plan);

// The options that decide what a folder's messages need (filters, deletion
// modes), as a key stored with a settled folder (SettledPass): a folder
// settled under other options is listed again.
std::string settled_plan_key(const PlanOptions& options);

}  // namespace mailferry::sync
