#pragma once
// One batch of copies: the source's bodies streamed through a bounded
// BodyPipe into one target APPEND (MULTIAPPEND where offered), the FETCH and
// the APPEND running at once on the same executor (`co_await (a && b)`).
// Memory is the pipe's capacity, whatever the message sizes (STYLE §3).
//
// Each message's APPEND literal takes the size the source's FETCH literal
// (or the POP3 spool) announces; a message whose size differs from the one
// the intent recorded is not appended (its bytes are drained) and fails
// with the reason, to be retried by the next run. Flags and dates come from
// the plan and the prepared metadata.
//
// No state is touched here: the caller records the intent before the APPEND
// (in `before_append`, or before calling) and the outcome after (STYLE §6).

#include "sync/mailbox.hpp"

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mailferry::sync {

struct BatchItemResult {
    enum class Status {
        // Not stored: the batch stopped before it (connection lost), or the
        // target refused it or lost the connection after it was sent
        // (target_error says which); the next attempt retries it.
        not_sent,
        copied,  // in the APPEND the target confirmed
        failed,  // will not be appended in this attempt; `error` says why
    };
    Status status = Status::not_sent;
    std::optional<std::uint32_t> target_uid;
    std::string error;
};

struct BatchResult {
    std::vector<BatchItemResult> items;  // one per input item, same order
    std::optional<std::uint32_t> target_uidvalidity;
    std::optional<MailboxError> source_error;
    std::optional<MailboxError> target_error;
    bool held_back = false;  // before_append said no: nothing was appended
};

// Awaited by the APPEND before it begins, once the source's FETCH of the
// bodies has gone out: the caller records its intent there, while the source
// already sends, and may wait for the target connection to finish another
// operation. false: nothing is appended (the FETCH is cut short).
using BeforeAppend = std::function<boost::asio::awaitable<bool>()>;

// `metas` holds one entry per item (prepared by the source).
boost::asio::awaitable<BatchResult> transfer_batch(SourceMailbox& source, TargetMailbox& target,
                                                   std::string target_folder,
                                                   std::vector<CopyItem> items,
                                                   std::vector<PreparedMeta> metas,
                                                   std::size_t pipe_capacity = 1024 * 1024,
                                                   BeforeAppend before_append = {});

}  // namespace mailferry::sync
