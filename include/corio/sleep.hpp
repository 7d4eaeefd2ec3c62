// include/corio/sleep.hpp — corio::sleep, sleep_until, yield_now (asyncio.sleep).
#pragma once

#include <chrono>
#include <coroutine>

#include <corio/detail/parking.hpp>
#include <corio/detail/timer.hpp>
#include <corio/loop.hpp>

namespace corio {

namespace detail {

struct SleepAwaiter : Parking, TimerEntry {
  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> self) {
    if (!park(self, &SleepAwaiter::on_cancel)) return false;
    fire = &SleepAwaiter::on_fire;
    task->loop()->add_timer(*this);
    return true;
  }
  void await_resume() { resume_or_raise(); }

  static void on_fire(TimerEntry* entry) noexcept { static_cast<SleepAwaiter*>(entry)->wake(); }
  static bool on_cancel(Suspension* s) noexcept {
    auto* self = static_cast<SleepAwaiter*>(s);
    self->task->loop()->cancel_timer(*self);
    self->wake_cancelled();
    return true;
  }
};

struct YieldAwaiter : Parking {
  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> self) {
    if (!park(self, &YieldAwaiter::on_cancel)) return false;
    wake();  // straight to the back of the ready queue
    return true;
  }
  void await_resume() { resume_or_raise(); }
  static bool on_cancel(Suspension*) noexcept { return false; }  // already scheduled
};

}  // namespace detail

// co_await sleep(d): suspends the task for at least `d` (asyncio.sleep). sleep(0) and
// negative durations still suspend for one loop turn.
// Throws: CancelledError if the task is cancelled. Cancellation: safe, the timer is removed.
// Owns: nothing; the timer entry lives in the awaiting frame.
template <class Rep, class Period>
[[nodiscard]] detail::SleepAwaiter sleep(std::chrono::duration<Rep, Period> delay) {
  detail::SleepAwaiter awaiter;
  Loop& loop = Loop::current();
  awaiter.when = loop.now() + std::chrono::duration_cast<Loop::Duration>(delay);
  return awaiter;
}

// co_await sleep_until(t): suspends until the loop's clock reaches `t`.
[[nodiscard]] inline detail::SleepAwaiter sleep_until(Loop::TimePoint when) {
  detail::SleepAwaiter awaiter;
  awaiter.when = when;
  return awaiter;
}

// co_await yield_now(): lets every other ready task and callback run once (asyncio.sleep(0)).
// Throws CancelledError if a cancellation is pending.
[[nodiscard]] inline detail::YieldAwaiter yield_now() noexcept {
  return {};
}

}  // namespace corio
