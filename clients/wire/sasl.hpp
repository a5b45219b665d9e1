#pragma once
// SASL mechanisms the clients speak (and the test servers check): PLAIN
// (RFC 4616), LOGIN (draft-murchison-sasl-login) and XOAUTH2 (Google/Microsoft).
// Responses are returned base64-encoded, ready to send after AUTHENTICATE /
// AUTH or as a "+" continuation answer. Results contain secrets: never log
// them.

#include <cstddef>
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
