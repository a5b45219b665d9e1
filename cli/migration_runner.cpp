#include "cli/migration_runner.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>

namespace mailferry::cli {

namespace asio = boost::asio;

namespace {

void wait_for_signals(asio::signal_set& signals, asio::cancellation_signal& cancel, int& count) {
    signals.async_wait([&signals, &cancel, &count](const boost::system::error_code& ec, int sig) {
        if (ec) {
            return;  // the migration finished and the set was cancelled
        }
        if (++count > 1) {
            spdlog::warn("second {}: stopping now; a re-run resumes",
                         sig == SIGINT ? "SIGINT" : "SIGTERM");
            std::_Exit(static_cast<int>(ExitCode::interrupted));
        }
        spdlog::warn(
            "{}: finishing the message in flight, then stopping "
            "(send it again to stop at once)",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
        cancel.emit(asio::cancellation_type::terminal);
        wait_for_signals(signals, cancel, count);
    });
}

[[noreturn]] void file_error(const std::string& what, const std::filesystem::path& path, int err) {
    throw std::runtime_error(
        fmt::format("cannot {} report file {}: {}", what, path.string(), std::strerror(err)));
}

}  // namespace

sync::MigrationResult run_migration_blocking(sync::AccountAccess source, sync::AccountAccess target,
                                             state::StateStore& store,
                                             sync::MigrationOptions options,
                                             sync::ProgressCallback progress,
                                             bool stop_on_signals) {
    asio::io_context io;
    asio::cancellation_signal cancel;
    std::optional<asio::signal_set> signals;
    int signal_count = 0;
    if (stop_on_signals) {
        signals.emplace(io, SIGINT, SIGTERM);
        wait_for_signals(*signals, cancel, signal_count);
    }

    std::optional<sync::MigrationResult> result;
    std::exception_ptr failure;
    asio::co_spawn(io,
                   sync::run_migration(std::move(source), std::move(target), store,
                                       std::move(options), std::move(progress)),
                   asio::bind_cancellation_slot(cancel.slot(),
                                                [&](std::exception_ptr e, sync::MigrationResult r) {
                                                    if (e) {
                                                        failure = e;
                                                    } else {
                                                        result.emplace(std::move(r));
                                                    }
                                                    if (signals) {
                                                        signals->cancel();
                                                    }
                                                }));
    io.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
    if (!result) {
        throw std::logic_error("the migration ended without a result");
    }
    record_exit_code(store, *result);
    return std::move(*result);
}

void record_exit_code(state::StateStore& store, const sync::MigrationResult& result) {
    if (!result.run) {
        return;
    }
    if (auto r =
            store.record_exit_code(*result.run, static_cast<int>(exit_code_for(result.outcome)));
        !r) {
        spdlog::warn("recording the run's exit status in the state failed: {}", r.error().message);
    }
}

sync::VerifyResult run_verify_blocking(sync::AccountAccess source, sync::AccountAccess target,
                                       state::StateStore* store, sync::VerifyOptions options) {
    asio::io_context io;
    std::optional<sync::VerifyResult> result;
    std::exception_ptr failure;
    asio::co_spawn(io,
                   sync::verify(std::move(source), std::move(target), store, std::move(options)),
                   [&](std::exception_ptr e, sync::VerifyResult r) {
                       if (e) {
                           failure = e;
                       } else {
                           result.emplace(std::move(r));
                       }
                   });
    io.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
    if (!result) {
        throw std::logic_error("the verification ended without a result");
    }
    return std::move(*result);
}

ExitCode exit_code_for(sync::Outcome outcome) noexcept {
    switch (outcome) {
        case sync::Outcome::ok:
            return ExitCode::ok;
        case sync::Outcome::partial:
            return ExitCode::partial;
        case sync::Outcome::usage:
            return ExitCode::usage;
        case sync::Outcome::connect_failed:
            return ExitCode::connect;
        case sync::Outcome::interrupted:
            return ExitCode::interrupted;
    }
    return ExitCode::interrupted;
}

void write_report_file(const std::filesystem::path& path, const sync::Report& report) {
    write_json_file(path, report.to_json());
}

void write_json_file(const std::filesystem::path& path, const nlohmann::json& document) {
    const std::string text = document.dump(2) + "\n";
    std::filesystem::path temp = path;
    temp += fmt::format(".tmp.{}", ::getpid());
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        file_error("create", temp, errno);
    }
    std::size_t written = 0;
    while (written < text.size()) {
        const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            const int err = errno;
            ::close(fd);
            ::unlink(temp.c_str());
            file_error("write", temp, err);
        }
        written += static_cast<std::size_t>(n);
    }
    // Durable before it replaces the old file, so a crash leaves one of the two.
    if (::fsync(fd) != 0) {
        const int err = errno;
        ::close(fd);
        ::unlink(temp.c_str());
        file_error("write", temp, err);
    }
    ::close(fd);
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(temp.c_str());
        file_error("replace", path, err);
    }
}

}  // namespace mailferry::cli
