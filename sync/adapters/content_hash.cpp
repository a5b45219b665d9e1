#include "sync/adapters/content_hash.hpp"

#include "clients/wire/digest.hpp"

#include <openssl/evp.h>

#include <array>

namespace mailferry::sync {

struct ContentHasher::Context {
    Context() : md(EVP_MD_CTX_new()) {
        ok = md != nullptr && EVP_DigestInit_ex(md, EVP_sha256(), nullptr) == 1;
    }
    ~Context() { EVP_MD_CTX_free(md); }
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    EVP_MD_CTX* md;
    bool ok = false;
};

ContentHasher::ContentHasher() = default;
ContentHasher::~ContentHasher() = default;

boost::asio::awaitable<boost::system::error_code> ContentHasher::on_chunk(std::uint32_t number,
                                                                          std::string_view chunk) {
    auto& context = contexts_[number];
    if (!context) {
        context = std::make_unique<Context>();
    }
    if (!context->ok || EVP_DigestUpdate(context->md, chunk.data(), chunk.size()) != 1) {
        co_return make_error_code(boost::system::errc::not_enough_memory);
    }
    co_return boost::system::error_code();
}

std::string ContentHasher::digest(std::uint32_t number) {
    auto it = contexts_.find(number);
    if (it == contexts_.end() || !it->second->ok) {
        return {};
    }
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int size = 0;
    if (EVP_DigestFinal_ex(it->second->md, out.data(), &size) != 1) {
        return {};
    }
    contexts_.erase(it);
    return wire::lower_hex(std::span<const unsigned char>(out.data(), size));
}

}  // namespace mailferry::sync
