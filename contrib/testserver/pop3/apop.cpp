#include "contrib/testserver/pop3/apop.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <array>
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

std::string apop_digest(std::string_view timestamp, std::string_view secret) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    const bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_md5(), nullptr) == 1 &&
                    EVP_DigestUpdate(ctx, timestamp.data(), timestamp.size()) == 1 &&
                    EVP_DigestUpdate(ctx, secret.data(), secret.size()) == 1 &&
                    EVP_DigestFinal_ex(ctx, digest.data(), &size) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) {
        return {};
    }
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < size; ++i) {
        hex.push_back(digits[digest[i] >> 4]);
        hex.push_back(digits[digest[i] & 0x0F]);
    }
    return hex;
}

}  // namespace mailferry::testserver::pop3
