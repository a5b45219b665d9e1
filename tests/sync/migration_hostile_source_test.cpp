// A migration from a scripted POP3 maildrop whose RETR of one message stops
// before the terminating dot and hangs up, on every connection. The target
// must receive only exact copies (never the cut-off part as a message), and
// a re-run against a maildrop that behaves completes the job exactly.

#include "tests/support/scripted_server.hpp"
#include "tests/sync/migration_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

namespace mailferry::test {
namespace {

constexpr std::size_t sessions = 16;  // more than the migration's reconnects

// A POP3 maildrop of `bodies` (numbered from 1, UIDL "u<n>"); when `cut` is
// non-zero, RETR of that message sends half its body, then hangs up.
void serve_maildrop(ScriptedSession& s, const std::vector<std::string>& bodies, std::size_t cut) {
    if (!s.send("+OK scripted maildrop\r\n")) {
        return;
    }
    std::string line;
    while (s.read_line(line)) {
        const std::string verb = line.substr(0, line.find(' '));
        const bool numbered = verb == "RETR" || verb == "TOP" || verb == "DELE";
        const std::size_t n = numbered ? std::strtoul(line.c_str() + verb.size(), nullptr, 10) : 0;
        std::string answer = "+OK\r\n";
        if (verb == "CAPA") {
            answer = "+OK\r\nUSER\r\nUIDL\r\nTOP\r\n.\r\n";
        } else if (verb == "STAT") {
            answer = "+OK " + std::to_string(bodies.size()) + " 0\r\n";
        } else if (verb == "LIST" || verb == "UIDL") {
            answer = "+OK\r\n";
            for (std::size_t i = 1; i <= bodies.size(); ++i) {
                answer += std::to_string(i) + " " +
                          (verb == "LIST" ? std::to_string(bodies[i - 1].size())
                                          : "u" + std::to_string(i)) +
                          "\r\n";
            }
            answer += ".\r\n";
        } else if ((verb == "RETR" || verb == "TOP") && (n < 1 || n > bodies.size())) {
            answer = "-ERR no such message\r\n";
        } else if (verb == "RETR" && n == cut) {
            s.send("+OK\r\n" + bodies[n - 1].substr(0, bodies[n - 1].size() / 2));
            return;
        } else if (verb == "RETR") {
            answer = "+OK\r\n" + bodies[n - 1] + ".\r\n";
        } else if (verb == "TOP") {
            const std::string& body = bodies[n - 1];
            answer = "+OK\r\n" + body.substr(0, body.find("\r\n\r\n") + 4) + ".\r\n";
        } else if (verb == "QUIT") {
            s.send("+OK bye\r\n");
            return;
        }
        if (!s.send(answer)) {
            return;
        }
    }
}

TEST(MigrationHostileSource, Pop3RetrCutOffCopiesNothingPartialAndResumes) {
    const std::vector<std::string> bodies{make_body(1), make_body(2, 4000), make_body(3)};
    Account target;
    StateFile state;
    sync::MigrationOptions o;
    o.connect_timeout = o.command_timeout = std::chrono::seconds(2);
    test_log().expect_warning("(POP3 step: RETR 2)); reconnecting");

    {
        ScriptedServer hostile([&](ScriptedSession& s) { serve_maildrop(s, bodies, 2); }, sessions);
        const sync::AccountAccess source{"pop3://user@127.0.0.1:" + std::to_string(hostile.port()),
                                         "secret", "", false, false};
        const auto first = migrate(source, target.imap(), state.store(), o);
        EXPECT_NE(first.outcome, sync::Outcome::ok) << first.message;
    }
    // Only exact copies, and message 2 (cut off every time) not at all.
    for (const auto& [name, mails] : target.read()) {
        for (const Mail& m : mails) {
            EXPECT_TRUE(m.body == bodies[0] || m.body == bodies[2])
                << name << " holds a message that is no copy: " << m.body.size() << " octets";
        }
    }

    ScriptedServer good([&](ScriptedSession& s) { serve_maildrop(s, bodies, 0); }, sessions);
    const sync::AccountAccess source{"pop3://user@127.0.0.1:" + std::to_string(good.port()),
                                     "secret", "", false, false};
    const auto second = migrate(source, target.imap(), state.store(), o);
    ASSERT_EQ(second.outcome, sync::Outcome::ok) << second.message;
    std::vector<std::string> copied;
    Mailboxes after = target.read();
    for (const Mail& m : after["INBOX"]) {
        copied.push_back(m.body);
    }
    std::vector<std::string> expected = bodies;
    std::sort(expected.begin(), expected.end());
    std::sort(copied.begin(), copied.end());
    EXPECT_EQ(copied, expected);
}

}  // namespace
}  // namespace mailferry::test
