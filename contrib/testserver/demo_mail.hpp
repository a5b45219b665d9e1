#pragma once
// Demo users and mail for trying a migration against the test servers
// (`mailferry testserver --seed-demo`, `mailferry demo`).
//
// alice (an IMAP source): INBOX, Projects, Projects/2026, Receipts,
//   Reisen/Zürich (stored as "Reisen/Z&APw-rich"), Sent and Archive, with
//   flags, a keyword, MIME alternatives, an attachment and a forward.
// bob (a POP3 source): INBOX with plain and MIME messages.
// carol (an empty target): the default folders only.
//
// Every message has CRLF line ends, Message-ID, Date, From, To, Subject and
// MIME-Version; its INTERNALDATE is its Date. The content is fixed: no
// randomness and no reading of the clock.

#include "contrib/testserver/store/mail_store.hpp"

#include <span>
#include <string_view>

namespace mailferry::testserver {

struct DemoUser {
    std::string_view name;
    std::string_view password;
    // What the account is for, for people reading a listing; it says
    // nothing of the account's mail, which a kept store (--data) may change.
    std::string_view role;
};

// alice, bob and carol with their passwords.
std::span<const DemoUser> demo_users() noexcept;

// Adds the demo users and their mail. A user who already exists is left
// as is (nothing is added twice), so seeding on every start is safe.
// Returns the first store error, or ok.
StoreError seed_demo_mail(MailStore& store);

}  // namespace mailferry::testserver
