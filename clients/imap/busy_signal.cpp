#include "clients/imap/busy_signal.hpp"

#include "clients/wire/ascii.hpp"
#include "clients/wire/busy_text.hpp"

#include <string_view>

namespace mailferry::imap {
namespace {

// "NO [THROTTLED] text" / "* BYE [UNAVAILABLE] text": the response code's
// atom, upper case, or "" without one.
std::string response_code(std::string_view response) {
    const auto open = response.find('[');
    if (open == std::string_view::npos) {
        return {};
    }
    // Only a code right after the status word counts, not a '[' in the text.
    const std::string_view before = response.substr(0, open);
    if (before != "NO " && before != "BAD " && before != "* BYE " && before != "BYE " &&
        before != "* NO ") {
        return {};
    }
    std::size_t end = open + 1;
    while (end < response.size() && response[end] != ']' && response[end] != ' ') {
        ++end;
    }
    return wire::to_ascii_upper(response.substr(open + 1, end - open - 1));
}

}  // namespace

std::optional<std::string> busy_signal(const Error& e) {
    const bool refused = e.code == client_error::command_failed;
    const bool login = e.code == client_error::authentication_failed;
    const bool bye =
        e.code == client_error::server_bye || e.code == client_error::greeting_rejected;
    if ((!refused && !login && !bye) || e.response.empty()) {
        return std::nullopt;
    }
    const std::string code = response_code(e.response);
    if (code == "AUTHENTICATIONFAILED" || code == "AUTHORIZATIONFAILED" || code == "SERVERBUG") {
        return std::nullopt;
    }
    const bool busy = code == "THROTTLED" || code == "UNAVAILABLE" || (code == "LIMIT" && login) ||
                      wire::sounds_busy(e.response);
    if (!busy) {
        return std::nullopt;
    }
    return e.response;
}

}  // namespace mailferry::imap
