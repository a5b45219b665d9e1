#include "contrib/testserver/oauth2/token_endpoint.hpp"

#include "clients/wire/ascii.hpp"
#include "contrib/testserver/oauth2/form_decoding.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace mailferry::testserver::oauth2 {

namespace http = boost::beast::http;

namespace {

std::string_view view(boost::beast::string_view s) {
    return {s.data(), s.size()};
}

HttpResponse json_response(const HttpRequest& request, http::status status,
                           const nlohmann::ordered_json& body) {
    HttpResponse response(status, request.version());
    response.keep_alive(request.keep_alive());
    response.set(http::field::server, "mailferry-testserver-oauth2");
    response.set(http::field::content_type, "application/json");
    // RFC 6749 §5.1: token responses must not be cached.
    response.set(http::field::cache_control, "no-store");
    response.set(http::field::pragma, "no-cache");
    response.body() = body.dump();
    response.prepare_payload();
    return response;
}

// RFC 6749 §5.2.
HttpResponse oauth_error(const HttpRequest& request, std::string_view error,
                         std::string_view description) {
    nlohmann::ordered_json body;
    body["error"] = error;
    body["error_description"] = description;
    // §5.2: invalid_client may be 401; the others are 400.
    const auto status =
        error == "invalid_client" ? http::status::unauthorized : http::status::bad_request;
    return json_response(request, status, body);
}

// The form body, or the invalid_request answer when the request is not one.
std::optional<DecodedForm> read_form(const HttpRequest& request, HttpResponse& refusal) {
    const std::string_view type = view(request[http::field::content_type]);
    const std::string_view media = type.substr(0, type.find(';'));
    if (wire::to_ascii_lower(std::string(media)) != "application/x-www-form-urlencoded") {
        refusal = oauth_error(request, "invalid_request",
                              "send the parameters as application/x-www-form-urlencoded");
        return std::nullopt;
    }
    DecodedForm form = decode_form(request.body());
    if (form.error == FormError::bad_escape) {
        refusal = oauth_error(request, "invalid_request",
                              "bad percent-escape in the form: " + form.error_name);
        return std::nullopt;
    }
    if (form.error == FormError::duplicate_name) {
        refusal = oauth_error(request, "invalid_request",
                              "parameter '" + form.error_name + "' given more than once");
        return std::nullopt;
    }
    return form;
}

HttpResponse answer_token(const HttpRequest& request, TokenIssuer& issuer) {
    HttpResponse refusal;
    const auto form = read_form(request, refusal);
    if (!form) {
        return refusal;
    }
    const auto grant_type = form_field(*form, "grant_type");
    if (!grant_type) {
        return oauth_error(request, "invalid_request", "missing grant_type");
    }
    if (*grant_type != "refresh_token") {
        return oauth_error(request, "unsupported_grant_type",
                           "only grant_type=refresh_token is supported here");
    }
    const auto refresh_token = form_field(*form, "refresh_token");
    if (!refresh_token || refresh_token->empty()) {
        return oauth_error(request, "invalid_request", "missing refresh_token");
    }
    const auto client_id = form_field(*form, "client_id");
    if (!client_id) {
        return oauth_error(
            request, "invalid_client",
            "missing client_id (this server knows '" + issuer.options().client_id + "')");
    }
    const auto secret = form_field(*form, "client_secret");
    const std::optional<std::string_view> secret_view =
        secret ? std::optional<std::string_view>(*secret) : std::nullopt;
    const GrantResult result = issuer.refresh(*refresh_token, *client_id, secret_view);
    if (result.error == GrantError::invalid_client) {
        return oauth_error(request, "invalid_client", "unknown client_id or wrong client_secret");
    }
    if (result.error == GrantError::invalid_grant) {
        return oauth_error(request, "invalid_grant",
                           "the refresh token is unknown, or was already used (refresh tokens "
                           "rotate: use the one from the last answer)");
    }
    nlohmann::ordered_json body;
    body["access_token"] = result.grant->access_token;
    body["token_type"] = "Bearer";
    body["expires_in"] = result.grant->expires_in.count();
    body["refresh_token"] = result.grant->refresh_token;
    body["scope"] = token_scope;
    return json_response(request, http::status::ok, body);
}

HttpResponse answer_introspect(const HttpRequest& request, const TokenIssuer& issuer) {
    HttpResponse refusal;
    const auto form = read_form(request, refusal);
    if (!form) {
        return refusal;
    }
    const auto token = form_field(*form, "token");
    if (!token) {
        return oauth_error(request, "invalid_request", "missing token");
    }
    const TokenCheck check = issuer.check(*token);
    nlohmann::ordered_json body;
    // RFC 7662 §2.2: an expired or unknown token is just inactive, with no
    // further members.
    body["active"] = check.status == TokenCheck::Status::active;
    if (check.status == TokenCheck::Status::active) {
        body["username"] = check.user;
        body["scope"] = token_scope;
        body["exp"] =
            std::chrono::duration_cast<std::chrono::seconds>(check.expires_at.time_since_epoch())
                .count();
        body["token_type"] = "Bearer";
        body["client_id"] = issuer.options().client_id;
    }
    return json_response(request, http::status::ok, body);
}

}  // namespace

HttpResponse answer_token_request(const HttpRequest& request, TokenIssuer& issuer) {
    const std::string_view target = view(request.target());
    const std::string_view path = target.substr(0, target.find('?'));
    const bool token = path == "/token";
    if (!token && path != "/introspect") {
        nlohmann::ordered_json body;
        body["error"] = "not_found";
        body["error_description"] = "the endpoints are POST /token and POST /introspect";
        return json_response(request, http::status::not_found, body);
    }
    if (request.method() != http::verb::post) {
        nlohmann::ordered_json body;
        body["error"] = "method_not_allowed";
        body["error_description"] = "use POST";
        HttpResponse response = json_response(request, http::status::method_not_allowed, body);
        response.set(http::field::allow, "POST");
        return response;
    }
    return token ? answer_token(request, issuer) : answer_introspect(request, issuer);
}

}  // namespace mailferry::testserver::oauth2
