#include "clients/pop3/error.hpp"

#include <string>

namespace mailferry::pop3 {
namespace {

// boost::system::error_category has a protected non-virtual destructor by
// design (categories are static objects, never deleted through the base), which
// -Wnon-virtual-dtor reports.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class Category final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "mailferry.pop3"; }

    std::string message(int ev) const override {
        switch (static_cast<error>(ev)) {
            case error::invalid_input:
                return "server sent invalid POP3 input";
            case error::line_too_long:
                return "server status line too long";
        }
        return "unknown POP3 wire error";
    }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& error_category() noexcept {
    static const Category category;
    return category;
}

}  // namespace mailferry::pop3
