#include "cli/account_pair.hpp"

#include "cli/logging.hpp"
#include "cli/oauth2/refresh_token_source.hpp"
#include "cli/oauth2_token_command.hpp"
#include "cli/password_source.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <stdexcept>
#include <string>

namespace mailferry::cli {
namespace {

// The account's URL, parsed; throws std::invalid_argument naming the side.
wire::AccountUrl parse_account(std::string_view side, const std::string& text) {
    auto parsed = wire::parse_account_url(text);
    if (!parsed.url) {
        throw std::invalid_argument(fmt::format("{} account: {}", side, parsed.error));
    }
    return *parsed.url;
}

PasswordSpec password_spec(const std::string& side, const std::string& file,
                           const std::string& command) {
    PasswordSpec spec;
    spec.side = side;
    spec.file = file;
    spec.command = command;
    spec.env_var = side == "source" ? "MAILFERRY_SOURCE_PASSWORD" : "MAILFERRY_TARGET_PASSWORD";
    return spec;
}

// The OAuth2 settings of one side as given on the command line.
struct OAuth2Options {
    std::string token_command;  // --X-oauth2-token-command
    std::string file;           // --X-oauth2
};

// A password, or with a token command or a refresh-token file an OAuth2
// token source (then no password is read, and a password option for the
// same side is an error).
void set_credentials(sync::AccountAccess& access, const wire::AccountUrl& url,
                     const PasswordSpec& spec, const OAuth2Options& oauth2) {
    if (oauth2.token_command.empty() && oauth2.file.empty()) {
        access.password = read_password(spec, url).reveal();
        return;
    }
    const std::string command_option = "--" + spec.side + "-oauth2-token-command";
    const std::string file_option = "--" + spec.side + "-oauth2";
    if (!oauth2.token_command.empty() && !oauth2.file.empty()) {
        throw std::invalid_argument(
            fmt::format("{} and {} both give the {} account's OAuth2 "
                        "tokens; keep one",
                        command_option, file_option, spec.side));
    }
    const std::string& option = oauth2.file.empty() ? command_option : file_option;
    if (!spec.file.empty() || !spec.command.empty()) {
        throw std::invalid_argument(
            fmt::format("{} and --{}-password-{} both give the {} account's credentials; keep one",
                        option, spec.side, spec.file.empty() ? "command" : "file", spec.side));
    }
    if (!oauth2.token_command.empty()) {
        access.oauth2_token = oauth2_token_command(oauth2.token_command, option);
        return;
    }
    auto source = oauth2::refresh_token_source(
        oauth2.file, option, oauth2::EndpointTls{access.ca_file, access.insecure});
    if (!source) {
        throw std::invalid_argument(source.error());
    }
    access.oauth2_token = std::move(*source);
}

}  // namespace

void add_account_pair_options(CLI::App& cmd, MigrateArgs& args) {
    cmd.add_option("SOURCE", args.source,
                   "Source account: imap[s]://USER@HOST[:PORT] or pop3[s]://USER@HOST[:PORT]")
        ->required();
    cmd.add_option("TARGET", args.target, "Target account: imap[s]://USER@HOST[:PORT]")->required();
    cmd.add_option("--state", args.state,
                   "State database (default $XDG_STATE_HOME/mailferry/state.db, else "
                   "~/.local/state/mailferry/state.db)");
    cmd.add_option("--report", args.report, "Also write the report as JSON to this file");
    cmd.add_option("--include", args.include,
                   "Only source folders matching GLOB ('/' separated, * spans levels); repeatable");
    cmd.add_option("--exclude", args.exclude,
                   "Skip source folders matching GLOB; repeatable, wins");
    cmd.add_option("--map", args.map,
                   "Rename folder SRC to DST on the target (SRC=DST); repeatable");
    cmd.add_option("--folder", args.folder, "POP3 source: the target folder (default INBOX)");
    cmd.add_option("--max-size", args.max_size,
                   "Skip messages larger than BYTES (K, M, G suffixes allowed)");
    cmd.add_option("--since", args.since, "Skip messages with an INTERNALDATE before YYYY-MM-DD");
    cmd.add_option("--gmail-labels", args.gmail_labels,
                   "Gmail source: keywords (each message once, its other labels as keywords; "
                   "the default) or copy (a copy in every label's folder)")
        ->check(CLI::IsMember({"keywords", "copy"}));
    cmd.add_flag("--allow-plaintext", args.allow_plaintext,
                 "Allow passwords over unencrypted connections to non-loopback hosts");
    cmd.add_flag("--insecure", args.insecure, "Do not verify TLS certificates (warned about)");
    cmd.add_option("--timeout", args.timeout,
                   "Give up on a server that has not answered for this many seconds (default "
                   "120; a lost server is retried, then the run ends with exit status 4)")
        ->check(CLI::Range(1U, 86400U));
    cmd.add_option("--ca-file", args.ca_file, "Also trust this CA certificate (PEM)")
        ->check(CLI::ExistingFile);
    cmd.add_option("--source-password-file", args.source_password_file,
                   "Source password: first line of this file");
    cmd.add_option("--source-password-command", args.source_password_command,
                   "Source password: first line of this command's output");
    cmd.add_option("--target-password-file", args.target_password_file,
                   "Target password: first line of this file");
    cmd.add_option("--target-password-command", args.target_password_command,
                   "Target password: first line of this command's output");
    cmd.add_option("--source-oauth2-token-command", args.source_oauth2_token_command,
                   "Log in to the source with OAuth2: the first line of this command's output "
                   "is an access token (run at every login, and again once if refused)");
    cmd.add_option("--target-oauth2-token-command", args.target_oauth2_token_command,
                   "Log in to the target with OAuth2, as --source-oauth2-token-command");
    cmd.add_option("--source-oauth2", args.source_oauth2_file,
                   "Log in to the source with OAuth2 tokens from this refresh-token file (TOML: "
                   "token_url, client_id, [client_secret], refresh_token, [scope]); a rotated "
                   "refresh token is saved back into it");
    cmd.add_option("--target-oauth2", args.target_oauth2_file,
                   "Log in to the target with OAuth2, as --source-oauth2");
    add_log_options(cmd, args.log);
}

AccountPair resolve_account_pair(const MigrateArgs& args) {
    AccountPair pair;
    pair.source_url = parse_account("source", args.source);
    pair.target_url = parse_account("target", args.target);
    if (!pair.target_url.is_imap()) {
        throw std::invalid_argument(
            fmt::format("the target {} is not IMAP: a target must be imap:// or imaps://",
                        pair.target_url.to_string()));
    }
    if (!args.folder.empty() && pair.source_url.is_imap()) {
        spdlog::warn("--folder only applies to a POP3 source; ignored for {}",
                     pair.source_url.to_string());
    }
    if (args.sync_deletions && !pair.source_url.is_imap()) {
        spdlog::warn("--sync-deletions only applies to an IMAP source; ignored for {}",
                     pair.source_url.to_string());
    }
    if (args.insecure) {
        warn_insecure();
    }
    pair.source.url = pair.source_url.to_string();
    pair.target.url = pair.target_url.to_string();
    for (sync::AccountAccess* access : {&pair.source, &pair.target}) {
        access->ca_file = args.ca_file;
        access->insecure = args.insecure;
        access->allow_plaintext = args.allow_plaintext;
    }
    set_credentials(
        pair.source, pair.source_url,
        password_spec("source", args.source_password_file, args.source_password_command),
        OAuth2Options{args.source_oauth2_token_command, args.source_oauth2_file});
    set_credentials(
        pair.target, pair.target_url,
        password_spec("target", args.target_password_file, args.target_password_command),
        OAuth2Options{args.target_oauth2_token_command, args.target_oauth2_file});
    return pair;
}

}  // namespace mailferry::cli
