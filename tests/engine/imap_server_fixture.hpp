#pragma once
// The IMAP session served in-process (in_process_server.hpp); tests talk to
// it with ImapTestClient.

#include "tests/engine/in_process_server.hpp"
#include "tests/support/imap_test_client.hpp"

#include <memory>
#include <string>

namespace mailferry::test {

using ImapServer = InProcessServer<&testserver::run_imap_session>;

// A client that has read the greeting and logged in as alice.
inline std::unique_ptr<ImapTestClient> logged_in_client(const ImapServer& server,
                                                        std::string user = "alice",
                                                        std::string password = "wonderland") {
    auto client = std::make_unique<ImapTestClient>(server.port());
    auto greeting = client->response();
    EXPECT_TRUE(greeting && greeting->rfind("* OK ", 0) == 0);
    auto lines = client->command("L0", "LOGIN " + user + " " + password);
    EXPECT_FALSE(lines.empty());
    EXPECT_EQ(lines.back().rfind("L0 OK", 0), 0u) << join_lines(lines);
    return client;
}

// A message in RFC 5322 form with CRLF line ends.
inline std::string make_message(const std::string& subject, const std::string& body,
                                const std::string& extra_headers = "") {
    return "From: Alice <alice@example.org>\r\n"
           "To: Bob <bob@example.org>\r\n"
           "Subject: " +
           subject +
           "\r\n"
           "Date: Tue, 1 Jul 2003 10:52:37 +0200\r\n"
           "Message-ID: <" +
           subject + "@example.org>\r\n" + extra_headers + "\r\n" + body;
}

}  // namespace mailferry::test
