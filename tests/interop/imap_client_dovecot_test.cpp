// imap::Client against a real Dovecot (tests/support/dovecot_fixture.hpp):
// plain on loopback, STARTTLS and implicit TLS verified against the
// fixture's CA; a round trip through a non-ASCII mailbox; 10,000 messages
// appended with MULTIAPPEND and fetched with pipelined commands; a 50 MB
// message fetched and appended through a BodyPipe with bounded memory.

#include "clients/imap/client.hpp"
#include "clients/net/tls_client.hpp"

#include "tests/support/coroutine_test.hpp"
#include "tests/support/dovecot_client_options.hpp"
#include "tests/support/dovecot_fixture.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <string>

namespace {

namespace asio = boost::asio;
namespace imap = mailferry::imap;
namespace net = mailferry::net;
using boost::system::error_code;
using mailferry::test::Dovecot;
using mailferry::test::DovecotOptions;
using mailferry::test::run_coroutine;
using namespace std::chrono_literals;

imap::ClientOptions options_for(const Dovecot& d, std::uint16_t port, bool implicit_tls) {
    return mailferry::test::dovecot_client_options(d, port, implicit_tls);
}

std::string small_message(std::size_t i) {
    return "From: a@example.org\r\nSubject: message " + std::to_string(i) + "\r\nMessage-ID: <m" +
           std::to_string(i) + "@example.org>\r\n\r\nbody " + std::to_string(i) + "\r\n";
}

// A large message generated on the fly, so the test itself never holds it.
class GeneratedSource final : public net::BodySource {
  public:
    explicit GeneratedSource(std::uint64_t size) : size_(size) {}
    static char byte_at(std::uint64_t pos) {
        static const std::string header = "Subject: big\r\nMessage-ID: <big@example.org>\r\n\r\n";
        if (pos < header.size()) {
            return header[pos];
        }
        const std::uint64_t off = pos - header.size();
        const std::uint64_t col = off % 80;
        return col == 78 ? '\r' : col == 79 ? '\n' : static_cast<char>('a' + (off / 80 + col) % 26);
    }
    asio::awaitable<std::pair<error_code, std::size_t>> read(std::span<char> buffer) override {
        const auto n =
            static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), size_ - pos_));
        for (std::size_t i = 0; i < n; ++i) {
            buffer[i] = byte_at(pos_ + i);
        }
        pos_ += n;
        co_return std::pair<error_code, std::size_t>{error_code(), n};
    }

  private:
    std::uint64_t size_;
    std::uint64_t pos_ = 0;
};

// Checks streamed bodies against GeneratedSource byte by byte.
class CheckingSink final : public net::BodySink {
  public:
    asio::awaitable<error_code> begin(std::uint32_t, std::uint64_t size) override {
        size_ = size;
        pos_ = 0;
        co_return error_code();
    }
    asio::awaitable<error_code> data(std::span<const char> bytes) override {
        for (char c : bytes) {
            if (c != GeneratedSource::byte_at(pos_++)) {
                ++mismatches;
            }
        }
        co_return error_code();
    }
    asio::awaitable<error_code> end() override {
        received = pos_;
        co_return error_code();
    }
    std::uint64_t received = 0, mismatches = 0;

  private:
    std::uint64_t size_ = 0, pos_ = 0;
};

// Peak resident set size of this process so far, in bytes.
std::uint64_t peak_rss() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmHWM:", 0) == 0) {
            return std::stoull(line.substr(6)) * 1024;
        }
    }
    return 0;
}

class ImapClientDovecot : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { dovecot_ = std::make_unique<Dovecot>(Dovecot::start()); }
    static void TearDownTestSuite() { dovecot_.reset(); }
    static std::unique_ptr<Dovecot> dovecot_;
};
std::unique_ptr<Dovecot> ImapClientDovecot::dovecot_;

TEST(ImapClientDovecotPlain, LoopbackWithoutTls) {
    DovecotOptions o;
    o.tls = false;
    o.pop3 = false;
    Dovecot d = Dovecot::start(o);
    auto body = [&]() -> asio::awaitable<void> {
        auto options = options_for(d, d.ports().imap, false);
        options.compress = false;
        auto client = co_await imap::Client::connect(options);
        CO_REQUIRE(client, client.error().message << "\n" << d.logs());
        EXPECT_FALSE((*client)->is_tls());
        EXPECT_FALSE((*client)->is_compressed());
        auto folders = co_await (*client)->list_folders();
        CO_REQUIRE(folders, folders.error().message);
        co_await (*client)->logout();
    };
    run_coroutine(body);
}

TEST_F(ImapClientDovecot, StartTlsAndImplicitTlsVerified) {
    auto body = [&]() -> asio::awaitable<void> {
        auto starttls =
            co_await imap::Client::connect(options_for(*dovecot_, dovecot_->ports().imap, false));
        CO_REQUIRE(starttls, starttls.error().message);
        EXPECT_TRUE((*starttls)->is_tls());
        EXPECT_FALSE((*starttls)->has_capability("STARTTLS"));
        EXPECT_TRUE((*starttls)->has_capability("COMPRESS=DEFLATE"));
        EXPECT_FALSE((*starttls)->is_compressed()) << "on loopback compression only costs CPU";
        co_await (*starttls)->logout();
        // The fixture loads imap_zlib, so Dovecot offers COMPRESS=DEFLATE;
        // on loopback the client takes it only when asked to.
        auto compressed = options_for(*dovecot_, dovecot_->ports().imaps, true);
        compressed.compress_on_loopback = true;
        auto implicit = co_await imap::Client::connect(compressed);
        CO_REQUIRE(implicit, implicit.error().message);
        EXPECT_TRUE((*implicit)->is_tls());
        EXPECT_TRUE((*implicit)->condstore_enabled());
        EXPECT_TRUE((*implicit)->is_compressed());
        co_await (*implicit)->logout();
        auto sasl_login = options_for(*dovecot_, dovecot_->ports().imaps, true);
        sasl_login.auth = imap::AuthMechanism::sasl_login;
        auto by_sasl_login = co_await imap::Client::connect(sasl_login);
        CO_REQUIRE(by_sasl_login, by_sasl_login.error().message);
        co_await (*by_sasl_login)->logout();
        auto wrong = options_for(*dovecot_, dovecot_->ports().imaps, true);
        wrong.password = "nope";
        auto refused = co_await imap::Client::connect(wrong);
        CO_REQUIRE(!refused, "wrong password accepted");
        EXPECT_EQ(refused.error().code, imap::client_error::authentication_failed);
        EXPECT_NE(refused.error().response.find("AUTHENTICATIONFAILED"), std::string::npos)
            << refused.error().message;
    };
    run_coroutine(body);
}

TEST_F(ImapClientDovecot, RoundTripThroughNonAsciiMailbox) {
    const std::string folder = "Zürich/Grüße";
    auto body = [&]() -> asio::awaitable<void> {
        auto client =
            co_await imap::Client::connect(options_for(*dovecot_, dovecot_->ports().imaps, true));
        CO_REQUIRE(client, client.error().message);
        auto& c = **client;
        auto created = co_await c.create(folder);
        CO_REQUIRE(created, created.error().message);
        std::vector<std::unique_ptr<net::StringSource>> sources;
        std::vector<net::AppendItem> items;
        for (std::size_t i = 0; i < 3; ++i) {
            sources.push_back(std::make_unique<net::StringSource>(small_message(i)));
            items.push_back({{{"\\Seen", "$Label"}, imap::InternalDate{1700000000, 60}},
                             sources.back()->size(),
                             sources.back().get()});
        }
        net::VectorAppendBatch batch(std::move(items));
        auto appended = co_await c.append(folder, batch);
        CO_REQUIRE(appended, appended.error().message);
        CO_REQUIRE(appended->uids.size() == 3, appended->uids.size());
        EXPECT_TRUE(appended->uids[2].has_value());
        auto folders = co_await c.list_folders();
        CO_REQUIRE(folders, folders.error().message);
        auto it = std::find_if(folders->begin(), folders->end(),
                               [&](const imap::Folder& f) { return f.name == folder; });
        CO_REQUIRE(it != folders->end(), "folder not listed");
        EXPECT_EQ(it->raw_name, "Z&APw-rich/Gr&APwA3w-e");
        auto sent = std::find_if(folders->begin(), folders->end(),
                                 [&](const imap::Folder& f) { return f.special_use == "\\Sent"; });
        EXPECT_NE(sent, folders->end());
        auto state = co_await c.select(folder, true);
        CO_REQUIRE(state, state.error().message);
        EXPECT_EQ(state->exists, 3u);
        EXPECT_EQ(state->uidvalidity, appended->uidvalidity);
        auto meta = co_await c.fetch_metadata("1:*");
        CO_REQUIRE(meta, meta.error().message);
        CO_REQUIRE(meta->size() == 3, meta->size());
        EXPECT_EQ((*meta)[1].message_id, "<m1@example.org>");
        // Dovecot's Maildir keeps the instant (as the file's mtime), not the zone.
        CO_REQUIRE((*meta)[1].internal_date, "no INTERNALDATE");
        EXPECT_EQ((*meta)[1].internal_date->seconds, 1700000000);
        EXPECT_EQ((*meta)[1].size, small_message(1).size());
        EXPECT_NE(std::find((*meta)[1].flags.begin(), (*meta)[1].flags.end(), "$Label"),
                  (*meta)[1].flags.end());
        struct Collect final : net::BodySink {
            asio::awaitable<error_code> begin(std::uint32_t, std::uint64_t) override {
                bodies.emplace_back();
                co_return error_code();
            }
            asio::awaitable<error_code> data(std::span<const char> b) override {
                bodies.back().append(b.data(), b.size());
                co_return error_code();
            }
            asio::awaitable<error_code> end() override { co_return error_code(); }
            std::vector<std::string> bodies;
        } sink;
        auto fetched = co_await c.fetch_bodies("1:*", sink);
        CO_REQUIRE(fetched, fetched.error().message);
        CO_REQUIRE(sink.bodies.size() == 3, sink.bodies.size());
        for (std::size_t i = 0; i < 3; ++i) {
            EXPECT_EQ(sink.bodies[i], small_message(i));
        }
        auto found = co_await c.search_message_id("<m2@example.org>");
        CO_REQUIRE(found, found.error().message);
        EXPECT_EQ(found->size(), 1u);
        // Dovecot offers ESEARCH: the UIDs and the \Deleted ones come as
        // two compact sets.
        auto writable = co_await c.select(folder, false);
        CO_REQUIRE(writable, writable.error().message);
        const std::uint32_t second = *appended->uids[1];
        // GCC 12 miscompiles initializer lists inside co_await expressions: named.
        const std::vector<std::string> deleted_flag{"\\Deleted"};
        auto flagged =
            co_await c.store_flags(std::to_string(second), imap::FlagOperation::add, deleted_flag);
        CO_REQUIRE(flagged, flagged.error().message);
        EXPECT_TRUE(c.has_capability("ESEARCH"));
        auto inventory = co_await c.uid_inventory();
        CO_REQUIRE(inventory, inventory.error().message);
        EXPECT_EQ(inventory->all,
                  (std::vector<std::uint32_t>{*appended->uids[0], second, *appended->uids[2]}));
        EXPECT_EQ(inventory->deleted, std::vector<std::uint32_t>{second});
        co_await c.logout();
    };
    run_coroutine(body);
}

TEST_F(ImapClientDovecot, TenThousandMessagesAppendedAndFetchedPipelined) {
    constexpr std::size_t count = 10'000;
    auto body = [&]() -> asio::awaitable<void> {
        // Compressed both ways (as over a real link), so the bulk of the
        // APPENDs and FETCHes also crosses the DEFLATE codec.
        auto options = options_for(*dovecot_, dovecot_->ports().imap, false);
        options.compress_on_loopback = true;
        auto client = co_await imap::Client::connect(options);
        CO_REQUIRE(client, client.error().message);
        auto& c = **client;
        CO_REQUIRE(c.has_capability("MULTIAPPEND"), "Dovecot without MULTIAPPEND");
        EXPECT_TRUE(c.is_compressed());
        auto created = co_await c.create("Bulk");
        CO_REQUIRE(created, created.error().message);
        // Ten MULTIAPPENDs of 1,000: Dovecot answers a MULTIAPPEND only after
        // saving all of it, so one batch must fit in the command deadline.
        std::vector<std::optional<std::uint32_t>> appended_uids;
        for (std::size_t first = 0; first < count; first += 1000) {
            std::vector<std::unique_ptr<net::StringSource>> sources;
            std::vector<net::AppendItem> items;
            for (std::size_t i = first; i < first + 1000; ++i) {
                sources.push_back(std::make_unique<net::StringSource>(small_message(i)));
                items.push_back({{}, sources.back()->size(), sources.back().get()});
            }
            net::VectorAppendBatch batch(std::move(items));
            auto appended = co_await c.append("Bulk", batch);
            CO_REQUIRE(appended, appended.error().message);
            appended_uids.insert(appended_uids.end(), appended->uids.begin(), appended->uids.end());
        }
        EXPECT_EQ(appended_uids.size(), count);
        auto state = co_await c.select("Bulk", true);
        CO_REQUIRE(state, state.error().message);
        EXPECT_EQ(state->exists, count);
        std::vector<std::uint32_t> uids;
        for (const auto& uid : appended_uids) {
            uids.push_back(uid.value_or(0));
        }
        struct Count final : net::BodySink {
            asio::awaitable<error_code> begin(std::uint32_t, std::uint64_t size) override {
                ++messages;
                expected += size;
                co_return error_code();
            }
            asio::awaitable<error_code> data(std::span<const char> b) override {
                bytes += b.size();
                co_return error_code();
            }
            asio::awaitable<error_code> end() override { co_return error_code(); }
            std::size_t messages = 0;
            std::uint64_t expected = 0, bytes = 0;
        } sink;
        auto fetched = co_await c.fetch_bodies_each(uids, sink);
        CO_REQUIRE(fetched, fetched.error().message);
        EXPECT_EQ(*fetched, count);
        EXPECT_EQ(sink.messages, count);
        EXPECT_EQ(sink.bytes, sink.expected);
        auto meta = co_await c.fetch_metadata("1:*");
        CO_REQUIRE(meta, meta.error().message);
        EXPECT_EQ(meta->size(), count);
        co_await c.logout();
    };
    run_coroutine(body);
}

TEST_F(ImapClientDovecot, FiftyMegabytesThroughThePipeInBoundedMemory) {
    constexpr std::uint64_t size = 50ull * 1024 * 1024;
    std::uint64_t before = 0, after = 0;
    auto body = [&]() -> asio::awaitable<void> {
        using namespace asio::experimental::awaitable_operators;
        auto source =
            co_await imap::Client::connect(options_for(*dovecot_, dovecot_->ports().imap, false));
        CO_REQUIRE(source, source.error().message);
        auto target =
            co_await imap::Client::connect(options_for(*dovecot_, dovecot_->ports().imaps, true));
        CO_REQUIRE(target, target.error().message);
        auto made = co_await (*source)->create("Big");
        CO_REQUIRE(made, made.error().message);
        auto copy = co_await (*target)->create("BigCopy");
        CO_REQUIRE(copy, copy.error().message);
        GeneratedSource generated(size);
        std::vector<net::AppendItem> big{
            net::AppendItem{net::AppendMeta{{"\\Seen"}, std::nullopt}, size, &generated}};
        net::VectorAppendBatch one(std::move(big));
        auto seeded = co_await (*source)->append("Big", one);
        CO_REQUIRE(seeded, seeded.error().message);
        auto state = co_await (*source)->select("Big", true);
        CO_REQUIRE(state, state.error().message);

        before = peak_rss();
        net::BodyPipe pipe(co_await asio::this_coro::executor, 1024 * 1024);
        net::PipeAppendBatch batch(pipe, [](std::uint32_t) { return net::AppendMeta{}; });
        auto fetch = [&]() -> asio::awaitable<imap::ClientResult<std::size_t>> {
            auto r = co_await (*source)->fetch_bodies("1:*", pipe);
            if (r) {
                pipe.close();
            } else {
                pipe.fail(r.error().code);
            }
            co_return r;
        };
        auto store = [&]() -> asio::awaitable<imap::ClientResult<imap::AppendResult>> {
            auto r = co_await (*target)->append("BigCopy", batch);
            co_return r;
        };
        auto [fetched, appended] = co_await (fetch() && store());
        after = peak_rss();
        CO_REQUIRE(fetched, fetched.error().message);
        CO_REQUIRE(appended, appended.error().message);
        EXPECT_EQ(*fetched, 1u);

        auto copied = co_await (*target)->select("BigCopy", true);
        CO_REQUIRE(copied, copied.error().message);
        CheckingSink check;
        auto verified = co_await (*target)->fetch_bodies("1:*", check);
        CO_REQUIRE(verified, verified.error().message);
        EXPECT_EQ(check.received, size);
        EXPECT_EQ(check.mismatches, 0u);
        co_await (*source)->logout();
        co_await (*target)->logout();
    };
    run_coroutine(body);
    EXPECT_GT(before, 0u);
    EXPECT_LT(after - before, 16ull * 1024 * 1024)
        << "peak RSS grew from " << before << " to " << after;
}

}  // namespace
