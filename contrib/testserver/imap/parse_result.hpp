#pragma once
// Value-or-error-text result of the IMAP argument parsers (sequence sets,
// fetch attributes, search keys, dates). The error text is meant for a
// "BAD <text>" response and names what was wrong ("invalid sequence set").

#include <optional>
#include <string>
#include <utility>

namespace mailferry::testserver::imap {

template <class T>
class ParseResult {
  public:
    ParseResult(T value) : value_(std::move(value)) {}  // NOLINT: implicit on purpose
    static ParseResult failure(std::string message) {
        ParseResult r;
        r.error_ = std::move(message);
        return r;
    }

    bool ok() const noexcept { return value_.has_value(); }
    explicit operator bool() const noexcept { return ok(); }
    // Precondition: ok().
    const T& value() const& { return *value_; }
    T& value() & { return *value_; }
    T&& value() && { return std::move(*value_); }
    const T& operator*() const& { return *value_; }
    const T* operator->() const { return &*value_; }
    // Empty when ok().
    const std::string& error() const noexcept { return error_; }

  private:
    ParseResult() = default;
    std::optional<T> value_;
    std::string error_;
};

}  // namespace mailferry::testserver::imap
