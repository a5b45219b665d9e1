#include "cli/oauth2/token_url.hpp"

#include <fmt/format.h>
#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <cctype>

namespace mailferry::cli::oauth2 {

namespace {

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() &&
           std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(b)) == a;
           });
}

}  // namespace

std::string TokenUrl::host_header() const {
    const std::string name = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    const bool default_port = port == (https ? "443" : "80");
    return default_port ? name : name + ":" + port;
}

bool is_loopback_host(std::string_view host) {
    std::string lower(host);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == "localhost" || lower == "localhost.") {
        return true;
    }
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(lower, ec);
    return !ec && address.is_loopback();
}

boost::system::result<TokenUrl, std::string> parse_token_url(std::string_view text) {
    const auto bad = [&](std::string_view why) -> boost::system::result<TokenUrl, std::string> {
        return {boost::system::in_place_error,
                fmt::format("\"{}\" is not a usable token URL: {}", text, why)};
    };
    TokenUrl url;
    url.text = std::string(text);
    std::string_view rest;
    if (starts_with_nocase(text, "https://")) {
        rest = text.substr(8);
    } else if (starts_with_nocase(text, "http://")) {
        url.https = false;
        rest = text.substr(7);
    } else {
        return bad("it must start with https:// (or http:// for a loopback host)");
    }
    if (const auto hash = rest.find('#'); hash != std::string_view::npos) {
        rest = rest.substr(0, hash);
    }
    const auto path_start = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, path_start);
    url.target = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
    if (url.target.front() == '?') {
        url.target.insert(0, "/");
    }
    if (authority.find('@') != std::string_view::npos) {
        return bad(
            "credentials in the URL are not supported; put client_id and client_secret "
            "in the file");
    }
    std::string_view port;
    if (authority.starts_with('[')) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            return bad("an IPv6 address needs a closing ']'");
        }
        url.host = std::string(authority.substr(1, close - 1));
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') {
                return bad("unexpected text after the IPv6 address");
            }
            port = after.substr(1);
        }
    } else {
        const auto colon = authority.find(':');
        url.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port = authority.substr(colon + 1);
        }
    }
    if (url.host.empty()) {
        return bad("it has no host");
    }
    if (port.empty()) {
        url.port = url.https ? "443" : "80";
    } else {
        if (port.size() > 5 ||
            !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            return bad("the port must be a number from 1 to 65535");
        }
        const int number = std::stoi(std::string(port));
        if (number < 1 || number > 65535) {
            return bad("the port must be a number from 1 to 65535");
        }
        url.port = std::to_string(number);
    }
    if (!url.https && !is_loopback_host(url.host)) {
        return bad(fmt::format(
            "plain http would send the refresh token unencrypted to {}; use https:// (http:// "
            "is only accepted for localhost and loopback addresses)",
            url.host));
    }
    return url;
}

}  // namespace mailferry::cli::oauth2
