// imap::Client::append() against a scripted server offering LITERAL- (RFC
// 7888 §4) and no MULTIAPPEND: messages up to 4096 octets go as `{n+}`,
// larger ones as synchronizing `{n}` waiting for `+`. The server holds every
// tagged answer back and sends it after the next continuation request, so
// the client sees `+` before the answers of the earlier APPENDs.

#include "tests/engine/imap_client_fixture.hpp"

#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <regex>
#include <thread>

namespace {

using namespace mailferry;
using namespace mailferry::test;
namespace imap = mailferry::imap;
using asio::ip::tcp;

// One APPEND as the server received it.
struct Received {
    std::string command;  // the line up to the literal
    bool non_sync = false;
    std::string body;
};

// Serves one session on 127.0.0.1 from its own thread, expecting `appends`
// APPEND commands.
class LiteralMinusServer {
  public:
    explicit LiteralMinusServer(std::size_t appends)
        : expected_(appends),
          acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
          port_(acceptor_.local_endpoint().port()),
          thread_([this] { serve(); }) {}

    LiteralMinusServer(const LiteralMinusServer&) = delete;
    LiteralMinusServer& operator=(const LiteralMinusServer&) = delete;

    ~LiteralMinusServer() {
        if (!accepted_) {
            // Wake the accept() of a test that never connected.
            asio::io_context io;
            tcp::socket s(io);
            boost::system::error_code ec;
            s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
        }
        if (thread_.joinable()) {
            thread_.join();
        }
    }

    std::uint16_t port() const { return port_; }

    // Waits for the session to end (the client logged out or hung up).
    const std::vector<Received>& finish() {
        if (thread_.joinable()) {
            thread_.join();
        }
        return received_;
    }

  private:
    void serve() {
        tcp::socket s(io_);
        boost::system::error_code ec;
        acceptor_.accept(s, ec);
        accepted_ = true;
        std::string in;
        const auto send = [&](const std::string& text) {
            asio::write(s, asio::buffer(text), ec);
            return !ec;
        };
        const auto read_line = [&](std::string& line) {
            const std::size_t n = asio::read_until(s, asio::dynamic_buffer(in), "\r\n", ec);
            if (ec) {
                return false;
            }
            line = in.substr(0, n - 2);
            in.erase(0, n);
            return true;
        };
        const auto read_exactly = [&](std::size_t n, std::string& out) {
            if (in.size() < n) {
                asio::read(s, asio::dynamic_buffer(in), asio::transfer_exactly(n - in.size()), ec);
                if (ec) {
                    return false;
                }
            }
            out = in.substr(0, n);
            in.erase(0, n);
            return true;
        };
        const std::string caps = "IMAP4rev1 LITERAL- SASL-IR AUTH=PLAIN UIDPLUS";
        if (ec || !send("* OK [CAPABILITY " + caps + "] scripted\r\n")) {
            return;
        }
        static const std::regex literal(R"(\{(\d+)(\+?)\}$)");
        std::string deferred;  // tagged APPEND answers held back
        std::string line;
        while (read_line(line)) {
            const std::size_t space = line.find(' ');
            const std::string tag = line.substr(0, space);
            const std::string rest = space == std::string::npos ? "" : line.substr(space + 1);
            const std::string verb = rest.substr(0, rest.find(' '));
            std::smatch m;
            if (verb == "APPEND" && std::regex_search(line, m, literal)) {
                Received r;
                r.command = line;
                r.non_sync = m[2] == "+";
                if (!r.non_sync) {
                    // RFC 3501 §7.5: `+` first, then the earlier answers.
                    if (!send("+ Ready for literal data\r\n" + deferred)) {
                        return;
                    }
                    deferred.clear();
                }
                std::string end_of_command;
                if (!read_exactly(std::stoul(m[1].str()), r.body) || !read_line(end_of_command)) {
                    return;
                }
                received_.push_back(std::move(r));
                deferred += tag + " OK [APPENDUID 7 " + std::to_string(received_.size()) +
                            "] APPEND completed\r\n";
                if (received_.size() == expected_) {
                    if (!send(deferred)) {
                        return;
                    }
                    deferred.clear();
                }
                continue;
            }
            std::string answer = deferred;
            deferred.clear();
            if (verb == "LIST") {
                answer += "* LIST (\\Noselect) \"/\" \"\"\r\n";
            } else if (verb == "LOGOUT") {
                answer += "* BYE scripted server done\r\n";
            } else if (verb == "CAPABILITY") {
                answer += "* CAPABILITY " + caps + "\r\n";
            }
            answer += tag + " OK [CAPABILITY " + caps + "] done\r\n";
            if (!send(answer) || verb == "LOGOUT") {
                return;
            }
        }
    }

    std::size_t expected_;
    asio::io_context io_;
    tcp::acceptor acceptor_;
    std::uint16_t port_;
    std::atomic<bool> accepted_{false};
    std::vector<Received> received_;
    std::thread thread_;  // last: starts once the members above exist
};

TEST(ImapClientAppendLiteralMinus, OnlyMessagesOver4096OctetsWaitForContinuation) {
    const std::vector<std::size_t> sizes{300,  4096, 1024 * 1024, 200,  4097, 1000,
                                         5000, 150,  1024 * 1024, 3000, 4000, 130};
    std::vector<std::string> bodies;
    std::vector<std::unique_ptr<imap::StringSource>> sources;
    std::vector<imap::AppendItem> items;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
        bodies.push_back(make_message("lm" + std::to_string(i), sizes[i]));
        ASSERT_EQ(bodies.back().size(), sizes[i]);
        sources.push_back(std::make_unique<imap::StringSource>(bodies.back()));
        imap::AppendMeta meta;
        meta.flags = {"\\Seen"};
        items.push_back({meta, bodies.back().size(), sources.back().get()});
    }
    LiteralMinusServer server(sizes.size());
    std::optional<imap::AppendResult> result;
    auto body = [&]() -> asio::awaitable<void> {
        auto client =
            co_await imap::Client::connect(loopback_client_options(server.port(), "u", "p"));
        CO_REQUIRE(client, client.error().message);
        CO_REQUIRE((*client)->has_capability("LITERAL-"), "LITERAL- not seen");
        imap::VectorAppendBatch batch(std::move(items));
        auto appended = co_await (*client)->append("INBOX", batch);
        CO_REQUIRE(appended, appended.error().message);
        result = std::move(*appended);
        co_await (*client)->logout();
    };
    run_coroutine(body);
    ASSERT_TRUE(result);
    EXPECT_TRUE(result->all_appended());
    EXPECT_EQ(result->uidvalidity, 7u);
    ASSERT_EQ(result->messages.size(), sizes.size());
    const auto& received = server.finish();
    ASSERT_EQ(received.size(), sizes.size());
    for (std::size_t i = 0; i < sizes.size(); ++i) {
        SCOPED_TRACE("message " + std::to_string(i) + " of " + std::to_string(sizes[i]));
        EXPECT_EQ(result->messages[i].status, imap::AppendOutcome::Status::appended);
        EXPECT_EQ(result->messages[i].uid, i + 1);
        EXPECT_EQ(received[i].non_sync, sizes[i] <= 4096) << received[i].command;
        EXPECT_EQ(received[i].body, bodies[i]);
        EXPECT_NE(received[i].command.find(R"(APPEND "INBOX" (\Seen) {)"), std::string::npos)
            << received[i].command;
    }
}

}  // namespace
