#pragma once
// The token_url of a refresh-token file: an http:// or https:// URL split
// into what an HTTP request needs. Plain http is only for a loopback host
// (a refresh token and a client secret must not cross a network in clear).

#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace mailferry::cli::oauth2 {

struct TokenUrl {
    bool https = true;
    std::string host;    // without brackets for an IPv6 literal
    std::string port;    // "443"/"80" when the URL has none
    std::string target;  // path and query, "/" at least
    std::string text;    // the URL as written, for messages

    // "host[:port]" for the Host header (RFC 9110 §7.2).
    std::string host_header() const;
};

// Parses `text`; the error says what is wrong with it. An http:// URL whose
// host is not "localhost" or a loopback address is refused here.
boost::system::result<TokenUrl, std::string> parse_token_url(std::string_view text);

// "localhost", 127.0.0.0/8, ::1.
bool is_loopback_host(std::string_view host);

}  // namespace mailferry::cli::oauth2
