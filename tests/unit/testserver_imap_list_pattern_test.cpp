// LIST/LSUB pattern matching (RFC 3501 §6.3.8): "*" crosses the hierarchy
// separator, "%" does not, and INBOX matches in any case.

#include "contrib/testserver/imap/list_pattern.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <string_view>

namespace mailferry::testserver::imap {
namespace {

struct Row {
    std::string_view pattern;
    std::string_view name;
    bool matches;
};

constexpr Row rows[] = {
    {"*", "INBOX", true},
    {"*", "a/b/c", true},
    {"%", "a", true},
    {"%", "a/b", false},
    {"a/%", "a/b", true},
    {"a/%", "a/b/c", false},
    {"a/*", "a/b/c", true},
    {"a/*", "a", false},
    {"a*", "a", true},
    {"a%", "ab", true},
    {"%/b", "a/b", true},
    {"%/%/c", "a/b/c", true},
    {"*c", "a/b/c", true},
    {"*x", "a/b/c", false},
    {"a/%/c", "a/b/c", true},
    {"a%%", "abc", true},
    {"%*", "a/b", true},
    {"Sent", "Sent", true},
    {"sent", "Sent", false},  // only INBOX is case-insensitive
    {"inbox", "INBOX", true},
    {"InBox/%", "INBOX/Sub", true},
    {"inbox/sub", "INBOX/Sub", false},
    {"INBOXX", "INBOX", false},
    {"inboxes", "INBOXES", false},
    {"", "INBOX", false},
    {"a", "ab", false},
    {"ab", "a", false},
};

TEST(ImapListPattern, MatchesPerRfc3501) {
    for (const auto& row : rows) {
        EXPECT_EQ(list_pattern_matches(row.pattern, row.name), row.matches)
            << "pattern '" << row.pattern << "' name '" << row.name << "'";
    }
}

TEST(ImapListPattern, LsubParentsOnlyWherePercentStopsShortOfTheChild) {
    using Names = std::vector<std::string>;
    const Names subscribed = {"parent/child/leaf", "parent/other", "top/a/b/c"};
    EXPECT_EQ(lsub_noselect_parents(subscribed, {"parent/%"}), (Names{"parent/child"}));
    EXPECT_EQ(lsub_noselect_parents(subscribed, {"parent/*"}), (Names{}));
    EXPECT_EQ(lsub_noselect_parents(subscribed, {"%"}), (Names{"parent", "top"}));
    EXPECT_EQ(lsub_noselect_parents(subscribed, {"top/%/%"}), (Names{"top/a/b"}));
    EXPECT_EQ(lsub_noselect_parents({"parent", "parent/child/leaf"}, {"%"}), (Names{}));
}

}  // namespace
}  // namespace mailferry::testserver::imap
