#pragma once
// Folder mapping: which source folders take part in a run and which target
// folder each one lands in. Pure: works on the two LIST results and the
// options, never on a connection.
//
// Rules, in order:
//   1. Names are compared as component vectors ('/' separated). A first
//      component equal to "INBOX" in any case is the inbox and is spelled
//      "INBOX" (RFC 3501 §5.1); this applies to listed names, globs and maps.
//   2. --include/--exclude globs (see PlanOptions) select source folders by
//      their full name; exclude wins; children are not implied ("Trash" does
//      not exclude "Trash/Old"; write "Trash*" for that).
//   3. --map SRC=DST renames SRC and its descendants: the longest mapped
//      prefix wins ("Old=Archive/Old" sends "Old/2019" to
//      "Archive/Old/2019"). An explicit map beats every other rule.
//   4. A source folder with an RFC 6154 special use (\Sent, \Drafts, \Trash,
//      \Junk, \Archive, ...) lands in the target folder advertising the same
//      use, whatever its name; its descendants follow it. When several target
//      folders share the use, the one with the source's name wins, else the
//      first listed. Without such a target folder the name is kept.
//   5. Otherwise the name is kept; INBOX stays INBOX.
//   6. A target component containing the target's hierarchy separator
//      (e.g. "v1.2" when the target separates with '.') would split into
//      two levels there, so that character is replaced by '_' ('-' when the
//      separator itself is '_'), with a note.
//   7. Two source folders landing in one target folder are merged into it,
//      with a note.
//   8. Target folders that do not exist (and their missing parents) are
//      created, parents before children, empty folders included. INBOX always
//      exists.

#include <string>
#include <string_view>
#include <vector>

#include "sync/model.hpp"

namespace mailferry::sync {

// Why a source folder got its target name.
enum class MappingReason {
    same_name,    // kept its name
    mapped,       // an explicit --map
    special_use,  // the target folder of the same special use
    pop3,         // POP3 source: the --folder option
};

struct FolderPair {
    std::string source;  // normalized source name
    std::string target;  // target name, '/' separated
    bool source_selectable = true;
    bool created = false;  // the target folder does not exist yet
    MappingReason reason = MappingReason::same_name;
};

struct FolderMappingResult {
    std::vector<FolderPair> pairs;       // in source listing order
    std::vector<std::string> to_create;  // target names, parents before children
    std::vector<std::string> excluded;   // source names left out by include/exclude
    std::vector<std::string> notes;      // merges, renamed characters, unusable targets
};

FolderMappingResult map_folders(const std::vector<MailboxFolder>& source,
                                const std::vector<MailboxFolder>& target, char target_separator,
                                const PlanOptions& options);

// The POP3 case: the one source folder (INBOX) goes to options.pop3_folder.
FolderMappingResult map_pop3_folder(const std::vector<MailboxFolder>& target, char target_separator,
                                    const PlanOptions& options);

// The mapping of one account's folders: map_pop3_folder for a single-folder
// (POP3) source, else map_folders. A run computes it once; the listing and
// every plan follow it.
FolderMappingResult map_account_folders(const SourceTraits& source_traits,
                                        const std::vector<MailboxFolder>& source,
                                        const std::vector<MailboxFolder>& target,
                                        char target_separator, const PlanOptions& options);

std::vector<std::string> split_name(std::string_view name);
std::string join_name(const std::vector<std::string>& components);

// Rule 1: "inbox/x" -> "INBOX/x".
std::string normalize_name(std::string_view name);

// The model name of a source folder from its levels (split at the source's
// separator, modified UTF-7 decoded): joined with '/', each '/' inside a
// level (possible where the source separates with '.') replaced by '_' as
// in rule 6, since the model reserves '/' for level breaks. Normalized.
std::string source_name_from_levels(const std::vector<std::string>& levels);

// Glob of PlanOptions::include on one already normalized name.
bool glob_match(std::string_view pattern, std::string_view name);

// Rule 2 for one source name.
bool folder_selected(std::string_view name, const PlanOptions& options);

}  // namespace mailferry::sync
