#include "clients/imap/error.hpp"

#include <string>

namespace mailferry::imap {
namespace {

// boost::system::error_category has a protected non-virtual destructor by
// design (categories are static objects, never deleted through the base), which
// -Wnon-virtual-dtor reports.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class Category final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "mailferry.imap"; }

    std::string message(int ev) const override {
        switch (static_cast<error>(ev)) {
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
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& error_category() noexcept {
    static const Category category;
    return category;
}

}  // namespace mailferry::imap
