// include/corio/errors.hpp — the exceptions the runtime raises.
//
// Defines CancelledError, TimeoutError, InvalidStateError, RuntimeError, KeyboardInterrupt
// and ExceptionGroup, named after their asyncio counterparts.
//
// CancelledError deliberately does not derive from std::exception, just as Python's
// CancelledError is a BaseException: a `catch (const std::exception&)` meant for ordinary
// failures must not swallow cancellation. Catch it by name, clean up, and rethrow.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

namespace corio {

// Thrown at a suspension point of a task that was cancelled (JoinHandle::cancel, a timeout
// expiring, a TaskGroup sibling failing, SIGINT in corio::run).
class CancelledError {
 public:
  CancelledError() = default;
  explicit CancelledError(std::string message) : message_(std::move(message)) {}
  [[nodiscard]] const char* what() const noexcept {
    return message_.empty() ? "task was cancelled" : message_.c_str();
  }

 private:
  std::string message_;
};

// A deadline passed: wait_for, timeout, timeout_at, wait(…, timeout).
class TimeoutError : public std::runtime_error {
 public:
  TimeoutError() : std::runtime_error("timed out") {}
  using std::runtime_error::runtime_error;
};

// An operation was called in a state that does not allow it (result() of a pending task,
// awaiting a Task twice, releasing an unheld Lock).
class InvalidStateError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// Misuse of the runtime itself: no running event loop, nested run(), a task awaiting itself.
class RuntimeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// corio::run's main task was cancelled by SIGINT (Ctrl-C), as asyncio.run raises
// KeyboardInterrupt.
class KeyboardInterrupt : public std::runtime_error {
 public:
  KeyboardInterrupt() : std::runtime_error("interrupted by SIGINT") {}
};

// Several tasks of a TaskGroup failed; holds every failure in the order they happened.
class ExceptionGroup : public std::exception {
 public:
  ExceptionGroup(std::string message, std::vector<std::exception_ptr> exceptions);
  [[nodiscard]] const char* what() const noexcept override { return what_.c_str(); }
  [[nodiscard]] const std::vector<std::exception_ptr>& exceptions() const noexcept {
    return exceptions_;
  }

 private:
  std::vector<std::exception_ptr> exceptions_;
  std::string what_;
};

// True when `error` holds a CancelledError (false for null).
[[nodiscard]] bool is_cancelled_error(const std::exception_ptr& error) noexcept;

// Text of any exception_ptr: what() for std::exception and CancelledError, or a placeholder.
[[nodiscard]] std::string describe(const std::exception_ptr& error);

}  // namespace corio
