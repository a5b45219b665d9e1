#include "clients/imap/client_error.hpp"

#include "clients/wire/busy_text.hpp"
#include "clients/wire/enum_error_category.hpp"

#include <stdexcept>
#include <utility>

namespace mailferry::imap {
namespace {

std::string describe(client_error value) {
    switch (value) {
        case client_error::greeting_rejected:
            return "server rejected the connection";
        case client_error::command_failed:
            return "command failed (NO)";
        case client_error::command_rejected:
            return "command rejected as invalid (BAD)";
        case client_error::authentication_failed:
            return "authentication failed";
        case client_error::server_bye:
            return "server closed the session (BYE)";
        case client_error::protocol_error:
            return "server sent an invalid or unexpected response";
        case client_error::starttls_unavailable:
            return "server does not offer STARTTLS";
        case client_error::no_usable_mechanism:
            return "no usable login mechanism";
        case client_error::body_size_mismatch:
            return "message body size differs from the announced size";
        case client_error::stream_failed:
            return "the other end of a message stream failed";
        case client_error::not_supported:
            return "operation not supported by the server";
        case client_error::no_mailbox_selected:
            return "no mailbox selected";
    }
    return "unknown IMAP client error";
}

std::string with_detail(std::string_view detail) {
    return detail.empty() ? std::string() : " (" + std::string(detail) + ")";
}

std::string quoted(std::string_view response) {
    return response.empty() ? std::string() : ": " + std::string(response);
}

}  // namespace

const boost::system::error_category& client_error_category() noexcept {
    static const wire::EnumErrorCategory<client_error> category("mailferry.imap.client", describe);
    return category;
}

Error make_client_error(client_error e, std::string server, std::string step, std::string response,
                        std::string_view detail) {
    std::string out = server + ": ";
    switch (e) {
        case client_error::greeting_rejected:
            out += "the server refused the connection" + quoted(response) + with_detail(detail) +
                   ". Try again later or ask the server's administrator.";
            break;
        case client_error::command_failed:
            out += step + " failed" + quoted(response) + with_detail(detail) + ".";
            break;
        case client_error::command_rejected:
            out += step + " rejected as invalid" + quoted(response) + with_detail(detail) +
                   ". The server does not understand this command; please report it.";
            break;
        case client_error::authentication_failed:
            out +=
                step + " rejected" + quoted(response) + with_detail(detail) +
                (response.find("[UNAVAILABLE]") != std::string::npos || wire::sounds_busy(response)
                     ? ". The server is busy or limits this account's connections; close "
                       "other mail clients or try again later."
                     : ". Check the user name and password (or token).");
            break;
        case client_error::server_bye:
            out += "the server ended the session during " + step + quoted(response) +
                   with_detail(detail) + ". Try again; if it persists, check the server's logs.";
            break;
        case client_error::protocol_error:
            out += "unexpected response during " + step + with_detail(detail) + quoted(response) +
                   ". The connection was closed; please report this server's behaviour.";
            break;
        case client_error::starttls_unavailable:
            out += "the server does not offer STARTTLS" + with_detail(detail) +
                   ", so the password would cross the network unencrypted. Use imaps:// or "
                   "pass --allow-plaintext.";
            break;
        case client_error::no_usable_mechanism:
            out += "no usable login method" + with_detail(detail) + quoted(response) +
                   ". Use imaps:// or STARTTLS, or another ;AUTH= mechanism.";
            break;
        case client_error::body_size_mismatch:
            out += step + ": message body size differs from the announced size" +
                   with_detail(detail) + ". The connection was closed; nothing was appended.";
            break;
        case client_error::stream_failed:
            out += step + " stopped: the other end of the message stream failed" +
                   with_detail(detail) + ".";
            break;
        case client_error::not_supported:
            out += step + " is not supported by this server" + with_detail(detail) + ".";
            break;
        case client_error::no_mailbox_selected:
            out += step + " needs a selected mailbox" + with_detail(detail) + ".";
            break;
    }
    return Error{make_error_code(e), std::move(server), std::move(step), std::move(response),
                 std::move(out)};
}

Error from_net_error(const net::NetError& e, std::string step) {
    Error out{e.code, e.server, std::move(step), {}, e.message};
    const std::string prefix = e.server + ": ";
    if (e.message.rfind(prefix, 0) == 0 && !out.step.empty()) {
        out.message = prefix + out.step + ": " + e.message.substr(prefix.size());
    }
    return out;
}

void throw_exception_from_error(const Error& e, const boost::source_location&) {
    throw std::runtime_error(e.message);
}

}  // namespace mailferry::imap
