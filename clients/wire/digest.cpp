#include "clients/wire/digest.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>

namespace mailferry::wire {

std::string lower_hex(std::span<const unsigned char> bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const unsigned char b : bytes) {
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 0x0F]);
    }
    return out;
}

std::string apop_digest(std::string_view timestamp, std::string_view secret) {
    std::string input;
    input.reserve(timestamp.size() + secret.size());
    input.append(timestamp).append(secret);
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    const int ok = EVP_Digest(input.data(), input.size(), digest.data(), &size, EVP_md5(), nullptr);
    std::fill(input.begin(), input.end(), '\0');  // it holds the secret
    if (ok != 1) {
        return {};
    }
    return lower_hex(std::span<const unsigned char>(digest.data(), size));
}

}  // namespace mailferry::wire
