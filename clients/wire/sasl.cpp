#include "clients/wire/sasl.hpp"

#include "clients/wire/base64.hpp"

#include <nlohmann/json.hpp>

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

namespace {

// RFC 5801 §4: saslname escapes "," as "=2C" and "=" as "=3D".
std::string gs2_escape(std::string_view name) {
    std::string out;
    for (const char c : name) {
        if (c == ',') {
            out += "=2C";
        } else if (c == '=') {
            out += "=3D";
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::optional<std::string> gs2_unescape(std::string_view name) {
    std::string out;
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (name[i] != '=') {
            out.push_back(name[i]);
            continue;
        }
        const std::string_view code = name.substr(i + 1, 2);
        if (code == "2C") {
            out.push_back(',');
        } else if (code == "3D") {
            out.push_back('=');
        } else {
            return std::nullopt;
        }
        i += 2;
    }
    return out;
}

bool starts_with_ci(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() &&
           std::equal(prefix.begin(), prefix.end(), text.begin(),
                      [](char a, char b) { return (a | 0x20) == (b | 0x20); });
}

}  // namespace

std::string sasl_oauthbearer_response(std::string_view user, std::string_view host,
                                      std::uint16_t port, std::string_view access_token) {
    std::string message = "n,a=" + gs2_escape(user) + ",\x01host=";
    message.append(host);
    message += "\x01port=" + std::to_string(port) + "\x01" + "auth=Bearer ";
    message.append(access_token);
    message += "\x01\x01";
    return base64_encode(message);
}

std::string sasl_oauthbearer_dummy_response() {
    return base64_encode("\x01");
}

std::optional<OAuthBearerCredentials> sasl_oauthbearer_decode(std::string_view base64) {
    const std::optional<std::string> message = base64_decode(base64);
    // gs2-header: gs2-cbind-flag "," [authzid] "," then kvsep-separated
    // key=value pairs and a final kvsep (RFC 7628 §3.1).
    if (!message || message->size() < 4 || message->compare(message->size() - 2, 2, "\x01\x01") ||
        !(message->starts_with("n,") || message->starts_with("y,"))) {
        return std::nullopt;
    }
    const std::size_t header_end = message->find(',', 2);
    if (header_end == std::string::npos || header_end + 1 >= message->size() ||
        (*message)[header_end + 1] != '\x01') {
        return std::nullopt;
    }
    OAuthBearerCredentials out;
    const std::string_view authzid = std::string_view(*message).substr(2, header_end - 2);
    if (!authzid.empty()) {
        if (!authzid.starts_with("a=")) {
            return std::nullopt;
        }
        auto name = gs2_unescape(authzid.substr(2));
        if (!name) {
            return std::nullopt;
        }
        out.authzid = std::move(*name);
    }
    std::string_view rest = std::string_view(*message).substr(header_end + 2);
    rest.remove_suffix(1);  // the final kvsep
    while (!rest.empty()) {
        const std::size_t end = rest.find('\x01');
        if (end == std::string_view::npos) {
            return std::nullopt;
        }
        const std::string_view pair = rest.substr(0, end);
        rest.remove_prefix(end + 1);
        if (pair.starts_with("host=")) {
            out.host = std::string(pair.substr(5));
        } else if (pair.starts_with("port=")) {
            out.port = std::string(pair.substr(5));
        } else if (pair.starts_with("auth=")) {
            // RFC 7628 §3.1: the scheme name is case-insensitive.
            const std::string_view value = pair.substr(5);
            if (starts_with_ci(value, "bearer ")) {
                out.token = std::string(value.substr(7));
            }
        }
    }
    return out;
}

std::string oauth_failure_json(const OAuthFailure& failure) {
    nlohmann::ordered_json json = nlohmann::ordered_json::object();
    json["status"] = failure.status;
    if (!failure.schemes.empty()) {
        json["schemes"] = failure.schemes;
    }
    if (!failure.scope.empty()) {
        json["scope"] = failure.scope;
    }
    if (!failure.openid_configuration.empty()) {
        json["openid-configuration"] = failure.openid_configuration;
    }
    return json.dump();
}

std::optional<OAuthFailure> sasl_oauth_failure(std::string_view challenge) {
    const std::optional<std::string> text = base64_decode(challenge);
    if (!text) {
        return std::nullopt;
    }
    const nlohmann::json json = nlohmann::json::parse(*text, nullptr, false);
    if (!json.is_object()) {
        return std::nullopt;
    }
    const auto member = [&json](const char* key) {
        const auto it = json.find(key);
        return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    const auto status = json.find("status");
    if (status == json.end() || !status->is_string()) {
        return std::nullopt;
    }
    return OAuthFailure{member("status"), member("schemes"), member("scope"),
                        member("openid-configuration")};
}

std::string describe(const OAuthFailure& failure) {
    std::string out = "status " + failure.status;
    if (!failure.schemes.empty()) {
        out += ", schemes \"" + failure.schemes + "\"";
    }
    if (!failure.scope.empty()) {
        out += ", scope \"" + failure.scope + "\"";
    }
    if (!failure.openid_configuration.empty()) {
        out += ", openid-configuration " + failure.openid_configuration;
    }
    return out;
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
