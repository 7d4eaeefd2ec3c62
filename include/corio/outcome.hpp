// include/corio/outcome.hpp — corio::Outcome<T>: a value or the exception that replaced it.
//
// What gather(return_exceptions, ...) yields per awaitable, where asyncio returns either
// the result or the exception object in the same list.
#pragma once

#include <exception>
#include <optional>
#include <utility>
#include <variant>

#include <corio/errors.hpp>

namespace corio {

template <class T>
class Outcome {
 public:
  explicit Outcome(T value) : value_(std::move(value)) {}
  explicit Outcome(std::exception_ptr error) : error_(std::move(error)) {}

  [[nodiscard]] bool has_value() const noexcept { return !error_; }
  explicit operator bool() const noexcept { return has_value(); }
  // The value; rethrows the exception if there is one.
  T& value() & {
    if (error_) std::rethrow_exception(error_);
    return *value_;
  }
  T&& value() && {
    if (error_) std::rethrow_exception(error_);
    return std::move(*value_);
  }
  T& operator*() & { return value(); }
  T* operator->() { return &value(); }
  // The exception, or null.
  [[nodiscard]] const std::exception_ptr& exception() const noexcept { return error_; }
  // True when the exception is CancelledError.
  [[nodiscard]] bool cancelled() const noexcept { return is_cancelled_error(error_); }

 private:
  std::optional<T> value_;
  std::exception_ptr error_;
};

}  // namespace corio
