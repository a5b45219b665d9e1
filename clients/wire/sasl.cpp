#include "clients/wire/sasl.hpp"

#include "clients/wire/base64.hpp"

#include <algorithm>
#include <utility>

namespace mailferry::wire {

std::string sasl_plain_response(std::string_view authzid, std::string_view authcid,
                                std::string_view password) {
    std::string message;
    message.reserve(authzid.size() + authcid.size() + password.size() + 2);
    message.append(authzid);
    message.push_back('\0');
    message.append(authcid);
    message.push_back('\0');
    message.append(password);
    return base64_encode(message);
}

std::optional<PlainCredentials> sasl_plain_decode(std::string_view base64) {
    const std::optional<std::string> message = base64_decode(base64);
    if (!message || std::count(message->begin(), message->end(), '\0') != 2) {
        return std::nullopt;
    }
    const std::size_t first = message->find('\0');
    const std::size_t second = message->find('\0', first + 1);
    PlainCredentials c;
    c.authzid = message->substr(0, first);
    c.authcid = message->substr(first + 1, second - first - 1);
    c.password = message->substr(second + 1);
    if (c.authcid.empty() || c.password.empty()) {
        return std::nullopt;
    }
    return c;
}

std::string sasl_xoauth2_response(std::string_view user, std::string_view access_token) {
    std::string message = "user=";
    message.append(user);
    message +=
        "\x01"
        "auth=Bearer ";
    message.append(access_token);
    message += "\x01\x01";
    return base64_encode(message);
}

std::optional<std::string> sasl_xoauth2_error(std::string_view challenge) {
    return base64_decode(challenge);
}

SaslLogin::SaslLogin(std::string user, std::string password)
    : user_(std::move(user)), password_(std::move(password)) {}

std::optional<std::string> SaslLogin::respond(std::string_view challenge) {
    // Some servers send an empty challenge; anything else must be base64.
    if (!challenge.empty() && !base64_decode(challenge)) {
        return std::nullopt;
    }
    switch (step_++) {
        case 0:
            return base64_encode(user_);
        case 1:
            return base64_encode(password_);
        default:
            return std::nullopt;
    }
}

}  // namespace mailferry::wire
