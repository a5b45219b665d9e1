#pragma once
// Message bodies as streams (STYLE §3), the same for every engine: what a
// source writes bodies to (imap::Client::fetch_bodies(), a POP3 source's
// RETR spools), what imap::Client::append() reads from, and a bounded pipe
// that joins the two so one connection's FETCH feeds another connection's
// APPEND with a fixed amount of memory.
//
// How the sync engine copies a folder (FETCH on the source, MULTIAPPEND on
// the target, concurrently):
//
//   1. list the source's metadata first (imap::Client::fetch_metadata): UIDs,
//      flags, INTERNALDATE. Keep it in a map uid -> AppendMeta.
//   2. make a BodyPipe on the executor both clients share, and a
//      PipeAppendBatch over it with a lookup into that map;
//   3. co_await (fetch_then_close() && target.append(folder, batch)), where
//      fetch_then_close runs source.fetch_bodies(uids, pipe) and then calls
//      pipe.close() (or pipe.fail(ec) when the fetch failed).
//
//   An APPEND needs each message's exact size before its literal (RFC 3501
//   §6.3.11). The FETCH literal header `{n}` gives it: fetch_bodies() calls
//   BodySink::begin(uid, n) before the first byte, the pipe hands {uid, n}
//   to PipeAppendBatch::next(), which becomes the APPEND literal `{n+}`; the
//   flags and date come from step 1. The bytes then flow chunk by chunk:
//   the pipe holds at most `capacity` bytes, so when the target is slower
//   the source's FETCH stops reading its socket (TCP back-pressure), and no
//   message is ever held whole in memory.
//
// Executor and threading: all of these are used from one executor (the
// io_context thread); they are not thread-safe.

#include "clients/wire/date_time.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace mailferry::net {

using boost::asio::awaitable;
using boost::system::error_code;

// Receives message bodies, one message at a time: begin, data..., end.
// A returned error stops the fetch (the client then closes its connection,
// as the rest of the literal cannot be skipped cheaply). The client awaits
// each call before reading more from its socket, so a slow sink slows the
// server down instead of filling memory. Spans are valid only during the call.
class BodySink {
  public:
    virtual ~BodySink() = default;
    // A message of exactly `size` octets follows.
    virtual awaitable<error_code> begin(std::uint32_t uid, std::uint64_t size) = 0;
    virtual awaitable<error_code> data(std::span<const char> bytes) = 0;
    // All `size` octets were delivered.
    virtual awaitable<error_code> end() = 0;
};

// Produces one message body. read() fills up to buffer.size() bytes and
// returns how many; 0 means the end of this message. The caller announced
// the size already, so a source must produce exactly that many bytes.
class BodySource {
  public:
    virtual ~BodySource() = default;
    virtual awaitable<std::pair<error_code, std::size_t>> read(std::span<char> buffer) = 0;
};

// A body kept in a string, for small messages and tests.
class StringSource final : public BodySource {
  public:
    explicit StringSource(std::string body) : body_(std::move(body)) {}
    awaitable<std::pair<error_code, std::size_t>> read(std::span<char> buffer) override;
    std::uint64_t size() const noexcept { return body_.size(); }

  private:
    std::string body_;
    std::size_t pos_ = 0;
};

// What an APPEND needs besides the body.
struct AppendMeta {
    std::vector<std::string> flags;               // \Recent is dropped
    std::optional<wire::DateTime> internal_date;  // the server's "now" when absent
};

// One message for imap::Client::append(). `body` must stay valid until append()
// has read it to the end (or failed).
struct AppendItem {
    AppendMeta meta;
    std::uint64_t size = 0;  // exact octet count `body` produces
    BodySource* body = nullptr;
};

// The messages of one append(), produced one by one so that a message's size
// may become known only when it is its turn. next() returns std::nullopt
// after the last message, or an error (the APPEND is then finished with the
// messages sent so far; see imap::AppendResult::source_error).
class AppendBatch {
  public:
    virtual ~AppendBatch() = default;
    virtual awaitable<boost::system::result<std::optional<AppendItem>>> next() = 0;
};

// An AppendBatch over items known in advance.
class VectorAppendBatch final : public AppendBatch {
  public:
    explicit VectorAppendBatch(std::vector<AppendItem> items) : items_(std::move(items)) {}
    awaitable<boost::system::result<std::optional<AppendItem>>> next() override;

  private:
    std::vector<AppendItem> items_;
    std::size_t pos_ = 0;
};

// A bounded single-producer single-consumer pipe of message bodies.
//
// The producer side is the BodySink interface (begin/data/end), then
// close() after the last message or fail(ec) when the producer failed. The
// consumer calls next_message() for each message's {uid, size} and then
// read() until it returns 0; read()'s bytes are exactly the message's.
//
// Memory: at most `capacity` bytes are buffered; data() waits while the pipe
// is full, read() while it is empty. begin() waits until the consumer took
// the previous message. Either side may fail(ec): every call of the other
// side then returns `ec`. A producer announcing N octets and giving more or
// fewer fails the pipe with body_stream_error::body_size_mismatch. Waits honour
// the awaiting coroutine's cancellation (a deadline around them works) and
// return operation_aborted then.
class BodyPipe final : public BodySink, public BodySource {
  public:
    struct Message {
        std::uint32_t uid = 0;
        std::uint64_t size = 0;
    };

    explicit BodyPipe(boost::asio::any_io_executor executor, std::size_t capacity = 1024 * 1024);

    // BodySink (producer).
    awaitable<error_code> begin(std::uint32_t uid, std::uint64_t size) override;
    awaitable<error_code> data(std::span<const char> bytes) override;
    awaitable<error_code> end() override;
    // No more messages: the consumer's next_message() returns std::nullopt
    // once the current message was read.
    void close();
    // Aborts both sides with `ec` (not success).
    void fail(error_code ec);

    // Consumer: the next message, std::nullopt after close(), or the error.
    awaitable<boost::system::result<std::optional<Message>>> next_message();
    // BodySource (consumer): bytes of the current message; 0 at its end.
    awaitable<std::pair<error_code, std::size_t>> read(std::span<char> buffer) override;

    std::size_t capacity() const noexcept { return capacity_; }
    // Bytes buffered now.
    std::size_t buffered() const noexcept { return used_; }

  private:
    enum class Phase { idle, announced, reading };
    awaitable<error_code> wait(boost::asio::steady_timer& timer);
    void wake(boost::asio::steady_timer& timer);

    // Left uninitialised: zeroing a fresh MiB for each batch cost 256 page
    // faults and a memset before its FETCH went out (3 ms in a VM); a page
    // is touched only when bytes reach it.
    std::unique_ptr<char[]> ring_;
    std::size_t capacity_;
    std::size_t head_ = 0;  // index of the first buffered byte
    std::size_t used_ = 0;
    Phase phase_ = Phase::idle;
    Message current_;
    std::uint64_t written_ = 0;   // of the current message, by the producer
    bool producer_done_ = false;  // end() called for the current message
    bool closed_ = false;
    error_code failed_;
    boost::asio::steady_timer producer_wait_;
    boost::asio::steady_timer consumer_wait_;
};

// An AppendBatch that takes messages from a BodyPipe and their flags and
// dates from `lookup` (typically the source's metadata listing).
class PipeAppendBatch final : public AppendBatch {
  public:
    PipeAppendBatch(BodyPipe& pipe, std::function<AppendMeta(std::uint32_t uid)> lookup)
        : pipe_(pipe), lookup_(std::move(lookup)) {}
    awaitable<boost::system::result<std::optional<AppendItem>>> next() override;
    // The source UIDs handed out so far, in order (so the caller can pair
    // them with imap::AppendResult::uids).
    const std::vector<std::uint32_t>& source_uids() const noexcept { return uids_; }

  private:
    BodyPipe& pipe_;
    std::function<AppendMeta(std::uint32_t)> lookup_;
    std::vector<std::uint32_t> uids_;
};

}  // namespace mailferry::net
