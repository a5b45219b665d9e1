// sd_notify messages as systemd receives them: a datagram socket stands in
// for systemd's notification socket.

#include "cli/systemd_notify.hpp"

#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>

namespace mailferry::cli {
namespace {

long long monotonic_usec() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<long long>(now.tv_sec) * 1000000LL + now.tv_nsec / 1000;
}

// A bound AF_UNIX datagram socket, like the one systemd passes in NOTIFY_SOCKET.
class NotifySocket {
  public:
    explicit NotifySocket(const std::string& path) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) {
            throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
        }
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        if (path.size() >= sizeof(address.sun_path)) {
            throw std::runtime_error("socket path too long: " + path);
        }
        std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
        if (::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
            throw std::runtime_error(std::string("bind: ") + std::strerror(errno));
        }
        // A bounded wait: a missing datagram fails the test instead of hanging it.
        timeval timeout{};
        timeout.tv_sec = 30;
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    }
    ~NotifySocket() { ::close(fd_); }
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;

    // The next datagram, or nothing when none arrives in time.
    std::optional<std::string> receive() {
        std::array<char, 4096> buffer{};
        const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
        if (n < 0) {
            return std::nullopt;
        }
        return std::string(buffer.data(), static_cast<std::size_t>(n));
    }

    // A unix datagram is queued by the time sendmsg returns, so "nothing
    // pending now" means "nothing was sent".
    bool has_pending() {
        std::array<char, 1> buffer{};
        return ::recv(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT | MSG_PEEK) >= 0;
    }

  private:
    int fd_ = -1;
};

class SystemdNotify : public ::testing::Test {
  protected:
    void SetUp() override { ::setenv("NOTIFY_SOCKET", path_.c_str(), 1); }
    void TearDown() override { ::unsetenv("NOTIFY_SOCKET"); }

    test::TempDir dir_;
    std::string path_ = (dir_ / "notify").string();
    NotifySocket socket_{path_};
};

TEST_F(SystemdNotify, ReadyStoppingAndStatusSendTheirAssignments) {
    notify_ready("running 2 jobs");
    EXPECT_EQ(socket_.receive(), "READY=1\nSTATUS=running 2 jobs");
    notify_status("2 jobs, 1 backing off");
    EXPECT_EQ(socket_.receive(), "STATUS=2 jobs, 1 backing off");
    notify_stopping("finishing the messages in flight");
    EXPECT_EQ(socket_.receive(), "STOPPING=1\nSTATUS=finishing the messages in flight");
    EXPECT_FALSE(socket_.has_pending());
}

TEST_F(SystemdNotify, ReloadingCarriesTheMonotonicTimeOfTheReload) {
    const long long before = monotonic_usec();
    notify_reloading("reloading /etc/mailferry.toml");
    const long long after = monotonic_usec();
    const auto message = socket_.receive();
    ASSERT_TRUE(message.has_value());
    std::smatch match;
    ASSERT_TRUE(std::regex_match(
        *message, match,
        std::regex("RELOADING=1\nMONOTONIC_USEC=([0-9]+)\nSTATUS=reloading /etc/mailferry.toml")))
        << *message;
    const long long usec = std::stoll(match[1].str());
    EXPECT_GE(usec, before);
    EXPECT_LE(usec, after);
}

TEST_F(SystemdNotify, ANewlineInTheStatusCannotAddAnAssignment) {
    notify_status("line one\nREADY=1");
    EXPECT_EQ(socket_.receive(), "STATUS=line one READY=1");
}

TEST_F(SystemdNotify, WithoutNotifySocketNothingIsSent) {
    ::unsetenv("NOTIFY_SOCKET");
    notify_ready("a");
    notify_reloading("b");
    notify_status("c");
    notify_stopping("d");
    EXPECT_FALSE(socket_.has_pending());
}

TEST_F(SystemdNotify, AnUnreachableSocketIsNotAFailure) {
    ::setenv("NOTIFY_SOCKET", (dir_ / "nobody-listens").c_str(), 1);
    EXPECT_NO_THROW(notify_ready("a"));
    EXPECT_NO_THROW(notify_status("b"));
    EXPECT_FALSE(socket_.has_pending());
}

}  // namespace
}  // namespace mailferry::cli
