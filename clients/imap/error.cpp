#include "clients/imap/error.hpp"

#include "clients/wire/enum_error_category.hpp"

#include <string>

namespace mailferry::imap {
namespace {

std::string describe(error value) {
    switch (value) {
        case error::invalid_input:
            return "server sent invalid IMAP input";
        case error::line_too_long:
            return "server response line too long";
        case error::nesting_too_deep:
            return "server response nests lists too deeply";
        case error::literal_too_large:
            return "server literal too large";
        case error::response_too_large:
            return "server response too large";
        case error::malformed_response:
            return "server response has an unexpected shape";
    }
    return "unknown IMAP wire error";
}

}  // namespace

const boost::system::error_category& error_category() noexcept {
    static const wire::EnumErrorCategory<error> category("mailferry.imap", describe);
    return category;
}

}  // namespace mailferry::imap
