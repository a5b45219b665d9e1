// imap::Client::append() without MULTIAPPEND against the test server: one
// APPEND per message, pipelined with LITERAL+ (RFC 7888) and with
// synchronizing literals (RFC 3501 §7.5). Each run checks the mailbox byte
// for byte (flags, internal dates, UIDs from APPENDUID, RFC 4315), that the
// commands really overlapped (counted from the trace, not timed), and that
// a NO or a failing body source keeps every other message's outcome.

#include "tests/engine/imap_client_fixture.hpp"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <regex>
#include <set>
#include <sstream>

namespace {

using namespace mailferry;
using namespace mailferry::test;
namespace imap = mailferry::imap;
using Status = imap::AppendOutcome::Status;

// The test server with users u/p and v/q, `hidden` capabilities and faults.
class AppendServer : public ImapClientServer {
  public:
    AppendServer(std::set<std::string> hidden, std::string faults = {})
        : ImapClientServer({.faults = std::move(faults), .hidden = std::move(hidden)}) {}

    // INBOX of user u as stored: (info, body) in UID order.
    std::vector<std::pair<ts::MessageInfo, std::string>> inbox() {
        return server().call([](ts::TestServer& s) {
            std::vector<std::pair<ts::MessageInfo, std::string>> out;
            for (const auto& m : s.store().messages("u", "INBOX")) {
                out.emplace_back(m, *s.store().body("u", "INBOX", m.uid));
            }
            return out;
        });
    }

    std::uint32_t uidvalidity() {
        return server().call(
            [](ts::TestServer& s) { return s.store().mailbox("u", "INBOX")->uidvalidity; });
    }
};

// Every line the client traced ("host:port C: ..." / "S: ..."), in order.
class Trace {
  public:
    Trace()
        : logger_(std::make_shared<spdlog::logger>(
              "append-trace", std::make_shared<spdlog::sinks::ostream_sink_st>(out_))) {
        logger_->set_pattern("%v");
        logger_->set_level(spdlog::level::trace);
    }
    Trace(const Trace&) = delete;
    Trace& operator=(const Trace&) = delete;

    std::shared_ptr<spdlog::logger> logger() const { return logger_; }

    // The APPEND exchange: 'C' an APPEND command sent, 'S' a tagged response
    // to one, '+' a continuation request; `text` is the traced line.
    struct Event {
        char kind;
        std::string text;
    };
    std::vector<Event> appends() const {
        static const std::regex sent(R"( C: (A\d+) APPEND )");
        static const std::regex answered(R"( S: (A\d+) (OK|NO|BAD) )");
        std::vector<Event> out;
        std::set<std::string> tags;
        std::istringstream in(out_.str());
        std::string line;
        std::smatch m;
        while (std::getline(in, line)) {
            if (std::regex_search(line, m, sent)) {
                tags.insert(m[1]);
                out.push_back({'C', line});
            } else if (std::regex_search(line, m, answered) && tags.contains(m[1])) {
                out.push_back({'S', line});
            } else if (line.find(" S: + ") != std::string::npos && !tags.empty()) {
                out.push_back({'+', line});
            }
        }
        return out;
    }

  private:
    std::ostringstream out_;
    std::shared_ptr<spdlog::logger> logger_;
};

// Messages of varied sizes, flags and dates; `big` (if any) is 1 MiB.
struct Corpus {
    std::vector<std::string> bodies;
    std::vector<net::AppendMeta> metas;
    std::vector<std::unique_ptr<net::StringSource>> sources;

    explicit Corpus(std::size_t count, std::optional<std::size_t> big = std::nullopt) {
        static const int offsets[] = {0, 120, -300, 330};
        for (std::size_t i = 0; i < count; ++i) {
            const std::size_t size = big == i ? 1024 * 1024 : 120 + (i * 53) % 3000;
            bodies.push_back(make_message("m" + std::to_string(i), size));
            net::AppendMeta meta;
            if (i % 2 == 0) {
                meta.flags.push_back("\\Seen");
            }
            if (i % 3 == 0) {
                meta.flags.push_back("$Label" + std::to_string(i % 4));
            }
            meta.internal_date = imap::InternalDate{
                1600000000 + static_cast<std::int64_t>(i) * 3600, offsets[i % 4]};
            metas.push_back(std::move(meta));
        }
    }

    net::VectorAppendBatch batch() {
        sources.clear();
        std::vector<net::AppendItem> items;
        for (std::size_t i = 0; i < bodies.size(); ++i) {
            sources.push_back(std::make_unique<net::StringSource>(bodies[i]));
            items.push_back({metas[i], bodies[i].size(), sources.back().get()});
        }
        return net::VectorAppendBatch(std::move(items));
    }
};

// Appends `corpus` to u's INBOX; returns the result (or fails the test).
std::optional<imap::AppendResult> append_all(AppendServer& server, const Trace& trace,
                                             Corpus& corpus, std::size_t window = 64) {
    std::optional<imap::AppendResult> out;
    auto body = [&]() -> asio::awaitable<void> {
        auto options = server.options(trace.logger());
        options.pipeline_window = window;
        auto client = co_await imap::Client::connect(options);
        CO_REQUIRE(client, client.error().message);
        EXPECT_FALSE((*client)->has_capability("MULTIAPPEND"));
        auto batch = corpus.batch();
        auto appended = co_await (*client)->append("INBOX", batch);
        CO_REQUIRE(appended, appended.error().message);
        out = std::move(*appended);
        co_await (*client)->logout();
    };
    run_coroutine(body);
    return out;
}

// Every message is in INBOX in order, byte for byte, with its flags and
// date, and `result` names each one's UID.
void expect_all_stored(AppendServer& server, const Corpus& corpus,
                       const imap::AppendResult& result) {
    ASSERT_EQ(result.messages.size(), corpus.bodies.size());
    EXPECT_TRUE(result.all_appended());
    EXPECT_FALSE(result.error);
    EXPECT_EQ(result.uidvalidity, server.uidvalidity());
    const auto stored = server.inbox();
    ASSERT_EQ(stored.size(), corpus.bodies.size());
    for (std::size_t i = 0; i < stored.size(); ++i) {
        SCOPED_TRACE("message " + std::to_string(i));
        const auto& [info, bytes] = stored[i];
        EXPECT_EQ(result.messages[i].status, Status::appended);
        EXPECT_EQ(result.messages[i].uid, info.uid);
        EXPECT_EQ(result.uids[i], info.uid);
        EXPECT_EQ(bytes, corpus.bodies[i]);
        EXPECT_EQ(info.internal_date.seconds, corpus.metas[i].internal_date->seconds);
        EXPECT_EQ(info.internal_date.offset_minutes, corpus.metas[i].internal_date->offset_minutes);
        for (const auto& flag : corpus.metas[i].flags) {
            EXPECT_TRUE(info.has_flag(flag)) << flag;
        }
        EXPECT_EQ(info.flags.size(), corpus.metas[i].flags.size());
    }
}

TEST(ImapClientAppend, LiteralPlusPipelinesAWindowOfAppends) {
    AppendServer server({"MULTIAPPEND"});
    Trace trace;
    Corpus corpus(300);
    auto result = append_all(server, trace, corpus);
    ASSERT_TRUE(result);
    expect_all_stored(server, corpus, *result);

    const auto events = trace.appends();
    std::size_t sent = 0, before_first_answer = 0;
    for (const auto& e : events) {
        if (e.kind == 'C') {
            ++sent;
            EXPECT_NE(e.text.find("+} <"), std::string::npos) << "not {n+}: " << e.text;
        } else if (e.kind == 'S' && before_first_answer == 0) {
            before_first_answer = sent;
        }
        EXPECT_NE(e.kind, '+') << "continuation with LITERAL+: " << e.text;
    }
    EXPECT_EQ(sent, 300u) << "one APPEND per message";
    // The whole window went out before the first answer was read: one
    // round trip per window instead of one per message.
    EXPECT_GE(before_first_answer, 64u);
}

TEST(ImapClientAppend, WindowOfOneStillWorks) {
    AppendServer server({"MULTIAPPEND"});
    Trace trace;
    Corpus corpus(20);
    auto result = append_all(server, trace, corpus, 1);
    ASSERT_TRUE(result);
    expect_all_stored(server, corpus, *result);
}

TEST(ImapClientAppend, SynchronizingLiteralsOverlapWithEarlierAnswers) {
    AppendServer server({"MULTIAPPEND", "LITERAL+"});
    Trace trace;
    Corpus corpus(300, 150);  // a 1 MiB message among small ones
    auto result = append_all(server, trace, corpus);
    ASSERT_TRUE(result);
    expect_all_stored(server, corpus, *result);

    // Each APPEND went out before the previous one's tagged answer was read:
    // the k-th answer (k < 300) arrives after the (k+1)-th command. The old
    // sequential loop had exactly k commands out at the k-th answer.
    const auto events = trace.appends();
    std::size_t sent = 0, answered = 0, continuations = 0;
    for (const auto& e : events) {
        if (e.kind == 'C') {
            ++sent;
            EXPECT_EQ(e.text.find("+}"), std::string::npos) << "not synchronizing: " << e.text;
        } else if (e.kind == '+') {
            ++continuations;
        } else {
            ++answered;
            EXPECT_GE(sent, std::min<std::size_t>(answered + 1, 300)) << e.text;
        }
    }
    EXPECT_EQ(sent, 300u);
    EXPECT_EQ(answered, 300u);
    EXPECT_EQ(continuations, 300u);
}

// no-append=5: the test server answers the 5th APPEND "NO [SERVERBUG]"
// and stores nothing of it; every other message is independent.
void no_in_the_middle(std::set<std::string> hidden) {
    AppendServer server(std::move(hidden), "no-append=5");
    Trace trace;
    Corpus corpus(10);
    auto result = append_all(server, trace, corpus);
    ASSERT_TRUE(result);
    ASSERT_EQ(result->messages.size(), 10u);
    EXPECT_FALSE(result->error);
    EXPECT_FALSE(result->all_appended());
    EXPECT_EQ(result->appended_count(), 9u);
    const imap::AppendOutcome& refused = result->messages[4];
    EXPECT_EQ(refused.status, Status::failed);
    EXPECT_FALSE(refused.uid);
    ASSERT_TRUE(refused.error);
    EXPECT_EQ(refused.error->code, imap::client_error::command_failed);
    EXPECT_NE(refused.error->response.find("[SERVERBUG] Injected APPEND failure"),
              std::string::npos)
        << refused.error->message;

    // Read back: exactly the nine others, with the UIDs reported.
    const auto stored = server.inbox();
    ASSERT_EQ(stored.size(), 9u);
    std::size_t s = 0;
    for (std::size_t i = 0; i < 10; ++i) {
        if (i == 4) {
            continue;
        }
        SCOPED_TRACE("message " + std::to_string(i));
        EXPECT_EQ(result->messages[i].status, Status::appended);
        EXPECT_FALSE(result->messages[i].error);
        EXPECT_EQ(result->messages[i].uid, stored[s].first.uid);
        EXPECT_EQ(stored[s].second, corpus.bodies[i]);
        ++s;
    }
}

TEST(ImapClientAppend, NoInTheMiddleKeepsEveryOutcomeWithLiteralPlus) {
    no_in_the_middle({"MULTIAPPEND"});
}

TEST(ImapClientAppend, NoInTheMiddleKeepsEveryOutcomeWithSynchronizingLiterals) {
    no_in_the_middle({"MULTIAPPEND", "LITERAL+"});
}

// The 4th of 5 bodies ends 50 octets early: the connection closes.
std::optional<imap::AppendResult> append_with_short_body(AppendServer& server, Corpus& corpus) {
    std::optional<imap::AppendResult> out;
    Trace trace;
    auto body = [&]() -> asio::awaitable<void> {
        auto client = co_await imap::Client::connect(server.options(trace.logger()));
        CO_REQUIRE(client, client.error().message);
        corpus.sources.clear();
        std::vector<net::AppendItem> items;
        for (std::size_t i = 0; i < corpus.bodies.size(); ++i) {
            const std::string& b = corpus.bodies[i];
            corpus.sources.push_back(
                std::make_unique<net::StringSource>(i == 3 ? b.substr(0, b.size() - 50) : b));
            items.push_back({corpus.metas[i], b.size(), corpus.sources.back().get()});
        }
        net::VectorAppendBatch batch(std::move(items));
        auto appended = co_await (*client)->append("INBOX", batch);
        CO_REQUIRE(appended, appended.error().message);
        EXPECT_FALSE((*client)->is_open());
        out = std::move(*appended);
    };
    run_coroutine(body);
    return out;
}

void expect_short_body_failed(const imap::AppendResult& result) {
    ASSERT_EQ(result.messages.size(), 4u) << "the 5th message must not be taken";
    ASSERT_TRUE(result.error);
    EXPECT_EQ(result.error->code, imap::client_error::body_size_mismatch);
    EXPECT_EQ(result.messages[3].status, Status::failed);
    ASSERT_TRUE(result.messages[3].error);
    EXPECT_EQ(result.messages[3].error->code, imap::client_error::body_size_mismatch);
}

TEST(ImapClientAppend, ShortBodyKeepsTheAnswersAlreadyRead) {
    // Synchronizing: the answers to the first three arrive while the client
    // waits for each next `+`, so they are known when the 4th body fails.
    AppendServer server({"MULTIAPPEND", "LITERAL+"});
    Corpus corpus(5);
    auto result = append_with_short_body(server, corpus);
    ASSERT_TRUE(result);
    expect_short_body_failed(*result);
    const auto stored = server.inbox();
    ASSERT_EQ(stored.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(result->messages[i].status, Status::appended) << i;
        EXPECT_EQ(result->messages[i].uid, stored[i].first.uid) << i;
        EXPECT_EQ(stored[i].second, corpus.bodies[i]) << i;
    }
}

TEST(ImapClientAppend, ShortBodyWithLiteralPlusLeavesUnreadAnswersUnknown) {
    // Non-synchronizing: no answer was read before the 4th body failed, so
    // the first three may or may not have landed; none is claimed failed.
    AppendServer server({"MULTIAPPEND"});
    Corpus corpus(5);
    auto result = append_with_short_body(server, corpus);
    ASSERT_TRUE(result);
    expect_short_body_failed(*result);
    const auto stored = server.inbox();
    EXPECT_LE(stored.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_NE(result->messages[i].status, Status::failed) << i;
    }
    for (const auto& [info, bytes] : stored) {
        EXPECT_NE(bytes, corpus.bodies[3]) << "the short message was stored";
    }
}

}  // namespace
