#pragma once
// Translations shared by the IMAP source and target adapters.

#include "clients/imap/client.hpp"
#include "sync/mailbox.hpp"
#include "sync/model.hpp"

#include <string>
#include <vector>

namespace mailferry::sync::detail {

// NO/BAD keep the connection: rejected (or unsupported); anything else lost.
MailboxError to_mailbox_error(const imap::Error& e, const imap::Client& client);

// An engine folder as the planner sees it.
MailboxFolder to_model(const imap::Folder& f);

// The folder's status from SELECT/EXAMINE.
FolderStatus to_model(const imap::MailboxState& m);
// STATUS: the items asked for (client.hpp), 0 for one the server left out.
FolderStatus to_model(const imap::MailboxStatus& m);

// Whether `client` has `name` selected in a mode that allows what is asked
// (read-only asks less than read-write), so opening it again can be spared.
bool still_selected(const imap::Client& client, const std::string& name, bool read_only);

// Does the flag list hold `flag` (case-insensitive)?
bool has_flag(const std::vector<std::string>& flags, std::string_view flag);

}  // namespace mailferry::sync::detail
