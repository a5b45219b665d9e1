#pragma once
// The command/response loop under imap::Client: one Stream, one
// ResponseParser, tags A0001..., pipelined commands whose completions are
// matched by tag, untagged responses dispatched to the running command's
// handler, BYE and CAPABILITY handled whatever the command, a deadline on
// every read and write, and the trace log (spdlog, trace level) of every
// line sent and received with secrets redacted and literals summarised.
//
// Errors: any wire failure (timeout, hang-up, invalid input, BYE, a handler
// error) closes the connection and is returned as an imap::Error naming the
// server and the step; after that every call fails with connection_closed.
// A NO or BAD completion is not an error here: it is returned as a
// Completion, and check() turns it into one.
//
// Executor: use from the Stream's executor only, one operation at a time.

#include "clients/imap/client_error.hpp"
#include "clients/imap/detail/deflate_codec.hpp"
#include "clients/imap/response.hpp"
#include "clients/imap/response_parser.hpp"
#include "clients/net/stream.hpp"

#include <spdlog/logger.h>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::imap::detail {

using boost::asio::awaitable;
using Duration = std::chrono::steady_clock::duration;

// A tagged OK/NO/BAD.
struct Completion {
    std::string tag;
    Status status = Status::none;
    std::optional<ResponseCode> code;
    std::string text;
    bool ok() const noexcept { return status == Status::ok; }
    // "NO [CODE args] text": the line as the server sent it, without the tag.
    std::string line() const;
};

// What a command's responses go to. Defaults ignore everything, literals
// included (their bytes are dropped as they stream by).
class ResponseHandler {
  public:
    virtual ~ResponseHandler() = default;
    // Any untagged response but BYE (which fails the command), including
    // untagged OK/NO with response codes and EXISTS/EXPUNGE (also counted by
    // the connection). An error stops the command and closes the connection.
    virtual awaitable<std::optional<Error>> on_untagged(const Response& r);
    // A literal above ParseLimits::inline_literal_max starts; `info` says
    // where it sits (LiteralInfo::uid: the FETCH's UID when sent before it).
    virtual awaitable<boost::system::error_code> on_literal_begin(const LiteralInfo& info);
    virtual awaitable<boost::system::error_code> on_literal_chunk(std::string_view bytes);
    virtual awaitable<boost::system::error_code> on_literal_end();
};

struct ConnectionTimeouts {
    Duration response = std::chrono::seconds(60);  // wait for the next bytes of a response
    Duration literal = std::chrono::seconds(60);   // wait for the next bytes inside a literal
    Duration write = std::chrono::seconds(60);     // one write
};

class Connection {
  public:
    // What read_until() stopped at.
    struct Reply {
        bool continuation = false;
        std::string continuation_text;  // after "+ "
        Completion completion;          // when !continuation
    };

    Connection(net::Stream stream, std::string server, ConnectionTimeouts timeouts,
               ParseLimits limits, std::shared_ptr<spdlog::logger> log);

    const std::string& server() const noexcept { return server_; }
    net::Stream& stream() noexcept { return stream_; }
    bool is_open() const noexcept { return open_ && stream_.is_open(); }
    spdlog::logger& log() noexcept { return *log_; }
    const ConnectionTimeouts& timeouts() const noexcept { return timeouts_; }

    std::string next_tag();

    // Writes `data` (kept alive by the caller until this returns) within
    // the write deadline. `trace` replaces `data` in the trace log when not
    // empty (redaction, literal summaries).
    awaitable<std::optional<Error>> write(std::string_view data, std::string step,
                                          std::string trace = {});

    // Sends "TAG text" CRLF and reads until its completion.
    awaitable<ClientResult<Completion>> command(std::string text, std::string step,
                                                ResponseHandler* handler = nullptr,
                                                std::string trace = {});

    // Reads responses until `tag` completes, or until a continuation request
    // when `want_continuation` (AUTHENTICATE, synchronizing literals). A
    // continuation that nobody asked for is a protocol error. `timeout`
    // replaces ConnectionTimeouts::response for each wait (IDLE).
    awaitable<ClientResult<Reply>> read_until(std::string tag, std::string step,
                                              ResponseHandler* handler,
                                              bool want_continuation = false,
                                              std::optional<Duration> timeout = std::nullopt);

    // Sends every command, keeping at most `window` in flight, and returns
    // their completions in order. Untagged responses go to `handler` (with
    // an in-order server they belong to the oldest command in flight).
    awaitable<ClientResult<std::vector<Completion>>> pipeline(std::vector<std::string> commands,
                                                              std::string step,
                                                              ResponseHandler* handler,
                                                              std::size_t window);

    // The next response, for the greeting (deadline `timeout`).
    awaitable<ClientResult<Response>> read_greeting(Duration timeout);

    // True when bytes were received and not parsed yet (a server must not
    // send anything after its STARTTLS OK: RFC 3501 §6.2.1).
    bool has_buffered_input() const noexcept { return in_pos_ < in_len_; }

    // NO -> command_failed (or `no_code`), BAD -> command_rejected.
    std::optional<Error> check(const Completion& c, const std::string& step,
                               client_error no_code = client_error::command_failed) const;

    // From now on both directions are raw DEFLATE (RFC 4978), after the
    // tagged OK of COMPRESS DEFLATE. False when zlib cannot start.
    bool start_compression();
    bool compressed() const noexcept { return codec_ != nullptr; }

    // Closes at once and fails every later call.
    void close() noexcept;
    // The error every call gets once the connection is closed (server_bye
    // after a BYE, else connection_closed); std::nullopt while it is open.
    std::optional<Error> closed_error(const std::string& step) const;
    // LOGOUT in progress: BYE is expected and not an error.
    void expect_bye() noexcept { expect_bye_ = true; }

    // Capabilities, upper-cased, as last announced (greeting or response
    // code, or `* CAPABILITY`); cleared by forget_capabilities().
    const std::vector<std::string>& capabilities() const noexcept { return caps_; }
    bool capabilities_known() const noexcept { return caps_known_; }
    bool has_capability(std::string_view name) const noexcept;
    void forget_capabilities() noexcept;
    void set_capabilities(const std::vector<std::string>& caps);
    // Counts set_capabilities() calls: tells whether a response brought new ones.
    std::uint64_t capability_generation() const noexcept { return caps_generation_; }

    // The selected mailbox's message count, kept up to date from EXISTS and
    // EXPUNGE (or VANISHED, RFC 7162 §3.2.10.2); reset on SELECT.
    std::uint32_t exists() const noexcept { return exists_; }
    void reset_exists() noexcept { exists_ = 0; }

  private:
    awaitable<ClientResult<const Response*>> read_response(const std::string& step,
                                                           Duration timeout,
                                                           ResponseHandler& handler);
    awaitable<std::optional<Error>> fill(const std::string& step, Duration timeout);
    awaitable<ClientResult<std::size_t>> read_raw(std::span<char> buffer, const std::string& step,
                                                  Duration timeout);
    Error fail(Error e);
    void note_code(const std::optional<ResponseCode>& code, std::string_view text);
    void trace_received(const Response& r);

    net::Stream stream_;
    std::string server_;
    ConnectionTimeouts timeouts_;
    ResponseParser parser_;
    std::shared_ptr<spdlog::logger> log_;
    std::vector<char> in_;
    std::unique_ptr<DeflateCodec> codec_;  // COMPRESS=DEFLATE active
    std::vector<char> raw_;                // compressed input (codec_ reads from it)
    std::size_t in_pos_ = 0, in_len_ = 0;
    bool in_literal_ = false;
    // The greeting arrived: a read that fails now fails in a session the
    // server accepted (net::Step::read), not while it says hello.
    bool greeted_ = false;
    bool open_ = true;
    bool expect_bye_ = false;
    std::string bye_;  // "* BYE ..." when received
    std::uint32_t tag_counter_ = 0;
    std::map<std::string, Completion> early_;  // completions read before they were awaited
    std::vector<std::string> caps_;
    bool caps_known_ = false;
    std::uint64_t caps_generation_ = 0;
    std::uint32_t exists_ = 0;
};

}  // namespace mailferry::imap::detail
