// Which server refusals are a provider's throttling (back off, fail nothing)
// and which are the request's own failure.
#include "clients/imap/busy_signal.hpp"
#include "clients/pop3/busy_signal.hpp"
#include "clients/wire/busy_text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace mailferry;

std::optional<std::string> imap_busy(imap::client_error code, const std::string& response,
                                     const std::string& step = "APPEND") {
    return imap::busy_signal(imap::make_client_error(code, "imap.example.org:993", step, response));
}

TEST(ImapBusySignal, ThrottledAndUnavailableAreBusyWhateverTheText) {
    using imap::client_error;
    EXPECT_EQ(imap_busy(client_error::command_failed, "NO [THROTTLED] Slow down"),
              "NO [THROTTLED] Slow down");
    EXPECT_TRUE(imap_busy(client_error::command_failed, "NO [UNAVAILABLE] Backend down"));
    EXPECT_TRUE(imap_busy(client_error::command_failed, "NO [throttled] lower case code"));
    EXPECT_TRUE(imap_busy(client_error::server_bye, "* BYE [UNAVAILABLE] Temporary System Error"));
}

TEST(ImapBusySignal, ByeAndLoginRefusalsCountByTheirWords) {
    using imap::client_error;
    EXPECT_TRUE(imap_busy(client_error::server_bye, "* BYE Server busy, try again later"));
    EXPECT_TRUE(imap_busy(client_error::greeting_rejected, "* BYE Too many connections from you"));
    // Gmail's answer to a login over its connection limit.
    EXPECT_TRUE(imap_busy(client_error::authentication_failed,
                          "NO [ALERT] Too many simultaneous connections. (Failure)", "LOGIN"));
    EXPECT_TRUE(
        imap_busy(client_error::authentication_failed, "NO [LIMIT] Connection limit", "LOGIN"));
    EXPECT_FALSE(imap_busy(client_error::server_bye, "* BYE Logging out"));
    EXPECT_FALSE(imap_busy(client_error::server_bye, "* BYE Autologout; idle for too long"));
}

TEST(ImapBusySignal, TheRequestsOwnFailuresAreNotBusy) {
    using imap::client_error;
    EXPECT_FALSE(imap_busy(client_error::authentication_failed,
                           "NO [AUTHENTICATIONFAILED] Invalid credentials", "LOGIN"));
    // SERVERBUG is left to the message's own retries.
    EXPECT_FALSE(imap_busy(client_error::command_failed, "NO [SERVERBUG] Unexpected failure"));
    // LIMIT outside login is a permanent limit (RFC 5530 §3: too many keywords).
    EXPECT_FALSE(imap_busy(client_error::command_failed, "NO [LIMIT] Too many keywords"));
    EXPECT_FALSE(imap_busy(client_error::command_failed, "NO [OVERQUOTA] Quota exceeded"));
    EXPECT_FALSE(imap_busy(client_error::command_failed, "NO [TRYCREATE] No such mailbox"));
    // A '[' in the text is not a response code.
    EXPECT_FALSE(imap_busy(client_error::command_failed, "NO Mailbox [UNAVAILABLE] is odd"));
    EXPECT_FALSE(imap_busy(client_error::command_rejected, "BAD [THROTTLED] syntax"));
    EXPECT_FALSE(imap_busy(client_error::protocol_error, ""));
}

std::optional<std::string> pop3_busy(const char* code, const std::string& line,
                                     bool login = false) {
    return pop3::busy_signal(pop3::rejected("pop.example.org:995", "RETR 3", code, line, login));
}

TEST(Pop3BusySignal, TemporaryCodesAreBusy) {
    EXPECT_EQ(pop3_busy("SYS/TEMP", "-ERR [SYS/TEMP] Too many requests"),
              "-ERR [SYS/TEMP] Too many requests");
    EXPECT_TRUE(pop3_busy("IN-USE", "-ERR [IN-USE] Maildrop locked", true));
    EXPECT_TRUE(pop3_busy("LOGIN-DELAY", "-ERR [LOGIN-DELAY] Wait 5 minutes", true));
    EXPECT_TRUE(pop3_busy("", "-ERR Server busy, try again later"));
}

TEST(Pop3BusySignal, PermanentAndAuthFailuresAreNot) {
    EXPECT_FALSE(pop3_busy("SYS/PERM", "-ERR [SYS/PERM] Mailbox corrupt"));
    EXPECT_FALSE(pop3_busy("AUTH", "-ERR [AUTH] Invalid password", true));
    EXPECT_FALSE(pop3_busy("", "-ERR invalid password", true));
    EXPECT_FALSE(pop3_busy("", "-ERR no such message"));
}

TEST(BusyText, MatchesLoadPhrasesCaseInsensitively) {
    EXPECT_TRUE(wire::sounds_busy("SERVER BUSY"));
    EXPECT_TRUE(wire::sounds_busy("Request is throttled"));
    EXPECT_TRUE(wire::sounds_busy("Bandwidth limit exceeded"));
    EXPECT_FALSE(wire::sounds_busy("Mailbox does not exist"));
    EXPECT_FALSE(wire::sounds_busy(""));
}

}  // namespace
