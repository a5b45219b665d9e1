#include "contrib/testserver/faults.hpp"
#include "contrib/testserver/listener_spec.hpp"
#include "contrib/testserver/self_signed.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <chrono>
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

namespace throttling {

using namespace mailferry::testserver;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

TEST(FaultPlan, ParsesThrottlingKeys) {
    const auto plan = FaultPlan::parse(
        "throttle=50/1000,throttle-bytes=4096/250,throttle-action=bye,max-connections=2");
    ASSERT_TRUE(plan.throttle_commands.has_value());
    EXPECT_EQ(plan.throttle_commands->limit, 50u);
    EXPECT_EQ(plan.throttle_commands->refusal, milliseconds(1000));
    ASSERT_TRUE(plan.throttle_bytes.has_value());
    EXPECT_EQ(plan.throttle_bytes->limit, 4096u);
    EXPECT_EQ(plan.throttle_bytes->refusal, milliseconds(250));
    EXPECT_EQ(plan.throttle_action, ThrottleAction::bye);
    EXPECT_EQ(plan.max_connections, 2u);
    EXPECT_EQ(FaultPlan::parse("throttle=1/1").throttle_action, ThrottleAction::no);
}

TEST(FaultPlan, RejectsMalformedThrottling) {
    const auto message = [](const char* spec) {
        try {
            FaultPlan::parse(spec);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_EQ(message("throttle=50"),
              "fault 'throttle=50' needs the form throttle=N/MS (N per MS milliseconds, e.g. "
              "50/1000)");
    EXPECT_NE(message("throttle=0/1000"), "accepted");
    EXPECT_NE(message("throttle=5/0"), "accepted");
    EXPECT_NE(message("throttle-bytes=x/10"), "accepted");
    EXPECT_EQ(message("throttle-action=drop"), "fault 'throttle-action' is no or bye, got 'drop'");
    EXPECT_NE(message("max-connections=0"), "accepted");
}

TEST(FaultInjector, ThrottleRefusesCommandsBeyondTheLimitForItsTimePerUser) {
    FaultInjector faults(FaultPlan::parse("throttle=3/1000"));
    const Clock::time_point t0{};
    // Three commands spread over more than the 1000 ms pass and the fourth
    // is refused: a slow (sanitized, loaded) client meets the same limit.
    for (int i = 0; i < 3; ++i) {
        EXPECT_FALSE(faults.throttles("alice", 10, t0 + milliseconds(900 * i))) << i;
    }
    const auto refused = t0 + milliseconds(2700);
    EXPECT_TRUE(faults.throttles("alice", 10, refused));
    EXPECT_TRUE(faults.throttles("alice", 10, refused + milliseconds(999)));
    // Another user has a limit of its own.
    EXPECT_FALSE(faults.throttles("bob", 10, refused + milliseconds(999)));
    // The refusals end 1000 ms after the first one: three more pass.
    for (int i = 0; i < 3; ++i) {
        EXPECT_FALSE(faults.throttles("alice", 10, refused + milliseconds(1000 + i))) << i;
    }
    EXPECT_TRUE(faults.throttles("alice", 10, refused + milliseconds(1003)));
    EXPECT_EQ(faults.throttled(), 3u);
}

TEST(FaultInjector, ThrottleGivesTheLimitBackAfterAPause) {
    FaultInjector faults(FaultPlan::parse("throttle=3/1000"));
    const Clock::time_point t0{};
    EXPECT_FALSE(faults.throttles("alice", 10, t0));
    EXPECT_FALSE(faults.throttles("alice", 10, t0 + milliseconds(10)));
    // Silent for the 1000 ms: three commands pass again.
    for (int i = 0; i < 3; ++i) {
        EXPECT_FALSE(faults.throttles("alice", 10, t0 + milliseconds(1010 + i))) << i;
    }
    EXPECT_TRUE(faults.throttles("alice", 10, t0 + milliseconds(1013)));
}

TEST(FaultInjector, ThrottleBytesLetsTheCrossingCommandThroughThenRefuses) {
    FaultInjector faults(FaultPlan::parse("throttle-bytes=100/50"));
    const Clock::time_point t0{};
    EXPECT_FALSE(faults.throttles("alice", 60, t0));
    EXPECT_FALSE(faults.throttles("alice", 60, t0 + milliseconds(10)));  // 120 now
    EXPECT_TRUE(faults.throttles("alice", 1, t0 + milliseconds(20)));
    EXPECT_TRUE(faults.throttles("alice", 1, t0 + milliseconds(69)));
    EXPECT_FALSE(faults.throttles("alice", 500, t0 + milliseconds(70)));
}

TEST(FaultInjector, WithoutThrottlingNothingIsRefused) {
    FaultInjector faults(FaultPlan::parse("delay-ms=0"));
    for (int i = 0; i < 1000; ++i) {
        EXPECT_FALSE(faults.throttles("alice", 1000, Clock::time_point{}));
    }
    EXPECT_TRUE(faults.take_connection("alice"));
}

TEST(FaultInjector, MaxConnectionsCountsEachUsersLoginsUntilReleased) {
    FaultInjector faults(FaultPlan::parse("max-connections=2"));
    EXPECT_TRUE(faults.take_connection("alice"));
    EXPECT_TRUE(faults.take_connection("alice"));
    EXPECT_FALSE(faults.take_connection("alice"));
    EXPECT_TRUE(faults.take_connection("bob"));
    faults.release_connection("alice");
    EXPECT_TRUE(faults.take_connection("alice"));
    EXPECT_FALSE(faults.take_connection("alice"));
    EXPECT_EQ(faults.logins_refused(), 2u);
}

}  // namespace throttling
