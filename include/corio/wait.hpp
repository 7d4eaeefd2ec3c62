// include/corio/wait.hpp — corio::wait and corio::as_completed (asyncio.wait, as_completed).
//
//   auto [done, pending] = co_await corio::wait(handles, corio::FIRST_COMPLETED, 5s);
//   corio::AsCompleted next_done(handles);
//   while (auto handle = co_await next_done.next()) use(co_await *handle);
//
// Both work on running tasks (JoinHandles) and never cancel them: what is still pending
// after a timeout keeps running, as in asyncio.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <stdexcept>
#include <vector>

#include <corio/detail/children_wait.hpp>
#include <corio/loop.hpp>
#include <corio/spawn.hpp>
#include <corio/task.hpp>

namespace corio {

enum class ReturnWhen : std::uint8_t { FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED };
inline constexpr ReturnWhen FIRST_COMPLETED = ReturnWhen::FIRST_COMPLETED;
inline constexpr ReturnWhen FIRST_EXCEPTION = ReturnWhen::FIRST_EXCEPTION;
inline constexpr ReturnWhen ALL_COMPLETED = ReturnWhen::ALL_COMPLETED;

template <class T>
struct WaitResult {
  std::vector<JoinHandle<T>> done;
  std::vector<JoinHandle<T>> pending;
};

// Suspends until `return_when` holds or `timeout` passes (no exception on timeout: look at
// `pending`). Each handle lands in exactly one of done/pending, in argument order.
// Throws std::invalid_argument for an empty list, CancelledError if the waiting task is
// cancelled (the tasks keep running). Cancellation: safe, nothing is lost.
template <class T>
Task<WaitResult<T>> wait(std::vector<JoinHandle<T>> handles, ReturnWhen return_when = ALL_COMPLETED,
                         std::optional<Loop::Duration> timeout = std::nullopt) {
  if (handles.empty()) throw std::invalid_argument("corio::wait() needs at least one task");
  std::vector<detail::TaskHeader*> headers;
  headers.reserve(handles.size());
  for (auto& handle : handles) headers.push_back(handle.header());
  std::optional<Loop::TimePoint> deadline;
  if (timeout) deadline = Loop::current().now() + *timeout;
  const auto mode = return_when == FIRST_COMPLETED   ? detail::WaitMode::first_completed
                    : return_when == FIRST_EXCEPTION ? detail::WaitMode::first_exception
                                                     : detail::WaitMode::all_completed;
  co_await detail::ChildrenWait(headers, mode, deadline);
  WaitResult<T> result;
  for (auto& handle : handles) {
    (handle.done() ? result.done : result.pending).push_back(std::move(handle));
  }
  co_return result;
}

namespace detail {

// Records tasks in the order they finish and lets one task wait for the next. A task that
// finishes once `deadline` has passed is not recorded (asyncio stops listening then).
class CompletionQueue {
 public:
  CompletionQueue(std::vector<TaskHeader*> tasks, std::optional<Loop::TimePoint> deadline);
  ~CompletionQueue();
  CompletionQueue(const CompletionQueue&) = delete;
  CompletionQueue& operator=(const CompletionQueue&) = delete;

  // Index of the next task to finish; npos when all were accounted for. Throws TimeoutError
  // when the deadline passes first, and from then on once per task that had not finished
  // by then; CancelledError if the waiting task is cancelled.
  Task<std::size_t> next();
  [[nodiscard]] std::size_t remaining() const noexcept { return remaining_; }

 private:
  struct Node : DoneWaiter {
    CompletionQueue* owner = nullptr;
    std::size_t index = 0;
  };
  static void on_done(DoneWaiter* waiter, TaskHeader& task) noexcept;

  std::vector<TaskHeader*> tasks_;
  std::vector<Node> nodes_;
  std::deque<std::size_t> finished_;
  std::size_t remaining_;
  std::optional<Loop::TimePoint> deadline_;
};

}  // namespace detail

// asyncio.as_completed: hands out the tasks in the order they finish. The returned handles
// are done, so awaiting them does not suspend. Once the timeout passes, the tasks that
// finished before it are still handed out, then each task still pending at the timeout
// costs one TimeoutError (it keeps running, but is never handed out), then the end.
template <class T>
class AsCompleted {
 public:
  explicit AsCompleted(std::vector<JoinHandle<T>> handles,
                       std::optional<Loop::Duration> timeout = std::nullopt)
      : handles_(std::move(handles)), queue_(headers(handles_), deadline(timeout)) {}

  // The next finished task, or std::nullopt once every task was handed out.
  // Suspends: until a task finishes. Throws TimeoutError once the timeout (counted from
  // construction) passes, CancelledError if the waiting task is cancelled.
  // Cancellation: safe; a task finishing meanwhile is handed out by the next call.
  Task<std::optional<JoinHandle<T>>> next() {
    const std::size_t index = co_await queue_.next();
    if (index == detail::ChildrenWait::npos) co_return std::nullopt;
    co_return handles_[index];
  }
  [[nodiscard]] std::size_t remaining() const noexcept { return queue_.remaining(); }

 private:
  static std::vector<detail::TaskHeader*> headers(const std::vector<JoinHandle<T>>& handles) {
    std::vector<detail::TaskHeader*> out;
    out.reserve(handles.size());
    for (const auto& handle : handles) out.push_back(handle.header());
    return out;
  }

  static std::optional<Loop::TimePoint> deadline(std::optional<Loop::Duration> timeout) {
    if (!timeout) return std::nullopt;
    return Loop::current().now() + *timeout;
  }

  std::vector<JoinHandle<T>> handles_;
  detail::CompletionQueue queue_;
};

template <class T>
AsCompleted<T> as_completed(std::vector<JoinHandle<T>> handles,
                            std::optional<Loop::Duration> timeout = std::nullopt) {
  return AsCompleted<T>(std::move(handles), timeout);
}

}  // namespace corio
