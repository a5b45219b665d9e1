#include "clients/imap/detail/connection.hpp"

#include "clients/imap/response_views.hpp"
#include "clients/net/deadline.hpp"
#include "clients/wire/ascii.hpp"
#include "clients/wire/decimal.hpp"

#include <boost/asio/error.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <span>
#include <utility>

namespace mailferry::imap::detail {
namespace {

constexpr std::size_t read_chunk = 64 * 1024;

// A value for the trace log: literal contents are summarised, never shown.
void render(const Value& v, std::string& out) {
    switch (v.kind) {
        case Value::Kind::literal:
        case Value::Kind::streamed_literal:
            out += "{" + std::to_string(v.kind == Value::Kind::literal ? v.text.size() : v.number) +
                   " octets}";
            return;
        case Value::Kind::list:
            out += '(';
            for (std::size_t i = 0; i < v.items.size(); ++i) {
                if (i > 0) {
                    out += ' ';
                }
                render(v.items[i], out);
            }
            out += ')';
            return;
        default:
            out += to_imap_text(v);
    }
}

std::string render_code(const std::optional<ResponseCode>& code) {
    if (!code) {
        return {};
    }
    return "[" + code->name + (code->raw_args.empty() ? "" : " " + code->raw_args) + "] ";
}

// True for a tag this connection sent: "A" and a number up to `counter`.
bool sent_by_us(std::string_view tag, std::uint32_t counter) {
    if (tag.size() < 2 || tag[0] != 'A') {
        return false;
    }
    const auto n = wire::parse_u32(tag.substr(1));
    return n && *n >= 1 && *n <= counter;
}

}  // namespace

std::string Completion::line() const {
    return std::string(to_string(status)) + " " + render_code(code) + text;
}

awaitable<std::optional<Error>> ResponseHandler::on_untagged(const Response&) {
    co_return std::nullopt;
}
awaitable<boost::system::error_code> ResponseHandler::on_literal_begin(const LiteralInfo&) {
    co_return boost::system::error_code();
}
awaitable<boost::system::error_code> ResponseHandler::on_literal_chunk(std::string_view) {
    co_return boost::system::error_code();
}
awaitable<boost::system::error_code> ResponseHandler::on_literal_end() {
    co_return boost::system::error_code();
}

Connection::Connection(net::Stream stream, std::string server, ConnectionTimeouts timeouts,
                       ParseLimits limits, std::shared_ptr<spdlog::logger> log)
    : stream_(std::move(stream)),
      server_(std::move(server)),
      timeouts_(timeouts),
      parser_(limits),
      log_(std::move(log)),
      in_(read_chunk) {}

std::string Connection::next_tag() {
    std::array<char, 16> buf{};
    std::snprintf(buf.data(), buf.size(), "A%04u", ++tag_counter_);
    return std::string(buf.data());
}

void Connection::close() noexcept {
    open_ = false;
    stream_.close();
}

Error Connection::fail(Error e) {
    close();
    return e;
}

std::optional<Error> Connection::closed_error(const std::string& step) const {
    if (open_ && stream_.is_open()) {
        return std::nullopt;
    }
    if (!bye_.empty()) {
        return make_client_error(client_error::server_bye, server_, step, bye_,
                                 "the connection is closed");
    }
    return from_net_error(net::make_net_error(net::error::connection_closed, server_,
                                              net::Step::read, "the connection is closed"),
                          step);
}

bool Connection::has_capability(std::string_view name) const noexcept {
    const std::string wanted = wire::to_ascii_upper(name);
    return std::find(caps_.begin(), caps_.end(), wanted) != caps_.end();
}

void Connection::forget_capabilities() noexcept {
    caps_.clear();
    caps_known_ = false;
}

void Connection::set_capabilities(const std::vector<std::string>& caps) {
    caps_.clear();
    for (const auto& c : caps) {
        caps_.push_back(wire::to_ascii_upper(c));
    }
    caps_known_ = true;
    ++caps_generation_;
}

void Connection::note_code(const std::optional<ResponseCode>& code, std::string_view text) {
    if (!code) {
        return;
    }
    if (code->name == "CAPABILITY") {
        set_capabilities(code_atoms(*code));
    } else if (code->name == "ALERT") {
        // RFC 3501 §7.1: the text of an ALERT must be presented to the user.
        log_->warn("{}: server alert: {}", server_, text);
    }
}

void Connection::trace_received(const Response& r) {
    std::string line;
    if (r.kind == Response::Kind::tagged) {
        line = r.tag + " ";
    } else if (r.kind == Response::Kind::continuation) {
        line = "+ ";
    } else {
        line = "* ";
    }
    if (r.is_status()) {
        line += std::string(to_string(r.status)) + " " + render_code(r.code) + r.text;
    } else if (r.kind == Response::Kind::continuation) {
        line += r.text;
    } else {
        for (std::size_t i = 0; i < r.data.size(); ++i) {
            if (i > 0) {
                line += ' ';
            }
            render(r.data[i], line);
        }
    }
    log_->trace("{} S: {}", server_, line);
}

bool Connection::start_compression() {
    auto codec = std::make_unique<DeflateCodec>();
    if (!codec->ok()) {
        return false;
    }
    codec_ = std::move(codec);
    raw_.resize(read_chunk);
    return true;
}

awaitable<std::optional<Error>> Connection::write(std::string_view data, std::string step,
                                                  std::string trace) {
    if (auto closed = closed_error(step)) {
        co_return closed;
    }
    if (log_->should_log(spdlog::level::trace)) {
        std::string_view shown = trace.empty() ? data : std::string_view(trace);
        while (!shown.empty() && (shown.back() == '\n' || shown.back() == '\r')) {
            shown.remove_suffix(1);
        }
        // A line each: a pipelined write holds several commands.
        for (;;) {
            const std::size_t end = shown.find('\n');
            std::string_view line = shown.substr(0, end);
            if (!line.empty() && line.back() == '\r') {
                line.remove_suffix(1);
            }
            log_->trace("{} C: {}", server_, line);
            if (end == std::string_view::npos) {
                break;
            }
            shown.remove_prefix(end + 1);
        }
    }
    std::string compressed;
    if (codec_) {
        if (!codec_->compress(data, compressed)) {
            co_return fail(make_client_error(client_error::protocol_error, server_, step, {},
                                             "DEFLATE compression failed"));
        }
        data = compressed;
    }
    auto outcome = co_await net::with_deadline(stream_.write(data), timeouts_.write);
    if (!outcome) {
        co_return fail(from_net_error(
            net::make_net_error(net::error::timed_out, server_, net::Step::write,
                                "could not send within " + net::describe_duration(timeouts_.write)),
            step));
    }
    if (*outcome) {
        co_return fail(from_net_error(net::io_error(server_, net::Step::write, *outcome), step));
    }
    co_return std::nullopt;
}

awaitable<std::optional<Error>> Connection::fill(const std::string& step, Duration timeout) {
    while (codec_) {
        if (!codec_->needs_input()) {
            const long produced = codec_->inflate_into(std::span<char>(in_.data(), in_.size()));
            if (produced < 0) {
                co_return fail(make_client_error(client_error::protocol_error, server_, step, {},
                                                 "invalid DEFLATE data (COMPRESS)"));
            }
            if (produced > 0) {
                in_pos_ = 0;
                in_len_ = static_cast<std::size_t>(produced);
                co_return std::nullopt;
            }
            continue;
        }
        auto raw = co_await read_raw(std::span<char>(raw_.data(), raw_.size()), step, timeout);
        if (!raw) {
            co_return raw.error();
        }
        codec_->set_input(std::span<const char>(raw_.data(), *raw));
    }
    auto n = co_await read_raw(std::span<char>(in_.data(), in_.size()), step, timeout);
    if (!n) {
        co_return n.error();
    }
    in_pos_ = 0;
    in_len_ = *n;
    co_return std::nullopt;
}

awaitable<ClientResult<std::size_t>> Connection::read_raw(std::span<char> buffer,
                                                          const std::string& step,
                                                          Duration timeout) {
    const net::Step net_step = greeted_ ? net::Step::read : net::Step::greeting;
    auto outcome = co_await net::with_deadline(stream_.read_some(buffer), timeout);
    if (!outcome) {
        co_return fail(from_net_error(
            net::make_net_error(net::error::timed_out, server_, net_step,
                                "no response within " + net::describe_duration(timeout)),
            step));
    }
    const auto [ec, n] = *outcome;
    if (ec) {
        if (!bye_.empty()) {
            co_return fail(make_client_error(client_error::server_bye, server_, step, bye_));
        }
        co_return fail(from_net_error(net::io_error(server_, net_step, ec), step));
    }
    co_return n;
}

awaitable<ClientResult<const Response*>> Connection::read_response(const std::string& step,
                                                                   Duration timeout,
                                                                   ResponseHandler& handler) {
    while (true) {
        if (in_pos_ == in_len_) {
            const Duration wait = in_literal_ ? timeouts_.literal : timeout;
            if (auto e = co_await fill(step, wait)) {
                co_return std::move(*e);
            }
        }
        const std::string_view input(in_.data() + in_pos_, in_len_ - in_pos_);
        const FeedResult r = parser_.feed(input);
        in_pos_ += r.consumed;
        boost::system::error_code handler_error;
        switch (r.event) {
            case Event::need_more:
                break;
            case Event::response:
                if (log_->should_log(spdlog::level::trace)) {
                    trace_received(parser_.response());
                }
                co_return &parser_.response();
            case Event::literal_begin:
                in_literal_ = true;
                handler_error = co_await handler.on_literal_begin(parser_.literal());
                break;
            case Event::literal_chunk:
                handler_error = co_await handler.on_literal_chunk(r.chunk);
                break;
            case Event::literal_end:
                in_literal_ = false;
                handler_error = co_await handler.on_literal_end();
                break;
            case Event::error:
                co_return fail(make_client_error(client_error::protocol_error, server_, step, {},
                                                 parser_.error_message()));
        }
        if (handler_error) {
            co_return fail(make_client_error(client_error::stream_failed, server_, step, {},
                                             handler_error.message()));
        }
    }
}

awaitable<ClientResult<Response>> Connection::read_greeting(Duration timeout) {
    ResponseHandler ignore;
    auto r = co_await read_response("greeting", timeout, ignore);
    if (!r) {
        co_return r.error();
    }
    greeted_ = true;
    note_code((*r)->code, (*r)->text);
    co_return **r;
}

awaitable<ClientResult<Connection::Reply>> Connection::read_until(std::string tag, std::string step,
                                                                  ResponseHandler* handler,
                                                                  bool want_continuation,
                                                                  std::optional<Duration> timeout) {
    if (auto found = early_.find(tag); found != early_.end()) {
        Reply reply;
        reply.completion = std::move(found->second);
        early_.erase(found);
        co_return reply;
    }
    if (auto closed = closed_error(step)) {
        co_return std::move(*closed);
    }
    ResponseHandler ignore;
    ResponseHandler& h = handler != nullptr ? *handler : ignore;
    const Duration wait = timeout.value_or(timeouts_.response);
    while (true) {
        auto next = co_await read_response(step, wait, h);
        if (!next) {
            co_return next.error();
        }
        const Response& r = **next;
        switch (r.kind) {
            case Response::Kind::continuation:
                if (!want_continuation) {
                    co_return fail(make_client_error(client_error::protocol_error, server_, step,
                                                     "+ " + r.text,
                                                     "continuation request nobody asked for"));
                }
                co_return Reply{true, r.text, {}};
            case Response::Kind::tagged: {
                note_code(r.code, r.text);
                Completion c{r.tag, r.status, r.code, r.text};
                if (r.tag == tag) {
                    co_return Reply{false, {}, std::move(c)};
                }
                if (!sent_by_us(r.tag, tag_counter_)) {
                    co_return fail(make_client_error(client_error::protocol_error, server_, step,
                                                     r.tag + " " + c.line(),
                                                     "completion for a tag never sent"));
                }
                early_.emplace(r.tag, std::move(c));
                break;
            }
            case Response::Kind::untagged: {
                if (r.status == Status::bye) {
                    bye_ = "* BYE " + render_code(r.code) + r.text;
                    if (!expect_bye_) {
                        co_return fail(
                            make_client_error(client_error::server_bye, server_, step, bye_));
                    }
                    break;
                }
                if (r.is_status()) {
                    note_code(r.code, r.text);
                } else {
                    const std::string name = r.name();
                    if (name == "CAPABILITY") {
                        if (auto caps = parse_capability(r)) {
                            set_capabilities(*caps);
                        }
                    } else if (name == "EXISTS" || name == "EXPUNGE") {
                        if (auto count = parse_message_count(r)) {
                            if (count->kind == MessageCount::Kind::exists) {
                                exists_ = count->number;
                            } else if (exists_ > 0) {
                                --exists_;
                            }
                        }
                    } else if (name == "VANISHED") {
                        // RFC 7162 §3.2.10.2: each UID is one message fewer
                        // (not so with EARLIER, §3.2.10.1).
                        if (auto v = parse_vanished(r); v && !v->earlier) {
                            exists_ -= static_cast<std::uint32_t>(
                                std::min<std::uint64_t>(exists_, uid_count(v->ranges)));
                        }
                    }
                }
                if (auto e = co_await h.on_untagged(r)) {
                    co_return fail(std::move(*e));
                }
                break;
            }
        }
    }
}

awaitable<ClientResult<Completion>> Connection::command(std::string text, std::string step,
                                                        ResponseHandler* handler,
                                                        std::string trace) {
    const std::string tag = next_tag();
    const std::string line = tag + " " + text + "\r\n";
    // GCC 12 mishandles temporaries of a conditional expression inside a
    // co_await expression (double free): build arguments as named locals.
    std::string shown;
    if (!trace.empty()) {
        shown = tag + " " + trace;
    }
    if (auto e = co_await write(line, step, shown)) {
        co_return std::move(*e);
    }
    auto reply = co_await read_until(tag, step, handler);
    if (!reply) {
        co_return reply.error();
    }
    co_return std::move(reply->completion);
}

awaitable<ClientResult<std::vector<Completion>>> Connection::pipeline(
    std::vector<std::string> commands, std::string step, ResponseHandler* handler,
    std::size_t window) {
    window = std::max<std::size_t>(window, 1);
    std::vector<Completion> out;
    out.reserve(commands.size());
    std::vector<std::string> inflight;  // tags, oldest first from `oldest`
    std::size_t oldest = 0, next = 0;
    while (out.size() < commands.size()) {
        // Refill when half the window has completed, so writes stay batched.
        if (next < commands.size() && inflight.size() - oldest <= window / 2) {
            std::string batch;
            while (next < commands.size() && inflight.size() - oldest < window) {
                std::string tag = next_tag();
                batch += tag + " " + commands[next++] + "\r\n";
                inflight.push_back(std::move(tag));
            }
            if (auto e = co_await write(batch, step)) {
                co_return std::move(*e);
            }
        }
        auto reply = co_await read_until(inflight[oldest++], step, handler);
        if (!reply) {
            co_return reply.error();
        }
        out.push_back(std::move(reply->completion));
    }
    co_return out;
}

std::optional<Error> Connection::check(const Completion& c, const std::string& step,
                                       client_error no_code) const {
    if (c.status == Status::ok) {
        return std::nullopt;
    }
    if (c.status == Status::bad) {
        return make_client_error(client_error::command_rejected, server_, step, c.line());
    }
    return make_client_error(no_code, server_, step, c.line());
}

}  // namespace mailferry::imap::detail
