#include "state/account_identity.hpp"

#include <algorithm>
#include <string>

namespace mailferry::state {
namespace {

bool is_scheme_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '-' || c == '.';
}

Failure malformed(std::string_view why) {
    // The identity itself is not quoted: a malformed one might hold a
    // password in a place this check does not recognise.
    return Failure(error::invalid_identity,
                   "account identity is not scheme://user@host:port (" + std::string(why) + ")");
}

}  // namespace

Result<void> check_account_identity(std::string_view identity) {
    const bool has_blank = std::any_of(identity.begin(), identity.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u <= 0x20 || u == 0x7f;
    });
    if (has_blank) {
        return malformed("blank or control character");
    }
    const std::size_t sep = identity.find("://");
    if (sep == std::string_view::npos || sep == 0) {
        return malformed("no scheme");
    }
    const std::string_view scheme = identity.substr(0, sep);
    if (!std::all_of(scheme.begin(), scheme.end(), is_scheme_char)) {
        return malformed("invalid scheme");
    }
    const std::string_view authority = identity.substr(sep + 3);
    const std::size_t at = authority.rfind('@');
    if (at != std::string_view::npos) {
        const std::string_view userinfo = authority.substr(0, at);
        const std::size_t colon = userinfo.find(':');
        if (colon != std::string_view::npos) {
            const std::string redacted = std::string(scheme) + "://" +
                                         std::string(userinfo.substr(0, colon)) + ":***@" +
                                         std::string(authority.substr(at + 1));
            return Failure(error::invalid_identity,
                           "account identity " + redacted +
                               " contains a password; the state knows accounts without "
                               "passwords, pass scheme://user@host:port");
        }
    }
    const std::string_view hostport =
        at == std::string_view::npos ? authority : authority.substr(at + 1);
    if (hostport.find_first_of("/?#") != std::string_view::npos) {
        return malformed("path, query or fragment after the host");
    }
    if (hostport.empty() || hostport.front() == ':') {
        return malformed("no host");
    }
    return {};
}

}  // namespace mailferry::state
