#pragma once
// What `mailferry probe` found out about an account, and its two outputs: a
// table for people (default) and one JSON document (--json). Neither ever
// holds a password: `url` is AccountUrl::to_string().

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mailferry::cli {

struct ProbeFolder {
    std::string name;  // UTF-8, '/' as separator
    std::optional<char> separator;
    std::string special_use;  // "\Sent" ... or empty
    bool selectable = true;
    std::optional<std::uint64_t> messages;
    std::optional<std::uint64_t> size;  // octets
    std::string size_source;            // "STATUS SIZE", "FETCH RFC822.SIZE"
    std::string error;                  // why messages/size are missing
};

struct ProbeReport {
    std::string url;       // without password
    std::string protocol;  // "pop3" or "imap"
    std::string server;    // "host:port"
    std::string greeting;  // the server's greeting text, when known
    std::string implementation;
    bool tls = false;
    std::string tls_mode;         // "implicit", "STLS", "STARTTLS" or "none"
    std::string tls_description;  // "TLSv1.3 TLS_AES_256_GCM_SHA384", when known
    // "verified", "not verified (--insecure)" or "no TLS".
    std::string certificate;
    std::string login_method;
    std::vector<std::string> capabilities;

    // POP3
    std::optional<std::uint64_t> message_count;
    std::optional<std::uint64_t> total_size;
    std::optional<bool> uidl;
    std::optional<bool> top;

    // IMAP
    std::vector<ProbeFolder> folders;
    std::optional<std::uint64_t> append_limit;  // RFC 7889
    // GETQUOTAROOT INBOX, STORAGE resource (RFC 9208 §5.1), in octets.
    std::optional<std::uint64_t> quota_used, quota_limit;
    // Things the probe could not find out, or caveats, one sentence each.
    std::vector<std::string> notes;
};

// The human-readable report, lines ending in '\n'.
std::string format_probe_text(const ProbeReport& report);

// {"url", "protocol", "server", "greeting", "implementation",
//  "tls": {"enabled", "mode", "description", "certificate"},
//  "login_method", "capabilities": [...],
//  pop3: "messages", "size", "uidl", "top";
//  imap: "folders": [{"name", "separator", "special_use", "selectable",
//         "messages", "size"}], "append_limit", "totals": {"messages", "size"},
//         "quota": {"used", "limit"} (octets) or null;
//  "notes": [...]}; unknown values are null.
nlohmann::json probe_json(const ProbeReport& report);

}  // namespace mailferry::cli
