#include "clients/net/body_stream_error.hpp"

#include "clients/wire/enum_error_category.hpp"

#include <string>

namespace mailferry::net {
namespace {

std::string describe(body_stream_error value) {
    switch (value) {
        case body_stream_error::body_size_mismatch:
            return "message body size differs from the announced size";
        case body_stream_error::stream_failed:
            return "the other end of a message stream failed";
    }
    return "unknown message stream error";
}

}  // namespace

const boost::system::error_category& body_stream_error_category() noexcept {
    static const wire::EnumErrorCategory<body_stream_error> category("mailferry.net.body_stream",
                                                                     describe);
    return category;
}

}  // namespace mailferry::net
