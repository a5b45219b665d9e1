// imap::Client::fetch_bodies and fetch_bodies_each against a server that
// sends UID after BODY[] in its FETCH responses (RFC 3501 §7.4.2 sets no
// order; the test server's uid-last fault): every UID still reaches the sink
// once, with its exact bytes, and begin(uid, size) before them.

#include "tests/engine/imap_client_fixture.hpp"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <map>
#include <sstream>

namespace {

using namespace mailferry;
using namespace mailferry::test;
namespace imap = mailferry::imap;
using boost::system::error_code;

// Holds the sink to its contract (client.hpp, body_stream.hpp): begin,
// exactly `size` octets of data, end; one message at a time.
class CheckingSink final : public net::BodySink {
  public:
    asio::awaitable<error_code> begin(std::uint32_t uid, std::uint64_t size) override {
        EXPECT_FALSE(open_) << "begin(" << uid << ") inside message " << current_;
        EXPECT_EQ(bodies.count(uid), 0u) << "UID " << uid << " delivered twice";
        open_ = true;
        current_ = uid;
        size_ = size;
        order.push_back(uid);
        bodies[uid].clear();
        co_return error_code();
    }
    asio::awaitable<error_code> data(std::span<const char> bytes) override {
        EXPECT_TRUE(open_) << "data outside begin/end";
        bodies[current_].append(bytes.data(), bytes.size());
        co_return error_code();
    }
    asio::awaitable<error_code> end() override {
        EXPECT_TRUE(open_) << "end without begin";
        EXPECT_EQ(bodies[current_].size(), size_) << "UID " << current_;
        open_ = false;
        co_return error_code();
    }

    std::map<std::uint32_t, std::string> bodies;
    std::vector<std::uint32_t> order;

  private:
    bool open_ = false;
    std::uint32_t current_ = 0;
    std::uint64_t size_ = 0;
};

class UidLastTest : public ::testing::TestWithParam<bool> {
  protected:
    UidLastTest() : server_({.tls = false, .faults = GetParam() ? "uid-last=1" : ""}) {
        // Two small bodies (inline below ParseLimits::inline_literal_max,
        // 64 KiB) among three streamed ones.
        std::vector<ts::MailStore::NewMessage> messages;
        for (const std::size_t size : {100u * 1024, 500u, 300u * 1024, 40u, 64u * 1024 + 1}) {
            messages.push_back({make_message("m" + std::to_string(size), size), {}, {}});
        }
        bodies_ = server_.seed("u", "INBOX", std::move(messages));
    }

    imap::ClientOptions options() {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(trace_);
        auto logger = std::make_shared<spdlog::logger>("imap-uid-last-test", sink);
        logger->set_level(spdlog::level::trace);
        imap::ClientOptions o = server_.options();
        o.logger = std::move(logger);
        return o;
    }

    // UIDs 1..5 in seed order.
    void expect_every_body_once(const CheckingSink& sink) {
        ASSERT_EQ(sink.bodies.size(), bodies_.size());
        for (std::uint32_t uid = 1; uid <= bodies_.size(); ++uid) {
            SCOPED_TRACE("UID " + std::to_string(uid));
            const auto found = sink.bodies.find(uid);
            ASSERT_NE(found, sink.bodies.end());
            EXPECT_EQ(found->second.size(), bodies_[uid - 1].size());
            EXPECT_TRUE(found->second == bodies_[uid - 1]);
        }
    }

    // How many times the client sent `UID FETCH <uid> (UID BODY.PEEK[])`.
    std::size_t single_fetches(std::uint32_t uid) const {
        const std::string line = " UID FETCH " + std::to_string(uid) + " (UID BODY.PEEK[])";
        const std::string log = trace_.str();
        std::size_t n = 0;
        for (auto pos = log.find(line); pos != std::string::npos; pos = log.find(line, pos + 1)) {
            ++n;
        }
        return n;
    }

    // The test server really listed UID last (or first, without the fault).
    void expect_uid_position() const {
        const std::string log = trace_.str();
        if (GetParam()) {
            EXPECT_NE(log.find("* 2 FETCH (BODY[] {500 octets} UID 2)"), std::string::npos) << log;
            EXPECT_EQ(log.find("FETCH (UID "), std::string::npos) << log;
        } else {
            EXPECT_NE(log.find("* 2 FETCH (UID 2 BODY[] {500 octets})"), std::string::npos) << log;
        }
    }

    ImapClientServer server_;
    std::vector<std::string> bodies_;
    std::ostringstream trace_;
};

TEST_P(UidLastTest, FetchBodiesDeliversEveryBodyOnceUnderItsUid) {
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(options());
        CO_REQUIRE(client, client.error().message);
        auto state = co_await (*client)->select("INBOX", true);
        CO_REQUIRE(state, state.error().message);
        CheckingSink sink;
        auto fetched = co_await (*client)->fetch_bodies("1:*", sink);
        CO_REQUIRE(fetched, fetched.error().message);
        EXPECT_EQ(*fetched, 5u);
        expect_every_body_once(sink);
        auto still_open = co_await (*client)->noop();
        EXPECT_TRUE(still_open) << still_open.error().message;
        co_await (*client)->logout();
    };
    run_coroutine(body);
    expect_uid_position();
    // Only the streamed bodies (UIDs 1, 3, 5) are fetched a second time.
    const std::size_t refetched = GetParam() ? 1 : 0;
    EXPECT_EQ(single_fetches(1), refetched);
    EXPECT_EQ(single_fetches(3), refetched);
    EXPECT_EQ(single_fetches(5), refetched);
    EXPECT_EQ(single_fetches(4), 0u);
}

TEST_P(UidLastTest, FetchBodiesEachDeliversEveryBodyOnceUnderItsUid) {
    auto body = [&]() -> asio::awaitable<void> {
        auto client_options = options();
        client_options.pipeline_window = 2;
        auto client = co_await imap::Client::connect(client_options);
        CO_REQUIRE(client, client.error().message);
        auto state = co_await (*client)->select("INBOX", true);
        CO_REQUIRE(state, state.error().message);
        CheckingSink sink;
        const std::vector<std::uint32_t> uids = {5, 2, 1, 4, 3, 9};  // 9 does not exist
        auto fetched = co_await (*client)->fetch_bodies_each(uids, sink);
        CO_REQUIRE(fetched, fetched.error().message);
        EXPECT_EQ(*fetched, 5u);
        expect_every_body_once(sink);
        if (!GetParam()) {
            EXPECT_EQ(sink.order, std::vector<std::uint32_t>({5, 2, 1, 4, 3}));
        } else {
            // Small bodies as they come; the streamed ones after, ascending.
            EXPECT_EQ(sink.order, std::vector<std::uint32_t>({2, 4, 1, 3, 5}));
        }
        co_await (*client)->logout();
    };
    run_coroutine(body);
    expect_uid_position();
    const std::size_t sent = GetParam() ? 2 : 1;
    EXPECT_EQ(single_fetches(1), sent);
    EXPECT_EQ(single_fetches(2), 1u);
}

INSTANTIATE_TEST_SUITE_P(ImapClientUidLast, UidLastTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param) {
                             return param.param ? std::string("UidLast") : std::string("UidFirst");
                         });

}  // namespace
