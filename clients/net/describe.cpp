#include "clients/net/describe.hpp"

#include "clients/net/error.hpp"

namespace mailferry::net {

std::string describe(const boost::asio::ip::tcp::endpoint& endpoint) {
    return server_name(endpoint.address().to_string(), endpoint.port());
}

std::string describe(std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "unknown exception";
    }
}

}  // namespace mailferry::net
