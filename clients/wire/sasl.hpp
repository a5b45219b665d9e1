#pragma once
// SASL mechanisms the clients speak (and the test servers check): PLAIN
// (RFC 4616), LOGIN (draft-murchison-sasl-login), OAUTHBEARER (RFC 7628) and
// XOAUTH2 (Google/Microsoft).
// Responses are returned base64-encoded, ready to send after AUTHENTICATE /
// AUTH or as a "+" continuation answer. Results contain secrets: never log
// them.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailferry::wire {

// RFC 4616 §2: base64(authzid NUL authcid NUL passwd). An empty authzid
// means "act as authcid".
std::string sasl_plain_response(std::string_view authzid, std::string_view authcid,
                                std::string_view password);

struct PlainCredentials {
    std::string authzid;  // empty when absent
    std::string authcid;
    std::string password;
    friend bool operator==(const PlainCredentials&, const PlainCredentials&) = default;
};

// Server side of PLAIN: decodes a client response. std::nullopt when it is
// not base64, has other than exactly two NULs, or has an empty authcid or
// password (RFC 4616 §2).
std::optional<PlainCredentials> sasl_plain_decode(std::string_view base64);

// XOAUTH2 initial client response:
// base64("user=" user "\x01auth=Bearer " token "\x01\x01").
std::string sasl_xoauth2_response(std::string_view user, std::string_view access_token);

// The JSON error details a server sends as an XOAUTH2 challenge after a
// rejected token (decoded); the client then answers with an empty line.
std::optional<std::string> sasl_xoauth2_error(std::string_view challenge);

// RFC 7628 §3.1 OAUTHBEARER initial client response, base64 of the GS2
// header "n,a=" user "," then ^A "host=" host ^A "port=" port ^A
// "auth=Bearer " token ^A ^A. The user is a GS2 saslname (RFC 5801 §4:
// "," and "=" become "=2C" and "=3D").
std::string sasl_oauthbearer_response(std::string_view user, std::string_view host,
                                      std::uint16_t port, std::string_view access_token);

// The dummy client response that ends an exchange after the server's error
// challenge (RFC 7628 §3.2.3): base64 of ^A for OAUTHBEARER.
std::string sasl_oauthbearer_dummy_response();

// What a decoded OAUTHBEARER initial response carries (server side).
struct OAuthBearerCredentials {
    std::string authzid;  // from "a=", GS2-unescaped; empty when absent
    std::string host;     // empty when absent
    std::string port;     // as sent; empty when absent
    std::string token;    // the bearer token from "auth=Bearer "; empty when absent
    friend bool operator==(const OAuthBearerCredentials&, const OAuthBearerCredentials&) = default;
};

// Server side of OAUTHBEARER: decodes a base64 initial response.
// std::nullopt when it is not base64, has no "n," / "y," GS2 header, has
// a malformed saslname, or does not end in ^A ^A (RFC 7628 §3.1).
std::optional<OAuthBearerCredentials> sasl_oauthbearer_decode(std::string_view base64);

// The server's JSON error after a rejected token (RFC 7628 §3.2.2), sent as a
// base64 challenge by OAUTHBEARER and, in the same form, by XOAUTH2 servers.
struct OAuthFailure {
    std::string status;  // required: "401", "invalid_token", ...
    std::string schemes;
    std::string scope;
    std::string openid_configuration;
    friend bool operator==(const OAuthFailure&, const OAuthFailure&) = default;
};

// The JSON for `failure`, members with an empty value left out.
std::string oauth_failure_json(const OAuthFailure& failure);

// Parses a base64 challenge holding the JSON error. std::nullopt when it is
// not base64, not a JSON object, or has no string "status".
std::optional<OAuthFailure> sasl_oauth_failure(std::string_view challenge);

// For error messages: `status 401, schemes "bearer", scope "mail"` (the
// members present). Holds no secret: the server's words only.
std::string describe(const OAuthFailure& failure);

// The client side of LOGIN: the first challenge ("Username:") gets the
// user name, the second ("Password:") the password, each base64-encoded.
// The challenge text is not trusted to say which is asked, as servers word
// it differently; order is what counts.
class SaslLogin {
  public:
    SaslLogin(std::string user, std::string password);
    // The answer to the server's next challenge (base64, as sent after "+ ");
    // std::nullopt after both were answered, or when the challenge is not
    // base64.
    std::optional<std::string> respond(std::string_view challenge);

  private:
    std::string user_;
    std::string password_;
    std::size_t step_ = 0;
};

}  // namespace mailferry::wire
