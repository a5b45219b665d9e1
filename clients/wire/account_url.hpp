#pragma once
// Account URLs (SPEC "Accounts"): RFC 5092 IMAP URLs and RFC 2384 POP URLs
// reduced to what names a mailbox account:
//
//   imap://USER[:PASSWORD][;AUTH=MECH]@HOST[:PORT][/MAILBOX]   port 143
//   imaps://...                                                port 993
//   pop3://USER[:PASSWORD][;AUTH=MECH]@HOST[:PORT]             port 110
//   pop3s://...                                                port 995
//
// `pop://` and `pops://` (RFC 2384) are accepted as aliases of pop3 and
// pop3s. Scheme and AUTH are case-insensitive. USER, PASSWORD, MECH and
// MAILBOX are percent-decoded; HOST may be an IPv6 literal in brackets.
//
// Parse errors name what is wrong and quote the URL with any password
// replaced by "***"; a password never appears in an error or in
// to_string().

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailferry::wire {

enum class Scheme { imap, imaps, pop3, pop3s };

std::string_view to_string(Scheme s) noexcept;

struct AccountUrl {
    Scheme scheme = Scheme::imap;
    std::string user;                     // decoded
    std::optional<std::string> password;  // decoded; warn the user when set
    std::string host;                     // IPv6 without brackets
    std::uint16_t port = 0;               // the scheme's default when absent
    std::optional<std::string> auth;      // ;AUTH=mech, "*" for any
    std::optional<std::string> mailbox;   // IMAP only, decoded, without "/"

    bool is_imap() const noexcept { return scheme == Scheme::imap || scheme == Scheme::imaps; }
    // TLS from the first byte (imaps, pop3s), as opposed to STARTTLS/STLS.
    bool is_implicit_tls() const noexcept {
        return scheme == Scheme::imaps || scheme == Scheme::pop3s;
    }
    // 127.0.0.0/8, ::1 (also as ::ffff:127.x.y.z) or "localhost".
    bool is_loopback() const;
    // The URL without the password, user and mailbox percent-encoded as
    // needed and the port only when not the default. For logs and reports.
    std::string to_string() const;

    friend bool operator==(const AccountUrl&, const AccountUrl&) = default;
};

std::uint16_t default_port(Scheme s) noexcept;

struct AccountUrlParse {
    std::optional<AccountUrl> url;  // set on success
    std::string error;              // set on failure, e.g. "port 99999 out of range ..."
};

AccountUrlParse parse_account_url(std::string_view text);

// `text` with the password of its user part, if any, replaced by "***".
std::string redact_account_url(std::string_view text);

}  // namespace mailferry::wire
