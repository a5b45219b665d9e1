// POP3 client: connection, greeting, CAPA, STLS and login. The
// TRANSACTION-state commands are in client_transaction.cpp.

#include "clients/pop3/client.hpp"

#include "clients/wire/ascii.hpp"
#include "clients/wire/digest.hpp"

#include "clients/net/connector.hpp"
#include "clients/net/deadline.hpp"
#include "clients/net/plaintext_policy.hpp"
#include "clients/net/tls_client.hpp"
#include "clients/pop3/detail/client_state.hpp"
#include "clients/wire/sasl.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>
#include <boost/system/errc.hpp>

#include <algorithm>
#include <array>
#include <utility>

namespace mailferry::pop3 {

namespace {

// The server cannot take the login method asked for: an auth failure the
// user mends by choosing another method, not by retrying.
ClientError login_impossible(const std::string& server, std::string step, std::string_view why) {
    ClientError e;
    e.code = client_error::auth_failed;
    e.server = server;
    e.step = std::move(step);
    e.message = server + ": " + std::string(why);
    return e;
}

using boost::asio::awaitable;

// RFC 5034 §4: "AUTH mechanism initial-response" must not exceed 255 octets
// including CRLF; a longer response is sent after an empty challenge.
constexpr std::size_t max_auth_line = 255;

// RFC 1939 §7: the timestamp is a msg-id, "<" ... "@" ... ">", in the
// greeting text.
std::string find_timestamp(std::string_view text) {
    const auto open = text.rfind('<');
    if (open == std::string_view::npos) {
        return {};
    }
    const auto close = text.find('>', open);
    if (close == std::string_view::npos) {
        return {};
    }
    const std::string_view candidate = text.substr(open, close - open + 1);
    if (candidate.find('@') == std::string_view::npos || candidate.size() < 5) {
        return {};
    }
    return std::string(candidate);
}

Capabilities parse_capabilities(std::string_view listing) {
    Capabilities caps;
    caps.capa_supported = true;
    for (const std::string_view line : split_lines(listing)) {
        auto cap = parse_capa_line(line);
        if (!cap) {
            continue;
        }
        const std::string& name = cap->name;
        if (name == "TOP") {
            caps.top = true;
        } else if (name == "UIDL") {
            caps.uidl = true;
        } else if (name == "USER") {
            caps.user = true;
        } else if (name == "STLS") {
            caps.stls = true;
        } else if (name == "PIPELINING") {
            caps.pipelining = true;
        } else if (name == "RESP-CODES") {
            caps.resp_codes = true;
        } else if (name == "AUTH-RESP-CODE") {
            caps.auth_resp_code = true;
        } else if (name == "SASL") {
            caps.sasl.insert(caps.sasl.end(), cap->args.begin(), cap->args.end());
        } else if (name == "IMPLEMENTATION") {
            caps.implementation = fmt::format("{}", fmt::join(cap->args, " "));
        }
        caps.all.push_back(std::move(*cap));
    }
    return caps;
}

}  // namespace

bool Capabilities::has_sasl(std::string_view mechanism) const {
    const std::string wanted = wire::to_ascii_upper(mechanism);
    return std::any_of(sasl.begin(), sasl.end(),
                       [&](const std::string& m) { return wire::to_ascii_upper(m) == wanted; });
}

std::string_view to_string(LoginMethod method) noexcept {
    switch (method) {
        case LoginMethod::auth_plain:
            return "AUTH PLAIN";
        case LoginMethod::apop:
            return "APOP";
        case LoginMethod::user_pass:
            return "USER/PASS";
        case LoginMethod::oauthbearer:
            return "AUTH OAUTHBEARER";
        case LoginMethod::xoauth2:
            return "AUTH XOAUTH2";
    }
    return "?";
}

std::string redact_command(std::string_view line) {
    const std::string head = wire::to_ascii_upper(line.substr(0, 5));
    if (head == "PASS ") {
        return "PASS ***";
    }
    if (head == "APOP ") {
        const auto space = line.find(' ', 5);
        return std::string(line.substr(0, space)) + " ***";
    }
    if (head == "AUTH ") {
        const auto space = line.find(' ', 5);
        return space == std::string_view::npos ? std::string(line)
                                               : std::string(line.substr(0, space)) + " ***";
    }
    return std::string(line);
}

std::string format_status(const StatusLine& status) {
    std::string out = status.ok ? "+OK" : "-ERR";
    if (status.code) {
        out += " [" + *status.code + "]";
    }
    if (!status.text.empty()) {
        out += " " + status.text;
    }
    return out;
}

awaitable<boost::system::error_code> CollectSink::on_chunk(std::uint32_t, std::string_view chunk) {
    if (text_.size() + chunk.size() > limit_) {
        overflowed_ = true;
        co_return make_error_code(boost::system::errc::message_size);
    }
    text_.append(chunk);
    co_return boost::system::error_code{};
}

// --- State: the read/write core ------------------------------------------

std::optional<ClientError> Client::State::ready_tls_context() {
    auto made = net::ensure_client_tls_context(options.tls_context, options.make_tls_context,
                                               options.verify);
    if (made) {
        return std::nullopt;
    }
    ClientError e;
    e.code = net::error::tls_handshake_failed;
    e.server = server;
    e.step = "tls";
    e.message = made.error();
    return e;
}

ClientError Client::State::not_connected(std::string step) const {
    ClientError e;
    e.code = client_error::not_connected;
    e.server = server;
    e.message = fmt::format(
        "{}: cannot send {}: the connection was closed after an earlier "
        "error or QUIT. Connect again.",
        server, step);
    e.step = std::move(step);
    return e;
}

ClientError Client::State::fail(ClientError e) {
    broken = true;
    if (stream) {
        stream->close();
    }
    return e;
}

void Client::State::trace_received(const StatusLine& status) const {
    if (spdlog::should_log(spdlog::level::trace)) {
        spdlog::trace("pop3 {} S: {}", server, format_status(status));
    }
}

awaitable<std::optional<ClientError>> Client::State::send(std::string data, std::string shown,
                                                          std::string step) {
    if (!usable()) {
        co_return not_connected(std::move(step));
    }
    if (spdlog::should_log(spdlog::level::trace)) {
        spdlog::trace("pop3 {} C: {}", server, shown);
    }
    auto failed = co_await reader->write_with_deadline(std::move(data), options.command_timeout);
    if (failed) {
        co_return fail(from_net_error(*failed, std::move(step)));
    }
    co_return std::nullopt;
}

awaitable<Result<FeedResult>> Client::State::next_event(std::string step, Duration timeout,
                                                        net::Step net_step) {
    while (true) {
        if (!pending.empty()) {
            const FeedResult r = parser.feed(pending);
            pending.remove_prefix(r.consumed);
            if (r.event == Event::error) {
                co_return fail(protocol_error(server, std::move(step), parser.error_message()));
            }
            if (r.event != Event::need_more) {
                co_return r;
            }
        }
        if (!usable()) {
            co_return not_connected(std::move(step));
        }
        auto got = co_await reader->read_some_with_deadline(timeout, net_step);
        if (!got) {
            co_return fail(from_net_error(got.error(), std::move(step)));
        }
        pending = *got;
    }
}

awaitable<Result<StatusLine>> Client::State::read_status(std::string step, Duration timeout,
                                                         net::Step net_step) {
    auto ev = co_await next_event(step, timeout, net_step);
    if (!ev) {
        co_return ev.error();
    }
    if (ev->event != Event::status) {
        co_return fail(
            protocol_error(server, std::move(step), "expected a +OK or -ERR status line"));
    }
    trace_received(parser.status());
    co_return parser.status();
}

awaitable<Result<std::uint64_t>> Client::State::read_body(std::string step, RetrSink& sink,
                                                          std::uint32_t number) {
    std::uint64_t octets = 0;
    while (true) {
        auto ev = co_await next_event(step, options.command_timeout);
        if (!ev) {
            co_return ev.error();
        }
        if (ev->event == Event::body_chunk) {
            octets += ev->chunk.size();
            const auto ec = co_await sink.on_chunk(number, ev->chunk);
            if (ec) {
                ClientError e;
                e.code = client_error::sink_failed;
                e.server = server;
                e.message = fmt::format("{}: {}: the data could not be stored: {}", server, step,
                                        ec.message());
                e.step = std::move(step);
                co_return fail(std::move(e));
            }
        } else if (ev->event == Event::body_end) {
            const auto ec = co_await sink.on_end(number);
            if (ec) {
                ClientError e;
                e.code = client_error::sink_failed;
                e.server = server;
                e.message = fmt::format("{}: {}: the data could not be stored: {}", server, step,
                                        ec.message());
                e.step = std::move(step);
                co_return e;
            }
            co_return octets;
        } else {
            co_return fail(protocol_error(server, std::move(step),
                                          "unexpected line inside a multi-line answer"));
        }
    }
}

awaitable<Result<StatusLine>> Client::State::command(std::string line, std::string step,
                                                     bool multiline) {
    if (!usable()) {
        co_return not_connected(std::move(step));
    }
    std::string shown = redact_command(line);
    line += "\r\n";
    auto failed = co_await send(std::move(line), std::move(shown), step);
    if (failed) {
        co_return *failed;
    }
    if (multiline) {
        parser.expect_multiline();
    }
    co_return co_await read_status(std::move(step), options.command_timeout);
}

awaitable<std::optional<ClientError>> Client::State::load_capabilities() {
    auto status = co_await command("CAPA", "CAPA", true);
    if (!status) {
        co_return status.error();
    }
    if (!status->ok) {
        // RFC 2449 §5: a server without CAPA is a plain RFC 1939 server.
        caps = Capabilities{};
        caps.user = true;
        co_return std::nullopt;
    }
    CollectSink sink(options.max_listing_bytes);
    auto body = co_await read_body("CAPA", sink, 0);
    if (!body) {
        co_return body.error();
    }
    caps = parse_capabilities(sink.text());
    co_return std::nullopt;
}

// What one AUTH exchange came to.
struct SaslOutcome {
    std::optional<ClientError> error;
    // The RFC 7628 §3.2.2 JSON error the server sent as a challenge.
    std::optional<wire::OAuthFailure> oauth_failure;
};

// RFC 5034 §4: "AUTH mechanism response" when it fits the line limit, else
// the response after the server's empty challenge. With `dummy` (the OAuth
// mechanisms) one challenge after the response is the server's JSON error,
// which must be answered with `dummy` before the -ERR (RFC 7628 §3.2.3);
// any other extra challenge is cancelled with "*" and reported.
awaitable<SaslOutcome> sasl_exchange(Client::State* state, std::string mechanism,
                                     std::string response, std::optional<std::string> dummy) {
    Client::State& s = *state;
    SaslOutcome out;
    const std::string step = "AUTH " + mechanism;
    const bool inline_response = step.size() + 1 + response.size() + 2 <= max_auth_line;
    std::string line = inline_response ? step + " " + response + "\r\n" : step + "\r\n";
    std::string shown = inline_response ? step + " ***" : step;
    out.error = co_await s.send(std::move(line), std::move(shown), step);
    if (out.error) {
        co_return out;
    }
    bool response_sent = inline_response;
    bool error_answered = false;
    while (true) {
        auto ev = co_await s.next_event(step, s.options.command_timeout);
        if (!ev) {
            out.error = ev.error();
            co_return out;
        }
        if (ev->event == Event::continuation) {
            std::string answer;
            if (!response_sent) {
                answer = response;
                response_sent = true;
            } else if (dummy && !error_answered) {
                out.oauth_failure = wire::sasl_oauth_failure(s.parser.continuation());
                answer = *dummy;
                error_answered = true;
            } else {
                out.error = co_await s.send("*\r\n", "*", step);
                if (out.error) {
                    co_return out;
                }
                auto answered = co_await s.read_status(step, s.options.command_timeout);
                if (!answered) {
                    out.error = answered.error();
                    co_return out;
                }
                out.error = protocol_error(
                    s.server, step, "the server sent one SASL challenge too many to " + mechanism);
                co_return out;
            }
            out.error = co_await s.send(answer + "\r\n", "***", step);
            if (out.error) {
                co_return out;
            }
            continue;
        }
        if (ev->event != Event::status) {
            out.error = s.fail(protocol_error(s.server, step, "expected a status line"));
            co_return out;
        }
        const StatusLine& status = s.parser.status();
        s.trace_received(status);
        if (!status.ok) {
            out.error =
                rejected(s.server, step, status.code.value_or(""), format_status(status), true);
        }
        co_return out;
    }
}

// --- Client: connect and login --------------------------------------------

Client::Client(std::unique_ptr<State> state) : state_(std::move(state)) {}
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;
Client::~Client() {
    close();
}

awaitable<Result<Client>> Client::connect(ClientOptions options) {
    auto state = std::make_unique<State>();
    state->server = net::server_name(options.host, options.port);
    state->options = std::move(options);
    if (state->options.implicit_tls) {
        if (auto e = state->ready_tls_context()) {
            co_return *e;
        }
    }
    const ClientOptions& o = state->options;
    const std::string tls_name = o.tls_name.empty() ? o.host : o.tls_name;

    net::ConnectOptions co;
    co.host = o.host;
    co.port = o.port;
    co.implicit_tls = o.implicit_tls;
    co.tls_context = o.tls_context;
    co.verify = o.verify;
    co.tls_name = tls_name;
    co.resolve_timeout = o.connect_timeout;
    co.connect_timeout = o.connect_timeout;
    co.tls_timeout = o.tls_timeout;
    auto connected = co_await net::connect(std::move(co));
    if (!connected) {
        const auto& err = connected.error();
        co_return from_net_error(err, std::string(net::step_name(err.step)));
    }
    state->stream.emplace(std::move(*connected));
    state->reader.emplace(*state->stream, state->server);
    if (o.implicit_tls) {
        state->verified = o.verify;
        if (!o.verify) {
            spdlog::warn("{}: {}", state->server, net::insecure_warning());
        }
    }

    auto greeting = co_await state->read_status("greeting", o.command_timeout, net::Step::greeting);
    if (!greeting) {
        co_return greeting.error();
    }
    if (!greeting->ok) {
        co_return state->fail(rejected(state->server, "greeting", greeting->code.value_or(""),
                                       format_status(*greeting), false));
    }
    state->greeting = greeting->text;
    state->timestamp = find_timestamp(greeting->text);

    if (auto e = co_await state->load_capabilities()) {
        co_return *e;
    }
    if (!o.implicit_tls && state->caps.stls) {
        if (auto e = state->ready_tls_context()) {
            co_return *e;
        }
        auto answer = co_await state->command("STLS", "STLS");
        if (!answer) {
            co_return answer.error();
        }
        if (!answer->ok) {
            // The login's plaintext policy decides whether going on is safe.
            spdlog::warn("{}: the server offered STLS but refused it: \"{}\"", state->server,
                         format_status(*answer));
        } else {
            if (!state->pending.empty()) {
                // RFC 2595 §4 (CVE-2011-0411): bytes after the +OK and before
                // the handshake could be injected by an attacker.
                co_return state->fail(protocol_error(state->server, "STLS",
                                                     "data arrived between +OK and the TLS "
                                                     "handshake"));
            }
            auto hs = co_await net::with_deadline(
                state->stream->handshake_client(*o.tls_context, tls_name, o.verify), o.tls_timeout);
            if (!hs) {
                co_return state->fail(from_net_error(
                    net::make_net_error(net::error::timed_out, state->server, net::Step::tls,
                                        net::describe_duration(o.tls_timeout)),
                    "STLS"));
            }
            if (*hs) {
                co_return state->fail(
                    from_net_error(net::tls_handshake_error(state->server, tls_name, *hs,
                                                            state->stream->verify_result()),
                                   "STLS"));
            }
            state->reader.emplace(*state->stream, state->server);
            state->parser = ResponseParser{};
            state->verified = o.verify;
            if (!o.verify) {
                spdlog::warn("{}: {}", state->server, net::insecure_warning());
            }
            // RFC 2595 §4: forget what was learnt before TLS.
            if (auto e = co_await state->load_capabilities()) {
                co_return *e;
            }
        }
    }
    co_return Client(std::move(state));
}

awaitable<Result<LoginMethod>> Client::login(std::string user, std::string password) {
    State& s = *state_;
    if (!s.usable()) {
        co_return s.not_connected("login");
    }
    if (auto refused =
            net::check_password_allowed(*s.stream, s.options.allow_plaintext, s.server)) {
        co_return from_net_error(*refused, "login");
    }
    const bool plain = s.caps.has_sasl("PLAIN");
    const bool apop = !s.timestamp.empty();
    LoginMethod method = LoginMethod::user_pass;
    if (s.options.login_method) {
        method = *s.options.login_method;
        if (method == LoginMethod::apop && !apop) {
            co_return login_impossible(s.server, "APOP",
                                       "cannot log in with APOP: the greeting has no APOP "
                                       "timestamp. Use another login method.");
        }
    } else if (s.options.oauth2) {
        if (s.caps.has_sasl("OAUTHBEARER")) {
            method = LoginMethod::oauthbearer;
        } else if (s.caps.has_sasl("XOAUTH2")) {
            method = LoginMethod::xoauth2;
        } else {
            co_return login_impossible(
                s.server, "AUTH",
                "cannot log in with an OAuth access token: the server offers neither "
                "OAUTHBEARER nor XOAUTH2 in its CAPA SASL line. Check that OAuth is enabled for "
                "this account, or log in with a password instead.");
        }
    } else if (plain && !(apop && s.options.prefer_apop)) {
        method = LoginMethod::auth_plain;
    } else if (apop) {
        method = LoginMethod::apop;
    }

    const auto check = [&](const StatusLine& status,
                           std::string step) -> std::optional<ClientError> {
        if (status.ok) {
            return std::nullopt;
        }
        return rejected(s.server, std::move(step), status.code.value_or(""), format_status(status),
                        true);
    };

    if (method == LoginMethod::apop) {
        auto answer = co_await s.command(
            fmt::format("APOP {} {}", user, wire::apop_digest(s.timestamp, password)), "APOP");
        if (!answer) {
            co_return answer.error();
        }
        if (auto e = check(*answer, "APOP")) {
            co_return *e;
        }
        co_return method;
    }

    if (method == LoginMethod::user_pass) {
        auto answer = co_await s.command("USER " + user, "USER");
        if (!answer) {
            co_return answer.error();
        }
        if (auto e = check(*answer, "USER")) {
            co_return *e;
        }
        answer = co_await s.command("PASS " + password, "PASS");
        std::fill(password.begin(), password.end(), '\0');
        if (!answer) {
            co_return answer.error();
        }
        if (auto e = check(*answer, "PASS")) {
            co_return *e;
        }
        co_return method;
    }

    if (method == LoginMethod::oauthbearer || method == LoginMethod::xoauth2) {
        const bool bearer = method == LoginMethod::oauthbearer;
        std::string mechanism = bearer ? "OAUTHBEARER" : "XOAUTH2";
        std::string response =
            bearer ? wire::sasl_oauthbearer_response(user, s.options.host, s.options.port, password)
                   : wire::sasl_xoauth2_response(user, password);
        std::fill(password.begin(), password.end(), '\0');
        // RFC 7628 §3.2.3: ^A for OAUTHBEARER; XOAUTH2 servers take an empty line.
        std::optional<std::string> dummy =
            bearer ? wire::sasl_oauthbearer_dummy_response() : std::string();
        auto outcome =
            co_await sasl_exchange(&s, std::move(mechanism), std::move(response), std::move(dummy));
        if (!outcome.error) {
            co_return method;
        }
        ClientError& e = *outcome.error;
        if (e.code == client_error::auth_failed && outcome.oauth_failure) {
            e.message = fmt::format(
                "{} rejected by {}: \"{}\"; the server refused the access token ({}). Get a new "
                "token issued for this user with access to mail.",
                e.step, e.server, e.response, wire::describe(*outcome.oauth_failure));
        }
        co_return e;
    }

    // RFC 4616 PLAIN, one step: a second challenge is cancelled.
    std::string response = wire::sasl_plain_response("", user, password);
    std::fill(password.begin(), password.end(), '\0');
    std::string mechanism = "PLAIN";
    std::optional<std::string> no_dummy;
    auto outcome =
        co_await sasl_exchange(&s, std::move(mechanism), std::move(response), std::move(no_dummy));
    if (outcome.error) {
        co_return *outcome.error;
    }
    co_return method;
}

}  // namespace mailferry::pop3
