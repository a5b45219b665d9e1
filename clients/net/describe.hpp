#pragma once
// Short texts for log lines and error messages about network things.

#include <boost/asio/ip/tcp.hpp>

#include <exception>
#include <string>

namespace mailferry::net {

// "127.0.0.1:993", "[::1]:993".
std::string describe(const boost::asio::ip::tcp::endpoint& endpoint);

// What an exception says (its what()), "unknown exception" for a non-std one;
// for the completion handlers of co_spawn, which get only the pointer.
std::string describe(std::exception_ptr error);

}  // namespace mailferry::net
