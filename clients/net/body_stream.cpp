#include "clients/net/body_stream.hpp"

#include "clients/net/body_stream_error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstring>

namespace mailferry::net {

namespace asio = boost::asio;

awaitable<std::pair<error_code, std::size_t>> StringSource::read(std::span<char> buffer) {
    const std::size_t n = std::min(buffer.size(), body_.size() - pos_);
    std::memcpy(buffer.data(), body_.data() + pos_, n);
    pos_ += n;
    co_return std::pair<error_code, std::size_t>{error_code(), n};
}

awaitable<boost::system::result<std::optional<AppendItem>>> VectorAppendBatch::next() {
    if (pos_ == items_.size()) {
        co_return std::optional<AppendItem>();
    }
    co_return std::optional<AppendItem>(items_[pos_++]);
}

BodyPipe::BodyPipe(asio::any_io_executor executor, std::size_t capacity)
    : ring_(std::make_unique_for_overwrite<char[]>(std::max<std::size_t>(capacity, 1))),
      capacity_(std::max<std::size_t>(capacity, 1)),
      producer_wait_(executor),
      consumer_wait_(executor) {}

awaitable<error_code> BodyPipe::wait(asio::steady_timer& timer) {
    // The timer never expires; wake() cancels it. A spurious wake-up is
    // harmless since every caller re-checks its condition in a loop.
    timer.expires_at(asio::steady_timer::time_point::max());
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    const auto state = co_await asio::this_coro::cancellation_state;
    if (state.cancelled() != asio::cancellation_type::none) {
        co_return make_error_code(asio::error::operation_aborted);
    }
    co_return error_code();
}

void BodyPipe::wake(asio::steady_timer& timer) {
    timer.cancel();
}

awaitable<error_code> BodyPipe::begin(std::uint32_t uid, std::uint64_t size) {
    while (!failed_ && phase_ != Phase::idle) {
        if (auto ec = co_await wait(producer_wait_)) {
            co_return ec;
        }
    }
    if (failed_) {
        co_return failed_;
    }
    current_ = Message{uid, size};
    written_ = 0;
    producer_done_ = false;
    phase_ = Phase::announced;
    wake(consumer_wait_);
    co_return error_code();
}

awaitable<error_code> BodyPipe::data(std::span<const char> bytes) {
    if (written_ + bytes.size() > current_.size) {
        fail(make_error_code(body_stream_error::body_size_mismatch));
    }
    while (!bytes.empty()) {
        while (!failed_ && used_ == capacity_) {
            if (auto ec = co_await wait(producer_wait_)) {
                co_return ec;
            }
        }
        if (failed_) {
            co_return failed_;
        }
        const std::size_t tail = (head_ + used_) % capacity_;
        const std::size_t contiguous = std::min(capacity_ - used_, capacity_ - tail);
        const std::size_t n = std::min(contiguous, bytes.size());
        std::memcpy(ring_.get() + tail, bytes.data(), n);
        used_ += n;
        written_ += n;
        bytes = bytes.subspan(n);
        wake(consumer_wait_);
    }
    co_return error_code();
}

awaitable<error_code> BodyPipe::end() {
    if (failed_) {
        co_return failed_;
    }
    if (written_ != current_.size) {
        fail(make_error_code(body_stream_error::body_size_mismatch));
        co_return failed_;
    }
    producer_done_ = true;
    wake(consumer_wait_);
    co_return error_code();
}

void BodyPipe::close() {
    closed_ = true;
    wake(consumer_wait_);
}

void BodyPipe::fail(error_code ec) {
    if (!failed_) {
        failed_ = ec ? ec : make_error_code(body_stream_error::stream_failed);
    }
    wake(consumer_wait_);
    wake(producer_wait_);
}

awaitable<boost::system::result<std::optional<BodyPipe::Message>>> BodyPipe::next_message() {
    while (true) {
        if (failed_) {
            co_return failed_;
        }
        if (phase_ == Phase::announced) {
            phase_ = Phase::reading;
            co_return std::optional<Message>(current_);
        }
        if (phase_ == Phase::reading) {
            // The previous message was not read to its end: a caller bug.
            co_return make_error_code(asio::error::invalid_argument);
        }
        if (closed_) {
            co_return std::optional<Message>();
        }
        if (auto ec = co_await wait(consumer_wait_)) {
            co_return ec;
        }
    }
}

awaitable<std::pair<error_code, std::size_t>> BodyPipe::read(std::span<char> buffer) {
    using Out = std::pair<error_code, std::size_t>;
    while (true) {
        if (failed_) {
            co_return Out{failed_, 0};
        }
        if (phase_ != Phase::reading) {
            co_return Out{error_code(), 0};
        }
        if (used_ > 0 && !buffer.empty()) {
            const std::size_t contiguous = std::min(used_, capacity_ - head_);
            const std::size_t n = std::min(contiguous, buffer.size());
            std::memcpy(buffer.data(), ring_.get() + head_, n);
            head_ = (head_ + n) % capacity_;
            used_ -= n;
            wake(producer_wait_);
            co_return Out{error_code(), n};
        }
        if (producer_done_) {
            phase_ = Phase::idle;
            head_ = 0;
            wake(producer_wait_);
            co_return Out{error_code(), 0};
        }
        if (closed_) {
            // close() in the middle of a message: the producer lost its input.
            fail(make_error_code(body_stream_error::stream_failed));
            continue;
        }
        if (auto ec = co_await wait(consumer_wait_)) {
            co_return Out{ec, 0};
        }
    }
}

awaitable<boost::system::result<std::optional<AppendItem>>> PipeAppendBatch::next() {
    auto message = co_await pipe_.next_message();
    if (!message) {
        co_return message.error();
    }
    if (!*message) {
        co_return std::optional<AppendItem>();
    }
    uids_.push_back((*message)->uid);
    AppendItem item{lookup_ ? lookup_((*message)->uid) : AppendMeta{}, (*message)->size, &pipe_};
    co_return std::optional<AppendItem>(std::move(item));
}

}  // namespace mailferry::net
