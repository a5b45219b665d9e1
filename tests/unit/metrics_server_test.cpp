// parse_listen_address: the --metrics ADDR:PORT text.
#include "cli/metrics_server.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mailferry::cli {
namespace {

struct Good {
    std::string text;
    std::string address;
    unsigned short port;
};

TEST(MetricsListenAddress, AcceptsAddressAndPort) {
    const Good cases[] = {
        {"127.0.0.1:9464", "127.0.0.1", 9464}, {"0.0.0.0:9464", "0.0.0.0", 9464},
        {"127.0.0.1:0", "127.0.0.1", 0},       {"[::1]:9464", "::1", 9464},
        {"[::]:65535", "::", 65535},
    };
    for (const auto& c : cases) {
        const auto parsed = parse_listen_address(c.text);
        ASSERT_TRUE(parsed.has_value()) << c.text << ": " << parsed.error();
        EXPECT_EQ(parsed->address().to_string(), c.address) << c.text;
        EXPECT_EQ(parsed->port(), c.port) << c.text;
    }
}

struct Bad {
    std::string text;
    std::string message;
};

TEST(MetricsListenAddress, RefusesOtherTextNamingIt) {
    const Bad cases[] = {
        {"", "--metrics '': expected ADDR:PORT, e.g. 127.0.0.1:9464"},
        {"9464", "--metrics '9464': expected ADDR:PORT, e.g. 127.0.0.1:9464"},
        {":9464", "--metrics ':9464': expected ADDR:PORT, e.g. 127.0.0.1:9464"},
        {"127.0.0.1:", "--metrics '127.0.0.1:': expected ADDR:PORT, e.g. 127.0.0.1:9464"},
        {"[]:9464", "--metrics '[]:9464': expected ADDR:PORT, e.g. 127.0.0.1:9464"},
        {"::1:9464", "--metrics '::1:9464': write an IPv6 address in brackets, e.g. [::1]:9464"},
        {"localhost:9464",
         "--metrics 'localhost:9464': 'localhost' is not an IP address; expected ADDR:PORT, e.g. "
         "127.0.0.1:9464 or [::1]:9464"},
        {"[127.0.0.1]:9464",
         "--metrics '[127.0.0.1]:9464': brackets are only for IPv6 addresses, e.g. [::1]:9464"},
        {"127.0.0.1:65536",
         "--metrics '127.0.0.1:65536': port '65536' is not a number from 0 to 65535"},
        {"127.0.0.1:-1", "--metrics '127.0.0.1:-1': port '-1' is not a number from 0 to 65535"},
        {"127.0.0.1:94x", "--metrics '127.0.0.1:94x': port '94x' is not a number from 0 to 65535"},
        {"127.0.0.1:+80", "--metrics '127.0.0.1:+80': port '+80' is not a number from 0 to 65535"},
    };
    for (const auto& c : cases) {
        const auto parsed = parse_listen_address(c.text);
        ASSERT_FALSE(parsed.has_value()) << c.text;
        EXPECT_EQ(parsed.error(), c.message);
    }
}

}  // namespace
}  // namespace mailferry::cli
