#include "clients/imap/detail/deflate_codec.hpp"

#include <array>

namespace mailferry::imap::detail {

// zlib's API takes non-const Bytef* and uInt lengths; these casts are its price.
namespace {
Bytef* bytes(const char* p) noexcept {
    return reinterpret_cast<Bytef*>(const_cast<char*>(p));
}
}  // namespace

DeflateCodec::DeflateCodec() {
    // Negative window bits: raw DEFLATE, no zlib header (RFC 4978 §4). The
    // fastest level: it keeps most of the gain on text at a fraction of the
    // default level's CPU, which a migration spends on every byte.
    const bool d =
        deflateInit2(&deflate_, Z_BEST_SPEED, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK;
    const bool i = inflateInit2(&inflate_, -15) == Z_OK;
    ok_ = d && i;
}

DeflateCodec::~DeflateCodec() {
    deflateEnd(&deflate_);
    inflateEnd(&inflate_);
}

bool DeflateCodec::compress(std::string_view in, std::string& out) {
    out.clear();
    deflate_.next_in = bytes(in.data());
    deflate_.avail_in = static_cast<uInt>(in.size());
    std::array<char, 16 * 1024> chunk{};
    do {
        deflate_.next_out = bytes(chunk.data());
        deflate_.avail_out = static_cast<uInt>(chunk.size());
        const int rc = deflate(&deflate_, Z_SYNC_FLUSH);
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            return false;
        }
        out.append(chunk.data(), chunk.size() - deflate_.avail_out);
    } while (deflate_.avail_out == 0 || deflate_.avail_in > 0);
    return true;
}

void DeflateCodec::set_input(std::span<const char> in) {
    inflate_.next_in = bytes(in.data());
    inflate_.avail_in = static_cast<uInt>(in.size());
}

bool DeflateCodec::needs_input() const noexcept {
    return inflate_.avail_in == 0 && !output_pending_;
}

long DeflateCodec::inflate_into(std::span<char> out) {
    inflate_.next_out = bytes(out.data());
    inflate_.avail_out = static_cast<uInt>(out.size());
    const int rc = inflate(&inflate_, Z_SYNC_FLUSH);
    if (rc != Z_OK && rc != Z_BUF_ERROR && rc != Z_STREAM_END) {
        return -1;
    }
    output_pending_ = inflate_.avail_out == 0;
    return static_cast<long>(out.size() - inflate_.avail_out);
}

}  // namespace mailferry::imap::detail
