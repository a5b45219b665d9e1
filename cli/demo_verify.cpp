#include "cli/demo_verify.hpp"

#include "clients/wire/modified_utf7.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <tuple>

namespace mailferry::cli {

namespace {

namespace ts = mailferry::testserver;

// What must survive the copy: the octets, the flags and (IMAP) the date.
using Fingerprint = std::tuple<std::string, std::vector<std::string>, std::int64_t>;

std::vector<Fingerprint> fingerprints(const ts::MailStore& store, const std::string& user,
                                      const std::string& mailbox, bool with_flags_and_date,
                                      bool skip_deleted) {
    std::vector<Fingerprint> out;
    for (const ts::MessageInfo& m : store.messages(user, mailbox)) {
        if (skip_deleted && m.has_flag("\\Deleted")) {
            continue;
        }
        // Demo messages are a few KiB: holding one in memory is fine here.
        const auto body = store.body(user, mailbox, m.uid);
        Fingerprint f{body ? *body : std::string(), {}, 0};
        if (with_flags_and_date) {
            std::get<1>(f) = m.flags;
            std::get<2>(f) = m.internal_date.seconds;
        }
        out.push_back(std::move(f));
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string readable(const std::string& wire_name) {
    return wire::decode(wire_name).value_or(wire_name);
}

void compare(DemoVerification& v, const std::string& what, const std::vector<Fingerprint>& want,
             const std::vector<Fingerprint>& got) {
    ++v.folders;
    if (want == got) {
        v.messages += want.size();
        return;
    }
    std::size_t bytes_missing = 0;
    std::size_t different_meta = 0;
    for (const Fingerprint& w : want) {
        const auto same_bytes = std::find_if(got.begin(), got.end(), [&](const Fingerprint& g) {
            return std::get<0>(g) == std::get<0>(w);
        });
        if (same_bytes == got.end()) {
            ++bytes_missing;
        } else if (*same_bytes != w) {
            ++different_meta;
        }
    }
    v.problems.push_back(
        fmt::format("{}: expected {} messages, found {} ({} missing, {} with other flags or date)",
                    what, want.size(), got.size(), bytes_missing, different_meta));
}

}  // namespace

DemoVerification verify_demo_target(const ts::MailStore& store, const std::string& imap_source,
                                    const std::string& pop3_source, const std::string& target,
                                    const std::string& pop3_folder) {
    DemoVerification v;
    std::set<std::string> compared;
    for (const ts::MailboxInfo& box : store.list_mailboxes(imap_source)) {
        const auto want = fingerprints(store, imap_source, box.name, true, true);
        if (!store.mailbox(target, box.name)) {
            v.problems.push_back(
                fmt::format("folder {} is missing on {}", readable(box.name), target));
            continue;
        }
        const auto got = fingerprints(store, target, box.name, true, false);
        compare(v, fmt::format("{} -> {}", readable(box.name), target), want, got);
        compared.insert(box.name);
    }

    const std::string pop3_box = wire::encode(pop3_folder);
    if (!store.mailbox(target, pop3_box)) {
        v.problems.push_back(fmt::format("folder {} is missing on {}", pop3_folder, target));
    } else {
        compare(v, fmt::format("{} (POP3) -> {} {}", pop3_source, target, pop3_folder),
                fingerprints(store, pop3_source, "INBOX", false, false),
                fingerprints(store, target, pop3_box, false, false));
        compared.insert(pop3_box);
    }

    for (const ts::MailboxInfo& box : store.list_mailboxes(target)) {
        if (compared.count(box.name) == 0 && box.messages != 0) {
            v.problems.push_back(fmt::format("{} {} has {} messages nobody copied there", target,
                                             readable(box.name), box.messages));
        }
    }
    return v;
}

}  // namespace mailferry::cli
