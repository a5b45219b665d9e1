// wire::parse_account_url: a table of valid and invalid account URLs.
#include "clients/wire/account_url.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace mailferry::wire {
namespace {

struct Valid {
    const char* url;
    Scheme scheme;
    const char* user;
    std::optional<std::string> password;
    const char* host;
    std::uint16_t port;
    std::optional<std::string> mailbox;
    std::optional<std::string> auth;
    const char* printed;  // to_string()
};

TEST(AccountUrl, ParsesValidUrls) {
    const std::vector<Valid> table = {
        {"imap://alice@mail.example.org",
         Scheme::imap,
         "alice",
         {},
         "mail.example.org",
         143,
         {},
         {},
         "imap://alice@mail.example.org"},
        {"imaps://alice@mail.example.org",
         Scheme::imaps,
         "alice",
         {},
         "mail.example.org",
         993,
         {},
         {},
         "imaps://alice@mail.example.org"},
        {"pop3://bob@pop.example.net",
         Scheme::pop3,
         "bob",
         {},
         "pop.example.net",
         110,
         {},
         {},
         "pop3://bob@pop.example.net"},
        {"pop3s://bob@pop.example.net",
         Scheme::pop3s,
         "bob",
         {},
         "pop.example.net",
         995,
         {},
         {},
         "pop3s://bob@pop.example.net"},
        {"pop://bob@pop.example.net",
         Scheme::pop3,
         "bob",
         {},
         "pop.example.net",
         110,
         {},
         {},
         "pop3://bob@pop.example.net"},
        {"pops://bob@pop.example.net:1995",
         Scheme::pop3s,
         "bob",
         {},
         "pop.example.net",
         1995,
         {},
         {},
         "pop3s://bob@pop.example.net:1995"},
        {"IMAPS://Alice@Mail.Example.org:993",
         Scheme::imaps,
         "Alice",
         {},
         "Mail.Example.org",
         993,
         {},
         {},
         "imaps://Alice@Mail.Example.org"},
        {"imaps://alice%40example.org@new.example.org",
         Scheme::imaps,
         "alice@example.org",
         {},
         "new.example.org",
         993,
         {},
         {},
         "imaps://alice%40example.org@new.example.org"},
        {"imap://u:s%3Acret%40x@h:1143",
         Scheme::imap,
         "u",
         std::string("s:cret@x"),
         "h",
         1143,
         {},
         {},
         "imap://u@h:1143"},
        {"imap://u:@h", Scheme::imap, "u", std::string(""), "h", 143, {}, {}, "imap://u@h"},
        {"imap://u@[::1]:10143",
         Scheme::imap,
         "u",
         {},
         "::1",
         10143,
         {},
         {},
         "imap://u@[::1]:10143"},
        {"imaps://u@[2001:db8::1]",
         Scheme::imaps,
         "u",
         {},
         "2001:db8::1",
         993,
         {},
         {},
         "imaps://u@[2001:db8::1]"},
        {"imap://u@h/INBOX",
         Scheme::imap,
         "u",
         {},
         "h",
         143,
         std::string("INBOX"),
         {},
         "imap://u@h/INBOX"},
        {"imap://u@h/Sent%20Items/2024",
         Scheme::imap,
         "u",
         {},
         "h",
         143,
         std::string("Sent Items/2024"),
         {},
         "imap://u@h/Sent%20Items/2024"},
        {"imap://u@h/", Scheme::imap, "u", {}, "h", 143, {}, {}, "imap://u@h"},
        {"imap://fred;AUTH=*@h",
         Scheme::imap,
         "fred",
         {},
         "h",
         143,
         {},
         std::string("*"),
         "imap://fred;AUTH=*@h"},
        {"pop://rg;auth=+APOP@mail.eudora.com:8110",
         Scheme::pop3,
         "rg",
         {},
         "mail.eudora.com",
         8110,
         {},
         std::string("+APOP"),
         "pop3://rg;AUTH=%2BAPOP@mail.eudora.com:8110"},
        {"imap://a%20b@127.0.0.1",
         Scheme::imap,
         "a b",
         {},
         "127.0.0.1",
         143,
         {},
         {},
         "imap://a%20b@127.0.0.1"},
        {"imap://user@x:65535",
         Scheme::imap,
         "user",
         {},
         "x",
         65535,
         {},
         {},
         "imap://user@x:65535"},
    };
    for (const Valid& v : table) {
        SCOPED_TRACE(v.url);
        const AccountUrlParse p = parse_account_url(v.url);
        ASSERT_TRUE(p.url) << p.error;
        EXPECT_TRUE(p.error.empty());
        EXPECT_EQ(p.url->scheme, v.scheme);
        EXPECT_EQ(p.url->user, v.user);
        EXPECT_EQ(p.url->password, v.password);
        EXPECT_EQ(p.url->host, v.host);
        EXPECT_EQ(p.url->port, v.port);
        EXPECT_EQ(p.url->mailbox, v.mailbox);
        EXPECT_EQ(p.url->auth, v.auth);
        EXPECT_EQ(p.url->to_string(), v.printed);
        // What to_string() prints parses back to the same account, less the
        // password.
        const AccountUrlParse again = parse_account_url(p.url->to_string());
        ASSERT_TRUE(again.url) << again.error;
        AccountUrl expected = *p.url;
        expected.password.reset();
        EXPECT_EQ(*again.url, expected);
    }
}

TEST(AccountUrl, RejectsInvalidUrlsWithClearErrors) {
    const std::vector<std::pair<const char*, const char*>> table = {
        {"imap://host", "missing user name in 'imap://host'"},
        {"imap://@host", "missing user name in 'imap://@host'"},
        {"imap://:secret@host", "missing user name in 'imap://:***@host'"},
        {"imap://u@host:99999", "port 99999 out of range (1-65535) in 'imap://u@host:99999'"},
        {"imap://u@host:0", "port 0 out of range (1-65535) in 'imap://u@host:0'"},
        {"imap://u@host:", "missing port number after ':' in 'imap://u@host:'"},
        {"imap://u@host:14x", "invalid port '14x' in 'imap://u@host:14x'"},
        {"http://u@host", "unknown scheme 'http' (use imap, imaps, pop3 or pop3s)"},
        {"u@host",
         "'u@host' is not an account URL (expected imap://USER@HOST, imaps://, "
         "pop3:// or pop3s://)"},
        {"imap://u@", "missing host name in 'imap://u@'"},
        {"imap://u@ho st", "invalid host name 'ho st' in 'imap://u@ho st'"},
        {"imap://u@[::1", "unterminated '[' in the host of 'imap://u@[::1'"},
        {"imap://u@[nope]", "invalid IPv6 address 'nope' in 'imap://u@[nope]'"},
        {"imap://u@[::1]x", "unexpected 'x' after the host in 'imap://u@[::1]x'"},
        {"imap://u%zz@h", "invalid percent-encoding in the user name of 'imap://u%zz@h'"},
        {"imap://u%4@h", "invalid percent-encoding in the user name of 'imap://u%4@h'"},
        {"imap://u:p%@h", "invalid percent-encoding in the password of 'imap://u:***@h'"},
        {"imap://u;x=1@h",
         "unknown parameter ';x=1' in the user part of 'imap://u;x=1@h' (only ;AUTH=MECH is "
         "allowed)"},
        {"pop3://u@h/INBOX", "a POP3 URL has no mailbox, but 'pop3://u@h/INBOX' ends in '/INBOX'"},
    };
    for (const auto& [url, error] : table) {
        SCOPED_TRACE(url);
        const AccountUrlParse p = parse_account_url(url);
        EXPECT_FALSE(p.url);
        EXPECT_EQ(p.error, error);
    }
}

TEST(AccountUrl, PasswordNeverAppearsInErrorsOrPrintout) {
    const AccountUrlParse bad = parse_account_url("imap://u:hunter2@h:70000");
    EXPECT_EQ(bad.error.find("hunter2"), std::string::npos);
    EXPECT_EQ(bad.error, "port 70000 out of range (1-65535) in 'imap://u:***@h:70000'");
    const AccountUrlParse good = parse_account_url("imaps://u:hunter2@h");
    ASSERT_TRUE(good.url);
    EXPECT_EQ(good.url->to_string().find("hunter2"), std::string::npos);
    EXPECT_EQ(redact_account_url("pop3://a%40b:p:w@h"), "pop3://a%40b:***@h");
    EXPECT_EQ(redact_account_url("pop3://ab@h"), "pop3://ab@h");
}

TEST(AccountUrl, Loopback) {
    const std::vector<std::pair<const char*, bool>> table = {
        {"imap://u@localhost", true},       {"imap://u@LocalHost:1143", true},
        {"imap://u@127.0.0.1", true},       {"imap://u@127.9.8.7", true},
        {"imap://u@[::1]", true},           {"imap://u@[::ffff:127.0.0.1]", true},
        {"imap://u@128.0.0.1", false},      {"imap://u@[::2]", false},
        {"imap://u@localhost.evil", false}, {"imap://u@127.example.org", false},
        {"imap://u@10.0.0.1", false},
    };
    for (const auto& [url, loopback] : table) {
        SCOPED_TRACE(url);
        const AccountUrlParse p = parse_account_url(url);
        ASSERT_TRUE(p.url) << p.error;
        EXPECT_EQ(p.url->is_loopback(), loopback);
    }
}

TEST(AccountUrl, SchemeProperties) {
    EXPECT_TRUE(parse_account_url("imaps://u@h").url->is_implicit_tls());
    EXPECT_FALSE(parse_account_url("imap://u@h").url->is_implicit_tls());
    EXPECT_TRUE(parse_account_url("pop3s://u@h").url->is_implicit_tls());
    EXPECT_FALSE(parse_account_url("pop3s://u@h").url->is_imap());
}

}  // namespace
}  // namespace mailferry::wire
