// The rules of migrating from Gmail (sync/gmail_labels.hpp): which folder
// each X-GM-MSGID is copied from, and which labels become keywords.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sync/gmail_labels.hpp"

namespace mailferry::sync {
namespace {

const std::vector<MailboxFolder> gmail_list = {
    {"INBOX", "", true},
    {"Family Photos", "", true},
    {"Work", "", true},
    {"[Gmail]", "", false},
    {"[Gmail]/All Mail", "\\All", true},
    {"[Gmail]/Drafts", "\\Drafts", true},
    {"[Gmail]/Important", "\\Important", true},
    {"[Gmail]/Sent Mail", "\\Sent", true},
    {"[Gmail]/Spam", "\\Junk", true},
    {"[Gmail]/Starred", "\\Flagged", true},
    {"[Gmail]/Trash", "\\Trash", true},
};

GmailFolders folders(GmailLabelMode mode = GmailLabelMode::keywords,
                     std::vector<std::string> excluded = {}) {
    GmailFolders out;
    out.source = gmail_list;
    out.mode = mode;
    for (const auto& f : gmail_list) {
        if (f.selectable && std::find(excluded.begin(), excluded.end(), f.name) == excluded.end()) {
            out.migrated.insert(f.name);
        }
    }
    return out;
}

// One message listed in `folder` with these X-GM-LABELS; what becomes of it.
SourceMessage listed(const std::string& folder, std::vector<std::string> labels,
                     std::vector<std::string> flags = {}, const GmailFolders& f = folders()) {
    SourceFolderListing listing;
    listing.folder = *std::find_if(gmail_list.begin(), gmail_list.end(),
                                   [&](const MailboxFolder& m) { return m.name == folder; });
    SourceMessage m;
    m.uid = 1;
    m.gmail_msgid = 1'500'000'000'000'000'001ULL;
    m.gmail_labels = std::move(labels);
    m.flags = std::move(flags);
    listing.messages.push_back(m);
    apply_gmail_labels(listing, f);
    return listing.messages.front();
}

TEST(GmailLabels, InboxIsHomeAndOtherLabelsBecomeKeywords) {
    const auto in_inbox = listed("INBOX", {"Work", "Family Photos", "\\Important"});
    EXPECT_EQ(in_inbox.stored_in, "");
    EXPECT_EQ(in_inbox.flags, (std::vector<std::string>{"Work", "Family_Photos"}));
    EXPECT_EQ(listed("Work", {"\\Inbox", "Family Photos"}).stored_in, "INBOX");
    EXPECT_EQ(listed("[Gmail]/All Mail", {"\\Inbox", "Work"}).stored_in, "INBOX");
    EXPECT_EQ(listed("[Gmail]/Important", {"\\Inbox"}).stored_in, "INBOX");
}

TEST(GmailLabels, FirstUserLabelInListOrderWithoutInbox) {
    EXPECT_EQ(listed("Work", {"Family Photos"}).stored_in, "Family Photos");
    const auto home = listed("Family Photos", {"Work", "\\Sent"});
    EXPECT_EQ(home.stored_in, "");
    EXPECT_EQ(home.flags, std::vector<std::string>{"Work"});
}

TEST(GmailLabels, AllMailOnlyForUnlabelledMessagesAndStarredIsFlagged) {
    const auto archived = listed("[Gmail]/All Mail", {"\\Starred"}, {"\\Seen"});
    EXPECT_EQ(archived.stored_in, "");
    EXPECT_EQ(archived.flags, (std::vector<std::string>{"\\Seen", "\\Flagged"}));
    EXPECT_EQ(listed("[Gmail]/Starred", {}).stored_in, "[Gmail]/All Mail");
}

TEST(GmailLabels, AnExcludedFolderIsNeverHome) {
    const auto f = folders(GmailLabelMode::keywords, {"INBOX"});
    EXPECT_EQ(listed("Work", {"\\Inbox"}, {}, f).stored_in, "");
}

TEST(GmailLabels, CopyModeKeepsEveryLabelFolder) {
    const auto f = folders(GmailLabelMode::copy);
    const auto work = listed("Work", {"\\Inbox"}, {}, f);
    EXPECT_EQ(work.stored_in, "");
    EXPECT_TRUE(work.flags.empty());
    EXPECT_EQ(listed("[Gmail]/All Mail", {"\\Inbox", "Work"}, {}, f).stored_in, "INBOX");
    EXPECT_EQ(listed("[Gmail]/Starred", {"Work"}, {}, f).stored_in, "Work");
}

TEST(GmailLabels, TrashAndSpamArePlainFolders) {
    EXPECT_EQ(listed("[Gmail]/Trash", {}).stored_in, "");
    EXPECT_EQ(listed("[Gmail]/Spam", {}).stored_in, "");
}

TEST(GmailLabels, KeywordsAreAtoms) {
    EXPECT_EQ(gmail_label_keyword("Work/Project X"), "Work/Project_X");
    EXPECT_EQ(gmail_label_keyword("a(b)\"c\"%*]"), "a_b__c____");
    EXPECT_EQ(gmail_label_keyword("B&APw-ro"), "B&APw-ro");  // modified UTF-7 kept
    EXPECT_EQ(gmail_label_keyword("\\Important"), "");
}

TEST(GmailLabels, MessagesWithoutMsgidAreLeftAlone) {
    SourceFolderListing listing;
    listing.folder = {"Work", "", true};
    SourceMessage m;
    m.gmail_labels = {"\\Inbox"};
    listing.messages.push_back(m);
    apply_gmail_labels(listing, folders());
    EXPECT_EQ(listing.messages.front().stored_in, "");
}

}  // namespace
}  // namespace mailferry::sync
