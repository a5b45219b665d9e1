#include "contrib/testserver/listener_spec.hpp"

#include <boost/asio/ip/address.hpp>

#include <charconv>
#include <stdexcept>

namespace mailferry::testserver {

namespace asio = boost::asio;

std::string ListenerSpec::scheme() const {
    std::string s = protocol == Protocol::pop3 ? "pop3" : "imap";
    return implicit_tls ? s + "s" : s;
}

ListenerSpec ListenerSpec::parse(Protocol protocol, bool implicit_tls, std::string_view addr_port) {
    ListenerSpec spec{protocol, implicit_tls, "127.0.0.1", 0};
    const auto colon = addr_port.rfind(':');
    if (colon == std::string_view::npos) {
        throw std::invalid_argument("listen address '" + std::string(addr_port) +
                                    "' needs the form ADDR:PORT, e.g. 127.0.0.1:1143");
    }
    std::string_view host = addr_port.substr(0, colon);
    const std::string_view port = addr_port.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    if (!host.empty()) {
        spec.address = std::string(host);
    }
    boost::system::error_code ec;
    asio::ip::make_address(spec.address, ec);
    if (ec) {
        throw std::invalid_argument("listen address '" + spec.address +
                                    "' is not an IP address (use e.g. 127.0.0.1 or [::1])");
    }
    unsigned value = 0;
    const auto [end, err] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (err != std::errc() || end != port.data() + port.size() || value > 65535) {
        throw std::invalid_argument("port '" + std::string(port) + "' in '" +
                                    std::string(addr_port) + "' is not a number from 0 to 65535");
    }
    spec.port = static_cast<std::uint16_t>(value);
    return spec;
}

}  // namespace mailferry::testserver
