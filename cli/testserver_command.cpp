// `mailferry testserver`: the POP3 + IMAP4 test server pair (SPEC.md, "The
// test server pair"). Prints one "SCHEME listening on ADDR:PORT" line per
// listener on stdout once all are bound, so scripts can start it on port 0;
// with --oauth2-user also "oauth2 issuer listening on ADDR:PORT" and one
// "oauth2 user NAME refresh-token TOKEN" line per OAuth2 user.

#include "cli/app.hpp"
#include "cli/commands.hpp"
#include "cli/logging.hpp"
#include "clients/net/describe.hpp"
#include "contrib/testserver/demo_mail.hpp"
#include "contrib/testserver/server.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace mailferry::cli {

namespace {

namespace ts = mailferry::testserver;

struct TestserverArgs {
    std::string data_dir;
    std::vector<std::string> imap, imaps, pop3, pop3s;
    std::string tls_cert, tls_key, tls_cert_out;
    bool tls_self_signed = false;
    std::vector<std::string> users;
    bool seed_demo = false;
    int autologout = 0;
    std::size_t max_literal = 64 * 1024 * 1024;
    int max_failed_logins = 3;
    std::uint64_t quota_kib = 0;
    std::string faults;
    std::vector<std::string> disabled_capabilities;
    std::vector<std::string> oauth2_users;
    std::string oauth2_issuer;
    int oauth2_token_lifetime = 300;
    std::string emulate;
    LogOptions log;
};

ts::ServerOptions to_server_options(const TestserverArgs& args) {
    ts::ServerOptions options;
    options.data_dir = args.data_dir;
    const auto add = [&](const std::vector<std::string>& list, ts::Protocol p, bool tls) {
        for (const auto& a : list) {
            options.listeners.push_back(ts::ListenerSpec::parse(p, tls, a));
        }
    };
    add(args.imap, ts::Protocol::imap, false);
    add(args.imaps, ts::Protocol::imap, true);
    add(args.pop3, ts::Protocol::pop3, false);
    add(args.pop3s, ts::Protocol::pop3, true);
    if (options.listeners.empty()) {
        options.listeners.push_back(
            ts::ListenerSpec::parse(ts::Protocol::imap, false, "127.0.0.1:1143"));
        options.listeners.push_back(
            ts::ListenerSpec::parse(ts::Protocol::pop3, false, "127.0.0.1:1110"));
    }
    options.tls_cert_file = args.tls_cert;
    options.tls_key_file = args.tls_key;
    options.tls_self_signed = args.tls_self_signed;
    for (const auto& u : args.users) {
        const auto colon = u.find(':');
        if (colon == std::string::npos || colon == 0) {
            throw std::invalid_argument("--user '" + u + "' needs the form NAME:PASSWORD");
        }
        options.users.emplace_back(u.substr(0, colon), u.substr(colon + 1));
    }
    options.seed_demo = args.seed_demo;
    if (args.autologout > 0) {
        options.limits.pop3_autologout = std::chrono::seconds(args.autologout);
        options.limits.imap_autologout = std::chrono::seconds(args.autologout);
    }
    options.limits.max_literal = args.max_literal;
    options.limits.max_failed_logins = args.max_failed_logins;
    if (args.quota_kib > 0) {
        options.limits.quota_kib = args.quota_kib;
    }
    options.faults = ts::FaultPlan::parse(args.faults);
    options.limits.disabled_capabilities.insert(args.disabled_capabilities.begin(),
                                                args.disabled_capabilities.end());
    options.oauth2.users = args.oauth2_users;
    options.oauth2.issuer_address = args.oauth2_issuer;
    options.oauth2.issuer.access_token_lifetime = std::chrono::seconds(args.oauth2_token_lifetime);
    options.emulate_gmail = args.emulate == "gmail";
    return options;
}

int run_testserver(const TestserverArgs& args) {
    configure_logging(args.log);
    ts::ServerOptions options;
    try {
        options = to_server_options(args);
    } catch (const std::invalid_argument& e) {
        report_failure("testserver", e.what());
        return static_cast<int>(ExitCode::usage);
    }

    boost::asio::io_context io;
    std::unique_ptr<ts::TestServer> server;
    try {
        server = std::make_unique<ts::TestServer>(io, std::move(options));
        server->start();
    } catch (const std::invalid_argument& e) {
        report_failure("testserver", e.what());
        return static_cast<int>(ExitCode::usage);
    } catch (const std::exception& e) {
        report_failure("testserver", e.what());
        return static_cast<int>(ExitCode::connect);
    }

    if (const auto& cert = server->self_signed_certificate(); cert && !args.tls_cert_out.empty()) {
        std::ofstream out(args.tls_cert_out, std::ios::binary | std::ios::trunc);
        out << cert->certificate_pem;
        if (!out.flush()) {
            report_failure("testserver", "cannot write " + args.tls_cert_out);
            return static_cast<int>(ExitCode::usage);
        }
    }
    for (const auto& listener : server->listeners()) {
        fmt::print("{} listening on {}\n", listener.spec.scheme(),
                   net::describe(listener.endpoint));
    }
    if (const auto issuer = server->oauth2_endpoint()) {
        fmt::print("oauth2 issuer listening on {}\n", net::describe(*issuer));
    }
    if (const auto* issuer = server->oauth2_issuer()) {
        for (const auto& [user, token] : issuer->refresh_tokens()) {
            fmt::print("oauth2 user {} refresh-token {}\n", user, token);
        }
    }
    if (args.seed_demo) {
        // With --data the store may hold mail from earlier runs: say what
        // each account holds now, not what seeding put there.
        for (const auto& user : ts::demo_users()) {
            std::uint64_t messages = 0;
            for (const auto& box : server->store().list_mailboxes(user.name)) {
                messages += box.messages;
            }
            fmt::print(
                "demo user {} password {} ({}, {})\n", user.name, user.password, user.role,
                messages == 0 ? std::string("empty") : fmt::format("{} message(s)", messages));
        }
    }
    fmt::print("ready (stop with Ctrl-C)\n");
    std::fflush(stdout);

    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (!ec) {
            spdlog::info("stopping");
            server->stop();
        }
    });
    io.run();
    return static_cast<int>(ExitCode::ok);
}

}  // namespace

void add_testserver_command(CLI::App& app, CommandRunner& runner) {
    auto args = std::make_shared<TestserverArgs>();
    CLI::App* cmd = app.add_subcommand(
        "testserver", "Run the local POP3 + IMAP4 test server pair (one store, both protocols)");
    cmd->add_option("--data", args->data_dir,
                    "Keep the store in this directory across restarts (default: in memory)");
    cmd->add_option("--imap", args->imap,
                    "IMAP listener ADDR:PORT (repeatable; port 0 picks a free one)");
    cmd->add_option("--imaps", args->imaps, "IMAP over TLS listener ADDR:PORT");
    cmd->add_option("--pop3", args->pop3, "POP3 listener ADDR:PORT");
    cmd->add_option("--pop3s", args->pop3s, "POP3 over TLS listener ADDR:PORT");
    cmd->add_option("--tls-cert", args->tls_cert,
                    "TLS certificate chain (PEM) for imaps/pop3s/STARTTLS/STLS")
        ->check(CLI::ExistingFile);
    cmd->add_option("--tls-key", args->tls_key, "TLS private key (PEM)")->check(CLI::ExistingFile);
    cmd->add_flag("--tls-self-signed", args->tls_self_signed,
                  "Generate a throwaway certificate for localhost/127.0.0.1");
    cmd->add_option(
        "--tls-cert-out", args->tls_cert_out,
        "With --tls-self-signed: write the certificate (PEM) here for clients to trust");
    cmd->add_option("--user", args->users, "Add a user NAME:PASSWORD (repeatable)");
    cmd->add_flag("--seed-demo", args->seed_demo, "Create demo users and mail (alice, bob, carol)");
    cmd->add_option("--autologout", args->autologout,
                    "Close idle sessions after SECONDS (default 600 for POP3, 1800 for IMAP)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--max-literal", args->max_literal, "Largest IMAP literal accepted, in octets")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--max-failed-logins", args->max_failed_logins,
                    "Failed logins before a session is closed")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--quota", args->quota_kib,
                    "Give every IMAP user a storage quota of KIB KiB (RFC 9208 QUOTA; APPEND and "
                    "COPY past it fail with NO [OVERQUOTA]); default: no quota")
        ->check(CLI::PositiveNumber);
    cmd->add_option(
        "--faults", args->faults,
        "Inject faults for tests: drop-after-commands=N, drop-after-bytes=N, "
        "delay-ms=N, no-append=N, bye-in-fetch=N, uid-last=1, no-uidl=1, at=VERB:N:ACTION, "
        "random=SEED:PERMILLE; a provider's throttling: throttle=N/MS (after N commands, a "
        "user's commands are refused for MS milliseconds), throttle-bytes=N/MS, "
        "throttle-action=no|bye "
        "(NO [THROTTLED], or BYE and close), max-connections=N (logins of a user beyond N "
        "connections refused NO [UNAVAILABLE]) (comma-separated)");
    cmd->add_option("--disable-capability", args->disabled_capabilities,
                    "Make the IMAP server neither advertise nor accept this extension, to "
                    "act as a plain RFC 3501 server (repeatable)")
        ->check(CLI::IsMember({"LITERAL+",     "UIDPLUS",
                               "MULTIAPPEND",  "CONDSTORE",
                               "SPECIAL-USE",  "MOVE",
                               "IDLE",         "ENABLE",
                               "ID",           "NAMESPACE",
                               "SASL-IR",      "AUTH=PLAIN",
                               "AUTH=XOAUTH2", "AUTH=OAUTHBEARER",
                               "STARTTLS",     "UNSELECT",
                               "QUOTA",        "STATUS=SIZE",
                               "LIST-STATUS",  "APPENDLIMIT"},
                              CLI::ignore_case));
    cmd->add_option("--emulate", args->emulate,
                    "Behave like a known provider: gmail (folders and labels as Gmail shows "
                    "them, X-GM-EXT-1)")
        ->check(CLI::IsMember({"gmail"}));
    cmd->add_option("--oauth2-user", args->oauth2_users,
                    "Let NAME log in with OAUTHBEARER/XOAUTH2 tokens from the built-in issuer "
                    "(repeatable; a new NAME is created); prints its refresh token at start");
    cmd->add_option("--oauth2-issuer", args->oauth2_issuer,
                    "Serve the issuer's POST /token (refresh_token grant) and POST /introspect "
                    "(RFC 7662) over HTTP on ADDR:PORT (port 0 picks a free one)");
    cmd->add_option("--oauth2-token-lifetime", args->oauth2_token_lifetime,
                    "Seconds an access token works (default 300; 0: expired at once)")
        ->check(CLI::NonNegativeNumber);
    add_log_options(*cmd, args->log);
    cmd->callback([args, &runner] { runner = [args] { return run_testserver(*args); }; });
}

}  // namespace mailferry::cli
