#include "sync/adapters/detail/imap_common.hpp"

#include "clients/imap/busy_signal.hpp"
#include "clients/wire/ascii.hpp"

namespace mailferry::sync::detail {

MailboxError to_mailbox_error(const imap::Error& e, const imap::Client& client) {
    MailboxError out;
    out.message = e.message;
    if (e.code == imap::client_error::not_supported) {
        out.kind = MailboxError::Kind::unsupported;
    } else if (client.is_open() && (e.code == imap::client_error::command_failed ||
                                    e.code == imap::client_error::command_rejected)) {
        out.kind = MailboxError::Kind::rejected;
    } else {
        out.kind = MailboxError::Kind::connection_lost;
    }
    out.busy = imap::busy_signal(e).value_or("");
    return out;
}

MailboxFolder to_model(const imap::Folder& f) {
    MailboxFolder out;
    out.name = f.name;
    if (wire::iequals(out.name, "INBOX")) {
        out.name = "INBOX";
    }
    out.special_use = f.special_use;
    out.selectable = f.selectable;
    return out;
}

FolderStatus to_model(const imap::MailboxState& m) {
    FolderStatus s;
    s.uidvalidity = m.uidvalidity;
    s.uidnext = m.uidnext.value_or(0);
    s.highest_modseq = m.highest_modseq.value_or(0);
    s.messages = m.exists;
    return s;
}

FolderStatus to_model(const imap::MailboxStatus& m) {
    FolderStatus s;
    s.uidvalidity = static_cast<std::uint32_t>(m.uidvalidity.value_or(0));
    s.uidnext = static_cast<std::uint32_t>(m.uidnext.value_or(0));
    s.highest_modseq = m.highestmodseq.value_or(0);
    s.messages = static_cast<std::uint32_t>(m.messages.value_or(0));
    return s;
}

bool has_flag(const std::vector<std::string>& flags, std::string_view flag) {
    for (const std::string& f : flags) {
        if (wire::iequals(f, flag)) {
            return true;
        }
    }
    return false;
}

bool still_selected(const imap::Client& client, const std::string& name, bool read_only) {
    const auto& selection = client.selection();
    return selection && selection->name == name && (read_only || !selection->read_only);
}

}  // namespace mailferry::sync::detail
