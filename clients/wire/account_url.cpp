#include "clients/wire/account_url.hpp"

#include "clients/wire/ascii.hpp"
#include "clients/wire/decimal.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace mailferry::wire {
namespace {

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = ascii_lower(c);
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

// RFC 3986 §2.1 percent-decoding; std::nullopt on a broken escape.
std::optional<std::string> percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out.push_back(s[i]);
            continue;
        }
        if (i + 2 >= s.size()) {
            return std::nullopt;
        }
        const int hi = hex_value(s[i + 1]);
        const int lo = hex_value(s[i + 2]);
        if (hi < 0 || lo < 0) {
            return std::nullopt;
        }
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return out;
}

bool is_unreserved(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

std::string percent_encode(std::string_view s, std::string_view also_allowed = {}) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : s) {
        if (is_unreserved(c) || also_allowed.find(c) != std::string_view::npos) {
            out.push_back(c);
        } else {
            const auto u = static_cast<unsigned char>(c);
            out.push_back('%');
            out.push_back(hex[u >> 4]);
            out.push_back(hex[u & 0xf]);
        }
    }
    return out;
}

AccountUrlParse failure(std::string message) {
    AccountUrlParse r;
    r.error = std::move(message);
    return r;
}

bool valid_host_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
}

}  // namespace

std::string_view to_string(Scheme s) noexcept {
    switch (s) {
        case Scheme::imap:
            return "imap";
        case Scheme::imaps:
            return "imaps";
        case Scheme::pop3:
            return "pop3";
        case Scheme::pop3s:
            return "pop3s";
    }
    return "imap";
}

std::uint16_t default_port(Scheme s) noexcept {
    switch (s) {
        case Scheme::imap:
            return 143;
        case Scheme::imaps:
            return 993;
        case Scheme::pop3:
            return 110;
        case Scheme::pop3s:
            return 995;
    }
    return 0;
}

std::string redact_account_url(std::string_view text) {
    const std::size_t sep = text.find("://");
    if (sep == std::string_view::npos) {
        return std::string(text);
    }
    const std::size_t start = sep + 3;
    const std::size_t path = text.find('/', start);
    const std::string_view authority =
        text.substr(start, path == std::string_view::npos ? std::string_view::npos : path - start);
    const std::size_t at = authority.rfind('@');
    if (at == std::string_view::npos) {
        return std::string(text);
    }
    const std::size_t colon = authority.substr(0, at).find(':');
    if (colon == std::string_view::npos) {
        return std::string(text);
    }
    std::string out(text.substr(0, start + colon + 1));
    out += "***";
    out += text.substr(start + at);
    return out;
}

AccountUrlParse parse_account_url(std::string_view text) {
    const std::string quoted = "'" + redact_account_url(text) + "'";
    const std::size_t sep = text.find("://");
    if (sep == std::string_view::npos) {
        return failure(quoted +
                       " is not an account URL (expected imap://USER@HOST, imaps://, pop3:// "
                       "or pop3s://)");
    }
    const std::string scheme_name = to_ascii_lower(text.substr(0, sep));
    AccountUrl url;
    if (scheme_name == "imap") {
        url.scheme = Scheme::imap;
    } else if (scheme_name == "imaps") {
        url.scheme = Scheme::imaps;
    } else if (scheme_name == "pop3" || scheme_name == "pop") {
        url.scheme = Scheme::pop3;  // "pop" is RFC 2384's name
    } else if (scheme_name == "pop3s" || scheme_name == "pops") {
        url.scheme = Scheme::pop3s;
    } else {
        return failure("unknown scheme '" + std::string(text.substr(0, sep)) +
                       "' (use imap, imaps, pop3 or pop3s)");
    }
    std::string_view rest = text.substr(sep + 3);
    const std::size_t slash = rest.find('/');
    const std::string_view authority = rest.substr(0, slash);
    const std::string_view path =
        slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);

    const std::size_t at = authority.rfind('@');
    if (at == std::string_view::npos || at == 0) {
        return failure("missing user name in " + quoted);
    }
    std::string_view userinfo = authority.substr(0, at);
    std::string_view hostport = authority.substr(at + 1);

    const std::size_t colon = userinfo.find(':');
    if (colon != std::string_view::npos) {
        auto password = percent_decode(userinfo.substr(colon + 1));
        if (!password) {
            return failure("invalid percent-encoding in the password of " + quoted);
        }
        url.password = std::move(*password);
        userinfo = userinfo.substr(0, colon);
    }
    // RFC 5092 §3.2 / RFC 2384 §3: user ";AUTH=" ("*" / auth-type)
    const std::size_t semi = userinfo.find(';');
    if (semi != std::string_view::npos) {
        const std::string_view param = userinfo.substr(semi + 1);
        if (to_ascii_lower(param.substr(0, 5)) != "auth=" || param.size() == 5) {
            return failure("unknown parameter ';" + std::string(param) + "' in the user part of " +
                           quoted + " (only ;AUTH=MECH is allowed)");
        }
        auto mech = percent_decode(param.substr(5));
        if (!mech) {
            return failure("invalid percent-encoding in ;AUTH= of " + quoted);
        }
        url.auth = std::move(*mech);
        userinfo = userinfo.substr(0, semi);
    }
    auto user = percent_decode(userinfo);
    if (!user) {
        return failure("invalid percent-encoding in the user name of " + quoted);
    }
    if (user->empty()) {
        return failure("missing user name in " + quoted);
    }
    url.user = std::move(*user);

    std::string_view port_text;
    bool has_port = false;
    if (!hostport.empty() && hostport.front() == '[') {
        const std::size_t close = hostport.find(']');
        if (close == std::string_view::npos) {
            return failure("unterminated '[' in the host of " + quoted);
        }
        const std::string host(hostport.substr(1, close - 1));
        std::array<unsigned char, 16> addr{};
        if (inet_pton(AF_INET6, host.c_str(), addr.data()) != 1) {
            return failure("invalid IPv6 address '" + host + "' in " + quoted);
        }
        url.host = host;
        std::string_view after = hostport.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') {
                return failure("unexpected '" + std::string(after) + "' after the host in " +
                               quoted);
            }
            has_port = true;
            port_text = after.substr(1);
        }
    } else {
        const std::size_t pc = hostport.find(':');
        url.host.assign(hostport.substr(0, pc));
        if (pc != std::string_view::npos) {
            has_port = true;
            port_text = hostport.substr(pc + 1);
        }
        if (url.host.empty()) {
            return failure("missing host name in " + quoted);
        }
        if (!std::all_of(url.host.begin(), url.host.end(), valid_host_char)) {
            return failure("invalid host name '" + url.host + "' in " + quoted);
        }
    }
    url.port = default_port(url.scheme);
    if (has_port) {
        if (port_text.empty()) {
            return failure("missing port number after ':' in " + quoted);
        }
        if (port_text.size() > 9 || !std::all_of(port_text.begin(), port_text.end(),
                                                 [](char c) { return c >= '0' && c <= '9'; })) {
            return failure("invalid port '" + std::string(port_text) + "' in " + quoted);
        }
        const std::uint64_t port = parse_u64(port_text).value_or(0);
        if (port == 0 || port > 65535) {
            return failure("port " + std::string(port_text) + " out of range (1-65535) in " +
                           quoted);
        }
        url.port = static_cast<std::uint16_t>(port);
    }

    if (!path.empty()) {
        if (!url.is_imap()) {
            return failure("a POP3 URL has no mailbox, but " + quoted + " ends in '/" +
                           std::string(path) + "'");
        }
        auto mailbox = percent_decode(path);
        if (!mailbox) {
            return failure("invalid percent-encoding in the mailbox of " + quoted);
        }
        url.mailbox = std::move(*mailbox);
    }
    AccountUrlParse result;
    result.url = std::move(url);
    return result;
}

bool AccountUrl::is_loopback() const {
    if (to_ascii_lower(host) == "localhost") {
        return true;
    }
    std::array<unsigned char, 16> addr{};
    if (inet_pton(AF_INET, host.c_str(), addr.data()) == 1) {
        return addr[0] == 127;
    }
    if (inet_pton(AF_INET6, host.c_str(), addr.data()) == 1) {
        static constexpr std::array<unsigned char, 16> loopback{0, 0, 0, 0, 0, 0, 0, 0,
                                                                0, 0, 0, 0, 0, 0, 0, 1};
        static constexpr std::array<unsigned char, 12> v4_mapped{0, 0, 0, 0, 0,    0,
                                                                 0, 0, 0, 0, 0xff, 0xff};
        return addr == loopback ||
               (std::equal(v4_mapped.begin(), v4_mapped.end(), addr.begin()) && addr[12] == 127);
    }
    return false;
}

std::string AccountUrl::to_string() const {
    std::string out(wire::to_string(scheme));
    out += "://";
    out += percent_encode(user);
    if (auth) {
        out += ";AUTH=";
        out += percent_encode(*auth, "*");
    }
    out += '@';
    out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if (port != default_port(scheme)) {
        out += ':';
        out += std::to_string(port);
    }
    if (mailbox) {
        out += '/';
        out += percent_encode(*mailbox, "/");
    }
    return out;
}

}  // namespace mailferry::wire
