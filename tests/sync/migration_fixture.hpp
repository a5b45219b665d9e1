#pragma once
// Two in-process test servers (source and target, each with its own fault
// plan), a state file in a temporary directory, and the isync-style checks
// of STYLE §9: read both accounts back from their stores and compare every
// folder's messages (bytes, flags, internal date). Every test that includes
// it fails on a warning or error log line it did not announce with
// test_log().expect_warning(...): a clean migration logs none.

#include "clients/imap/client.hpp"
#include "contrib/testserver/server.hpp"
#include "state/state_store.hpp"
#include "sync/migration.hpp"
#include "tests/support/log_expectations.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace mailferry::test {

// Registered before main() runs: gtest_main gives the tests no other hook.
inline const bool migration_tests_check_their_logs = (check_logs_of_every_test(), true);

// One message as a user would compare it.
struct Mail {
    std::string body;
    std::vector<std::string> flags;  // without \Recent, sorted
    std::int64_t date = 0;
    friend bool operator==(const Mail&, const Mail&) = default;
    friend bool operator<(const Mail& a, const Mail& b) {
        return std::tie(a.body, a.flags, a.date) < std::tie(b.body, b.flags, b.date);
    }
};
inline void PrintTo(const Mail& m, std::ostream* os) {
    const auto subject = m.body.find("Subject: ");
    *os << "{" << (subject == std::string::npos ? "?" : m.body.substr(subject + 9, 14)) << ", "
        << m.body.size() << " octets, date " << m.date << ", flags";
    for (const std::string& f : m.flags) {
        *os << " " << f;
    }
    *os << "}";
}

// Folder name (as stored) -> messages, sorted.
using Mailboxes = std::map<std::string, std::vector<Mail>>;

inline std::string make_body(int n, std::size_t size = 600, std::string extra_header = {}) {
    std::string body = "From: Sender " + std::to_string(n) + " <s" + std::to_string(n) +
                       "@example.org>\r\nTo: rcpt@example.net\r\nSubject: message " +
                       std::to_string(n) + "\r\nMessage-ID: <m" + std::to_string(n) +
                       "@example.org>\r\nDate: Mon, 13 Nov 2023 10:00:" + (n % 60 < 10 ? "0" : "") +
                       std::to_string(n % 60) + " +0100\r\n" + extra_header + "\r\n";
    std::string line = "Line of message " + std::to_string(n) + " with some text.\r\n";
    while (body.size() + line.size() <= size) {
        body += line;
    }
    return body;
}

class Account {
  public:
    // `hidden`: IMAP capabilities the server neither offers nor accepts
    // (ServerLimits::disabled_capabilities), to play a plainer server;
    // `limits` for a quota or a smaller APPENDLIMIT.
    explicit Account(testserver::FaultPlan faults = {}, std::set<std::string> hidden = {},
                     testserver::ServerLimits limits = {}) {
        testserver::ServerOptions o;
        o.listeners = {{testserver::Protocol::imap, false, "127.0.0.1", 0},
                       {testserver::Protocol::pop3, false, "127.0.0.1", 0}};
        o.users = {{"user", "secret"}};
        o.faults = faults;
        o.limits = std::move(limits);
        o.limits.disabled_capabilities = std::move(hidden);
        server_ = std::make_unique<testserver::TestServerThread>(std::move(o));
    }

    std::uint16_t imap_port() const { return server_->port(testserver::Protocol::imap); }

    sync::AccountAccess imap() const {
        return {
            "imap://user@127.0.0.1:" + std::to_string(server_->port(testserver::Protocol::imap)),
            "secret", "", false, false};
    }
    sync::AccountAccess pop3() const {
        return {
            "pop3://user@127.0.0.1:" + std::to_string(server_->port(testserver::Protocol::pop3)),
            "secret", "", false, false};
    }

    void create(const std::string& mailbox) {
        server_->call([&](testserver::TestServer& s) {
            ASSERT_EQ(s.store().create_mailbox("user", mailbox), testserver::StoreError::ok);
        });
    }
    void remove(const std::string& mailbox) {
        server_->call([&](testserver::TestServer& s) {
            ASSERT_EQ(s.store().delete_mailbox("user", mailbox), testserver::StoreError::ok);
        });
    }
    std::vector<std::uint32_t> add(const std::string& mailbox, std::vector<Mail> mails) {
        return server_->call([&](testserver::TestServer& s) {
            std::vector<testserver::MailStore::NewMessage> in;
            for (Mail& m : mails) {
                in.push_back(
                    {std::move(m.body), std::move(m.flags), testserver::InternalDate{m.date, 60}});
            }
            auto r = s.store().append("user", mailbox, std::move(in));
            EXPECT_EQ(r.error, testserver::StoreError::ok);
            return r.uids;
        });
    }
    void set_flags(const std::string& mailbox, std::vector<std::uint32_t> uids,
                   testserver::FlagMode mode, std::vector<std::string> flags) {
        server_->call([&](testserver::TestServer& s) {
            s.store().store_flags("user", mailbox, uids, mode, flags);
        });
    }
    void expunge(const std::string& mailbox, std::vector<std::uint32_t> uids) {
        server_->call([&](testserver::TestServer& s) { s.store().expunge("user", mailbox, uids); });
    }
    std::vector<std::uint32_t> uids(const std::string& mailbox) {
        return server_->call([&](testserver::TestServer& s) {
            std::vector<std::uint32_t> out;
            for (const auto& m : s.store().messages("user", mailbox)) {
                out.push_back(m.uid);
            }
            return out;
        });
    }

    // Every mailbox with its messages; \Deleted messages left out when
    // `without_deleted` (they are not migrated).
    Mailboxes read(bool without_deleted = false) {
        return server_->call([&](testserver::TestServer& s) {
            Mailboxes out;
            for (const auto& box : s.store().list_mailboxes("user")) {
                std::vector<Mail>& mails = out[box.name];
                for (const auto& m : s.store().messages("user", box.name)) {
                    if (without_deleted && m.has_flag("\\Deleted")) {
                        continue;
                    }
                    Mail mail;
                    mail.body = *s.store().body("user", box.name, m.uid);
                    mail.flags = m.flags;
                    std::sort(mail.flags.begin(), mail.flags.end());
                    mail.date = m.internal_date.seconds;
                    mails.push_back(std::move(mail));
                }
                std::sort(mails.begin(), mails.end());
            }
            return out;
        });
    }

    // INBOX as stored: UID -> body.
    std::map<std::uint32_t, std::string> inbox() {
        return server_->call([&](testserver::TestServer& s) {
            std::map<std::uint32_t, std::string> out;
            for (const auto& m : s.store().messages("user", "INBOX")) {
                out[m.uid] = *s.store().body("user", "INBOX", m.uid);
            }
            return out;
        });
    }

    // What the server's fault injector counted so far, over all its
    // connections: a clean run's counts give the steps to interrupt at.
    struct Counts {
        std::uint64_t commands = 0;
        std::uint64_t bytes = 0;
        std::uint64_t fetches = 0;
        std::uint64_t appends = 0;
    };
    Counts counts() {
        return server_->call([](testserver::TestServer& s) {
            const testserver::FaultInjector& f = s.faults();
            return Counts{f.commands(), f.bytes_written(), f.fetches(), f.appends()};
        });
    }

    testserver::TestServerThread& server() { return *server_; }

  private:
    std::unique_ptr<testserver::TestServerThread> server_;
};

// A state file that stays open across the runs of one test.
class StateFile {
  public:
    StateFile() : store_(open()) {}
    state::StateStore& store() { return store_; }
    const std::filesystem::path& path() const { return path_; }

  private:
    state::StateStore open() {
        path_ = dir_ / "state.db";
        auto s = state::StateStore::open(path_);
        if (!s) {
            throw std::runtime_error(s.error().message);
        }
        return std::move(*s);
    }
    TempDir dir_;
    std::filesystem::path path_;
    state::StateStore store_;
};

// Runs one migration on an io_context of its own. `cancel_after`: emit a
// terminal cancellation once that many messages were copied.
inline sync::MigrationResult migrate(const sync::AccountAccess& source,
                                     const sync::AccountAccess& target, state::StateStore& state,
                                     sync::MigrationOptions options = {},
                                     std::optional<std::uint64_t> cancel_after = std::nullopt) {
    boost::asio::io_context io;
    boost::asio::cancellation_signal cancel;
    std::optional<sync::MigrationResult> out;
    sync::ProgressCallback progress = [&](const sync::Progress& p) {
        EXPECT_LE(p.messages_done, p.messages_total);
        if (cancel_after && p.messages_done == *cancel_after) {
            cancel.emit(boost::asio::cancellation_type::terminal);
        }
    };
    boost::asio::co_spawn(io, sync::run_migration(source, target, state, options, progress),
                          boost::asio::bind_cancellation_slot(
                              cancel.slot(), [&](std::exception_ptr e, sync::MigrationResult r) {
                                  if (e) {
                                      std::rethrow_exception(e);
                                  }
                                  out = std::move(r);
                              }));
    io.run();
    return std::move(*out);
}

// Options for an imap::Client of the fixture's "user" on `port`.
inline imap::ClientOptions fixture_client_options(std::uint16_t port) {
    imap::ClientOptions o;
    o.host = "127.0.0.1";
    o.port = port;
    o.user = "user";
    o.password = "secret";
    using namespace std::chrono_literals;
    o.timeouts.connect = o.timeouts.tls = o.timeouts.greeting = 10s;
    o.timeouts.command = o.timeouts.body_chunk = o.timeouts.write = 10s;
    return o;
}

inline std::size_t total(const Mailboxes& boxes) {
    std::size_t n = 0;
    for (const auto& [name, mails] : boxes) {
        n += mails.size();
    }
    return n;
}

}  // namespace mailferry::test
