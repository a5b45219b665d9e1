// `mailferry demo`: a whole migration in one command, with no network, no
// configuration and no arguments. Starts the test server pair in-process on
// 127.0.0.1 with the demo users (contrib/testserver/demo_mail.hpp), then
// migrates alice (IMAP) and bob (POP3) into carol, shows that a re-run
// copies nothing, and checks carol's account message by message. Exit 0 only
// when every step did what it should; the state file lives in a temporary
// directory that is removed unless --keep is given.

#include "cli/app.hpp"
#include "cli/commands.hpp"
#include "cli/demo_verify.hpp"
#include "cli/logging.hpp"
#include "cli/migration_runner.hpp"
#include "cli/temp_directory.hpp"
#include "contrib/testserver/demo_mail.hpp"
#include "contrib/testserver/server.hpp"
#include "state/state_store.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace mailferry::cli {

namespace {

namespace ts = mailferry::testserver;

struct DemoArgs {
    bool keep = false;
    LogOptions log;
};

std::string password_of(std::string_view user) {
    for (const ts::DemoUser& u : ts::demo_users()) {
        if (u.name == user) {
            return std::string(u.password);
        }
    }
    throw std::logic_error(fmt::format("no demo user {}", user));
}

void say(const std::string& text) {
    fmt::print("{}\n", text);
    std::fflush(stdout);
}

class Demo {
  public:
    Demo(ts::TestServerThread& servers, state::StateStore& store)
        : servers_(servers), store_(store) {
        imap_port_ = servers.port(ts::Protocol::imap);
        pop3_port_ = servers.port(ts::Protocol::pop3);
    }

    std::string imap_url(std::string_view user) const {
        return fmt::format("imap://{}@127.0.0.1:{}", user, imap_port_);
    }
    std::string pop3_url(std::string_view user) const {
        return fmt::format("pop3://{}@127.0.0.1:{}", user, pop3_port_);
    }

    // One migration; prints the report table. nullopt (after saying why)
    // when it did not end ok.
    std::optional<sync::Report> migrate(const std::string& source_url, std::string source_user,
                                        bool dry_run, const std::string& pop3_folder = "INBOX") {
        sync::AccountAccess source{source_url, password_of(source_user), "", false, false};
        sync::AccountAccess target{imap_url("carol"), password_of("carol"), "", false, false};
        sync::MigrationOptions options;
        options.dry_run = dry_run;
        options.command = "demo";
        options.plan.pop3_folder = pop3_folder;
        auto result = run_migration_blocking(
            std::move(source), std::move(target), store_, std::move(options),
            [](const sync::Progress&) {}, true);
        if (result.report) {
            fmt::print("\n{}\n", result.report->to_table());
        }
        if (result.outcome != sync::Outcome::ok || !result.report) {
            last_exit_ = exit_code_for(result.outcome);
            say(fmt::format("FAILED: {}", result.message.empty() ? "no report" : result.message));
            return std::nullopt;
        }
        return std::move(result.report);
    }

    ExitCode last_exit() const { return last_exit_; }

  private:
    ts::TestServerThread& servers_;
    state::StateStore& store_;
    std::uint16_t imap_port_ = 0, pop3_port_ = 0;
    ExitCode last_exit_ = ExitCode::partial;
};

int failed(ExitCode code, const std::string& why) {
    say("FAILED: " + why);
    return static_cast<int>(code == ExitCode::ok ? ExitCode::partial : code);
}

int run_steps(ts::TestServerThread& servers, state::StateStore& store) {
    Demo demo(servers, store);
    const std::string alice = demo.imap_url("alice");
    const std::string bob = demo.pop3_url("bob");
    const std::string carol = demo.imap_url("carol");
    const std::string pop3_folder = "POP3/Bob";

    say(
        fmt::format("\n1. Dry run: what would move from alice ({}) to carol ({})?\n"
                    "   Nothing is changed on either account or in the state file.",
                    alice, carol));
    const auto dry = demo.migrate(alice, "alice", true);
    if (!dry) {
        return static_cast<int>(demo.last_exit());
    }

    say("2. The real run: copy every folder, message, flag and date from alice to carol.");
    const auto real = demo.migrate(alice, "alice", false);
    if (!real) {
        return static_cast<int>(demo.last_exit());
    }
    const auto planned = dry->totals().messages.to_copy;
    const auto copied = real->totals().messages.copied;
    if (planned != copied) {
        return failed(ExitCode::partial, fmt::format("the dry run planned {} messages but the "
                                                     "real run copied {}",
                                                     planned, copied));
    }
    say(fmt::format("   The dry run planned {} messages; the real run copied {}.", planned,
                    copied));

    say(
        fmt::format("\n3. bob reads his mail over POP3 ({}); his messages go into carol's "
                    "folder {}.",
                    bob, pop3_folder));
    const auto pop3 = demo.migrate(bob, "bob", false, pop3_folder);
    if (!pop3) {
        return static_cast<int>(demo.last_exit());
    }

    say("4. Run both again: the state file remembers what was copied, so nothing moves twice.");
    const auto again_imap = demo.migrate(alice, "alice", false);
    const auto again_pop3 =
        again_imap ? demo.migrate(bob, "bob", false, pop3_folder) : std::optional<sync::Report>();
    if (!again_imap || !again_pop3) {
        return static_cast<int>(demo.last_exit());
    }
    for (const auto* r : {&*again_imap, &*again_pop3}) {
        const auto t = r->totals();
        if (t.messages.to_copy != 0 || t.messages.copied != 0) {
            return failed(ExitCode::partial,
                          fmt::format("a re-run planned {} and copied {} messages instead of 0",
                                      t.messages.to_copy, t.messages.copied));
        }
    }
    say("   0 to copy, 0 copied: re-runs are incremental.");

    say("\n5. Checking carol's account against alice's and bob's, message by message...");
    const DemoVerification v = servers.call([&](ts::TestServer& server) {
        return verify_demo_target(server.store(), "alice", "bob", "carol", pop3_folder);
    });
    if (!v.ok()) {
        for (const auto& p : v.problems) {
            say("   " + p);
        }
        return failed(ExitCode::partial, "carol's account does not match the sources");
    }
    say(fmt::format("verified: {} messages in {} folders, bytes and flags identical", v.messages,
                    v.folders));
    return static_cast<int>(ExitCode::ok);
}

int run_demo(DemoArgs args) {
    if (args.log.verbose == 0) {
        args.log.quiet = true;  // plain words on stdout; logs only for problems
    }
    configure_logging(args.log);

    say("mailferry demo: a complete migration on this machine, with no network and no setup.\n\n"
        "Starting the included IMAP4 and POP3 test servers on 127.0.0.1 (in memory) with\n"
        "three demo accounts: alice (IMAP: folders, flags, attachments, non-ASCII names),\n"
        "bob (a POP3 maildrop) and carol (an empty IMAP account, the target).");
    ts::ServerOptions options;
    options.listeners.push_back(ts::ListenerSpec::parse(ts::Protocol::imap, false, "127.0.0.1:0"));
    options.listeners.push_back(ts::ListenerSpec::parse(ts::Protocol::pop3, false, "127.0.0.1:0"));
    options.seed_demo = true;
    ts::TestServerThread servers(std::move(options));

    TempDirectory dir("mailferry-demo-");
    const auto state_file = dir.path() / "state.db";
    say(fmt::format("The state file (what has been copied) is {}", state_file.string()));
    auto store = state::StateStore::open(state_file);
    if (!store) {
        return failed(ExitCode::usage, store.error().message);
    }

    const int code = run_steps(servers, *store);
    if (args.keep) {
        dir.keep();
        say(fmt::format("\nKept the state file: mailferry status --state {}", state_file.string()));
    }
    if (code == 0) {
        say("\nTry it with real accounts (a dry run changes nothing):\n\n"
            "    MAILFERRY_SOURCE_PASSWORD=... MAILFERRY_TARGET_PASSWORD=... \\\n"
            "    mailferry migrate imaps://you@old.example.net imaps://you@new.example.org "
            "--dry-run\n\n"
            "then without --dry-run to move the mail; `mailferry migrate --help` lists the "
            "options.");
    }
    return code;
}

}  // namespace

void add_demo_command(CLI::App& app, CommandRunner& runner) {
    auto args = std::make_shared<DemoArgs>();
    CLI::App* cmd = app.add_subcommand(
        "demo", "See a migration work: local test servers, demo accounts, no setup needed");
    cmd->add_flag("--keep", args->keep, "Keep the demo's state file and print where it is");
    add_log_options(*cmd, args->log);
    cmd->callback([args, &runner] { runner = [args] { return run_demo(*args); }; });
}

}  // namespace mailferry::cli
