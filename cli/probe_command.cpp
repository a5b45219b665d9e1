// `mailferry probe URL`: connect, negotiate TLS, log in and report what a
// migration needs to know about the account (SPEC "Commands and options").
// Exit status: 0 when the probe completed, 2 for a bad URL or password
// source, 3 when connecting, TLS or login failed (SPEC "Exit status").

#include "cli/app.hpp"
#include "cli/commands.hpp"
#include "cli/logging.hpp"
#include "cli/oauth2/refresh_token_source.hpp"
#include "cli/oauth2_token_command.hpp"
#include "cli/password_source.hpp"
#include "cli/probe_report.hpp"
#include "clients/imap/client.hpp"
#include "clients/net/tls_client.hpp"
#include "clients/pop3/client.hpp"
#include "clients/wire/account_url.hpp"
#include "sync/adapters/connect.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>

namespace mailferry::cli {

namespace {

namespace asio = boost::asio;
using asio::awaitable;

struct ProbeArgs {
    std::string url;
    bool json = false;
    std::string password_file, password_command, ca_file;
    std::string oauth2_token_command;
    std::string oauth2_file;  // --oauth2: a refresh-token file
    bool insecure = false, allow_plaintext = false;
    LogOptions log;
};

// What the probe coroutine hands back: an exit status and, on failure, the
// message for stderr.
struct ProbeOutcome {
    ExitCode exit = ExitCode::ok;
    std::string error;
};

ProbeOutcome failed(std::string message) {
    return {ExitCode::connect, std::move(message)};
}

// Where to fix a rejected password, added to login errors.
std::string password_hint(PasswordOrigin origin) {
    switch (origin) {
        case PasswordOrigin::file:
            return " (the password came from --password-file)";
        case PasswordOrigin::command:
            return " (the password came from --password-command)";
        case PasswordOrigin::environment:
            return " (the password came from MAILFERRY_PASSWORD)";
        case PasswordOrigin::url:
            return " (the password came from the URL; prefer --password-file or "
                   "MAILFERRY_PASSWORD)";
    }
    return {};
}

std::string certificate_text(bool tls, bool verified) {
    if (!tls) {
        return "no TLS";
    }
    return verified ? "verified" : "not verified (--insecure)";
}

// Counts and drops what TOP sends.
class DiscardSink final : public pop3::RetrSink {
  public:
    awaitable<boost::system::error_code> on_chunk(std::uint32_t, std::string_view) override {
        co_return boost::system::error_code{};
    }
};

awaitable<ProbeOutcome> probe_pop3(pop3::ClientOptions options, wire::AccountUrl url,
                                   std::string secret, std::string login_hint,
                                   ProbeReport* report) {
    auto client = co_await pop3::Client::connect(std::move(options));
    if (!client) {
        co_return failed(client.error().message);
    }
    const auto& caps = client->capabilities();
    report->greeting = client->greeting();
    report->implementation = caps.implementation;
    report->tls = client->is_tls();
    report->tls_mode = !client->is_tls() ? "none" : url.is_implicit_tls() ? "implicit" : "STLS";
    report->tls_description = client->tls_description();
    report->certificate = certificate_text(client->is_tls(), client->certificate_verified());
    for (const auto& cap : caps.all) {
        report->capabilities.push_back(
            cap.args.empty() ? cap.name : fmt::format("{} {}", cap.name, fmt::join(cap.args, " ")));
    }
    if (!caps.capa_supported) {
        report->notes.push_back(
            "the server does not support CAPA (RFC 2449); only RFC 1939 "
            "commands are assumed");
    }

    auto login = co_await client->login(url.user, std::move(secret));
    if (!login) {
        const auto& e = login.error();
        co_return failed(e.code == pop3::client_error::auth_failed ? e.message + login_hint
                                                                   : e.message);
    }
    report->login_method = std::string(pop3::to_string(*login));

    auto stat = co_await client->stat();
    if (!stat) {
        co_return failed(stat.error().message);
    }
    report->message_count = stat->count;
    report->total_size = stat->octets;

    auto uidl = co_await client->uidl();
    if (!uidl) {
        co_return failed(uidl.error().message);
    }
    report->uidl = uidl->has_value();
    if (!uidl->has_value()) {
        report->notes.push_back(
            "UIDL is not supported: a migration tracks messages by a content "
            "hash instead");
    }

    if (stat->count > 0) {
        DiscardSink sink;
        auto top = co_await client->top(1, 0, sink);
        if (!top && top.error().code != pop3::client_error::command_rejected) {
            co_return failed(top.error().message);
        }
        report->top = top.has_value();
    } else if (caps.capa_supported) {
        report->top = caps.top;
    }

    // The probe changed nothing (no DELE), so QUIT commits nothing.
    auto quit = co_await client->quit();
    if (!quit) {
        spdlog::warn("{}", quit.error().message);
    }
    co_return ProbeOutcome{};
}

std::optional<std::uint64_t> append_limit(const std::vector<std::string>& capabilities) {
    for (const auto& cap : capabilities) {
        if (cap.rfind("APPENDLIMIT=", 0) == 0) {
            std::uint64_t value = 0;
            const char* first = cap.data() + 12;
            const char* last = cap.data() + cap.size();
            if (std::from_chars(first, last, value).ptr == last) {
                return value;
            }
        }
    }
    return std::nullopt;
}

awaitable<ProbeOutcome> probe_imap(imap::ClientOptions options, wire::AccountUrl url,
                                   std::string login_hint, ProbeReport* report) {
    const bool verified = options.verify;
    auto connected = co_await imap::Client::connect(std::move(options));
    if (!connected) {
        const auto& e = connected.error();
        co_return failed(e.code == imap::client_error::authentication_failed
                             ? e.message + login_hint
                             : e.message);
    }
    imap::Client& client = **connected;
    report->tls = client.is_tls();
    report->tls_mode = !client.is_tls() ? "none" : url.is_implicit_tls() ? "implicit" : "STARTTLS";
    report->tls_description = client.tls_description();
    report->certificate = certificate_text(client.is_tls(), verified);
    report->login_method = "LOGIN/AUTHENTICATE";
    report->capabilities = client.capabilities();
    report->append_limit = append_limit(client.capabilities());
    if (client.has_capability("QUOTA")) {
        auto quota = co_await client.quota_root("INBOX");
        if (!quota && !client.is_open()) {
            co_return failed(quota.error().message);
        }
        if (!quota) {
            report->notes.push_back("GETQUOTAROOT INBOX failed: " + quota.error().message);
        } else {
            // RFC 9208 §5.1: STORAGE is in units of 1024 octets.
            for (const auto& resource : *quota) {
                if (resource.name == "STORAGE") {
                    report->quota_used = resource.usage * 1024;
                    report->quota_limit = resource.limit * 1024;
                    break;
                }
            }
        }
    }

    auto folders = co_await client.list_folders();
    if (!folders) {
        co_return failed(folders.error().message);
    }
    for (const auto& folder : *folders) {
        ProbeFolder f;
        f.name = folder.name;
        f.separator = folder.delimiter;
        f.special_use = folder.special_use;
        f.selectable = folder.selectable;
        if (folder.selectable) {
            auto status = co_await client.status(folder.name);
            if (!status) {
                if (!client.is_open()) {
                    co_return failed(status.error().message);
                }
                f.error = status.error().message;
            } else {
                f.messages = status->messages;
                // RFC 8438: STATUS SIZE saves fetching every RFC822.SIZE.
                for (const auto& [item, value] : status->items) {
                    if (item == "SIZE") {
                        f.size = value;
                        f.size_source = "STATUS SIZE";
                    }
                }
            }
        }
        if (f.size) {
            // From STATUS SIZE.
        } else if (f.messages && *f.messages == 0) {
            f.size = 0;
        } else if (f.messages) {
            // RFC 3501 §6.4.5: the sum of RFC822.SIZE is the folder's size.
            auto selected = co_await client.select(folder.name, true);
            imap::ClientResult<std::vector<imap::MessageMeta>> meta(boost::system::in_place_error,
                                                                    imap::Error{});
            if (selected) {
                meta = co_await client.fetch_metadata("1:*");
            } else {
                meta = selected.error();
            }
            if (!meta) {
                if (!client.is_open()) {
                    co_return failed(meta.error().message);
                }
                f.error = meta.error().message;
            } else {
                std::uint64_t size = 0;
                for (const auto& m : *meta) {
                    size += m.size;
                }
                f.size = size;
                f.size_source = "FETCH RFC822.SIZE";
            }
        }
        report->folders.push_back(std::move(f));
    }
    co_await client.logout();
    co_return ProbeOutcome{};
}

int run_probe(const ProbeArgs& args) {
    configure_logging(args.log);
    const auto fail = [](ExitCode code, const std::string& message) {
        report_failure("probe", message);
        return static_cast<int>(code);
    };
    auto parsed = wire::parse_account_url(args.url);
    if (!parsed.url) {
        return fail(ExitCode::usage, parsed.error);
    }
    const wire::AccountUrl url = *parsed.url;
    // The password, or with --oauth2-token-command an access token; and
    // where a refusal should send the user.
    std::string secret;
    std::string login_hint;
    const bool oauth2 = !args.oauth2_token_command.empty() || !args.oauth2_file.empty();
    if (!args.oauth2_token_command.empty() && !args.oauth2_file.empty()) {
        return fail(ExitCode::usage,
                    "--oauth2-token-command and --oauth2 both give the OAuth2 tokens; keep one");
    }
    if (oauth2 && (!args.password_file.empty() || !args.password_command.empty())) {
        return fail(ExitCode::usage,
                    fmt::format("{} and a password option both give the credentials; keep one",
                                args.oauth2_file.empty() ? "--oauth2-token-command" : "--oauth2"));
    }
    if (!args.oauth2_token_command.empty()) {
        auto token = oauth2_token_command(args.oauth2_token_command, "--oauth2-token-command")({});
        if (!token) {
            return fail(ExitCode::usage, token.error());
        }
        secret = std::move(*token);
        login_hint = " (the token came from --oauth2-token-command)";
    } else if (!args.oauth2_file.empty()) {
        // A file that cannot be used is a usage error; a token endpoint
        // that refuses is a failed login.
        auto source = oauth2::refresh_token_source(
            args.oauth2_file, "--oauth2", oauth2::EndpointTls{args.ca_file, args.insecure});
        if (!source) {
            return fail(ExitCode::usage, source.error());
        }
        auto token = (*source)({});
        if (!token) {
            return fail(ExitCode::connect, token.error());
        }
        secret = std::move(*token);
        login_hint =
            fmt::format(" (the token came from the refresh token in {})", args.oauth2_file);
    } else {
        PasswordSpec spec{"", args.password_file, args.password_command, "MAILFERRY_PASSWORD"};
        auto password = resolve_password(spec, url.password);
        if (!password) {
            return fail(ExitCode::usage, password.error());
        }
        if (password->origin == PasswordOrigin::url) {
            spdlog::warn(
                "the password is in the URL, where process listings and shell history can "
                "show it; use --password-file or MAILFERRY_PASSWORD instead");
        }
        secret = password->secret.reveal();
        login_hint = password_hint(password->origin);
    }
    if (args.insecure) {
        warn_insecure();
    }
    sync::AccountAccess access;
    wire::AccountUrl bare = url;
    bare.password.reset();
    access.url = bare.to_string();
    access.password = secret;
    if (oauth2) {
        // One login: the token is the one just asked for.
        access.oauth2_token = [secret](std::string_view) {
            return boost::system::result<std::string, std::string>(boost::system::in_place_value,
                                                                   secret);
        };
    }
    access.ca_file = args.ca_file;
    access.insecure = args.insecure;
    access.allow_plaintext = args.allow_plaintext;

    ProbeReport report;
    report.url = url.to_string();
    report.protocol = url.is_imap() ? "imap" : "pop3";
    report.server = net::server_name(url.host, url.port);

    // The engine options migrate, sync and daemon log in with, so ";AUTH=",
    // TLS and plaintext settings mean the same here.
    const sync::MigrationOptions settings;
    asio::awaitable<ProbeOutcome> probe;
    if (url.is_imap()) {
        auto options = sync::imap_client_options(access, url, settings);
        if (!options) {
            return fail(ExitCode::usage, options.error());
        }
        probe = probe_imap(std::move(*options), url, login_hint, &report);
    } else {
        auto options = sync::pop3_client_options(access, url, settings);
        if (!options) {
            return fail(ExitCode::usage, options.error());
        }
        probe = probe_pop3(std::move(*options), url, std::move(secret), login_hint, &report);
    }

    asio::io_context io;
    ProbeOutcome outcome;
    std::exception_ptr failure;
    asio::co_spawn(io, std::move(probe), [&](std::exception_ptr e, ProbeOutcome o) {
        failure = e;
        outcome = std::move(o);
    });
    io.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
    if (outcome.exit != ExitCode::ok) {
        return fail(outcome.exit, outcome.error);
    }
    if (args.json) {
        std::fputs((probe_json(report).dump(2) + "\n").c_str(), stdout);
    } else {
        std::fputs(format_probe_text(report).c_str(), stdout);
    }
    std::fflush(stdout);
    return static_cast<int>(ExitCode::ok);
}

}  // namespace

void add_probe_command(CLI::App& app, CommandRunner& runner) {
    auto args = std::make_shared<ProbeArgs>();
    CLI::App* cmd = app.add_subcommand(
        "probe", "Connect to an account, log in and show what a migration needs to know");
    cmd->add_option("url", args->url,
                    "Account URL: imap[s]://USER@HOST[:PORT] or pop3[s]://USER@HOST[:PORT]")
        ->required();
    cmd->add_flag("--json", args->json, "Print one JSON document instead of a table");
    auto* file = cmd->add_option("--password-file", args->password_file,
                                 "Password: first line of this file");
    auto* command = cmd->add_option("--password-command", args->password_command,
                                    "Password: first line of this command's output");
    file->excludes(command);
    cmd->add_option("--oauth2-token-command", args->oauth2_token_command,
                    "Log in with OAuth2: the first line of this command's output is an access "
                    "token (OAUTHBEARER where offered, else XOAUTH2)");
    cmd->add_option("--oauth2", args->oauth2_file,
                    "Log in with OAuth2 tokens from this refresh-token file (TOML: token_url, "
                    "client_id, [client_secret], refresh_token, [scope]); a rotated refresh "
                    "token is saved back into it");
    cmd->add_option("--ca-file", args->ca_file, "Also trust the CA certificates in this PEM file");
    cmd->add_flag("--insecure", args->insecure, "Do not verify TLS certificates (warns)");
    cmd->add_flag("--allow-plaintext", args->allow_plaintext,
                  "Allow the password over an unencrypted connection to a non-loopback host");
    cmd->footer(
        "Without --password-file or --password-command the password comes from "
        "MAILFERRY_PASSWORD (or, with a warning, from the URL).");
    add_log_options(*cmd, args->log);
    cmd->callback([args, &runner] { runner = [args] { return run_probe(*args); }; });
}

}  // namespace mailferry::cli
