// POP3 client: the TRANSACTION-state commands (RFC 1939 §5, §7), pipelined
// where the server offers PIPELINING (RFC 2449 §6.6), and QUIT.

#include "clients/pop3/client.hpp"

#include "clients/net/deadline.hpp"
#include "clients/pop3/detail/client_state.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace mailferry::pop3 {

namespace {

using boost::asio::awaitable;
using State = Client::State;

ClientError rejected_by(const State& s, std::string step, const StatusLine& status) {
    return rejected(s.server, std::move(step), status.code.value_or(""), format_status(status),
                    false);
}

// Reads a listing (LIST, UIDL) after its +OK and parses every line with
// `parse`; a line of the wrong shape fails the connection.
template <typename Parse>
awaitable<Result<std::vector<typename std::invoke_result_t<Parse, std::string_view>::value_type>>>
read_listing(State& s, std::string step, Parse parse) {
    using Item = typename std::invoke_result_t<Parse, std::string_view>::value_type;
    CollectSink sink(s.options.max_listing_bytes);
    auto body = co_await s.read_body(step, sink, 0);
    if (!body) {
        if (sink.overflowed()) {
            co_return s.fail(protocol_error(
                s.server, step,
                fmt::format("the listing is longer than {} bytes", s.options.max_listing_bytes)));
        }
        co_return body.error();
    }
    std::vector<Item> items;
    for (const std::string_view line : split_lines(sink.text())) {
        auto item = parse(line);
        if (!item) {
            co_return s.fail(protocol_error(
                s.server, step, fmt::format("invalid listing line \"{}\"", line.substr(0, 200))));
        }
        // Message numbers stay fixed for the session (RFC 1939 §5): one
        // beyond STAT's count is no message of this maildrop.
        if (s.stat_count && item->number > *s.stat_count) {
            co_return s.fail(protocol_error(
                s.server, step,
                fmt::format("the listing names message {}, but STAT counted {} messages",
                            item->number, *s.stat_count)));
        }
        items.push_back(std::move(*item));
    }
    co_return items;
}

// Sends `verb n` for every number, `depth` commands per write, and reads
// the answers in order (RFC 2449 §6.6); with a sink every +OK is followed
// by a body.
// `verb n[ tail]` for each number; `tail` is TOP's line count.
awaitable<Result<std::vector<MessageOutcome>>> run_many(State& s, std::string verb,
                                                        std::vector<std::uint32_t> numbers,
                                                        RetrSink* sink, std::string tail = {}) {
    std::vector<MessageOutcome> outcomes;
    outcomes.reserve(numbers.size());
    const std::size_t depth =
        s.caps.pipelining ? std::max<std::size_t>(1, s.options.pipeline_depth) : 1;
    for (std::size_t first = 0; first < numbers.size(); first += depth) {
        const std::size_t last = std::min(numbers.size(), first + depth);
        std::string data;
        std::string shown;
        for (std::size_t i = first; i < last; ++i) {
            data += fmt::format("{} {}{}\r\n", verb, numbers[i], tail);
        }
        shown = last - first == 1
                    ? fmt::format("{} {}", verb, numbers[first])
                    : fmt::format("{} {} .. {} {} ({} commands pipelined)", verb, numbers[first],
                                  verb, numbers[last - 1], last - first);
        if (auto failed = co_await s.send(std::move(data), std::move(shown),
                                          fmt::format("{} {}", verb, numbers[first]))) {
            co_return *failed;
        }
        for (std::size_t i = first; i < last; ++i) {
            const std::uint32_t n = numbers[i];
            const std::string step = fmt::format("{} {}", verb, n);
            if (sink != nullptr) {
                s.parser.expect_multiline();
            }
            auto status = co_await s.read_status(step, s.options.command_timeout);
            if (!status) {
                co_return status.error();
            }
            MessageOutcome outcome;
            outcome.number = n;
            if (!status->ok) {
                outcome.error = rejected_by(s, step, *status);
            } else if (sink != nullptr) {
                auto octets = co_await s.read_body(step, *sink, n);
                if (!octets) {
                    co_return octets.error();
                }
                outcome.octets = *octets;
            }
            outcomes.push_back(std::move(outcome));
        }
    }
    co_return outcomes;
}

awaitable<Result<std::uint64_t>> fetch_one(State& s, std::string line, std::uint32_t number,
                                           RetrSink& sink) {
    std::string step = line;
    auto status = co_await s.command(std::move(line), step, true);
    if (!status) {
        co_return status.error();
    }
    if (!status->ok) {
        co_return rejected_by(s, std::move(step), *status);
    }
    co_return co_await s.read_body(std::move(step), sink, number);
}

awaitable<Result<void>> simple(State& s, std::string line) {
    std::string step = line;
    auto status = co_await s.command(std::move(line), step);
    if (!status) {
        co_return status.error();
    }
    if (!status->ok) {
        co_return Result<void>(boost::system::in_place_error, rejected_by(s, step, *status));
    }
    co_return Result<void>();
}

}  // namespace

awaitable<Result<Stat>> Client::stat() {
    State& s = *state_;
    auto status = co_await s.command("STAT", "STAT");
    if (!status) {
        co_return status.error();
    }
    if (!status->ok) {
        co_return rejected_by(s, "STAT", *status);
    }
    auto parsed = parse_stat(status->text);
    if (!parsed) {
        co_return s.fail(protocol_error(
            s.server, "STAT", fmt::format("invalid answer \"{}\"", format_status(*status))));
    }
    // After DELE, STAT counts fewer messages but the numbers stay: keep the most.
    s.stat_count = std::max(s.stat_count.value_or(0), parsed->count);
    co_return *parsed;
}

awaitable<Result<std::vector<ScanListing>>> Client::list() {
    State& s = *state_;
    auto status = co_await s.command("LIST", "LIST", true);
    if (!status) {
        co_return status.error();
    }
    if (!status->ok) {
        co_return rejected_by(s, "LIST", *status);
    }
    co_return co_await read_listing(s, "LIST", parse_list_line);
}

awaitable<Result<std::optional<std::vector<UidlListing>>>> Client::uidl() {
    State& s = *state_;
    auto status = co_await s.command("UIDL", "UIDL", true);
    if (!status) {
        co_return status.error();
    }
    if (!status->ok) {
        // RFC 1939 §7: UIDL is optional; -ERR means the server lacks it,
        // unless the server said it has it (CAPA) or says why it failed
        // (RFC 3206 [SYS/TEMP] and friends): then the listing failed, and
        // telling messages apart some other way would copy them all again.
        if (s.caps.uidl || status->code) {
            co_return Result<std::optional<std::vector<UidlListing>>>(
                boost::system::in_place_error, rejected_by(s, "UIDL", *status));
        }
        co_return std::optional<std::vector<UidlListing>>();
    }
    auto listing = co_await read_listing(s, "UIDL", parse_uidl_line);
    if (!listing) {
        co_return listing.error();
    }
    co_return std::optional<std::vector<UidlListing>>(std::move(*listing));
}

awaitable<Result<std::uint64_t>> Client::top(std::uint32_t number, std::uint32_t lines,
                                             RetrSink& sink) {
    co_return co_await fetch_one(*state_, fmt::format("TOP {} {}", number, lines), number, sink);
}

awaitable<Result<std::uint64_t>> Client::retr(std::uint32_t number, RetrSink& sink) {
    co_return co_await fetch_one(*state_, fmt::format("RETR {}", number), number, sink);
}

awaitable<Result<std::vector<MessageOutcome>>> Client::retr_many(std::vector<std::uint32_t> numbers,
                                                                 RetrSink& sink) {
    co_return co_await run_many(*state_, "RETR", std::move(numbers), &sink);
}

awaitable<Result<std::vector<MessageOutcome>>> Client::top_many(std::vector<std::uint32_t> numbers,
                                                                std::uint32_t lines,
                                                                RetrSink& sink) {
    co_return co_await run_many(*state_, "TOP", std::move(numbers), &sink,
                                fmt::format(" {}", lines));
}

awaitable<Result<void>> Client::dele(std::uint32_t number) {
    co_return co_await simple(*state_, fmt::format("DELE {}", number));
}

awaitable<Result<std::vector<MessageOutcome>>> Client::dele_many(
    std::vector<std::uint32_t> numbers) {
    co_return co_await run_many(*state_, "DELE", std::move(numbers), nullptr);
}

awaitable<Result<void>> Client::rset() {
    co_return co_await simple(*state_, "RSET");
}

awaitable<Result<void>> Client::noop() {
    co_return co_await simple(*state_, "NOOP");
}

awaitable<Result<std::string>> Client::quit() {
    State& s = *state_;
    if (!s.usable()) {
        co_return s.not_connected("QUIT");
    }
    if (auto failed = co_await s.send("QUIT\r\n", "QUIT", "QUIT")) {
        co_return *failed;
    }
    auto status = co_await s.read_status("QUIT", s.options.quit_timeout);
    if (s.stream && s.stream->is_open()) {
        co_await net::with_deadline(s.stream->shutdown(), s.options.quit_timeout);
    }
    close();
    if (!status) {
        co_return status.error();
    }
    if (!status->ok) {
        // RFC 1939 §6: -ERR from QUIT means the UPDATE state failed, so
        // some deletions may not have happened.
        co_return rejected_by(s, "QUIT", *status);
    }
    co_return status->text;
}

void Client::close() noexcept {
    if (state_) {
        state_->broken = true;
        if (state_->stream) {
            state_->stream->close();
        }
    }
}

const std::string& Client::server() const noexcept {
    return state_->server;
}
const std::string& Client::greeting() const noexcept {
    return state_->greeting;
}
const std::string& Client::apop_timestamp() const noexcept {
    return state_->timestamp;
}
const Capabilities& Client::capabilities() const noexcept {
    return state_->caps;
}
bool Client::is_tls() const noexcept {
    return state_->stream && state_->stream->is_tls();
}
bool Client::certificate_verified() const noexcept {
    return is_tls() && state_->verified;
}
std::string Client::tls_description() const {
    return state_->stream ? state_->stream->tls_description() : std::string();
}
bool Client::is_connected() const noexcept {
    return state_ && state_->usable();
}

}  // namespace mailferry::pop3
