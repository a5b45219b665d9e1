// IMAP client throughput: appends N generated messages of S octets with
// MULTIAPPEND, fetches them back with one streamed UID FETCH, then copies
// them to another mailbox through a BodyPipe (FETCH and APPEND at once on two
// connections), printing messages/s and MB/s for each phase.
//
//   imap_fetch_append_bench --port P [--host H] [--user U] [--password W]
//       [--tls] [--ca-file F] [--messages N] [--size S]
//
// contrib/bench/run-imap-bench.sh starts a private Dovecot and runs it.
// Against a server without MULTIAPPEND the append phases measure pipelined
// single APPENDs instead, e.g. `mailferry testserver --imap 127.0.0.1:1143
// --user bench:bench --disable-capability MULTIAPPEND` (add
// `--disable-capability LITERAL+` for synchronizing literals).

#include "clients/imap/client.hpp"
#include "clients/net/tls_client.hpp"

#include <fmt/core.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include <chrono>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace imap = mailferry::imap;
namespace net = mailferry::net;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

struct Settings {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    std::string user = "bench", password = "bench", ca_file;
    bool tls = false;
    std::size_t messages = 2000;
    std::size_t size = 20 * 1024;
};

// A message of exactly `size` octets, generated as it is read.
class GeneratedSource final : public net::BodySource {
  public:
    GeneratedSource(std::size_t index, std::size_t size)
        : header_("Subject: bench " + std::to_string(index) + "\r\nMessage-ID: <b" +
                  std::to_string(index) + "@bench>\r\n\r\n"),
          size_(size) {}
    asio::awaitable<std::pair<error_code, std::size_t>> read(std::span<char> buffer) override {
        std::size_t n = 0;
        while (n < buffer.size() && pos_ < size_) {
            const std::size_t line = pos_ >= header_.size() ? (pos_ - header_.size()) % 80 : 0;
            buffer[n++] = pos_ < header_.size() ? header_[pos_]
                          : line == 78          ? '\r'
                          : line == 79          ? '\n'
                                                : static_cast<char>('a' + line % 26);
            ++pos_;
        }
        co_return std::pair<error_code, std::size_t>{error_code(), n};
    }

  private:
    std::string header_;
    std::size_t size_;
    std::size_t pos_ = 0;
};

class GeneratedBatch final : public net::AppendBatch {
  public:
    GeneratedBatch(std::size_t count, std::size_t size) : count_(count), size_(size) {}
    asio::awaitable<boost::system::result<std::optional<net::AppendItem>>> next() override {
        if (next_ == count_) {
            co_return std::optional<net::AppendItem>();
        }
        current_ = std::make_unique<GeneratedSource>(next_++, size_);
        co_return std::optional<net::AppendItem>(net::AppendItem{{}, size_, current_.get()});
    }

  private:
    std::size_t count_, size_, next_ = 0;
    std::unique_ptr<GeneratedSource> current_;
};

class CountingSink final : public net::BodySink {
  public:
    asio::awaitable<error_code> begin(std::uint32_t, std::uint64_t) override {
        ++messages;
        co_return error_code();
    }
    asio::awaitable<error_code> data(std::span<const char> bytes) override {
        octets += bytes.size();
        co_return error_code();
    }
    asio::awaitable<error_code> end() override { co_return error_code(); }
    std::uint64_t messages = 0, octets = 0;
};

// Why an append did not store every message, or "" when it did.
std::string append_failure(const imap::ClientResult<imap::AppendResult>& r) {
    if (!r) {
        return r.error().message;
    }
    if (r->error) {
        return r->error->message;
    }
    for (const imap::AppendOutcome& m : r->messages) {
        if (m.error) {
            return m.error->message;
        }
    }
    return r->all_appended() ? "" : "the message source failed";
}

// The name of an append phase for the capabilities `client` saw.
std::string append_mode(const imap::Client& client) {
    if (client.has_capability("MULTIAPPEND")) {
        return "MULTIAPPEND";
    }
    return client.has_capability("LITERAL+") ? "pipelined, LITERAL+" : "pipelined, sync";
}

void report(std::string_view phase, std::uint64_t messages, std::uint64_t octets,
            Clock::duration elapsed) {
    const double s = std::chrono::duration<double>(elapsed).count();
    fmt::print("{:<28} {:>7} msgs {:>9.1f} MB in {:>7.3f} s: {:>9.0f} msgs/s {:>8.1f} MB/s\n",
               phase, messages, static_cast<double>(octets) / 1e6, s,
               static_cast<double>(messages) / s, static_cast<double>(octets) / 1e6 / s);
}

asio::awaitable<int> run(Settings settings) {
    using namespace asio::experimental::awaitable_operators;
    imap::ClientOptions options;
    options.host = settings.host;
    options.port = settings.port;
    options.implicit_tls = settings.tls;
    options.user = settings.user;
    options.password = settings.password;
    if (!settings.ca_file.empty()) {
        auto ctx = mailferry::net::make_client_tls_context({settings.ca_file, false});
        if (!ctx) {
            fmt::print(stderr, "{}\n", ctx.error());
            co_return 1;
        }
        options.tls_context = *ctx;
    }
    auto a = co_await imap::Client::connect(options);
    auto b = co_await imap::Client::connect(options);
    if (!a || !b) {
        fmt::print(stderr, "{}\n", (!a ? a.error() : b.error()).message);
        co_return 1;
    }
    auto& source = **a;
    auto& target = **b;
    const std::string src = "BenchSource", dst = "BenchCopy";
    for (const auto& name : {src, dst}) {
        auto created = co_await source.create(name);
        if (!created) {
            fmt::print(stderr, "{}\n", created.error().message);
            co_return 1;
        }
    }
    const std::uint64_t total = settings.messages * settings.size;
    fmt::print("{} messages of {} octets, {}, server {}:{}\n", settings.messages, settings.size,
               source.is_tls() ? "TLS" : "plain", settings.host, settings.port);

    auto start = Clock::now();
    GeneratedBatch batch(settings.messages, settings.size);
    auto appended = co_await source.append(src, batch);
    if (const std::string failed = append_failure(appended); !failed.empty()) {
        fmt::print(stderr, "{}\n", failed);
        co_return 1;
    }
    report("append (" + append_mode(source) + ")", settings.messages, total, Clock::now() - start);

    auto selected = co_await source.select(src, true);
    if (!selected) {
        fmt::print(stderr, "{}\n", selected.error().message);
        co_return 1;
    }
    start = Clock::now();
    auto meta = co_await source.fetch_metadata("1:*");
    if (!meta) {
        fmt::print(stderr, "{}\n", meta.error().message);
        co_return 1;
    }
    report("fetch metadata", meta->size(), 0, Clock::now() - start);

    CountingSink sink;
    start = Clock::now();
    auto fetched = co_await source.fetch_bodies("1:*", sink);
    if (!fetched) {
        fmt::print(stderr, "{}\n", fetched.error().message);
        co_return 1;
    }
    report("fetch bodies (one command)", sink.messages, sink.octets, Clock::now() - start);

    CountingSink each;
    std::vector<std::uint32_t> uids;
    for (const auto& m : *meta) {
        uids.push_back(m.uid);
    }
    start = Clock::now();
    auto pipelined = co_await source.fetch_bodies_each(uids, each);
    if (!pipelined) {
        fmt::print(stderr, "{}\n", pipelined.error().message);
        co_return 1;
    }
    report("fetch bodies (pipelined)", each.messages, each.octets, Clock::now() - start);

    net::BodyPipe pipe(co_await asio::this_coro::executor, 1024 * 1024);
    net::PipeAppendBatch piped(pipe, [](std::uint32_t) { return net::AppendMeta{}; });
    auto fetch = [&]() -> asio::awaitable<imap::ClientResult<std::size_t>> {
        auto r = co_await source.fetch_bodies("1:*", pipe);
        if (r) {
            pipe.close();
        } else {
            pipe.fail(r.error().code);
        }
        co_return r;
    };
    auto store = [&]() -> asio::awaitable<imap::ClientResult<imap::AppendResult>> {
        auto r = co_await target.append(dst, piped);
        co_return r;
    };
    start = Clock::now();
    auto [copied, stored] = co_await (fetch() && store());
    if (!copied) {
        fmt::print(stderr, "{}\n", copied.error().message);
        co_return 1;
    }
    if (const std::string failed = append_failure(stored); !failed.empty()) {
        fmt::print(stderr, "{}\n", failed);
        co_return 1;
    }
    report("copy fetch -> pipe -> append", *copied, total, Clock::now() - start);
    co_await source.logout();
    co_await target.logout();
    co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Settings settings;
    for (int i = 1; i + 1 < argc || (i < argc && std::string_view(argv[i]) == "--tls"); ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--tls") {
            settings.tls = true;
            continue;
        }
        const std::string value = argv[++i];
        if (arg == "--host") {
            settings.host = value;
        } else if (arg == "--port") {
            settings.port = static_cast<std::uint16_t>(std::stoul(value));
        } else if (arg == "--user") {
            settings.user = value;
        } else if (arg == "--password") {
            settings.password = value;
        } else if (arg == "--ca-file") {
            settings.ca_file = value;
        } else if (arg == "--messages") {
            settings.messages = std::stoul(value);
        } else if (arg == "--size") {
            settings.size = std::stoul(value);
        } else {
            fmt::print(stderr, "unknown option {}\n", arg);
            return 2;
        }
    }
    if (settings.port == 0) {
        fmt::print(stderr,
                   "usage: {} --port P [--host H] [--user U] [--password W] [--tls] "
                   "[--ca-file F] [--messages N] [--size S]\n",
                   argv[0]);
        return 2;
    }
    asio::io_context io;
    int status = 1;
    asio::co_spawn(io, run(settings), [&](std::exception_ptr e, int result) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                fmt::print(stderr, "bench failed: {}\n", ex.what());
            }
            status = 1;
        } else {
            status = result;
        }
    });
    io.run();
    return status;
}
