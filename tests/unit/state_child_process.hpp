#pragma once
// A forked child for the state tests that need a second process (the lock,
// crash points). The child reports progress as lines on a pipe; the parent
// waits for those events with a deadline, never with a sleep.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace mailferry::test {

class ChildProcess {
  public:
    // Runs body(report_fd, command_fd) in a child, which then _exits with
    // the value returned. The body writes lines to report_fd and may read
    // bytes the parent sends with send().
    explicit ChildProcess(const std::function<int(int report_fd, int command_fd)>& body) {
        int report[2];
        int command[2];
        if (::pipe(report) != 0 || ::pipe(command) != 0) {
            return;
        }
        pid_ = ::fork();
        if (pid_ == 0) {
            ::close(report[0]);
            ::close(command[1]);
            const int rc = body(report[1], command[0]);
            ::_exit(rc);
        }
        ::close(report[1]);
        ::close(command[0]);
        from_child_ = report[0];
        to_child_ = command[1];
    }

    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    ~ChildProcess() {
        if (pid_ > 0 && !reaped_) {
            ::kill(pid_, SIGKILL);
            int status = 0;
            ::waitpid(pid_, &status, 0);
        }
        if (from_child_ >= 0) {
            ::close(from_child_);
        }
        if (to_child_ >= 0) {
            ::close(to_child_);
        }
    }

    bool started() const noexcept { return pid_ > 0; }
    pid_t pid() const noexcept { return pid_; }

    // The next line the child reported, without "\n"; nullopt when the child
    // closed the pipe (exited) or nothing came within `timeout`.
    std::optional<std::string> next_line(
        std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            const std::size_t nl = buffer_.find('\n');
            if (nl != std::string::npos) {
                std::string line = buffer_.substr(0, nl);
                buffer_.erase(0, nl + 1);
                return line;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                return std::nullopt;
            }
            pollfd p{from_child_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
                continue;
            }
            char chunk[256];
            const ssize_t n = ::read(from_child_, chunk, sizeof chunk);
            if (n <= 0) {
                return std::nullopt;
            }
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }

    void send(char c) { [[maybe_unused]] const ssize_t n = ::write(to_child_, &c, 1); }

    // SIGKILL and reap; returns true when the child died of the signal (it
    // had not exited before).
    bool kill_now() {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        reaped_ = true;
        return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    }

    // Waits for the child to exit by itself; its exit code, or -1.
    int wait_exit() {
        int status = 0;
        ::waitpid(pid_, &status, 0);
        reaped_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

  private:
    pid_t pid_ = -1;
    int from_child_ = -1;
    int to_child_ = -1;
    bool reaped_ = false;
    std::string buffer_;
};

// For child bodies: writes `line` and "\n" in one write (atomic on a pipe).
inline void report_line(int fd, const std::string& line) {
    const std::string text = line + "\n";
    [[maybe_unused]] const ssize_t n = ::write(fd, text.data(), text.size());
}

// For child bodies: blocks until the parent sends a byte (or goes away).
inline void wait_for_parent(int fd) {
    char c = 0;
    [[maybe_unused]] const ssize_t n = ::read(fd, &c, 1);
}

}  // namespace mailferry::test
