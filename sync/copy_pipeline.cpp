#include "sync/copy_pipeline.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>

#include <algorithm>
#include <array>

namespace mailferry::sync {
namespace {

using boost::asio::awaitable;
using namespace boost::asio::experimental::awaitable_operators;

// Hands the pipe's messages to the APPEND, skipping (and draining) any whose
// size is not the one recorded.
class CheckingBatch final : public net::AppendBatch {
  public:
    CheckingBatch(net::BodyPipe& pipe, const std::vector<CopyItem>& items,
                  const std::vector<PreparedMeta>& metas, std::vector<BatchItemResult>& results)
        : pipe_(pipe), items_(items), metas_(metas), results_(results) {}

    awaitable<boost::system::result<std::optional<net::AppendItem>>> next() override {
        for (;;) {
            auto message = co_await pipe_.next_message();
            if (!message) {
                finished_ = true;
                co_return message.error();
            }
            if (!*message) {
                finished_ = true;
                co_return std::nullopt;
            }
            const std::size_t index = (*message)->uid;
            const std::uint64_t size = (*message)->size;
            if (index >= items_.size() || size != metas_[index].size) {
                if (index < items_.size()) {
                    results_[index].status = BatchItemResult::Status::failed;
                    results_[index].error = "its size changed from " +
                                            std::to_string(metas_[index].size) + " to " +
                                            std::to_string(size) +
                                            " octets between listing and fetch; it is retried "
                                            "by the next run";
                }
                if (auto ec = co_await drain()) {
                    finished_ = true;
                    co_return ec;
                }
                continue;
            }
            order_.push_back(index);
            net::AppendItem item;
            item.meta.flags = items_[index].flags;
            if (metas_[index].internal_date != 0) {
                item.meta.internal_date = wire::DateTime{metas_[index].internal_date, 0};
            }
            item.size = size;
            item.body = &pipe_;
            co_return item;
        }
    }

    const std::vector<std::size_t>& order() const noexcept { return order_; }
    // next() reported the end of the batch or an error: the pipe is done.
    bool finished() const noexcept { return finished_; }

  private:
    awaitable<boost::system::error_code> drain() {
        std::array<char, 16 * 1024> buffer{};
        for (;;) {
            auto [ec, n] = co_await pipe_.read(buffer);
            if (ec || n == 0) {
                co_return ec;
            }
        }
    }

    net::BodyPipe& pipe_;
    const std::vector<CopyItem>& items_;
    const std::vector<PreparedMeta>& metas_;
    std::vector<BatchItemResult>& results_;
    std::vector<std::size_t> order_;
    bool finished_ = false;
};

}  // namespace

awaitable<BatchResult> transfer_batch(SourceMailbox& source, TargetMailbox& target,
                                      std::string target_folder, std::vector<CopyItem> items,
                                      std::vector<PreparedMeta> metas, std::size_t pipe_capacity,
                                      BeforeAppend before_append) {
    BatchResult result;
    result.items.resize(items.size());
    auto executor = co_await boost::asio::this_coro::executor;
    net::BodyPipe pipe(executor, pipe_capacity);
    CheckingBatch batch(pipe, items, metas, result.items);

    auto fetch = [&]() -> awaitable<MailboxResult<std::size_t>> {
        auto fetched = co_await source.fetch_bodies(items, pipe);
        if (fetched) {
            pipe.close();
        } else {
            pipe.fail(make_error_code(boost::asio::error::connection_aborted));
        }
        co_return fetched;
    };
    auto append = [&]() -> awaitable<MailboxResult<Appended>> {
        // fetch() started first and sent its FETCH before its first wait.
        if (before_append) {
            const bool go_on = co_await before_append();
            if (!go_on) {
                result.held_back = true;
                pipe.fail(make_error_code(boost::asio::error::operation_aborted));
                co_return Appended{};
            }
        }
        auto appended = co_await target.append(target_folder, batch);
        if (!batch.finished()) {
            // The APPEND stopped early: unblock the FETCH feeding the pipe.
            pipe.fail(make_error_code(boost::asio::error::connection_aborted));
        }
        co_return appended;
    };
    auto [fetched, appended] = co_await (fetch() && append());
    if (result.held_back) {
        co_return result;  // every item not_sent
    }

    if (!fetched) {
        result.source_error = fetched.error();
    }
    if (!appended) {
        result.target_error = appended.error();
        co_return result;
    }
    result.target_uidvalidity = appended->uidvalidity;
    const std::vector<std::size_t>& order = batch.order();
    const std::size_t sent =
        std::min({order.size(), appended->uids.size(), appended->stored.size()});
    for (std::size_t i = 0; i < sent; ++i) {
        // Only what the target confirmed; the rest stay not_sent (retried).
        if (appended->stored[i]) {
            result.items[order[i]].status = BatchItemResult::Status::copied;
            result.items[order[i]].target_uid = appended->uids[i];
        }
    }
    if (appended->error) {
        result.target_error = appended->error;
        co_return result;
    }
    if (fetched) {
        // The FETCH ended normally: what it did not deliver is gone.
        for (BatchItemResult& r : result.items) {
            if (r.status == BatchItemResult::Status::not_sent) {
                r.status = BatchItemResult::Status::failed;
                r.error = "no longer on the source (deleted while the run was going on)";
            }
        }
    }
    co_return result;
}

}  // namespace mailferry::sync
