#pragma once
// The boost::system::error_category of one error enum: a name and a function
// describing each value. Every enum of clients/ gets its category this way:
//
//   const boost::system::error_category& error_category() noexcept {
//       static const wire::EnumErrorCategory<error> category("mailferry.pop3", describe);
//       return category;
//   }

#include <boost/system/error_category.hpp>

#include <string>

namespace mailferry::wire {

// error_category's destructor is protected and non-virtual by design
// (categories are static objects, never deleted through the base), which
// -Wnon-virtual-dtor reports.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
template <typename Enum>
class EnumErrorCategory final : public boost::system::error_category {
  public:
    using Describe = std::string (*)(Enum);

    EnumErrorCategory(const char* name, Describe describe) : name_(name), describe_(describe) {}

    const char* name() const noexcept override { return name_; }
    std::string message(int value) const override { return describe_(static_cast<Enum>(value)); }

  private:
    const char* name_;
    Describe describe_;
};
#pragma GCC diagnostic pop

}  // namespace mailferry::wire
