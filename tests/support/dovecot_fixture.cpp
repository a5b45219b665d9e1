#include "tests/support/dovecot_fixture.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>
#include <vector>

#ifndef MAILFERRY_PYTHON
#error "MAILFERRY_PYTHON must name the Python interpreter (tests/CMakeLists.txt)"
#endif
#ifndef MAILFERRY_DOVECOT_SCRIPT
#error "MAILFERRY_DOVECOT_SCRIPT must name tests/support/dovecot.py (tests/CMakeLists.txt)"
#endif

namespace mailferry::test {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto start_timeout = std::chrono::seconds(15);
constexpr auto stop_timeout = std::chrono::seconds(10);
constexpr int start_attempts = 3;

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
}

// What `dovecot.py prepare` printed.
struct Prepared {
    std::string dovecot;
    std::string config;
    std::string ca_file;
    std::string log_dir;
    DovecotPorts ports;
};

std::uint16_t port_value(const std::map<std::string, std::string>& values, const char* key) {
    const auto it = values.find(key);
    return it == values.end() ? std::uint16_t{0}
                              : static_cast<std::uint16_t>(std::stoul(it->second));
}

Prepared prepare(const std::filesystem::path& dir, const DovecotOptions& options) {
    std::string command = shell_quote(MAILFERRY_PYTHON) + " " +
                          shell_quote(MAILFERRY_DOVECOT_SCRIPT) + " prepare --dir " +
                          shell_quote(dir.string()) + " --separator " +
                          shell_quote(std::string(1, options.separator));
    for (const auto& [user, password] : options.users) {
        command += " --user " + shell_quote(user + ":" + password);
    }
    if (!options.tls) {
        command += " --no-tls";
    }
    if (!options.pop3) {
        command += " --no-pop3";
    }
    command += " 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) {
        throw std::runtime_error("cannot run " + command);
    }
    std::string output;
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
        output += buffer;
    }
    const int status = pclose(pipe);
    if (status != 0) {
        throw std::runtime_error("preparing Dovecot failed: " + output);
    }
    std::map<std::string, std::string> values;
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
        if (const auto eq = line.find('='); eq != std::string::npos) {
            values[line.substr(0, eq)] = line.substr(eq + 1);
        }
    }
    Prepared out{values["dovecot"], values["config"], values["ca_file"], values["log_dir"], {}};
    out.ports = {port_value(values, "imap"), port_value(values, "imaps"),
                 port_value(values, "pop3"), port_value(values, "pop3s")};
    if (out.dovecot.empty() || out.config.empty() || out.ports.imap == 0) {
        throw std::runtime_error("unexpected output from dovecot.py prepare: " + output);
    }
    return out;
}

pid_t spawn(const Prepared& prepared) {
    const std::string console = prepared.log_dir + "/console.log";
    std::vector<std::string> args{prepared.dovecot, "-F", "-c", prepared.config};
    std::vector<char*> argv;
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) {
        throw std::runtime_error("fork failed");
    }
    if (pid == 0) {
        // Only async-signal-safe calls between fork and exec.
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) {
            _exit(127);
        }
        const int out = open(console.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        const int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (out >= 0 && in >= 0) {
            dup2(in, 0);
            dup2(out, 1);
            dup2(out, 2);
            execv(argv[0], argv.data());
        }
        _exit(127);
    }
    return pid;
}

// Waits up to `ms` milliseconds without busy-looping; Dovecot has no
// readiness signal, so the listener is polled at this pace.
void pause_ms(int ms) {
    poll(nullptr, 0, ms);
}

int remaining_ms(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

// The first line Dovecot sends on 127.0.0.1:port, or "" when nothing
// answers (yet).
std::string first_line(std::uint16_t port, Clock::time_point deadline) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return {};
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string line;
    if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) {
        while (line.find('\n') == std::string::npos) {
            pollfd p{fd, POLLIN, 0};
            if (poll(&p, 1, remaining_ms(deadline)) <= 0) {
                break;
            }
            char buffer[256];
            const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
            if (n <= 0) {
                break;
            }
            line.append(buffer, static_cast<std::size_t>(n));
        }
    }
    close(fd);
    return line;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

}  // namespace

Dovecot Dovecot::start(const DovecotOptions& options) {
    Dovecot instance;
    instance.dir_ = std::make_unique<TempDir>();
    std::string last_logs;
    for (int attempt = 0; attempt < start_attempts; ++attempt) {
        const Prepared prepared = prepare(instance.dir_->path(), options);
        instance.ports_ = prepared.ports;
        instance.ca_file_ = prepared.ca_file;
        instance.log_dir_ = prepared.log_dir;
        instance.pid_ = spawn(prepared);
        const auto deadline = Clock::now() + start_timeout;
        bool exited = false;
        while (Clock::now() < deadline) {
            int status = 0;
            if (waitpid(instance.pid_, &status, WNOHANG) == instance.pid_) {
                instance.pid_ = -1;
                exited = true;
                break;
            }
            if (first_line(prepared.ports.imap, deadline).starts_with("* OK")) {
                return instance;
            }
            if (instance.logs().find("Fatal:") != std::string::npos) {
                break;
            }
            pause_ms(20);
        }
        if (!exited) {
            instance.stop();
        }
        last_logs = instance.logs();
        if (last_logs.find("Address already in use") == std::string::npos) {
            break;
        }
    }
    throw std::runtime_error(
        "Dovecot did not start (no `* OK` on IMAP within 15 s, or a fatal error); its log:\n" +
        last_logs);
}

Dovecot::Dovecot(Dovecot&& other) noexcept
    : dir_(std::move(other.dir_)),
      pid_(std::exchange(other.pid_, -1)),
      ports_(other.ports_),
      ca_file_(std::move(other.ca_file_)),
      log_dir_(std::move(other.log_dir_)) {}

Dovecot::~Dovecot() {
    stop();
}

std::string Dovecot::logs() const {
    std::string out;
    for (const char* name : {"console.log", "dovecot.log", "dovecot.info.log"}) {
        out += read_file(log_dir_ / name);
    }
    return out;
}

void Dovecot::stop() noexcept {
    if (pid_ <= 0) {
        return;
    }
    // SIGTERM lets the master stop its children; SIGKILL only if it hangs.
    kill(pid_, SIGTERM);
    const auto deadline = Clock::now() + stop_timeout;
    while (Clock::now() < deadline) {
        if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
            pid_ = -1;
            return;
        }
        pause_ms(10);
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

}  // namespace mailferry::test
