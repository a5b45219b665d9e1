#pragma once
// Migrating from Gmail, whose IMAP view shows one stored message in the
// folder of each of its labels and again in [Gmail]/All Mail. Copying every
// folder as it is would store a message once per label. Pure: works on the
// listings; the IMAP source fills SourceMessage::gmail_msgid/gmail_labels
// when the server offers X-GM-EXT-1.
//
// Rules (GmailLabelMode::keywords, the default):
//   * Each message (X-GM-MSGID) is migrated once, from its home folder: INBOX
//     when it has that label, else the first of its other label folders in
//     the source's LIST order ([Gmail]/Sent Mail and [Gmail]/Drafts count as
//     label folders), else (archived, no label) [Gmail]/All Mail. Only
//     folders this run migrates can be home.
//   * Its other labels become keywords on the target copy: the label as
//     Gmail sends it (modified UTF-7), with every character an IMAP atom
//     cannot hold (space, parentheses, braces, quotes, backslash, %, *, ])
//     replaced by '_': "Work/Project X" -> "Work/Project_X".
//   * Starred messages carry \Flagged (Gmail sets it too); [Gmail]/Starred
//     and [Gmail]/Important are never home, and Important is no keyword.
//   * [Gmail]/Trash and [Gmail]/Spam are migrated as plain folders: Gmail
//     keeps their messages out of All Mail and of every label.
// GmailLabelMode::copy (as imapsync does): a copy in every label folder,
// without keywords; All Mail, Starred and Important still only copy what
// has no label folder.
// Occurrences that are not migrated get SourceMessage::stored_in, which the
// planner reports as filtered (FilterReason::gmail_label): a re-run finds
// them the same way and copies nothing.

#include "sync/folder_mapping.hpp"
#include "sync/model.hpp"
#include "sync/plan.hpp"

#include <optional>

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::sync {

struct GmailFolders {
    std::vector<MailboxFolder> source;  // the source's LIST, in its order
    std::set<std::string> migrated;     // source folders this run migrates
    GmailLabelMode mode = GmailLabelMode::keywords;
};

// The Gmail view of a run's source folders and its folder mapping.
GmailFolders gmail_folders(const std::vector<MailboxFolder>& source,
                           const FolderMappingResult& mapping, GmailLabelMode mode);

// Marks and labels the messages of one listed source folder. Messages
// without an X-GM-MSGID (not Gmail) are left alone.
void apply_gmail_labels(SourceFolderListing& listing, const GmailFolders& folders);

// The strategy of a plan whose source listing has Gmail messages
// (X-GM-MSGID), and the occurrences it does not copy; nullopt otherwise.
std::optional<GmailStrategy> gmail_source_strategy(const SourceListing& source, const Plan& plan,
                                                   GmailLabelMode mode);

// Into Gmail (the target offers X-GM-EXT-1): a message listed in several
// source folders (same Message-ID and size; messages without a Message-ID
// are left alone) is copied once, from the first of those folders in
// listing order; the target folders of the others become its labels.
struct GmailLabelJob {
    std::string home;      // source folder the message is copied from
    std::string home_key;  // its source key there
    std::string other;     // a source folder whose target folder is a label
};
// Sets SourceMessage::stored_in on the other occurrences and returns the
// labels to add once the copies are made.
std::vector<GmailLabelJob> apply_gmail_target(SourceListing& source);
// The strategy and savings of a plan into Gmail.
GmailStrategy gmail_target_strategy(const Plan& plan);

// The keyword a Gmail label becomes (see above); "" for system labels.
std::string gmail_label_keyword(std::string_view label);

}  // namespace mailferry::sync
