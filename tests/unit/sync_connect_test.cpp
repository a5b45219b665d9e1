// sync/connect: the client options every command builds, here the TLS
// context they share.
#include "sync/adapters/connect.hpp"

#include <gtest/gtest.h>

namespace mailferry::sync {
namespace {

wire::AccountUrl url_of(const std::string& text) {
    auto parsed = parse_access(AccountAccess{text, "pw", "", false, false});
    EXPECT_TRUE(parsed) << parsed.error();
    return *parsed;
}

// Each connection used to load the system's CA store again (tens of
// milliseconds of CPU each: both sides, every worker, every daemon run).
TEST(SyncConnect, ConnectionsWithTheSameTlsSettingsShareOneContext) {
    const AccountAccess plain{"imaps://a@127.0.0.1:993", "pw", "", false, false};
    const AccountAccess insecure{"imaps://a@127.0.0.1:993", "pw", "", true, false};
    const AccountAccess pop{"pop3s://a@127.0.0.1:995", "pw", "", false, false};
    const MigrationOptions options;
    auto first = imap_client_options(plain, url_of(plain.url), options);
    auto second = imap_client_options(plain, url_of(plain.url), options);
    auto pop3 = pop3_client_options(pop, url_of(pop.url), options);
    auto other = imap_client_options(insecure, url_of(insecure.url), options);
    ASSERT_TRUE(first && second && pop3 && other);
    ASSERT_NE(first->tls_context, nullptr);
    EXPECT_EQ(first->tls_context, second->tls_context);
    EXPECT_EQ(first->tls_context, pop3->tls_context);
    EXPECT_NE(first->tls_context, other->tls_context) << "--insecure verifies nothing";
}

TEST(SyncConnect, AMissingCaFileFailsEveryTime) {
    const AccountAccess missing{"imaps://a@127.0.0.1:993", "pw", "/nonexistent/ca.pem", false,
                                false};
    for (int i = 0; i < 2; ++i) {
        auto o = imap_client_options(missing, url_of(missing.url), MigrationOptions{});
        ASSERT_FALSE(o);
        EXPECT_NE(o.error().find("--ca-file /nonexistent/ca.pem"), std::string::npos) << o.error();
    }
}

}  // namespace
}  // namespace mailferry::sync
