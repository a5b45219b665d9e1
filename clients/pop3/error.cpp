#include "clients/pop3/error.hpp"

#include "clients/wire/enum_error_category.hpp"

#include <string>

namespace mailferry::pop3 {
namespace {

std::string describe(error value) {
    switch (value) {
        case error::invalid_input:
            return "server sent invalid POP3 input";
        case error::line_too_long:
            return "server status line too long";
    }
    return "unknown POP3 wire error";
}

}  // namespace

const boost::system::error_category& error_category() noexcept {
    static const wire::EnumErrorCategory<error> category("mailferry.pop3", describe);
    return category;
}

}  // namespace mailferry::pop3
