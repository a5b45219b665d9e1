#include "cli/systemd_notify.hpp"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <atomic>
#include <ctime>
#include <string>
#include <system_error>

namespace mailferry::cli {

namespace {

std::string status_assignment(std::string_view status) {
    std::string line = "STATUS=";
    for (const char c : status) {
        line += c == '\n' ? ' ' : c;
    }
    return line;
}

void notify(const std::string& message) {
    const int result = sd_notify(0, message.c_str());
    if (result >= 0) {
        return;
    }
    // Warn once: a supervisor that went away would otherwise get a warning
    // after every job run.
    static std::atomic<bool> warned = false;
    const auto level = warned.exchange(true) ? spdlog::level::debug : spdlog::level::warn;
    spdlog::log(level, "telling systemd '{}' failed: {}", message.substr(0, message.find('\n')),
                std::error_code(-result, std::system_category()).message());
}

}  // namespace

void notify_ready(std::string_view status) {
    notify("READY=1\n" + status_assignment(status));
}

void notify_reloading(std::string_view status) {
    // systemd 253's Type=notify-reload wants the CLOCK_MONOTONIC time of the
    // reload with RELOADING=1; older versions ignore the field.
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    const long long usec = static_cast<long long>(now.tv_sec) * 1000000LL + now.tv_nsec / 1000;
    notify("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec) + "\n" +
           status_assignment(status));
}

void notify_stopping(std::string_view status) {
    notify("STOPPING=1\n" + status_assignment(status));
}

void notify_status(std::string_view status) {
    notify(status_assignment(status));
}

}  // namespace mailferry::cli
