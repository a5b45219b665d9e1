#include "clients/pop3/client_error.hpp"

#include "clients/wire/enum_error_category.hpp"

#include <fmt/format.h>

#include <string>

namespace mailferry::pop3 {
namespace {

std::string describe(client_error value) {
    switch (value) {
        case client_error::command_rejected:
            return "command rejected by the POP3 server";
        case client_error::auth_failed:
            return "POP3 login rejected";
        case client_error::in_use:
            return "POP3 maildrop in use by another session";
        case client_error::login_delay:
            return "POP3 login too soon after the last one";
        case client_error::server_temporary:
            return "temporary POP3 server failure";
        case client_error::server_permanent:
            return "permanent POP3 server failure";
        case client_error::protocol_error:
            return "POP3 protocol error";
        case client_error::sink_failed:
            return "message body could not be stored";
        case client_error::not_connected:
            return "POP3 connection no longer usable";
    }
    return "unknown POP3 client error";
}

}  // namespace

const boost::system::error_category& client_error_category() noexcept {
    static const wire::EnumErrorCategory<client_error> category("mailferry.pop3.client", describe);
    return category;
}

ClientError rejected(std::string server, std::string step, std::string_view code,
                     std::string response_line, bool login) {
    ClientError e;
    std::string advice;
    // RFC 2449 §8.1 and RFC 3206 §4: the code, not the text, says why.
    if (code == "IN-USE") {
        e.code = client_error::in_use;
        advice = "Another client holds the maildrop (RFC 2449 IN-USE); close it or retry later.";
    } else if (code == "LOGIN-DELAY") {
        e.code = client_error::login_delay;
        advice = "The server limits how often this account may log in; retry later.";
    } else if (code == "SYS/TEMP") {
        e.code = client_error::server_temporary;
        advice = "The server reports a temporary problem; retry later.";
    } else if (code == "SYS/PERM") {
        e.code = client_error::server_permanent;
        advice = "The server reports a permanent problem; ask its administrator.";
    } else if (login || code == "AUTH") {
        e.code = client_error::auth_failed;
        advice = "Check the user name and password.";
    } else {
        e.code = client_error::command_rejected;
        advice = "The server refused the command.";
    }
    e.message = fmt::format("{} rejected by {}: \"{}\". {}", step, server, response_line, advice);
    e.server = std::move(server);
    e.step = std::move(step);
    e.response = std::move(response_line);
    return e;
}

ClientError from_net_error(const net::NetError& e, std::string step) {
    ClientError out;
    out.code = e.code;
    out.server = e.server;
    out.step = std::move(step);
    out.message = e.message;
    if (out.step != net::step_name(e.step)) {
        out.message += fmt::format(" (POP3 step: {})", out.step);
    }
    return out;
}

ClientError protocol_error(std::string server, std::string step, std::string_view detail) {
    ClientError e;
    e.code = client_error::protocol_error;
    e.message = fmt::format(
        "{}: {} failed: {}. The server does not speak POP3 as expected; "
        "check the host and port.",
        server, step, detail);
    e.server = std::move(server);
    e.step = std::move(step);
    return e;
}

}  // namespace mailferry::pop3
