#include "state/lock_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <string>
#include <utility>

namespace mailferry::state {
namespace {

std::string errno_text(int err) {
    return std::strerror(err);
}

// The PID the holder wrote, or 0 when the file holds none (yet).
long read_holder_pid(int fd) noexcept {
    std::array<char, 32> buf{};
    const ssize_t n = ::pread(fd, buf.data(), buf.size() - 1, 0);
    if (n <= 0) {
        return 0;
    }
    long pid = 0;
    const char* end = buf.data() + n;
    const auto [ptr, ec] = std::from_chars(buf.data(), end, pid);
    if (ec != std::errc() || ptr == buf.data()) {
        return 0;
    }
    return pid;
}

void write_own_pid(int fd) noexcept {
    // Best effort: the PID only improves the message of a refused run, the
    // lock itself is the flock.
    const std::string text = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) == 0) {
        [[maybe_unused]] const ssize_t written = ::pwrite(fd, text.data(), text.size(), 0);
    }
}

}  // namespace

Result<LockFile> LockFile::acquire(const std::filesystem::path& lock_path,
                                   const std::filesystem::path& state_path) {
    const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        const int err = errno;
        return Failure(error::io_error, "state file " + state_path.string() +
                                            ": cannot create lock file " + lock_path.string() +
                                            " (" + errno_text(err) +
                                            "); check that its directory is writable");
    }
    int rc = 0;
    do {
        rc = ::flock(fd, LOCK_EX | LOCK_NB);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        const int err = errno;
        if (err == EWOULDBLOCK) {
            const long pid = read_holder_pid(fd);
            ::close(fd);
            const std::string holder =
                pid > 0 ? "pid " + std::to_string(pid) + ", lock file " : "lock file ";
            return Failure(error::locked, "state file " + state_path.string() +
                                              " is in use by another mailferry run (" + holder +
                                              lock_path.string() +
                                              "); wait for it to finish or use another --state");
        }
        ::close(fd);
        return Failure(error::io_error, "state file " + state_path.string() + ": cannot lock " +
                                            lock_path.string() + " (" + errno_text(err) + ")");
    }
    write_own_pid(fd);
    return LockFile(fd, lock_path);
}

LockFile::LockFile(LockFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

LockFile& LockFile::operator=(LockFile&& other) noexcept {
    if (this != &other) {
        release();
        fd_ = std::exchange(other.fd_, -1);
        path_ = std::move(other.path_);
    }
    return *this;
}

LockFile::~LockFile() {
    release();
}

void LockFile::release() noexcept {
    if (fd_ >= 0) {
        // Closing the last descriptor of the open file description drops the
        // flock. The PID is cleared first so a later reader does not name a
        // process that no longer holds the lock.
        // A failure here only leaves a stale PID behind for messages.
        [[maybe_unused]] const int truncated = ::ftruncate(fd_, 0);
        ::close(fd_);
        fd_ = -1;
    }
}

}  // namespace mailferry::state
