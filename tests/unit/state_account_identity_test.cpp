#include "state/account_identity.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using mailferry::state::check_account_identity;
using mailferry::state::error;

TEST(StateAccountIdentity, AcceptsIdentitiesWithoutPassword) {
    for (const char* id :
         {"imap://alice@mail.example.org:143", "imaps://alice%40example.org@new.example.org:993",
          "pop3s://shop@[::1]:995", "pop3://pop.example.net:110", "imap://bob@host"}) {
        EXPECT_TRUE(check_account_identity(id)) << id;
    }
}

struct Refused {
    const char* identity;
    const char* message;
};

constexpr Refused refused[] = {
    {"imap://alice:hunter2@mail.example.org:143",
     "account identity imap://alice:***@mail.example.org:143 contains a password; the state knows "
     "accounts without passwords, pass scheme://user@host:port"},
    {"imaps://a%40b:p@ss@host:993",
     "account identity imaps://a%40b:***@host:993 contains a password; the state knows accounts "
     "without passwords, pass scheme://user@host:port"},
    {"", "account identity is not scheme://user@host:port (no scheme)"},
    {"alice@host", "account identity is not scheme://user@host:port (no scheme)"},
    {"im ap://alice@host",
     "account identity is not scheme://user@host:port (blank or control "
     "character)"},
    {"imap://alice@", "account identity is not scheme://user@host:port (no host)"},
    {"imap://alice@host:143/INBOX",
     "account identity is not scheme://user@host:port (path, query or fragment after the host)"},
    {"im_ap://alice@host", "account identity is not scheme://user@host:port (invalid scheme)"},
};

TEST(StateAccountIdentity, RefusesPasswordsAndMalformedIdentitiesWithoutQuotingSecrets) {
    for (const Refused& r : refused) {
        auto checked = check_account_identity(r.identity);
        ASSERT_FALSE(checked) << r.identity;
        EXPECT_EQ(checked.error().code, error::invalid_identity);
        EXPECT_EQ(checked.error().message, r.message);
        EXPECT_EQ(checked.error().message.find("hunter2"), std::string::npos);
    }
}

}  // namespace
