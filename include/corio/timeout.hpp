// include/corio/timeout.hpp — timeout scopes and wait_for (asyncio.timeout, wait_for).
//
//   co_await corio::timeout(5s, [&]() -> corio::Task<> { co_await slow(); });
//   int v = co_await corio::wait_for(compute(), 2s);
//   co_await corio::timeout(10s, [&](corio::Timeout& t) -> corio::Task<> {
//     co_await first_step();
//     t.reschedule(t.when().value() + 5s);   // more time
//   });
//
// The body runs inline in the awaiting task. When the deadline passes, the task is
// cancelled; the CancelledError that unwinds out of the body becomes TimeoutError at the
// scope's edge. Cancellations counted by the task (Python 3.11's cancel/uncancel) keep
// nested scopes and TaskGroups honest: an outer timeout or an outside cancel is never
// mistaken for this scope's own.
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include <corio/detail/task_header.hpp>
#include <corio/detail/timer.hpp>
#include <corio/errors.hpp>
#include <corio/loop.hpp>
#include <corio/spawn.hpp>
#include <corio/task.hpp>

namespace corio {

// asyncio.Timeout: the handle a timeout body can use to look at or move its deadline.
//   state   created → entered → (expiring → expired) → exited
class Timeout {
 public:
  enum class State : std::uint8_t { created, entered, expiring, expired, exited };

  explicit Timeout(std::optional<Loop::TimePoint> when) noexcept : when_(when) {}
  ~Timeout();
  Timeout(const Timeout&) = delete;
  Timeout& operator=(const Timeout&) = delete;

  // The deadline, or nullopt for none.
  [[nodiscard]] std::optional<Loop::TimePoint> when() const noexcept { return when_; }
  // Moves the deadline (nullopt: no deadline). Throws RuntimeError unless entered.
  void reschedule(std::optional<Loop::TimePoint> when);
  // True once the deadline passed and the scope cancelled its task.
  [[nodiscard]] bool expired() const noexcept {
    return state_ == State::expiring || state_ == State::expired;
  }
  [[nodiscard]] State state() const noexcept { return state_; }

  // Scope plumbing used by timeout_at(); not for direct use.
  void enter();
  // Leaves the scope; returns true when the CancelledError in flight (if `cancelled`) is
  // this scope's own and must become TimeoutError.
  bool exit(bool cancelled) noexcept;

 private:
  struct Timer : detail::TimerEntry {
    Timeout* owner = nullptr;
  };
  static void on_deadline(detail::TimerEntry* entry) noexcept;
  void arm();

  std::optional<Loop::TimePoint> when_;
  State state_ = State::created;
  detail::TaskHeader* task_ = nullptr;
  Loop* loop_ = nullptr;
  std::uint32_t cancelling_ = 0;
  Timer timer_;
};

namespace detail {

template <class F>
auto invoke_body(F& body, Timeout& scope) {
  if constexpr (std::invocable<F&, Timeout&>) {
    return body(scope);
  } else {
    return body();
  }
}

template <class F>
using body_task_t = decltype(invoke_body(std::declval<F&>(), std::declval<Timeout&>()));

}  // namespace detail

// Runs body() (or body(Timeout&)) inline with a deadline; nullopt means none.
// Throws TimeoutError when the deadline passes first (the body's own cleanup has run);
// otherwise whatever the body throws. Cancellation: outside cancellation passes through
// as CancelledError, untouched.
template <class F>
detail::body_task_t<F> timeout_at(std::optional<Loop::TimePoint> when, F body) {
  Timeout scope(when);
  scope.enter();
  using T = typename detail::body_task_t<F>::value_type;
  std::exception_ptr error;
  bool cancelled = false;
  std::optional<std::conditional_t<std::is_void_v<T>, bool, T>> value;
  try {
    if constexpr (std::is_void_v<T>) {
      co_await detail::invoke_body(body, scope);
      value.emplace(true);
    } else {
      value.emplace(co_await detail::invoke_body(body, scope));
    }
  } catch (const CancelledError&) {
    cancelled = true;
    error = std::current_exception();
  } catch (...) {
    error = std::current_exception();
  }
  if (scope.exit(cancelled)) throw TimeoutError();
  if (error) std::rethrow_exception(error);
  if constexpr (!std::is_void_v<T>) co_return std::move(*value);
}

// timeout_at(now + delay, body).
template <class F, class Rep, class Period>
detail::body_task_t<F> timeout(std::chrono::duration<Rep, Period> delay, F body) {
  return timeout_at(Loop::current().now() + std::chrono::duration_cast<Loop::Duration>(delay),
                    std::move(body));
}

// Awaits `awaitable` (a Task or JoinHandle) for at most `delay`.
// Throws TimeoutError on expiry; a JoinHandle's task is cancelled then (asyncio.wait_for).
// With `delay` <= 0 a Task never starts (it is dropped, TimeoutError raised), as asyncio
// never starts the coroutine; a JoinHandle already done still returns its value.
template <class A, class Rep, class Period>
auto wait_for(A awaitable, std::chrono::duration<Rep, Period> delay)
    -> Task<typename std::remove_cvref_t<A>::value_type> {
  if constexpr (std::is_same_v<A, Task<typename A::value_type>>) {
    // An empty or already started Task goes on to the await, which says what is wrong.
    if (delay <= delay.zero() && awaitable.valid() && !awaitable.started()) {
      awaitable.release().destroy();  // never ran: not a "never awaited" coroutine to report
      throw TimeoutError();
    }
  }
  co_return co_await timeout(delay, [&awaitable]() -> Task<typename A::value_type> {
    co_return co_await std::move(awaitable);
  });
}

}  // namespace corio
