#pragma once
// One message's untagged FETCH response (RFC 3501 §7.4.2) for a list of
// fetch items. Internal to the IMAP session.

#include "contrib/testserver/imap/fetch_attributes.hpp"
#include "contrib/testserver/imap/selected_mailbox.hpp"
#include "contrib/testserver/store/gmail_store.hpp"
#include "contrib/testserver/store/mail_store.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace mailferry::testserver::imap {

struct FetchOptions {
    bool add_flags = false;   // FLAGS not requested but \Seen was set implicitly (§6.4.5)
    bool add_modseq = false;  // CONDSTORE enabled and flags changed (RFC 7162 §3.2.4)
    bool uid_last = false;    // UID after every other item (fault uid-last)
    const GmailStore* gmail = nullptr;  // for the X-GM-* items (--emulate gmail)
};

// ("\\Inbox" Work): an X-GM-LABELS list, each label an astring.
std::string gmail_label_list(const std::vector<std::string>& labels);

// "* 3 FETCH (UID 7 FLAGS (\Seen) BODY[] {12}\r\n...)\r\n". Reads the body
// from the store only when an item needs it.
std::string build_fetch_response(std::uint32_t seq, const MessageInfo& info,
                                 const std::vector<FetchItem>& items, const SelectedMailbox& view,
                                 const MailStore& store, FetchOptions options);

// True when fetching `item` sets \Seen (RFC 3501 §6.4.5: BODY[...], RFC822,
// RFC822.TEXT; not BODY.PEEK[...] or RFC822.HEADER).
bool sets_seen(const FetchItem& item);

}  // namespace mailferry::testserver::imap
