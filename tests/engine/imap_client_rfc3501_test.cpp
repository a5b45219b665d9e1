// imap::Client against a plain RFC 3501 server: the test server with every
// extension the client knows hidden (ServerLimits::disabled_capabilities),
// so the client takes its fallback paths: LOGIN, LIST without special use,
// synchronizing literals, one APPEND per message, no APPENDUID, no modseq,
// and no UID EXPUNGE. Also the server's side of it: what a client that uses
// a hidden extension anyway is told.

#include "tests/engine/imap_client_fixture.hpp"
#include "tests/support/imap_test_client.hpp"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>
#include <sstream>

namespace {

using namespace mailferry;
using namespace mailferry::test;
namespace imap = mailferry::imap;
using boost::system::error_code;

const std::set<std::string> all_extensions = {
    "LITERAL+", "UIDPLUS",  "MULTIAPPEND",  "CONDSTORE",   "SPECIAL-USE", "MOVE",
    "IDLE",     "ENABLE",   "ID",           "NAMESPACE",   "SASL-IR",     "AUTH=PLAIN",
    "STARTTLS", "UNSELECT", "AUTH=XOAUTH2", "STATUS=SIZE", "APPENDLIMIT", "LIST-STATUS"};

// An RFC 3501 server with users u/p and v/q, and mail in u's INBOX.
class PlainServer {
  public:
    PlainServer() {
        ts::ServerOptions options;
        options.listeners.push_back(
            ts::ListenerSpec::parse(ts::Protocol::imap, false, "127.0.0.1:0"));
        options.users = {{"u", "p"}, {"v", "q"}};
        // With a certificate STARTTLS would be offered but for the option.
        options.tls_self_signed = true;
        options.limits.disabled_capabilities = all_extensions;
        server_ = std::make_unique<ts::TestServerThread>(std::move(options));
    }

    std::uint16_t port() const { return server_->port(ts::Protocol::imap); }
    ts::TestServerThread& server() { return *server_; }

    imap::ClientOptions options(std::shared_ptr<spdlog::logger> logger) const {
        imap::ClientOptions o = loopback_client_options(port(), "u", "p");
        o.logger = std::move(logger);
        return o;
    }

  private:
    std::unique_ptr<ts::TestServerThread> server_;
};

struct Collect final : net::BodySink {
    asio::awaitable<error_code> begin(std::uint32_t uid, std::uint64_t size) override {
        uids.push_back(uid);
        bodies.emplace_back();
        bodies.back().reserve(size);
        co_return error_code();
    }
    asio::awaitable<error_code> data(std::span<const char> bytes) override {
        bodies.back().append(bytes.data(), bytes.size());
        co_return error_code();
    }
    asio::awaitable<error_code> end() override { co_return error_code(); }
    std::vector<std::uint32_t> uids;
    std::vector<std::string> bodies;
};

// RFC 3501 §2.3.2: the messages this session appended are \Recent in it.
std::vector<std::string> without_recent(std::vector<std::string> flags) {
    std::erase(flags, "\\Recent");
    return flags;
}

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) {
        ++n;
    }
    return n;
}

TEST(ImapClientRfc3501, MigratesMailWithoutAnyExtension) {
    PlainServer server;
    std::ostringstream out;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
    auto logger = std::make_shared<spdlog::logger>("imap-rfc3501-test", sink);
    logger->set_level(spdlog::level::trace);
    const imap::InternalDate date{1700000000, 60};
    std::vector<std::string> messages;
    // Sizes around the client's 64 KiB write chunk and LITERAL-'s 4096.
    for (const std::size_t size : {300u, 4097u, 70'000u, 120u}) {
        messages.push_back(make_message("m" + std::to_string(messages.size()), size));
    }
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(server.options(logger));
        CO_REQUIRE(client, client.error().message);
        auto& c = **client;
        for (const auto& name : all_extensions) {
            EXPECT_FALSE(c.has_capability(name)) << name;
        }
        EXPECT_FALSE(c.condstore_enabled());
        EXPECT_FALSE(c.is_compressed());

        auto folders = co_await c.list_folders();
        CO_REQUIRE(folders, folders.error().message);
        const auto sent = std::find_if(folders->begin(), folders->end(),
                                       [](const imap::Folder& f) { return f.name == "Sent"; });
        CO_REQUIRE(sent != folders->end(), "Sent not listed");
        EXPECT_EQ(sent->special_use, "");
        auto ns = co_await c.namespaces();
        CO_REQUIRE(ns, ns.error().message);
        EXPECT_TRUE(ns->personal.empty());

        std::vector<std::unique_ptr<net::StringSource>> sources;
        std::vector<net::AppendItem> items;
        for (const auto& m : messages) {
            sources.push_back(std::make_unique<net::StringSource>(m));
            items.push_back({{{"\\Seen"}, date}, m.size(), sources.back().get()});
        }
        net::VectorAppendBatch batch(std::move(items));
        auto appended = co_await c.append("INBOX", batch);
        CO_REQUIRE(appended, appended.error().message);
        EXPECT_FALSE(appended->uidvalidity);
        EXPECT_EQ(appended->uids, std::vector<std::optional<std::uint32_t>>(messages.size()));

        auto state = co_await c.select("INBOX", false);
        CO_REQUIRE(state, state.error().message);
        EXPECT_EQ(state->exists, messages.size());
        EXPECT_FALSE(state->highest_modseq);
        auto meta = co_await c.fetch_metadata("1:*");
        CO_REQUIRE(meta, meta.error().message);
        CO_REQUIRE(meta->size() == messages.size(), meta->size());
        for (std::size_t i = 0; i < messages.size(); ++i) {
            EXPECT_EQ((*meta)[i].uid, i + 1);
            EXPECT_EQ((*meta)[i].size, messages[i].size());
            EXPECT_EQ((*meta)[i].internal_date, date);
            EXPECT_EQ(without_recent((*meta)[i].flags), std::vector<std::string>{"\\Seen"});
            EXPECT_EQ((*meta)[i].message_id, "<m" + std::to_string(i) + "@example.org>");
            EXPECT_FALSE((*meta)[i].modseq);
        }
        Collect collected;
        auto fetched = co_await c.fetch_bodies("1:*", collected);
        CO_REQUIRE(fetched, fetched.error().message);
        EXPECT_EQ(*fetched, messages.size());
        EXPECT_EQ(collected.bodies, messages);  // byte-exact

        // Named: GCC 12 rejects a braced list of string literals as a
        // coroutine argument ("array used as initializer").
        const std::vector<std::string> flagged_flag{"\\Flagged"}, deleted_flag{"\\Deleted"};
        auto flagged = co_await c.store_flags("2,4", imap::FlagOperation::add, flagged_flag);
        CO_REQUIRE(flagged, flagged.error().message);
        auto deleted = co_await c.store_flags("3", imap::FlagOperation::add, deleted_flag);
        CO_REQUIRE(deleted, deleted.error().message);
        auto expunged = co_await c.expunge_uids("3");
        CO_REQUIRE(!expunged, "UID EXPUNGE without UIDPLUS succeeded");
        EXPECT_EQ(expunged.error().code, imap::client_error::not_supported);
        EXPECT_TRUE(c.is_open());
        auto after = co_await c.fetch_metadata("1:*");
        CO_REQUIRE(after, after.error().message);
        CO_REQUIRE(after->size() == messages.size(), "a message went away");
        EXPECT_EQ(without_recent((*after)[1].flags),
                  (std::vector<std::string>{"\\Flagged", "\\Seen"}));
        EXPECT_EQ(without_recent((*after)[2].flags),
                  (std::vector<std::string>{"\\Deleted", "\\Seen"}));
        co_await c.logout();
    };
    run_coroutine(body);

    const std::string trace = out.str();
    EXPECT_NE(trace.find(" LOGIN "), std::string::npos) << trace;
    EXPECT_EQ(trace.find("AUTHENTICATE"), std::string::npos) << trace;
    EXPECT_EQ(trace.find("ENABLE"), std::string::npos) << trace;
    EXPECT_EQ(trace.find(" ID "), std::string::npos) << trace;
    EXPECT_EQ(trace.find("+}"), std::string::npos) << trace;
    // One APPEND per message, each waiting for the server's continuation.
    EXPECT_EQ(count(trace, " APPEND \"INBOX\""), messages.size()) << trace;
    EXPECT_EQ(count(trace, "S: + "), messages.size()) << trace;
    EXPECT_EQ(trace.find("BAD"), std::string::npos) << trace;
}

// A client that uses a hidden extension anyway gets what an RFC 3501 server
// would answer, and the connection stays in step.
TEST(ImapClientRfc3501, ServerRefusesHiddenExtensions) {
    PlainServer server;
    ImapTestClient raw(server.port());
    const auto greeting = raw.response();
    ASSERT_TRUE(greeting);
    EXPECT_EQ(*greeting,
              "* OK [CAPABILITY IMAP4rev1 CHILDREN] mailferry IMAP4rev1 test server ready");
    EXPECT_EQ(raw.command("a1", "AUTHENTICATE PLAIN AHUAcA==").back(),
              "a1 NO Unsupported authentication mechanism");
    EXPECT_EQ(raw.command("a2", "STARTTLS").back(), "a2 BAD Unknown command STARTTLS");
    EXPECT_EQ(raw.command("a3", "LOGIN u p").back(),
              "a3 OK [CAPABILITY IMAP4rev1 CHILDREN] Logged in");
    // RFC 3501 has no {n+}: BAD, and the literal sent with it is no command.
    raw.send("a4 APPEND INBOX {6+}\r\na5 X\r\n\r\na6 NOOP\r\n");
    EXPECT_EQ(raw.until_tagged("a4").back(), "a4 BAD invalid literal header");
    EXPECT_EQ(raw.until_tagged("a6"), std::vector<std::string>{"a6 OK NOOP completed"});
    // Without MULTIAPPEND an APPEND carries one message.
    raw.send("a7 APPEND INBOX {3}\r\n");
    EXPECT_EQ(raw.response().value_or(""), "+ Ready for literal data");
    raw.send("x\r\n {3}\r\n");
    EXPECT_EQ(raw.response().value_or(""), "+ Ready for literal data");
    raw.send("y\r\n\r\n");
    EXPECT_EQ(raw.until_tagged("a7").back(), "a7 BAD APPEND takes one message");
    raw.send("a8 APPEND INBOX {3}\r\n");
    EXPECT_EQ(raw.response().value_or(""), "+ Ready for literal data");
    raw.send("x\r\n\r\n");
    EXPECT_EQ(raw.until_tagged("a8").back(), "a8 OK APPEND completed");  // no APPENDUID
    EXPECT_EQ(raw.command("a9", "SELECT INBOX (CONDSTORE)").back(),
              "a9 BAD Unknown SELECT parameter");
    const auto selected = raw.command("b1", "SELECT INBOX");
    EXPECT_EQ(selected.back(), "b1 OK [READ-WRITE] SELECT completed");
    for (const auto& line : selected) {
        EXPECT_EQ(line.find("HIGHESTMODSEQ"), std::string::npos) << line;
    }
    EXPECT_EQ(raw.command("b2", "UID EXPUNGE 1").back(), "b2 BAD Unknown command UID EXPUNGE");
    EXPECT_EQ(raw.command("b3", "UID MOVE 1 Archive").back(), "b3 BAD Unknown command UID MOVE");
    EXPECT_EQ(raw.command("b4", "UID FETCH 1 (MODSEQ)").back(),
              "b4 BAD MODSEQ and CHANGEDSINCE need CONDSTORE");
    EXPECT_EQ(raw.command("b5", "UID COPY 1 Archive").back(), "b5 OK UID COPY completed");
    for (const char* command : {"IDLE", "ENABLE CONDSTORE", "NAMESPACE", "ID NIL", "UNSELECT"}) {
        EXPECT_EQ(raw.command("c1", command).back().rfind("c1 BAD Unknown command", 0), 0u)
            << command;
    }
    const auto list = raw.command("c2", "LIST \"\" Sent RETURN (SPECIAL-USE)");
    EXPECT_EQ(list.back(), "c2 BAD Unknown LIST return option");
    const auto plain_list = raw.command("c3", "LIST \"\" Sent");
    ASSERT_EQ(plain_list.size(), 2u);
    EXPECT_EQ(plain_list[0], "* LIST (\\HasNoChildren) \"/\" Sent");
}

}  // namespace
