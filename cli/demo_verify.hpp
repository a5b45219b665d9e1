#pragma once
// The check at the end of `mailferry demo`: reads the test server's store
// directly and compares the target account with its sources, folder by
// folder and message by message.

#include "contrib/testserver/store/mail_store.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace mailferry::cli {

struct DemoVerification {
    std::size_t folders = 0;            // folders compared
    std::size_t messages = 0;           // messages found identical
    std::vector<std::string> problems;  // empty when everything matched

    bool ok() const noexcept { return problems.empty(); }
};

// On one store (call it on the server's thread):
// - every folder of `imap_source` against the folder of the same name of
//   `target`: the same messages (exact octets), each with the same flags and
//   INTERNALDATE; messages marked \Deleted on the source are not expected;
// - the INBOX of `pop3_source` against `pop3_folder` ('/' separated) of
//   `target`: the same octets, no flags;
// - every other folder of `target` is empty.
DemoVerification verify_demo_target(const testserver::MailStore& store,
                                    const std::string& imap_source, const std::string& pop3_source,
                                    const std::string& target, const std::string& pop3_folder);

}  // namespace mailferry::cli
