#include "contrib/testserver/faults.hpp"
#include "contrib/testserver/listener_spec.hpp"
#include "contrib/testserver/self_signed.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace mailferry::testserver;

TEST(ListenerSpec, ParsesAddressAndPort) {
    const auto spec = ListenerSpec::parse(Protocol::imap, false, "127.0.0.1:1143");
    EXPECT_EQ(spec.address, "127.0.0.1");
    EXPECT_EQ(spec.port, 1143);
    EXPECT_EQ(spec.scheme(), "imap");
    EXPECT_EQ(ListenerSpec::parse(Protocol::pop3, true, "[::1]:0").address, "::1");
    EXPECT_EQ(ListenerSpec::parse(Protocol::pop3, true, "[::1]:0").scheme(), "pop3s");
    EXPECT_EQ(ListenerSpec::parse(Protocol::imap, true, ":993").address, "127.0.0.1");
}

TEST(ListenerSpec, RejectsBadInputWithReason) {
    const auto message = [](const char* text) {
        try {
            ListenerSpec::parse(Protocol::imap, false, text);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_EQ(message("1143"),
              "listen address '1143' needs the form ADDR:PORT, e.g. 127.0.0.1:1143");
    EXPECT_EQ(
        message("mail.example.org:143"),
        "listen address 'mail.example.org' is not an IP address (use e.g. 127.0.0.1 or [::1])");
    EXPECT_EQ(message("127.0.0.1:70000"),
              "port '70000' in '127.0.0.1:70000' is not a number from 0 to 65535");
    EXPECT_EQ(message("127.0.0.1:"), "port '' in '127.0.0.1:' is not a number from 0 to 65535");
}

TEST(FaultPlan, ParsesEveryKey) {
    const auto plan = FaultPlan::parse(
        "drop-after-commands=5,drop-after-bytes=100,delay-ms=20,no-append=2,bye-in-fetch=3");
    EXPECT_EQ(plan.drop_after_commands, 5u);
    EXPECT_EQ(plan.drop_after_bytes, 100u);
    EXPECT_EQ(plan.delay.count(), 20);
    EXPECT_EQ(plan.no_append, 2u);
    EXPECT_EQ(plan.bye_in_fetch, 3u);
    EXPECT_FALSE(FaultPlan::parse("").drop_after_commands.has_value());
}

TEST(FaultPlan, RejectsUnknownKeysAndBadNumbers) {
    EXPECT_THROW(FaultPlan::parse("explode=1"), std::invalid_argument);
    EXPECT_THROW(FaultPlan::parse("no-append=0"), std::invalid_argument);
    EXPECT_THROW(FaultPlan::parse("no-append=x"), std::invalid_argument);
    EXPECT_THROW(FaultPlan::parse("no-append"), std::invalid_argument);
}

TEST(FaultPlan, UidLastIsASwitch) {
    EXPECT_FALSE(FaultPlan::parse("").uid_last);
    EXPECT_FALSE(FaultPlan::parse("uid-last=0").uid_last);
    EXPECT_TRUE(FaultPlan::parse("uid-last=1").uid_last);
    EXPECT_TRUE(FaultInjector(FaultPlan::parse("delay-ms=1,uid-last=1")).uid_last());
    EXPECT_THROW(FaultPlan::parse("uid-last=2"), std::invalid_argument);
    EXPECT_THROW(FaultPlan::parse("uid-last=yes"), std::invalid_argument);
}

TEST(FaultInjector, EachCountedFaultFiresOnceAtItsCount) {
    FaultInjector faults(FaultPlan::parse("drop-after-commands=3,no-append=2,bye-in-fetch=1"));
    EXPECT_FALSE(faults.on_command());
    EXPECT_FALSE(faults.on_command());
    EXPECT_TRUE(faults.on_command());
    EXPECT_FALSE(faults.on_command());
    EXPECT_FALSE(faults.on_append());
    EXPECT_TRUE(faults.on_append());
    EXPECT_FALSE(faults.on_append());
    EXPECT_TRUE(faults.on_fetch());
    EXPECT_FALSE(faults.on_fetch());
}

TEST(FaultInjector, DropAfterBytesCutsTheWriteThatCrossesTheLimit) {
    FaultInjector faults(FaultPlan::parse("drop-after-bytes=10"));
    EXPECT_EQ(faults.allow_write(6), 6u);
    EXPECT_EQ(faults.allow_write(6), 4u) << "only the octets up to the limit go out";
    EXPECT_EQ(faults.allow_write(6), 6u) << "fires once";
}

TEST(FaultPlan, AtNamesAVerbItsCountAndAnAction) {
    const auto plan = FaultPlan::parse("at=append:3:drop-after,at=RETR:2:stall-mid,at=LIST:1:no");
    ASSERT_EQ(plan.at.size(), 3u);
    EXPECT_EQ(plan.at[0].verb, "APPEND");
    EXPECT_EQ(plan.at[0].nth, 3u);
    EXPECT_EQ(plan.at[0].effect, FaultEffect::drop);
    EXPECT_EQ(plan.at[0].timing, FaultTiming::after);
    EXPECT_EQ(plan.at[1].effect, FaultEffect::stall);
    EXPECT_EQ(plan.at[1].timing, FaultTiming::mid);
    EXPECT_EQ(plan.at[2].effect, FaultEffect::no);
    EXPECT_EQ(plan.at[2].timing, FaultTiming::instead);
    EXPECT_EQ(plan.at[0].describe(), "at=APPEND:3:drop-after");
    EXPECT_EQ(plan.at[2].describe(), "at=LIST:1:no");
}

TEST(FaultPlan, AtRefusesWhatCannotHappenOnTheWire) {
    EXPECT_THROW(FaultPlan::parse("at=APPEND:3"), std::invalid_argument);
    EXPECT_THROW(FaultPlan::parse("at=APPEND:0:drop"), std::invalid_argument);
    EXPECT_THROW(FaultPlan::parse("at=:1:drop"), std::invalid_argument);
    EXPECT_THROW(FaultPlan::parse("at=APPEND:1:explode"), std::invalid_argument);
    EXPECT_THROW(FaultPlan::parse("at=APPEND:1:drop-later"), std::invalid_argument);
    EXPECT_THROW(FaultPlan::parse("at=APPEND:1:no-after"), std::invalid_argument);
    EXPECT_THROW(FaultPlan::parse("at=FETCH:1:bye-mid"), std::invalid_argument);
}

TEST(FaultInjector, AtFiresOnceOnTheNthCommandOfItsVerb) {
    FaultInjector faults(FaultPlan::parse("at=FETCH:2:drop,at=DELE:1:bye"));
    EXPECT_FALSE(faults.on_verb("FETCH").has_value());
    EXPECT_FALSE(faults.on_verb("STORE").has_value()) << "other verbs are counted apart";
    const auto fired = faults.on_verb("fetch");
    ASSERT_TRUE(fired.has_value()) << "verbs are matched in any case";
    EXPECT_EQ(fired->describe(), "at=FETCH:2:drop");
    EXPECT_FALSE(faults.on_verb("FETCH").has_value()) << "fires once";
    EXPECT_TRUE(faults.on_verb("DELE").has_value());
}

TEST(FaultInjector, RandomFaultsFollowTheirSeedAndRate) {
    const auto fired = [](std::string_view spec) {
        FaultInjector faults(FaultPlan::parse(spec));
        std::vector<std::string> out;
        for (int i = 0; i < 2000; ++i) {
            if (auto f = faults.on_verb(i % 2 == 0 ? "FETCH" : "APPEND")) {
                out.push_back(f->describe());
            }
        }
        return out;
    };
    const auto some = fired("random=7:100");
    EXPECT_GT(some.size(), 100u) << "about 200 of 2000 at 10%";
    EXPECT_LT(some.size(), 300u);
    EXPECT_EQ(fired("random=7:100"), some) << "the same seed, the same faults";
    EXPECT_NE(fired("random=8:100"), some);
    EXPECT_TRUE(fired("random=7:0").empty());
    EXPECT_EQ(fired("random=7:1000").size(), 2000u);
    EXPECT_THROW(FaultPlan::parse("random=7"), std::invalid_argument);
    EXPECT_THROW(FaultPlan::parse("random=7:1001"), std::invalid_argument);
}

TEST(SelfSigned, CertificateCoversLoopbackNamesAndMatchesKey) {
    const auto pair = generate_self_signed({"mail.test"});
    BIO* bio =
        BIO_new_mem_buf(pair.certificate_pem.data(), static_cast<int>(pair.certificate_pem.size()));
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    ASSERT_NE(cert, nullptr);
    EXPECT_EQ(X509_check_host(cert, "localhost", 0, 0, nullptr), 1);
    EXPECT_EQ(X509_check_host(cert, "mail.test", 0, 0, nullptr), 1);
    EXPECT_EQ(X509_check_ip_asc(cert, "127.0.0.1", 0), 1);
    EXPECT_EQ(X509_check_ip_asc(cert, "::1", 0), 1);
    EXPECT_NE(X509_check_host(cert, "example.org", 0, 0, nullptr), 1);
    X509_free(cert);
    EXPECT_NO_THROW(make_server_tls_context(pair)) << "the key must match the certificate";
}

}  // namespace
