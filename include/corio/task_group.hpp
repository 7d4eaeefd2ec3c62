// include/corio/task_group.hpp — corio::TaskGroup (asyncio.TaskGroup): structured concurrency.
//
//   co_await corio::task_group([&](corio::TaskGroup& tg) -> corio::Task<> {
//     tg.spawn(fetch(a));
//     tg.spawn(fetch(b));
//   });   // returns once both are done
//
// task_group(body) runs body(group) inline, then waits for every task spawned in the group.
// The first child failure cancels the other children and the body (if still running);
// when everything has finished, the failures are raised together as ExceptionGroup (the
// body's own non-cancellation exception included). Children that end cancelled are not
// failures. Cancelling the task that runs the group cancels every child, waits for them,
// and re-raises CancelledError; if children failed too, ExceptionGroup is raised instead and
// the cancel stays pending, raised at the task's next suspension. Because the group always
// waits for its children, they may safely reference the caller's locals.
#pragma once

#include <coroutine>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <corio/detail/intrusive_list.hpp>
#include <corio/detail/parking.hpp>
#include <corio/spawn.hpp>
#include <corio/task.hpp>

namespace corio {

class TaskGroup {
 public:
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;
  ~TaskGroup();

  // Starts `task` as a child of the group (on a later loop turn). Throws RuntimeError once
  // the group is finished or shutting down after a failure.
  template <class T>
  JoinHandle<T> spawn(Task<T> task, std::string_view name = {}) {
    check_open();
    JoinHandle<T> handle = corio::spawn(std::move(task), name);
    adopt(handle.header());
    return handle;
  }
  template <detail::TaskFactory F>
  auto spawn(F fn, std::string_view name = {}) {
    return spawn(detail::call_in_frame(std::move(fn)), name);
  }
  template <class A>
  auto create_task(A&& awaitable, std::string_view name = {}) {
    return spawn(std::forward<A>(awaitable), name);
  }

  // Number of children still running.
  [[nodiscard]] std::size_t size() const noexcept { return live_; }

  // --- used by task_group() ---
  TaskGroup();
  struct ExitAwaiter : detail::Parking {
    TaskGroup* group;
    bool await_ready() const noexcept { return group->live_ == 0; }
    bool await_suspend(std::coroutine_handle<> self) noexcept;
    void await_resume() const noexcept {}
    static bool on_cancel(detail::Suspension* s) noexcept;
  };
  // Called once the body is over; returns the awaiter that waits for all children.
  ExitAwaiter begin_exit(std::exception_ptr body_error) noexcept;
  // After the children: throws ExceptionGroup / CancelledError as asyncio's __aexit__.
  void finish();

 private:
  struct Child : detail::DoneWaiter {
    TaskGroup* group = nullptr;
    detail::TaskHeader* task = nullptr;
  };
  void check_open() const;
  void adopt(detail::TaskHeader* task);
  void abort() noexcept;
  static void on_child_done(detail::DoneWaiter* waiter, detail::TaskHeader& task) noexcept;

  detail::TaskHeader* parent_ = nullptr;
  std::vector<std::unique_ptr<Child>> children_;
  std::vector<std::exception_ptr> errors_;
  std::exception_ptr body_error_;
  std::exception_ptr propagate_cancel_;
  std::size_t live_ = 0;
  ExitAwaiter* exit_waiter_ = nullptr;
  bool exiting_ = false;
  bool aborting_ = false;
  bool finished_ = false;
  bool parent_cancel_requested_ = false;
};

namespace detail {
template <class F>
using group_body_t = std::invoke_result_t<F&, TaskGroup&>;
}

// Runs body(group) and waits for all of the group's children; returns the body's value.
// Throws ExceptionGroup when any child (or the body) failed; CancelledError when the
// running task was cancelled from outside. Suspends: while the body or a child runs.
template <class F>
detail::group_body_t<F> task_group(F body) {
  TaskGroup group;
  using T = typename detail::group_body_t<F>::value_type;
  std::optional<std::conditional_t<std::is_void_v<T>, bool, T>> value;
  std::exception_ptr body_error;
  try {
    if constexpr (std::is_void_v<T>) {
      co_await body(group);
      value.emplace(true);
    } else {
      value.emplace(co_await body(group));
    }
  } catch (...) {
    body_error = std::current_exception();
  }
  co_await group.begin_exit(body_error);
  group.finish();
  if constexpr (!std::is_void_v<T>) co_return std::move(*value);
}

}  // namespace corio
