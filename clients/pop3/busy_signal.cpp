#include "clients/pop3/busy_signal.hpp"

#include "clients/wire/busy_text.hpp"

namespace mailferry::pop3 {

std::optional<std::string> busy_signal(const ClientError& e) {
    if (e.response.empty()) {
        return std::nullopt;
    }
    const bool coded = e.code == client_error::server_temporary || e.code == client_error::in_use ||
                       e.code == client_error::login_delay;
    const bool worded =
        (e.code == client_error::command_rejected || e.code == client_error::auth_failed) &&
        e.response.find("[AUTH]") == std::string::npos && wire::sounds_busy(e.response);
    if (!coded && !worded) {
        return std::nullopt;
    }
    return e.response;
}

}  // namespace mailferry::pop3
