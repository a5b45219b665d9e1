#include "cli/oauth2/token_response.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <limits>

namespace mailferry::cli::oauth2 {

namespace {

using Answer = boost::system::result<TokenGrant, TokenRefusal>;

Answer refused(unsigned status, std::string error, std::string description) {
    return {boost::system::in_place_error,
            TokenRefusal{status, std::move(error), std::move(description)}};
}

// A provider's text, fit for one log line: printable ASCII only, bounded.
std::string printable(std::string_view text, std::size_t limit = 300) {
    std::string out;
    for (const char c : text.substr(0, limit)) {
        const auto u = static_cast<unsigned char>(c);
        out += (u >= 0x20 && u < 0x7f) ? c : ' ';
    }
    if (text.size() > limit) {
        out += "...";
    }
    return out;
}

// expires_in is a number of seconds; some providers send it as a string.
std::optional<std::chrono::seconds> seconds_of(const nlohmann::json& value) {
    constexpr std::int64_t ten_years = 10LL * 366 * 24 * 3600;
    std::int64_t n = -1;
    if (value.is_number_integer()) {
        n = value.get<std::int64_t>();
    } else if (value.is_number_float()) {
        const double d = value.get<double>();
        n = d >= 0 && d < static_cast<double>(ten_years) ? static_cast<std::int64_t>(d) : -1;
    } else if (value.is_string()) {
        const auto& s = value.get_ref<const std::string&>();
        if (!s.empty() && s.size() < 12 && std::all_of(s.begin(), s.end(), [](char c) {
                return std::isdigit(static_cast<unsigned char>(c)) != 0;
            })) {
            n = std::stoll(s);
        }
    }
    if (n < 0) {
        return std::nullopt;
    }
    return std::chrono::seconds(std::min(n, ten_years));
}

}  // namespace

Answer parse_token_response(unsigned http_status, std::string_view body) {
    const nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
        return refused(http_status, "",
                       fmt::format("the answer (HTTP {}) is not a JSON object", http_status));
    }
    if (const auto error = json.find("error"); error != json.end()) {
        std::string code = error->is_string() ? printable(error->get<std::string>(), 80) : "";
        std::string description;
        if (const auto d = json.find("error_description"); d != json.end() && d->is_string()) {
            description = printable(d->get<std::string>());
        }
        if (code.empty()) {
            code = "unknown_error";
        }
        return refused(http_status, std::move(code), std::move(description));
    }
    if (http_status < 200 || http_status > 299) {
        return refused(http_status, "",
                       fmt::format("HTTP {} without an OAuth2 error in the answer", http_status));
    }
    const auto token = json.find("access_token");
    if (token == json.end() || !token->is_string() ||
        token->get_ref<const std::string&>().empty()) {
        return refused(http_status, "", "the answer has no access_token");
    }
    if (const auto type = json.find("token_type"); type != json.end()) {
        std::string lower = type->is_string() ? type->get<std::string>() : "";
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (lower != "bearer") {
            return refused(http_status, "",
                           fmt::format("the token_type is \"{}\", not Bearer",
                                       type->is_string() ? printable(type->get<std::string>(), 40)
                                                         : std::string("?")));
        }
    }
    TokenGrant grant;
    grant.access_token = token->get<std::string>();
    if (const auto expires = json.find("expires_in"); expires != json.end()) {
        grant.expires_in = seconds_of(*expires);
        if (!grant.expires_in) {
            return refused(http_status, "", "expires_in is not a number of seconds");
        }
    }
    if (const auto refresh = json.find("refresh_token"); refresh != json.end()) {
        if (!refresh->is_string()) {
            return refused(http_status, "", "refresh_token in the answer is not a string");
        }
        if (!refresh->get_ref<const std::string&>().empty()) {
            grant.refresh_token = refresh->get<std::string>();
        }
    }
    return grant;
}

std::string refusal_message(const TokenRefusal& refusal, std::string_view token_url,
                            std::string_view file) {
    if (refusal.error.empty()) {
        return fmt::format("the OAuth2 token endpoint {} gave no access token: {}", token_url,
                           refusal.description);
    }
    std::string what = fmt::format("the OAuth2 token endpoint {} answered {} (HTTP {}{}{})",
                                   token_url, refusal.error, refusal.http_status,
                                   refusal.description.empty() ? "" : ": ", refusal.description);
    if (refusal.error == "invalid_grant") {
        return what + fmt::format(
                          "; the refresh token in {} was revoked or has expired: obtain a new "
                          "one from the provider and put it in {} as refresh_token",
                          file, file);
    }
    if (refusal.error == "invalid_client" || refusal.error == "unauthorized_client") {
        return what + fmt::format("; check client_id and client_secret in {}", file);
    }
    if (refusal.error == "invalid_scope") {
        return what + fmt::format("; check scope in {} (or remove it)", file);
    }
    return what + fmt::format("; check token_url, client_id and scope in {}", file);
}

}  // namespace mailferry::cli::oauth2
