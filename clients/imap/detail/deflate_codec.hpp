#pragma once
// The two raw-DEFLATE streams of an IMAP COMPRESS=DEFLATE connection
// (RFC 4978 §4: RFC 1951 without zlib or gzip headers): one compressing what
// the client sends, flushed after every write so each command leaves at
// once, one inflating what the server sends.
//
// Pure byte transformer, no I/O. Not thread-safe.

#include <zlib.h>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace mailferry::imap::detail {

class DeflateCodec {
  public:
    DeflateCodec();
    ~DeflateCodec();
    DeflateCodec(const DeflateCodec&) = delete;
    DeflateCodec& operator=(const DeflateCodec&) = delete;

    // False when zlib could not be initialised (out of memory).
    bool ok() const noexcept { return ok_; }

    // Compresses `in` and flushes (Z_SYNC_FLUSH) into `out` (replaced).
    bool compress(std::string_view in, std::string& out);

    // Hands the inflater new compressed input; it must stay valid until
    // needs_input() is true again.
    void set_input(std::span<const char> in);
    // True when the last input is used up and no output is pending.
    bool needs_input() const noexcept;
    // Inflates into `out`; returns the octets produced (0: needs input), or
    // -1 when the input is not valid DEFLATE data.
    long inflate_into(std::span<char> out);

  private:
    z_stream deflate_{};
    z_stream inflate_{};
    bool ok_ = false;
    bool output_pending_ = false;
};

}  // namespace mailferry::imap::detail
