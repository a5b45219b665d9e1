#include "state/error.hpp"

#include <boost/system/system_error.hpp>
#include <boost/throw_exception.hpp>

namespace mailferry::state {
namespace {

// boost::system::error_category has a protected non-virtual destructor by
// design (categories are static objects, never deleted through the base), which
// -Wnon-virtual-dtor reports.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class Category final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "mailferry.state"; }

    std::string message(int ev) const override {
        switch (static_cast<error>(ev)) {
            case error::newer_schema:
                return "state file written by a newer mailferry";
            case error::locked:
                return "state file in use by another mailferry run";
            case error::disk_full:
                return "disk full";
            case error::io_error:
                return "state file cannot be read or written";
            case error::read_only:
                return "state file is read-only";
            case error::corrupt:
                return "state file is not a mailferry state database or is damaged";
            case error::busy:
                return "state file is busy";
            case error::invalid_identity:
                return "invalid account identity";
            case error::invalid_argument:
                return "invalid argument";
            case error::not_found:
                return "no such record in the state";
            case error::wrong_status:
                return "message record is not in the expected status";
            case error::uidvalidity_changed:
                return "UIDVALIDITY changed";
            case error::already_tracked:
                return "message already tracked";
            case error::database:
                return "state database error";
        }
        return "unknown state error";
    }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& error_category() noexcept {
    static const Category category;
    return category;
}

void throw_exception_from_error(const Failure& f, const boost::source_location& loc) {
    boost::throw_exception(boost::system::system_error(f.code, f.message), loc);
}

}  // namespace mailferry::state
