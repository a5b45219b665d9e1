#include "sync/gmail_labels.hpp"

#include "clients/wire/ascii.hpp"
#include "clients/wire/modified_utf7.hpp"
#include "sync/folder_mapping.hpp"

#include <algorithm>
#include <map>
#include <utility>

namespace mailferry::sync {

namespace {

enum class Role {
    inbox,
    label,      // a user label, [Gmail]/Sent Mail, [Gmail]/Drafts
    all_mail,   // \All
    starred,    // \Flagged
    important,  // \Important
    outside,    // Trash, Spam: no labels, not in All Mail
};

Role role_of(const MailboxFolder& f) {
    if (f.name == "INBOX") {
        return Role::inbox;
    }
    const std::string& use = f.special_use;
    if (wire::iequals(use, "\\All")) {
        return Role::all_mail;
    }
    if (wire::iequals(use, "\\Flagged")) {
        return Role::starred;
    }
    if (wire::iequals(use, "\\Important")) {
        return Role::important;
    }
    if (wire::iequals(use, "\\Trash") || wire::iequals(use, "\\Junk")) {
        return Role::outside;
    }
    return Role::label;
}

std::string folder_with_use(const GmailFolders& folders, std::string_view use) {
    for (const MailboxFolder& f : folders.source) {
        if (wire::iequals(f.special_use, use)) {
            return f.name;
        }
    }
    return "";
}

// The source folder a label shows in; "" for labels without one.
std::string folder_of_label(const std::string& label, const GmailFolders& folders) {
    if (wire::iequals(label, "\\Inbox")) {
        return "INBOX";
    }
    struct System {
        std::string_view label, use;
    };
    static constexpr System system[] = {{"\\Sent", "\\Sent"},
                                        {"\\Draft", "\\Drafts"},
                                        {"\\Starred", "\\Flagged"},
                                        {"\\Important", "\\Important"}};
    for (const System& s : system) {
        if (wire::iequals(label, s.label)) {
            return folder_with_use(folders, s.use);
        }
    }
    if (label.starts_with('\\')) {
        return "";
    }
    return normalize_name(wire::modified_utf7::decode(label).value_or(label));
}

bool has_flag(const std::vector<std::string>& flags, std::string_view flag) {
    return std::any_of(flags.begin(), flags.end(),
                       [&](const std::string& f) { return wire::iequals(f, flag); });
}

// The folder this message is migrated from (see the header).
std::string home_of(const std::set<std::string>& in, const GmailFolders& folders) {
    if (in.count("INBOX") != 0 && folders.migrated.count("INBOX") != 0) {
        return "INBOX";
    }
    for (const MailboxFolder& f : folders.source) {
        if (role_of(f) == Role::label && in.count(f.name) != 0 &&
            folders.migrated.count(f.name) != 0) {
            return f.name;
        }
    }
    const std::string all_mail = folder_with_use(folders, "\\All");
    if (!all_mail.empty() && folders.migrated.count(all_mail) != 0) {
        return all_mail;
    }
    return "";
}

// Adds what the plan does not store twice (messages filtered as another
// label's) to `out`.
void count_saved(const Plan& plan, GmailStrategy& out) {
    for (const FolderPlan& f : plan.folders) {
        for (const FilteredItem& item : f.filtered) {
            if (item.reason == FilterReason::gmail_label) {
                ++out.messages_saved;
                out.bytes_saved += item.size;
            }
        }
    }
}

}  // namespace

std::string gmail_label_keyword(std::string_view label) {
    if (label.empty() || label.starts_with('\\')) {
        return "";
    }
    std::string out;
    for (const char c : label) {
        const auto u = static_cast<unsigned char>(c);
        const bool atom = u > 0x20 && u < 0x7f && c != '(' && c != ')' && c != '{' && c != '%' &&
                          c != '*' && c != '"' && c != '\\' && c != ']';
        out += atom ? c : '_';
    }
    return out;
}

GmailFolders gmail_folders(const std::vector<MailboxFolder>& source,
                           const FolderMappingResult& mapping, GmailLabelMode mode) {
    GmailFolders out;
    out.mode = mode;
    for (MailboxFolder f : source) {
        f.name = normalize_name(f.name);
        out.source.push_back(std::move(f));
    }
    for (const FolderPair& p : mapping.pairs) {
        if (p.source_selectable) {
            out.migrated.insert(p.source);
        }
    }
    return out;
}

void apply_gmail_labels(SourceFolderListing& listing, const GmailFolders& folders) {
    const Role here = role_of(listing.folder);
    if (here == Role::outside) {
        return;
    }
    for (SourceMessage& m : listing.messages) {
        if (!m.gmail_msgid) {
            continue;
        }
        std::set<std::string> in;
        if (here != Role::all_mail) {
            in.insert(listing.folder.name);
        }
        bool starred = here == Role::starred;
        for (const std::string& label : m.gmail_labels) {
            starred = starred || wire::iequals(label, "\\Starred");
            if (auto folder = folder_of_label(label, folders); !folder.empty()) {
                in.insert(std::move(folder));
            }
        }
        std::string home = home_of(in, folders);
        const bool copy_here =
            folders.mode == GmailLabelMode::copy && (here == Role::inbox || here == Role::label);
        if (copy_here || home.empty()) {
            home = listing.folder.name;
        }
        if (home != listing.folder.name) {
            m.stored_in = home;
            continue;
        }
        if (folders.mode == GmailLabelMode::keywords) {
            for (const std::string& label : m.gmail_labels) {
                std::string keyword = gmail_label_keyword(label);
                if (!keyword.empty() && !has_flag(m.flags, keyword)) {
                    m.flags.push_back(std::move(keyword));
                }
            }
        }
        if (starred && !has_flag(m.flags, "\\Flagged")) {
            m.flags.push_back("\\Flagged");
        }
    }
}

std::optional<GmailStrategy> gmail_source_strategy(const SourceListing& source, const Plan& plan,
                                                   GmailLabelMode mode) {
    const bool gmail =
        std::any_of(source.folders.begin(), source.folders.end(), [](const SourceFolderListing& f) {
            return std::any_of(f.messages.begin(), f.messages.end(),
                               [](const SourceMessage& m) { return m.gmail_msgid.has_value(); });
        });
    GmailStrategy out;
    out.description = mode == GmailLabelMode::copy
                          ? "from Gmail (--gmail-labels copy): a copy in every label's folder, "
                            "All Mail/Starred/Important only for messages without one"
                          : "from Gmail: each message once (X-GM-MSGID), in INBOX or its first "
                            "label's folder, its other labels as keywords";
    count_saved(plan, out);
    if (!gmail && out.messages_saved == 0) {
        return std::nullopt;
    }
    return out;
}

std::vector<GmailLabelJob> apply_gmail_target(SourceListing& source) {
    std::vector<GmailLabelJob> jobs;
    std::map<std::pair<std::string, std::uint64_t>, std::pair<std::string, std::string>> first;
    // INBOX first, as Gmail's own order; then the listing's.
    std::vector<SourceFolderListing*> order;
    for (SourceFolderListing& f : source.folders) {
        if (f.folder.name == "INBOX") {
            order.insert(order.begin(), &f);
        } else {
            order.push_back(&f);
        }
    }
    for (SourceFolderListing* f : order) {
        for (SourceMessage& m : f->messages) {
            if (m.message_id.empty() || m.deleted || !m.stored_in.empty()) {
                continue;
            }
            auto [it, is_first] =
                first.try_emplace({m.message_id, m.size}, f->folder.name, m.source_key);
            if (is_first || it->second.first == f->folder.name) {
                continue;
            }
            m.stored_in = it->second.first;
            jobs.push_back({it->second.first, it->second.second, f->folder.name});
        }
    }
    return jobs;
}

GmailStrategy gmail_target_strategy(const Plan& plan) {
    GmailStrategy out;
    out.description =
        "into Gmail: a message in several folders is appended once, its other folders become "
        "labels (X-GM-LABELS)";
    count_saved(plan, out);
    return out;
}

}  // namespace mailferry::sync
