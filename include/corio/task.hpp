// include/corio/task.hpp — corio::Task<T>, a lazy coroutine (asyncio's coroutine object).
//
//   corio::Task<int> answer() { co_await corio::sleep(1s); co_return 42; }
//
// Nothing runs until the Task is awaited (it then runs inline, in the awaiting task, like
// `await coro()`) or spawned (corio::spawn, it then runs as its own task). A Task is
// move-only and can be awaited once; a second await throws InvalidStateError. Destroying a
// Task that never ran destroys its frame (in debug mode it warns: "never awaited").
//
// Completion hands control straight to the awaiting coroutine (symmetric transfer), so a
// chain of a million nested co_awaits does not grow the stack.
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include <corio/detail/frame_allocator.hpp>
#include <corio/detail/task_header.hpp>
#include <corio/errors.hpp>
#include <corio/loop.hpp>

namespace corio {

template <class T = void>
class Task;

namespace detail {

void report_never_awaited(TaskHeader& header) noexcept;

class PromiseBase : public TaskHeader {
 public:
  static void* operator new(std::size_t size) { return allocate_frame(size); }
  static void operator delete(void* p, std::size_t size) noexcept { deallocate_frame(p, size); }

  // Lazy start. A spawned task cancelled before its first step never runs its body (asyncio
  // never starts it either): TaskHeader's first step ends it with CancelledError. The
  // awaiter holds nothing, so the frame carries no pointer for it.
  std::suspend_always initial_suspend() noexcept { return {}; }

  struct FinalAwaiter {
    bool await_ready() const noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> self) noexcept {
      PromiseBase& promise = self.promise();
      // Awaited inline: hand control to the awaiter, kept in resume_point.
      if (promise.state() == TaskState::created) return promise.resume_point;
      promise.finish();  // spawned: wakes joiners, may destroy the frame
      return std::noop_coroutine();
    }
    void await_resume() const noexcept {}
  };
  FinalAwaiter final_suspend() noexcept { return {}; }

  void unhandled_exception() noexcept { set_exception(std::current_exception()); }
};

template <class T>
class Promise final : public PromiseBase {
 public:
  Promise() noexcept { set_frame(std::coroutine_handle<Promise>::from_promise(*this).address()); }
  Task<T> get_return_object() noexcept;
  template <class U>
  void return_value(U&& value) {
    value_.emplace(std::forward<U>(value));
  }
  // A JoinHandle's await: copies the result (a task may be awaited more than once), or
  // moves it out when T cannot be copied.
  T take_result() {
    if constexpr (std::is_copy_constructible_v<T>) {
      return stored();
    } else {
      return move_out();
    }
  }
  // take_result() for a holder about to drop its reference: moves the value out when that
  // reference is the last one (nobody else can read it), copies it otherwise.
  T take_last_result() { return is_last_reference() ? move_out() : take_result(); }
  // The inline await of a Task, which only its one awaiter can read.
  T move_result() {
    check_result();
    return std::move(*value_);
  }

 private:
  // The value, or rethrows; InvalidStateError when a move already took it.
  T& stored() {
    check_result();
    if (!value_) throw InvalidStateError("corio: task result was already taken");
    return *value_;
  }
  T move_out() {
    T out = std::move(stored());
    value_.reset();
    return out;
  }

  std::optional<T> value_;
};

template <>
class Promise<void> final : public PromiseBase {
 public:
  Promise() noexcept { set_frame(std::coroutine_handle<Promise>::from_promise(*this).address()); }
  Task<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void take_result() { check_result(); }
  void move_result() { check_result(); }
  void take_last_result() { check_result(); }
};

}  // namespace detail

template <class T>
class [[nodiscard]] Task {
 public:
  using promise_type = detail::Promise<T>;
  using value_type = T;
  using Handle = std::coroutine_handle<promise_type>;

  Task() noexcept = default;
  explicit Task(Handle frame) noexcept : frame_(frame) {}
  Task(Task&& other) noexcept : frame_(std::exchange(other.frame_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      destroy();
      frame_ = std::exchange(other.frame_, {});
    }
    return *this;
  }
  ~Task() { destroy(); }

  [[nodiscard]] bool valid() const noexcept { return static_cast<bool>(frame_); }

  struct Awaiter {
    Handle frame;
    bool await_ready() const noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> caller) noexcept {
      frame.promise().resume_point = caller;  // where its final suspension returns to
      return frame;
    }
    T await_resume() { return frame.promise().move_result(); }
  };

  // Runs the coroutine inline; returns its value or rethrows its exception.
  // Suspends: whenever the coroutine does. Cancellation: that of the awaiting task.
  // Throws InvalidStateError on an empty or already-awaited Task.
  Awaiter operator co_await() & { return Awaiter{claim()}; }
  Awaiter operator co_await() && { return Awaiter{claim()}; }

  // True once the Task was awaited or spawned.
  [[nodiscard]] bool started() const noexcept { return frame_.promise().started; }

  // Gives up ownership of the frame (spawn takes it).
  Handle release() noexcept { return std::exchange(frame_, {}); }

 private:
  Handle claim() {
    if (!frame_) throw InvalidStateError("corio: awaiting an empty Task");
    auto& promise = frame_.promise();
    if (promise.started) throw InvalidStateError("corio: Task awaited twice");
    promise.started = true;
    return frame_;
  }
  void destroy() noexcept {
    if (!frame_) return;
    if (!frame_.promise().started) detail::report_never_awaited(frame_.promise());
    frame_.destroy();
    frame_ = {};
  }

  Handle frame_;
};

namespace detail {
template <class T>
Task<T> Promise<T>::get_return_object() noexcept {
  return Task<T>(std::coroutine_handle<Promise<T>>::from_promise(*this));
}
inline Task<void> Promise<void>::get_return_object() noexcept {
  return Task<void>(std::coroutine_handle<Promise<void>>::from_promise(*this));
}
}  // namespace detail

}  // namespace corio
