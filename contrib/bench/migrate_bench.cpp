// End-to-end migration throughput: seeds a corpus of realistic messages
// (sizes spread like real mail: most 4-30 KB, some 30-80 KB, a few 100 KB to
// 1.5 MB attachments) into one IMAP account, migrates it to another with
// sync::run_migration, and prints messages/s, MB/s and the process's peak
// memory (VmHWM, reset before the migration through /proc/self/clear_refs).
//
//   migrate_bench --port P [--host H] --source-user U --target-user T
//       --password W [--messages N] [--connections C] [--state FILE] [--no-seed]
//
// Run it against a private Dovecot (tests/support/dovecot.py, as
// contrib/bench/run-imap-bench.sh does); contrib/bench/run-bench.py measures
// the whole program against its peers.

#include "clients/imap/client.hpp"
#include "clients/net/tls_client.hpp"
#include "state/state_store.hpp"
#include "sync/migration.hpp"

#include <fmt/core.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace imap = mailferry::imap;
namespace net = mailferry::net;
namespace sync = mailferry::sync;
using Clock = std::chrono::steady_clock;

struct Settings {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    std::string source_user = "src", target_user = "dst", password = "bench";
    std::size_t messages = 10'000;
    unsigned connections = 1;
    std::string state = "migrate-bench-state.db";
    bool seed = true;
};

std::size_t message_size(std::mt19937_64& rng) {
    const double p = std::uniform_real_distribution<double>(0, 1)(rng);
    if (p < 0.85) {
        return std::uniform_int_distribution<std::size_t>(4'000, 30'000)(rng);
    }
    if (p < 0.985) {
        return std::uniform_int_distribution<std::size_t>(30'000, 80'000)(rng);
    }
    // Attachments: log-uniform between 100 KB and 1.5 MB.
    const double e = std::uniform_real_distribution<double>(std::log(1e5), std::log(1.5e6))(rng);
    return static_cast<std::size_t>(std::exp(e));
}

std::string make_message(std::size_t index, std::size_t size, std::mt19937_64& rng) {
    std::string m = fmt::format(
        "From: Sender {0} <sender{0}@example.org>\r\nTo: rcpt@example.net\r\n"
        "Subject: bench message {0}\r\nMessage-ID: <bench{0}@example.org>\r\n"
        "Date: Mon, 13 Nov 2023 10:{1:02}:{2:02} +0100\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n\r\n",
        index, index / 60 % 60, index % 60);
    static const char alphabet[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";
    while (m.size() + 2 < size) {
        const std::size_t line = std::min<std::size_t>(76, size - m.size() - 2);
        for (std::size_t i = 0; i < line; ++i) {
            m += alphabet[rng() % 64];
        }
        m += "\r\n";
    }
    return m;
}

asio::awaitable<int> seed(Settings s) {
    auto tls = mailferry::net::make_client_tls_context({});
    imap::ClientOptions o;
    o.host = s.host;
    o.port = s.port;
    o.user = s.source_user;
    o.password = s.password;
    o.tls_context = *tls;
    auto client = co_await imap::Client::connect(o);
    if (!client) {
        fmt::print(stderr, "seed: {}\n", client.error().message);
        co_return 1;
    }
    std::mt19937_64 rng(20261123);
    std::uint64_t bytes = 0;
    const auto start = Clock::now();
    for (std::size_t done = 0; done < s.messages;) {
        std::vector<std::unique_ptr<net::StringSource>> bodies;
        std::vector<net::AppendItem> items;
        for (std::size_t i = 0; i < 100 && done < s.messages; ++i, ++done) {
            auto body =
                std::make_unique<net::StringSource>(make_message(done, message_size(rng), rng));
            items.push_back({{{"\\Seen"}, std::nullopt}, body->size(), body.get()});
            bytes += body->size();
            bodies.push_back(std::move(body));
        }
        net::VectorAppendBatch batch(std::move(items));
        auto r = co_await (*client)->append("INBOX", batch);
        if (!r) {
            fmt::print(stderr, "seed: {}\n", r.error().message);
            co_return 1;
        }
        if (!r->all_appended()) {
            fmt::print(stderr, "seed: {} of {} messages appended\n", r->appended_count(),
                       r->messages.size());
            co_return 1;
        }
    }
    co_await (*client)->logout();
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    fmt::print("seeded {} messages, {:.1f} MB in {:.1f} s\n", s.messages,
               static_cast<double>(bytes) / 1e6, secs);
    co_return 0;
}

std::string status_field(const char* name) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(name, 0) == 0) {
            return line.substr(std::string(name).size());
        }
    }
    return "?";
}

int run(const Settings& s) {
    if (s.seed) {
        asio::io_context io;
        int rc = 1;
        asio::co_spawn(io, seed(s), [&](std::exception_ptr e, int r) {
            if (e) {
                std::rethrow_exception(e);
            }
            rc = r;
        });
        io.run();
        if (rc != 0) {
            return rc;
        }
    }
    std::filesystem::remove(s.state);
    auto state = mailferry::state::StateStore::open(s.state);
    if (!state) {
        fmt::print(stderr, "{}\n", state.error().message);
        return 1;
    }
    // Peak memory of the migration alone, not of the seeding.
    std::ofstream("/proc/self/clear_refs") << "5";
    const std::string base = "imap://{}@" + s.host + ":" + std::to_string(s.port);
    sync::AccountAccess source{fmt::format(fmt::runtime(base), s.source_user), s.password, "",
                               false, false};
    sync::AccountAccess target{fmt::format(fmt::runtime(base), s.target_user), s.password, "",
                               false, false};
    sync::MigrationOptions options;
    options.connections = s.connections;
    asio::io_context io;
    std::optional<sync::MigrationResult> result;
    const auto start = Clock::now();
    asio::co_spawn(io, sync::run_migration(source, target, *state, options, {}),
                   [&](std::exception_ptr e, sync::MigrationResult r) {
                       if (e) {
                           std::rethrow_exception(e);
                       }
                       result = std::move(r);
                   });
    io.run();
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    if (result->outcome != sync::Outcome::ok) {
        fmt::print(stderr, "migration failed: {}\n", result->message);
        return 1;
    }
    const auto totals = result->report->totals();
    const double mb = static_cast<double>(totals.bytes.copied) / 1e6;
    fmt::print(
        "migrated {} messages, {:.1f} MB in {:.2f} s with {} connection(s): "
        "{:.0f} messages/s, {:.1f} MB/s, peak memory (VmHWM){}\n",
        totals.messages.copied, mb, secs, s.connections,
        static_cast<double>(totals.messages.copied) / secs, mb / secs, status_field("VmHWM:"));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Settings s;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                fmt::print(stderr, "{} needs a value\n", a);
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--host") {
            s.host = value();
        } else if (a == "--port") {
            s.port = static_cast<std::uint16_t>(std::stoul(value()));
        } else if (a == "--source-user") {
            s.source_user = value();
        } else if (a == "--target-user") {
            s.target_user = value();
        } else if (a == "--password") {
            s.password = value();
        } else if (a == "--messages") {
            s.messages = std::stoul(value());
        } else if (a == "--connections") {
            s.connections = static_cast<unsigned>(std::stoul(value()));
        } else if (a == "--state") {
            s.state = value();
        } else if (a == "--no-seed") {
            s.seed = false;
        } else {
            fmt::print(stderr, "unknown option {}\n", a);
            return 2;
        }
    }
    if (s.port == 0) {
        fmt::print(stderr, "--port is required\n");
        return 2;
    }
    try {
        return run(s);
    } catch (const std::exception& e) {
        fmt::print(stderr, "{}\n", e.what());
        return 1;
    }
}
