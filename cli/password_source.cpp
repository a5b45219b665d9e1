#include "cli/password_source.hpp"

#include "cli/secret_file_mode.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <utility>

extern char** environ;

namespace mailferry::cli {

namespace {

using Clock = std::chrono::steady_clock;

// Bytes of command output kept; the rest is read and dropped so that the
// command never blocks on a full pipe.
constexpr std::size_t max_output = 64 * 1024;

std::string option_name(const PasswordSpec& spec, std::string_view what) {
    return spec.side.empty() ? fmt::format("--password-{}", what)
                             : fmt::format("--{}-password-{}", spec.side, what);
}

std::string account_name(const PasswordSpec& spec) {
    return spec.side.empty() ? std::string("the account") : "the " + spec.side + " account";
}

// Everything before the first LF, without a trailing CR.
std::string first_line(std::string_view text) {
    std::string_view line = text.substr(0, text.find('\n'));
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    return std::string(line);
}

void wipe(std::string& s) noexcept {
    // A volatile pointer keeps the compiler from dropping the stores.
    volatile char* p = s.data();
    for (std::size_t i = 0; i < s.size(); ++i) {
        p[i] = '\0';
    }
    s.clear();
}

// Secret is constructible from std::string, so errors are tagged explicitly.
template <typename T>
boost::system::result<T, std::string> fail(std::string message) {
    return boost::system::result<T, std::string>(boost::system::in_place_error, std::move(message));
}

int remaining_ms(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return static_cast<int>(std::clamp<long long>(left.count(), 0, 60'000));
}

// Closes both ends of a pipe on every way out.
struct Pipe {
    std::array<int, 2> fd{-1, -1};
    ~Pipe() {
        for (int f : fd) {
            if (f >= 0) {
                ::close(f);
            }
        }
    }
};

}  // namespace

Secret::Secret(Secret&& other) noexcept : value_(std::move(other.value_)) {
    other.wipe();
}

Secret& Secret::operator=(const Secret& other) {
    if (this != &other) {
        wipe();
        value_ = other.value_;
    }
    return *this;
}

Secret& Secret::operator=(Secret&& other) noexcept {
    if (this != &other) {
        wipe();
        value_ = std::move(other.value_);
        other.wipe();
    }
    return *this;
}

Secret::~Secret() {
    wipe();
}

void Secret::wipe() noexcept {
    cli::wipe(value_);
}

boost::system::result<Secret, std::string> password_from_file(const std::string& file,
                                                              const std::string& option) {
    warn_if_readable_by_others(file, "password file", option);
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return fail<Secret>(
            fmt::format("cannot read the password file {} ({}): {}. Check the path and its "
                        "permissions.",
                        file, option, std::strerror(errno)));
    }
    std::string line;
    std::getline(in, line);
    if (in.bad()) {
        return fail<Secret>(
            fmt::format("cannot read the password file {} ({}). Check the path and its "
                        "permissions.",
                        file, option));
    }
    Secret secret(first_line(line));
    wipe(line);
    if (secret.empty()) {
        return fail<Secret>(
            fmt::format("the password file {} ({}) is empty: the password must be on its "
                        "first line.",
                        file, option));
    }
    return secret;
}

boost::system::result<Secret, std::string> password_from_command(
    const std::string& command, const std::string& option, std::chrono::milliseconds timeout) {
    Pipe out;
    if (::pipe2(out.fd.data(), O_CLOEXEC) != 0) {
        return fail<Secret>(
            fmt::format("cannot run the {}: pipe: {}", option, std::strerror(errno)));
    }
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out.fd[1], 1);
    // Its own process group, so that a timeout ends the shell and whatever
    // it started.
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    std::string shell = "/bin/sh", dash_c = "-c", script = command;
    std::array<char*, 4> argv{shell.data(), dash_c.data(), script.data(), nullptr};
    pid_t pid = -1;
    const int spawned = ::posix_spawn(&pid, "/bin/sh", &actions, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (spawned != 0) {
        return fail<Secret>(fmt::format("cannot run the {}: {}", option, std::strerror(spawned)));
    }
    ::close(out.fd[1]);
    out.fd[1] = -1;

    const auto deadline = Clock::now() + timeout;
    std::string output;
    bool timed_out = false;
    std::array<char, 4096> buffer{};
    while (true) {
        pollfd p{out.fd[0], POLLIN, 0};
        const int ready = ::poll(&p, 1, remaining_ms(deadline));
        if (ready < 0 && errno == EINTR) {
            continue;
        }
        if (ready == 0 && Clock::now() < deadline) {
            continue;  // poll waits at most a minute at a time
        }
        if (ready <= 0) {
            timed_out = ready == 0;
            break;
        }
        const ssize_t n = ::read(out.fd[0], buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        if (output.size() < max_output) {
            output.append(buffer.data(), static_cast<std::size_t>(n));
        }
    }
    std::fill(buffer.begin(), buffer.end(), '\0');

    // The output ended (or time ran out): wait, within the deadline, for the
    // command to exit.
    int status = 0;
    while (!timed_out) {
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid || (done < 0 && errno != EINTR)) {
            break;
        }
        if (Clock::now() >= deadline) {
            timed_out = true;
            break;
        }
        ::poll(nullptr, 0, std::min(10, remaining_ms(deadline)));
    }
    if (timed_out) {
        ::kill(-pid, SIGKILL);
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        wipe(output);
        return fail<Secret>(
            fmt::format("the {} did not finish within {} s and was stopped. Check that it "
                        "runs without asking for input.",
                        option, std::chrono::duration_cast<std::chrono::seconds>(timeout).count()));
    }
    if (WIFSIGNALED(status)) {
        wipe(output);
        return fail<Secret>(
            fmt::format("the {} was killed by signal {}.", option, WTERMSIG(status)));
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        wipe(output);
        return fail<Secret>(
            fmt::format("the {} failed with exit status {} (its output is not shown). Run "
                        "it by hand to see why.",
                        option, WEXITSTATUS(status)));
    }
    Secret secret(first_line(output));
    wipe(output);
    if (secret.empty()) {
        return fail<Secret>(
            fmt::format("the {} printed no password: the password must be the first line "
                        "of its output.",
                        option));
    }
    return secret;
}

boost::system::result<ResolvedPassword, std::string> resolve_password(
    const PasswordSpec& spec, const std::optional<std::string>& url_password) {
    if (!spec.file.empty()) {
        auto secret = password_from_file(spec.file, option_name(spec, "file"));
        if (!secret) {
            return fail<ResolvedPassword>(secret.error());
        }
        return ResolvedPassword{std::move(*secret), PasswordOrigin::file};
    }
    if (!spec.command.empty()) {
        auto secret =
            password_from_command(spec.command, option_name(spec, "command"), spec.command_timeout);
        if (!secret) {
            return fail<ResolvedPassword>(secret.error());
        }
        return ResolvedPassword{std::move(*secret), PasswordOrigin::command};
    }
    if (!spec.env_var.empty()) {
        if (const char* value = std::getenv(spec.env_var.c_str()); value != nullptr && *value) {
            return ResolvedPassword{Secret(first_line(value)), PasswordOrigin::environment};
        }
    }
    if (url_password && !url_password->empty()) {
        return ResolvedPassword{Secret(*url_password), PasswordOrigin::url};
    }
    return fail<ResolvedPassword>(
        fmt::format("no password for {}: give {} FILE or {} CMD, or set {}.", account_name(spec),
                    option_name(spec, "file"), option_name(spec, "command"),
                    spec.env_var.empty() ? std::string("a password") : spec.env_var));
}

Secret read_password(const PasswordSpec& spec, const wire::AccountUrl& url) {
    auto resolved = resolve_password(spec, url.password);
    if (!resolved) {
        throw std::invalid_argument(resolved.error());
    }
    if (resolved->origin == PasswordOrigin::url) {
        spdlog::warn(
            "the password for {} is in its URL ({}), where process listings and shell "
            "history can show it; use {} or {} instead",
            account_name(spec), url.to_string(), option_name(spec, "file"),
            spec.env_var.empty() ? option_name(spec, "command") : spec.env_var);
    }
    return std::move(resolved->secret);
}

}  // namespace mailferry::cli
