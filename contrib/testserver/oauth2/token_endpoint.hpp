#pragma once
// The authorization server's HTTP resources, as a pure function from a
// parsed request to a response (no sockets: the test server serves it with net::HttpServer).
//
//   POST /token       RFC 6749 §6 refresh_token grant, form-encoded
//                     grant_type, refresh_token, client_id [, client_secret]
//                     -> 200 {"access_token","token_type":"Bearer",
//                     "expires_in","refresh_token"} or a §5.2 error
//                     (invalid_request, invalid_client, invalid_grant,
//                     unsupported_grant_type) as JSON.
//   POST /introspect  RFC 7662 §2, form-encoded token [, token_type_hint]
//                     -> 200 {"active":true,"username","scope":"mail","exp",
//                     "token_type":"Bearer","client_id"} or {"active":false}.
//                     Dovecot's oauth2 passdb (introspection_mode = post,
//                     username_attribute = username) reads exactly this.
//
// Another path is 404, another method 405. Every answer is JSON with
// Cache-Control: no-store (RFC 6749 §5.1).

#include "contrib/testserver/oauth2/token_issuer.hpp"

#include "clients/net/http_server.hpp"

namespace mailferry::testserver::oauth2 {

using net::HttpRequest;
using net::HttpResponse;

// Answers `request`, refreshing tokens in `issuer` on a good POST /token.
HttpResponse answer_token_request(const HttpRequest& request, TokenIssuer& issuer);

}  // namespace mailferry::testserver::oauth2
