// include/corio/detail/parking.hpp — the common part of every runtime awaiter that suspends.
//
// An awaiter derives from Parking, calls park() from await_suspend, wake() from whoever
// completes the wait, and resume_or_raise() at the top of await_resume. Cancellation lands
// in the `cancel` hook the awaiter passes to park().
#pragma once

#include <coroutine>

#include <corio/detail/task_header.hpp>
#include <corio/errors.hpp>
#include <corio/loop.hpp>

namespace corio::detail {

struct Parking : Suspension {
  TaskHeader* task = nullptr;
  bool cancelled = false;  // the wait was abandoned by cancellation

  // Parks the running task here. Returns false (do not suspend) when a cancellation is
  // already pending; resume_or_raise() then throws CancelledError.
  // Throws RuntimeError when called outside a task.
  bool park(std::coroutine_handle<> resume_at, bool (*on_cancel)(Suspension*) noexcept) {
    task = current_task_header();
    if (task == nullptr) throw RuntimeError("corio: awaiting outside a running task");
    if (task->must_cancel) {
      task->must_cancel = false;
      cancelled = true;
      return false;
    }
    cancel = on_cancel;
    task->park_in(this, resume_at);
    return true;
  }

  // Schedules the parked task to resume on a later loop turn.
  void wake() noexcept {
    task->waiting_on = nullptr;
    task->loop()->schedule(task);
  }
  void wake_cancelled() noexcept {
    cancelled = true;
    wake();
  }

  // True when the task must raise CancelledError now: its wait was cancelled, or a cancel
  // arrived after the wake-up. Clears the pending flag.
  // One CancelledError answers every request made so far (asyncio's __step does the same).
  [[nodiscard]] bool take_cancellation() noexcept {
    const bool pending = task != nullptr && task->must_cancel;
    if (pending) task->must_cancel = false;
    return cancelled || pending;
  }
  void resume_or_raise() {
    if (take_cancellation()) throw CancelledError();
  }
};

}  // namespace corio::detail
