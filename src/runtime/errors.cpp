// src/runtime/errors.cpp — ExceptionGroup and describe().
#include <corio/errors.hpp>

namespace corio {

ExceptionGroup::ExceptionGroup(std::string message, std::vector<std::exception_ptr> exceptions)
    : exceptions_(std::move(exceptions)) {
  what_ = std::move(message);
  what_ += " (" + std::to_string(exceptions_.size()) + " sub-exception";
  what_ += exceptions_.size() == 1 ? ")" : "s)";
  for (const auto& error : exceptions_) what_ += "\n  - " + describe(error);
}

bool is_cancelled_error(const std::exception_ptr& error) noexcept {
  if (!error) return false;
  try {
    std::rethrow_exception(error);
  } catch (const CancelledError&) {
    return true;
  } catch (...) {
    return false;
  }
}

std::string describe(const std::exception_ptr& error) {
  if (!error) return "no exception";
  try {
    std::rethrow_exception(error);
  } catch (const CancelledError& e) {
    return std::string("CancelledError: ") + e.what();
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception (not derived from std::exception)";
  }
}

}  // namespace corio
