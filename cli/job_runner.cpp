#include "cli/job_runner.hpp"

#include "cli/copied_verification.hpp"
#include "cli/logging.hpp"
#include "cli/migration_runner.hpp"
#include "cli/oauth2/refresh_token_source.hpp"
#include "cli/oauth2_token_command.hpp"
#include "cli/password_source.hpp"
#include "clients/wire/account_url.hpp"
#include "sync/adapters/connect.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>

namespace mailferry::cli {

namespace {

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The URL without its password, for log lines and reports; the text as
// written when it does not parse (the migration then reports why).
std::string printable(const std::string& url, std::string& identity) {
    wire::AccountUrlParse parsed = wire::parse_account_url(url);
    if (!parsed.url) {
        return url;
    }
    identity = sync::account_identity(*parsed.url);
    wire::AccountUrl bare = *parsed.url;
    bare.password.reset();
    return bare.to_string();
}

std::string summary(const JobRunResult& r) {
    const double took = static_cast<double>(r.finished - r.started);
    if (!r.migration.report) {
        return fmt::format("failed after {:.0f} s: {}", took, r.migration.message);
    }
    const sync::ReportTotals t = r.migration.report->totals();
    std::string line = fmt::format(
        "{}: {} copied ({} bytes), {} to copy, {} already there, {} failed, {} flag updates, {} "
        "deletions, {} folders created, {:.1f} s",
        r.migration.report->dry_run() ? "planned" : "synced", t.messages.copied, t.bytes.copied,
        t.messages.to_copy, t.messages.already_there, t.messages.failed, t.flag_updates,
        t.deletions, t.folders_created, r.migration.report->duration());
    if (r.verification) {
        const sync::VerifyCounts v = r.verification->totals();
        line += fmt::format("; verified {} of {} copied", v.verified, v.source);
    }
    if (r.migration.outcome != sync::Outcome::ok) {
        line += "; " + r.migration.message;
    }
    return line;
}

bool changed_anything(const sync::MigrationResult& m) {
    if (!m.report) {
        return true;
    }
    const sync::ReportTotals t = m.report->totals();
    return t.messages.copied != 0 || t.messages.to_copy != 0 || t.messages.failed != 0 ||
           t.flag_updates != 0 || t.deletions != 0 || t.folders_created != 0;
}

}  // namespace

boost::system::result<sync::AccountAccess, std::string> account_access(const JobConfig& job,
                                                                       std::string_view side) {
    const std::string& url = side == "source" ? job.source : job.target;
    sync::AccountAccess access;
    std::string identity;
    access.url = printable(url, identity);
    access.ca_file = job.ca_file;
    access.insecure = job.insecure;
    access.allow_plaintext = job.allow_plaintext;
    const PasswordSources& sources = side == "source" ? job.source_password : job.target_password;
    if (!sources.oauth2_token_command.empty()) {
        access.oauth2_token =
            oauth2_token_command(sources.oauth2_token_command,
                                 fmt::format("job \"{}\".{}_oauth2_token_command", job.name, side));
        return access;
    }
    if (!sources.oauth2_file.empty()) {
        auto source = oauth2::refresh_token_source(
            sources.oauth2_file, fmt::format("job \"{}\".{}_oauth2_file", job.name, side),
            oauth2::EndpointTls{job.ca_file, job.insecure});
        if (!source) {
            return {boost::system::in_place_error, source.error()};
        }
        access.oauth2_token = std::move(*source);
        return access;
    }
    wire::AccountUrlParse parsed = wire::parse_account_url(url);
    std::optional<std::string> in_url;
    if (parsed.url) {
        in_url = parsed.url->password;
    }
    auto resolved = resolve_password(password_spec(job, side), in_url);
    if (!resolved) {
        return {boost::system::in_place_error, resolved.error()};
    }
    access.password = resolved->secret.reveal();
    return access;
}

sync::RunVerdict verdict_for(sync::Outcome outcome) noexcept {
    switch (outcome) {
        case sync::Outcome::ok:
        case sync::Outcome::partial:
            return sync::RunVerdict::success;
        case sync::Outcome::usage:
        case sync::Outcome::connect_failed:
        case sync::Outcome::interrupted:
            return sync::RunVerdict::failure;
    }
    return sync::RunVerdict::failure;
}

boost::asio::awaitable<JobRunResult> run_job(JobConfig job, JobRunSettings settings,
                                             state::StateStore& store) {
    JobRunResult result;
    result.name = job.name;
    result.source = printable(job.source, result.source_identity);
    result.target = printable(job.target, result.target_identity);
    result.started = unix_now();
    auto log = job_logger(job.name);

    auto source = account_access(job, "source");
    auto target = account_access(job, "target");
    if (!source || !target) {
        result.migration.outcome = sync::Outcome::usage;
        result.migration.message = !source ? source.error() : target.error();
        result.finished = unix_now();
        log->error("{}", summary(result));
        co_return result;
    }

    sync::MigrationOptions options = to_migration_options(job);
    options.dry_run = settings.dry_run;
    options.connections = settings.connections;
    options.command = settings.command;
    options.logger = log;
    options.list_copied = job.verify;
    log->debug("{} {} -> {} with {} connection(s) per side",
               settings.dry_run ? "planning" : "syncing", result.source, result.target,
               settings.connections);
    // A named local: GCC 12 destroys a braced temporary in a co_await's
    // arguments twice.
    sync::ProgressCallback no_progress;
    const sync::MigrationOptions run_options = options;
    result.migration = co_await sync::run_migration(*source, *target, store, std::move(options),
                                                    std::move(no_progress));
    if (job.verify && verifiable(result.migration, settings.dry_run) &&
        !result.migration.copied.empty()) {
        sync::VerifyOptions verify_options = copied_verify_options(run_options, result.migration);
        sync::VerifyResult verified = co_await sync::verify(std::move(*source), std::move(*target),
                                                            &store, std::move(verify_options));
        result.verification = fold_verification(result.migration, std::move(verified), *log);
    }
    record_exit_code(store, result.migration);
    result.finished = unix_now();
    const std::string line = summary(result);
    switch (result.migration.outcome) {
        case sync::Outcome::ok:
            if (changed_anything(result.migration)) {
                log->info("{}", line);
            } else {
                log->debug("{}", line);
            }
            break;
        case sync::Outcome::partial:
        case sync::Outcome::interrupted:
            log->warn("{}", line);
            break;
        case sync::Outcome::usage:
        case sync::Outcome::connect_failed:
            log->error("{}", line);
            break;
    }
    co_return result;
}

state::JobRun to_job_run(const JobRunResult& result) {
    state::JobRun run;
    run.name = result.name;
    run.source = result.source_identity;
    run.target = result.target_identity;
    run.started = result.started;
    run.finished = result.finished;
    run.outcome = to_string(result.migration.outcome);
    run.exit_code = static_cast<int>(exit_code_for(result.migration.outcome));
    run.failed = verdict_for(result.migration.outcome) == sync::RunVerdict::failure;
    if (result.migration.report) {
        const sync::ReportTotals t = result.migration.report->totals();
        run.messages_copied = t.messages.copied;
        run.bytes_copied = t.bytes.copied;
    }
    if (result.migration.outcome != sync::Outcome::ok) {
        run.error = result.migration.message;
    }
    return run;
}

}  // namespace mailferry::cli
