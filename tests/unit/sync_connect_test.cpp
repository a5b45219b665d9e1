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

// A plain imap:// or pop3:// account loads no CA store before its server
// offers STARTTLS (STLS): a session on loopback without TLS never does.
// The context made then is the one imaps:// connections share.
TEST(SyncConnect, APlainAccountMakesItsTlsContextOnlyWhenAsked) {
    const AccountAccess imap{"imap://a@127.0.0.1:143", "pw", "", false, false};
    const AccountAccess pop{"pop3://a@127.0.0.1:110", "pw", "", false, false};
    const AccountAccess implicit{"imaps://a@127.0.0.1:993", "pw", "", false, false};
    const MigrationOptions options;
    auto plain = imap_client_options(imap, url_of(imap.url), options);
    auto pop3 = pop3_client_options(pop, url_of(pop.url), options);
    auto tls = imap_client_options(implicit, url_of(implicit.url), options);
    ASSERT_TRUE(plain && pop3 && tls);
    EXPECT_EQ(plain->tls_context, nullptr);
    EXPECT_EQ(pop3->tls_context, nullptr);
    ASSERT_TRUE(plain->make_tls_context && pop3->make_tls_context);
    auto made = plain->make_tls_context();
    ASSERT_TRUE(made) << made.error();
    EXPECT_EQ(*made, tls->tls_context);
    EXPECT_EQ(*pop3->make_tls_context(), tls->tls_context);

    // With a --ca-file the context is made at once, so a bad file is told
    // before anything connects.
    const AccountAccess missing{"imap://a@127.0.0.1:143", "pw", "/nonexistent/ca.pem", false,
                                false};
    EXPECT_FALSE(imap_client_options(missing, url_of(missing.url), options));
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

TEST(SyncConnect, OAuth2MechanismsCanBeForcedInTheUrl) {
    const MigrationOptions options;
    const auto imap_auth = [&](const std::string& url, bool token) {
        AccountAccess access{url, "pw", "", false, false};
        if (token) {
            access.oauth2_token = [](std::string_view) {
                return boost::system::result<std::string, std::string>(
                    boost::system::in_place_value, "token");
            };
        }
        auto o = imap_client_options(access, url_of(url), options);
        EXPECT_TRUE(o) << o.error();
        return o->auth;
    };
    EXPECT_EQ(imap_auth("imap://a;AUTH=OAUTHBEARER@127.0.0.1", false),
              imap::AuthMechanism::oauthbearer);
    EXPECT_EQ(imap_auth("imap://a;AUTH=XOAUTH2@127.0.0.1", true), imap::AuthMechanism::xoauth2);
    EXPECT_EQ(imap_auth("imap://a;AUTH=OAUTHBEARER@127.0.0.1", true),
              imap::AuthMechanism::oauthbearer);
    EXPECT_EQ(imap_auth("imap://a@127.0.0.1", true), imap::AuthMechanism::oauth2)
        << "a token source picks the best OAuth2 mechanism offered";
    EXPECT_EQ(imap_auth("imap://a;AUTH=PLAIN@127.0.0.1", true), imap::AuthMechanism::oauth2);

    for (const auto& [mech, method] : {std::pair{"XOAUTH2", pop3::LoginMethod::xoauth2},
                                       std::pair{"OAUTHBEARER", pop3::LoginMethod::oauthbearer}}) {
        const std::string url = std::string("pop3://b;AUTH=") + mech + "@127.0.0.1";
        auto o =
            pop3_client_options(AccountAccess{url, "pw", "", false, false}, url_of(url), options);
        ASSERT_TRUE(o) << o.error();
        EXPECT_EQ(o->login_method, method) << mech;
    }
    EXPECT_FALSE(
        parse_access(AccountAccess{"imap://a;AUTH=GSSAPI@127.0.0.1", "pw", "", false, false}));
}

TEST(SyncConnect, QuitWaitsNoLongerThanAnyOtherAnswer) {
    const AccountAccess pop{"pop3://b@127.0.0.1", "pw", "", false, false};
    MigrationOptions options;
    auto usual = pop3_client_options(pop, url_of(pop.url), options);
    ASSERT_TRUE(usual) << usual.error();
    EXPECT_EQ(usual->quit_timeout, std::chrono::seconds(10));
    options.command_timeout = std::chrono::seconds(2);
    auto quick = pop3_client_options(pop, url_of(pop.url), options);
    ASSERT_TRUE(quick) << quick.error();
    EXPECT_EQ(quick->quit_timeout, std::chrono::seconds(2)) << "--timeout 2";
}

}  // namespace
}  // namespace mailferry::sync
