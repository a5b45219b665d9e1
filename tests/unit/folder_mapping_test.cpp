// Folder mapping: which source folders take part and where each one lands.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sync/folder_mapping.hpp"

namespace mailferry::sync {
namespace {

using Names = std::vector<std::string>;

MailboxFolder f(std::string name, std::string special_use = {}, bool selectable = true) {
    return {std::move(name), std::move(special_use), selectable};
}

// "source>target" per pair, '+' marking a target to be created.
std::string pairs_of(const FolderMappingResult& r) {
    std::string out;
    for (const FolderPair& p : r.pairs) {
        out += (out.empty() ? "" : " | ") + p.source + ">" + p.target + (p.created ? "+" : "");
    }
    return out;
}

struct MappingCase {
    const char* name;
    std::vector<MailboxFolder> source;
    std::vector<MailboxFolder> target;
    char separator;
    PlanOptions options;
    std::string pairs;
    Names to_create;
    Names excluded;
    std::size_t notes;
};

PlanOptions opts(Names include, Names exclude, std::vector<FolderMap> map = {}) {
    PlanOptions o;
    o.include = std::move(include);
    o.exclude = std::move(exclude);
    o.map = std::move(map);
    return o;
}

const std::vector<MappingCase> cases = {
    {"names are kept, parents created before children, empty folders too",
     {f("INBOX"), f("Archive/2023"), f("Archive"), f("Empty"), f("Lists/dev/old")},
     {f("INBOX"), f("Lists")},
     '/',
     {},
     "INBOX>INBOX | Archive/2023>Archive/2023+ | Archive>Archive+ | Empty>Empty+ | "
     "Lists/dev/old>Lists/dev/old+",
     {"Archive", "Archive/2023", "Empty", "Lists/dev", "Lists/dev/old"},
     {},
     0},
    {"INBOX is case-insensitive on both sides and always exists",
     {f("Inbox"), f("inbox/Sub")},
     {f("inbox")},
     '/',
     {},
     "INBOX>INBOX | INBOX/Sub>INBOX/Sub+",
     {"INBOX/Sub"},
     {},
     0},
    {"other names are case-sensitive",
     {f("archive")},
     {f("INBOX"), f("Archive")},
     '/',
     {},
     "archive>archive+",
     {"archive"},
     {},
     0},
    {"include selects, exclude wins, children are not implied",
     {f("INBOX"), f("Archive"), f("Archive/Old"), f("Archive/New"), f("Trash"), f("Trash/x")},
     {f("INBOX")},
     '/',
     opts({"Archive*", "inbox", "Trash/*"}, {"Archive/Old"}),
     "INBOX>INBOX | Archive>Archive+ | Archive/New>Archive/New+ | Trash/x>Trash/x+",
     {"Archive", "Archive/New", "Trash", "Trash/x"},
     {"Archive/Old", "Trash"},
     0},
    {"% stays within one level, * crosses levels",
     {f("INBOX"), f("A"), f("A/B"), f("A/B/C")},
     {f("INBOX")},
     '/',
     opts({"%"}, {"A/*"}),
     "INBOX>INBOX | A>A+",
     {"A"},
     {"A/B", "A/B/C"},
     0},
    {"a mapped parent maps its children",
     {f("INBOX"), f("Old"), f("Old/2019"), f("Older")},
     {f("INBOX"), f("Archive")},
     '/',
     opts({}, {}, {{"Old", "Archive/Old"}}),
     "INBOX>INBOX | Old>Archive/Old+ | Old/2019>Archive/Old/2019+ | Older>Older+",
     {"Archive/Old", "Archive/Old/2019", "Older"},
     {},
     0},
    {"the longest mapped prefix wins",
     {f("Old"), f("Old/Keep"), f("Old/Keep/x")},
     {f("INBOX")},
     '/',
     opts({}, {}, {{"Old", "Archive"}, {"Old/Keep", "Kept"}}),
     "Old>Archive+ | Old/Keep>Kept+ | Old/Keep/x>Kept/x+",
     {"Archive", "Kept", "Kept/x"},
     {},
     0},
    {"special-use folders land in the target's folder of the same use, children follow",
     {f("INBOX"), f("Sent Items", "\\Sent"), f("Sent Items/2019"), f("Deleted", "\\Trash"),
      f("Drafts", "\\Drafts")},
     {f("INBOX"), f("Sent", "\\Sent"), f("Papierkorb", "\\trash"), f("Drafts")},
     '/',
     {},
     "INBOX>INBOX | Sent Items>Sent | Sent Items/2019>Sent/2019+ | Deleted>Papierkorb | "
     "Drafts>Drafts",
     {"Sent/2019"},
     {},
     0},
    {"among several target folders of one use, the same name wins",
     {f("Junk", "\\Junk")},
     {f("INBOX"), f("Spam", "\\Junk"), f("Junk", "\\Junk")},
     '/',
     {},
     "Junk>Junk",
     {},
     {},
     0},
    {"an explicit map beats special use",
     {f("Sent Items", "\\Sent")},
     {f("INBOX"), f("Sent", "\\Sent")},
     '/',
     opts({}, {}, {{"Sent Items", "Old Sent"}}),
     "Sent Items>Old Sent+",
     {"Old Sent"},
     {},
     0},
    {"two sources into one target are merged, with a note",
     {f("Sent", "\\Sent"), f("Sent Items", "\\Sent")},
     {f("INBOX"), f("Sent Mail", "\\Sent")},
     '/',
     {},
     "Sent>Sent Mail | Sent Items>Sent Mail",
     {},
     {},
     1},
    {"the target's separator inside a name is replaced by '_'",
     {f("v1.2"), f("Projects/v2.0/notes")},
     {f("INBOX")},
     '.',
     {},
     "v1.2>v1_2+ | Projects/v2.0/notes>Projects/v2_0/notes+",
     {"Projects", "Projects/v2_0", "Projects/v2_0/notes", "v1_2"},
     {},
     2},
    {"a '_' separator is replaced by '-'",
     {f("a_b/c")},
     {f("INBOX")},
     '_',
     {},
     "a_b/c>a-b/c+",
     {"a-b", "a-b/c"},
     {},
     1},
    {"a non-selectable source folder is still created",
     {f("Parent", "", false)},
     {f("INBOX")},
     '/',
     {},
     "Parent>Parent+",
     {"Parent"},
     {},
     0},
    {"a non-selectable target folder is noted",
     {f("Box")},
     {f("INBOX"), f("Box", "", false)},
     '/',
     {},
     "Box>Box",
     {},
     {},
     1},
};

TEST(FolderMapping, CaseTable) {
    for (const MappingCase& c : cases) {
        SCOPED_TRACE(c.name);
        const FolderMappingResult r = map_folders(c.source, c.target, c.separator, c.options);
        EXPECT_EQ(pairs_of(r), c.pairs);
        EXPECT_EQ(r.to_create, c.to_create);
        EXPECT_EQ(r.excluded, c.excluded);
        EXPECT_EQ(r.notes.size(), c.notes);
    }
}

TEST(FolderMapping, ReasonsAreReported) {
    const FolderMappingResult r =
        map_folders({f("INBOX"), f("Sent Items", "\\Sent"), f("Old")},
                    {f("INBOX"), f("Sent", "\\Sent")}, '/', opts({}, {}, {{"Old", "Archive"}}));
    ASSERT_EQ(r.pairs.size(), 3U);
    EXPECT_EQ(r.pairs[0].reason, MappingReason::same_name);
    EXPECT_EQ(r.pairs[1].reason, MappingReason::special_use);
    EXPECT_EQ(r.pairs[2].reason, MappingReason::mapped);
}

TEST(FolderMapping, NotesNameTheFoldersConcerned) {
    const FolderMappingResult merged = map_folders({f("Sent", "\\Sent"), f("Sent Items", "\\Sent")},
                                                   {f("Sent Mail", "\\Sent")}, '/', {});
    ASSERT_EQ(merged.notes.size(), 1U);
    EXPECT_EQ(merged.notes[0],
              "source folders \"Sent\", \"Sent Items\" all map to \"Sent Mail\"; their messages "
              "are merged there");
    const FolderMappingResult renamed = map_folders({f("v1.2")}, {}, '.', {});
    ASSERT_EQ(renamed.notes.size(), 1U);
    EXPECT_EQ(renamed.notes[0],
              "\"v1.2\" contains the target's hierarchy separator '.'; created as \"v1_2\"");
}

TEST(FolderMapping, Pop3SourceGoesToTheFolderOption) {
    PlanOptions o;
    EXPECT_EQ(pairs_of(map_pop3_folder({f("INBOX")}, '/', o)), "INBOX>INBOX");
    o.pop3_folder = "INBOX/Shop";
    const FolderMappingResult r = map_pop3_folder({f("INBOX")}, '.', o);
    EXPECT_EQ(pairs_of(r), "INBOX>INBOX/Shop+");
    EXPECT_EQ(r.to_create, Names{"INBOX/Shop"});
    EXPECT_EQ(r.pairs[0].reason, MappingReason::pop3);
}

struct GlobCase {
    const char* pattern;
    const char* name;
    bool match;
};

TEST(FolderMapping, GlobTable) {
    const std::vector<GlobCase> globs = {
        {"*", "", true},          {"*", "a/b/c", true},        {"%", "abc", true},
        {"%", "a/b", false},      {"a/%", "a/b", true},        {"a/%", "a/b/c", false},
        {"a/*", "a/b/c", true},   {"a/*", "a", false},         {"a*", "a", true},
        {"*/c", "a/b/c", true},   {"%/c", "a/b/c", false},     {"a*c", "abbc", true},
        {"Trash", "Trash", true}, {"Trash", "Trash/x", false}, {"Trash", "trash", false},
        {"a%b%c", "aXbYc", true}, {"a%b", "a/b", false},       {"", "", true},
    };
    for (const GlobCase& g : globs) {
        EXPECT_EQ(glob_match(g.pattern, g.name), g.match) << g.pattern << " vs " << g.name;
    }
}

TEST(FolderMapping, NamesSplitIntoComponents) {
    EXPECT_EQ(split_name("a/b/c"), (Names{"a", "b", "c"}));
    EXPECT_EQ(split_name("INBOX"), Names{"INBOX"});
    EXPECT_EQ(join_name({"a", "b"}), "a/b");
    EXPECT_EQ(normalize_name("iNbOx/Sub/inbox"), "INBOX/Sub/inbox");
    EXPECT_EQ(normalize_name("Inboxes"), "Inboxes");
}

// A '.'-separated source may have '/' inside a level ("Projects.a/b" is two
// levels); the model keeps '/' for level breaks, and the folder keeps its
// depth on the target.
TEST(FolderMapping, SlashInsideASourceLevelBecomesUnderscore) {
    EXPECT_EQ(source_name_from_levels({"Projects", "a/b"}), "Projects/a_b");
    EXPECT_EQ(source_name_from_levels({"inbox", "2023/24"}), "INBOX/2023_24");
    EXPECT_EQ(source_name_from_levels({"Plain", "Name"}), "Plain/Name");
    // Mapped like any folder: the same depth on a '/' target.
    PlanOptions options;
    const auto r = map_folders({f(source_name_from_levels({"Projects", "a/b"}))}, {}, '/', options);
    EXPECT_EQ(pairs_of(r), "Projects/a_b>Projects/a_b+");
    EXPECT_EQ(r.to_create, (Names{"Projects", "Projects/a_b"}));
}

}  // namespace
}  // namespace mailferry::sync
