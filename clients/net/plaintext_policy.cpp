#include "clients/net/plaintext_policy.hpp"

namespace mailferry::net {

bool is_loopback(const boost::asio::ip::tcp::endpoint& peer) noexcept {
    const auto address = peer.address();
    if (address.is_v4()) {
        return address.to_v4().is_loopback();
    }
    const auto v6 = address.to_v6();
    if (v6.is_v4_mapped()) {
        return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).is_loopback();
    }
    return v6.is_loopback();
}

bool may_send_password(bool tls, const boost::asio::ip::tcp::endpoint& peer,
                       bool allow_plaintext) noexcept {
    // Loopback traffic never leaves the machine, so there is nobody on the
    // path to read it; local test servers and SSH tunnels rely on this.
    return tls || allow_plaintext || is_loopback(peer);
}

std::optional<NetError> check_password_allowed(bool tls, const boost::asio::ip::tcp::endpoint& peer,
                                               bool allow_plaintext, std::string server) {
    if (may_send_password(tls, peer, allow_plaintext)) {
        return std::nullopt;
    }
    return make_net_error(error::plaintext_refused, std::move(server), Step::login,
                          "peer " + peer.address().to_string() + " is not on loopback");
}

std::optional<NetError> check_password_allowed(const Stream& stream, bool allow_plaintext,
                                               std::string server) {
    return check_password_allowed(stream.is_tls(), stream.remote_endpoint(), allow_plaintext,
                                  std::move(server));
}

}  // namespace mailferry::net
