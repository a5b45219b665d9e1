#pragma once
// imap::ClientOptions for user alice (password "pw") of a test Dovecot
// (dovecot_fixture.hpp) on 127.0.0.1, trusting the CA the fixture made.

#include "clients/imap/client.hpp"
#include "clients/net/tls_client.hpp"
#include "tests/support/dovecot_fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>

namespace mailferry::test {

inline imap::ClientOptions dovecot_client_options(const Dovecot& d, std::uint16_t port,
                                                  bool implicit_tls) {
    imap::ClientOptions o;
    o.host = "127.0.0.1";
    o.port = port;
    o.implicit_tls = implicit_tls;
    o.user = "alice";
    o.password = "pw";
    o.timeouts.command = o.timeouts.body_chunk = std::chrono::seconds(120);
    if (!d.ca_file().empty()) {
        auto ctx = net::make_client_tls_context(net::TlsClientOptions{d.ca_file().string(), false});
        EXPECT_TRUE(ctx) << (ctx ? "" : ctx.error());
        if (ctx) {
            o.tls_context = *ctx;
        }
    }
    return o;
}

}  // namespace mailferry::test
