#include "contrib/testserver/pop3/apop.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>

namespace mailferry::testserver::pop3 {

std::string make_apop_timestamp(std::string_view hostname) {
    static std::atomic<std::uint64_t> counter{0};
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
    return fmt::format("<{}.{}.{}@{}>", ::getpid(), micros, ++counter, hostname);
}

}  // namespace mailferry::testserver::pop3
