// include/corio/shield.hpp — corio::shield (asyncio.shield).
//
//   auto saved = co_await corio::shield(save(record));
//
// Awaits a task without passing the awaiting task's cancellation on to it: if the awaiting
// task is cancelled, it raises CancelledError at once while the shielded task runs on to
// completion, owned by the loop. Because it outlives the await, the shielded task must
// own its data (take parameters by value); a reference to the caller's locals would dangle.
#pragma once

#include <coroutine>

#include <corio/spawn.hpp>
#include <corio/task.hpp>

namespace corio {

namespace detail {

template <class T>
struct ShieldAwaiter : Parking, DoneWaiter {
  JoinHandle<T> inner;

  explicit ShieldAwaiter(JoinHandle<T> handle) noexcept : inner(std::move(handle)) {}
  bool await_ready() const noexcept { return inner.done(); }
  bool await_suspend(std::coroutine_handle<> self) {
    if (!park(self, &ShieldAwaiter::on_cancel)) return false;
    on_done = &ShieldAwaiter::on_inner_done;
    inner.header()->add_done_waiter(this);
    return true;
  }
  T await_resume() {
    static_cast<ListNode<DoneTag>*>(this)->unlink();
    resume_or_raise();
    return inner.result();
  }
  static void on_inner_done(DoneWaiter* waiter, TaskHeader&) noexcept {
    static_cast<ShieldAwaiter*>(waiter)->wake();
  }
  static bool on_cancel(Suspension* s) noexcept {
    auto* self = static_cast<ShieldAwaiter*>(s);
    static_cast<ListNode<DoneTag>*>(self)->unlink();
    self->wake_cancelled();  // the inner task is left alone
    return true;
  }
};

}  // namespace detail

// Suspends: until the task is done. Throws: its exception, or CancelledError when the
// awaiting task is cancelled (the inner task is not). Cancellation: the inner task's work
// and result are not lost for the loop, only for this await.
template <class T>
[[nodiscard]] detail::ShieldAwaiter<T> shield(JoinHandle<T> handle) {
  return detail::ShieldAwaiter<T>(std::move(handle));
}

// Spawns the Task first. Throws RuntimeError outside a running loop.
template <class T>
[[nodiscard]] detail::ShieldAwaiter<T> shield(Task<T> task) {
  return detail::ShieldAwaiter<T>(spawn(std::move(task)));
}

}  // namespace corio
