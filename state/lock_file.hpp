#pragma once
// The lock that keeps two mailferry runs off one state file: an exclusive
// flock(2) on a lock file (the state path plus ".lock"), held for the life of
// the LockFile. The kernel drops it when the holder exits or is killed
// (kill -9 included), so a stale lock never needs cleaning up; the file itself
// stays. The holder's PID is written into the file so a refused run can name
// it.
//
// flock locks belong to an open file description: a second acquire in the
// same process is refused like one from another process. A child created by
// fork() shares the parent's description and so its lock (the descriptor is
// close-on-exec, so exec'd programs do not).

#include "state/error.hpp"

#include <filesystem>

namespace mailferry::state {

class LockFile {
  public:
    // Creates `lock_path` if needed and takes the lock without waiting.
    // Fails with error::locked ("state file STATE is in use by another
    // mailferry run (pid N, lock file L); ...") when it is held, with
    // error::io_error when the file cannot be created or locked.
    static Result<LockFile> acquire(const std::filesystem::path& lock_path,
                                    const std::filesystem::path& state_path);

    LockFile(LockFile&& other) noexcept;
    LockFile& operator=(LockFile&& other) noexcept;
    LockFile(const LockFile&) = delete;
    LockFile& operator=(const LockFile&) = delete;
    ~LockFile();

    const std::filesystem::path& path() const noexcept { return path_; }

  private:
    LockFile(int fd, std::filesystem::path path) noexcept : fd_(fd), path_(std::move(path)) {}
    void release() noexcept;

    int fd_ = -1;
    std::filesystem::path path_;
};

}  // namespace mailferry::state
