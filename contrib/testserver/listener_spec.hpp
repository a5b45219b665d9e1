#pragma once
// Where a test server listens: protocol, implicit TLS, address and port.

#include <cstdint>
#include <string>
#include <string_view>

namespace mailferry::testserver {

enum class Protocol { pop3, imap };

struct ListenerSpec {
    Protocol protocol = Protocol::imap;
    bool implicit_tls = false;  // imaps / pop3s
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;  // 0: any free port

    // "pop3", "pop3s", "imap" or "imaps".
    std::string scheme() const;
    // Parses "ADDR:PORT" ("127.0.0.1:1143", "[::1]:0", ":1143"). Throws
    // std::invalid_argument with a message naming the problem.
    static ListenerSpec parse(Protocol protocol, bool implicit_tls, std::string_view addr_port);
};

}  // namespace mailferry::testserver
