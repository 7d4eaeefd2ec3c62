// include/corio/gather.hpp — corio::gather (asyncio.gather).
//
//   auto [a, b] = co_await corio::gather(fetch(x), fetch(y));         // std::tuple
//   std::vector<Page> pages = co_await corio::gather(std::move(tasks)); // std::vector
//   auto outcomes = co_await corio::gather(corio::return_exceptions, fetch(x), fetch(y));
//
// Each argument is a Task<T> (spawned here, as asyncio wraps coroutines in tasks) or a
// JoinHandle<T> (an already running task). Results come in argument order; void results
// appear as std::monostate.
//
// Suspends: until every task is done, or one fails.
// Throws: the first failure (in completion order), CancelledError included. Before
//   rethrowing, the tasks gather spawned itself are cancelled and awaited: their frames may
//   refer to the caller's locals, which unwinding is about to destroy. (asyncio lets them
//   run on; here that would be a use-after-free.) JoinHandle arguments keep running, as in
//   asyncio.
// Cancellation: cancelling the awaiting task cancels every task, waits for all of them to
//   finish, then raises CancelledError (asyncio's behaviour).
// With return_exceptions: never throws for a task's failure; each slot holds an Outcome.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <corio/detail/children_wait.hpp>
#include <corio/outcome.hpp>
#include <corio/spawn.hpp>
#include <corio/task.hpp>

namespace corio {

struct ReturnExceptions {};
// gather(return_exceptions, ...) keeps going past failures (asyncio's return_exceptions=True).
inline constexpr ReturnExceptions return_exceptions{};

namespace detail {

template <class T>
using gather_value_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

template <class A>
struct awaitable_traits;
template <class T>
struct awaitable_traits<Task<T>> {
  using value_type = T;
};
template <class T>
struct awaitable_traits<JoinHandle<T>> {
  using value_type = T;
};
template <class A>
using awaitable_value_t = typename awaitable_traits<std::remove_cvref_t<A>>::value_type;

template <class T>
JoinHandle<T> to_handle(Task<T>&& task) {
  return spawn(std::move(task));
}
template <class T>
JoinHandle<T> to_handle(JoinHandle<T> handle) {
  return handle;
}

// The header of a gather child, holding one reference: a Task is spawned here.
template <class T>
TaskHeader* to_header(Task<T>&& task) {
  return start_task(task);
}
template <class T>
TaskHeader* to_header(const JoinHandle<T>& handle) {
  TaskHeader* header = handle.header();
  header->retain();
  return header;
}

template <class T>
gather_value_t<T> take_value(Promise<T>& promise) {
  if constexpr (std::is_void_v<T>) {
    promise.take_result();
    return {};
  } else {
    return promise.take_result();
  }
}
template <class T>
gather_value_t<T> take_value(JoinHandle<T>& handle) {
  if (!handle.done()) throw InvalidStateError("corio: task result is not set yet");
  return take_value(*static_cast<Promise<T>*>(handle.header()));
}

template <class T, class Source>
Outcome<gather_value_t<T>> take_outcome(Source& source) {
  try {
    return Outcome<gather_value_t<T>>(take_value(source));
  } catch (...) {
    return Outcome<gather_value_t<T>>(std::current_exception());
  }
}

// How the wait of a gather ended: `failed` is the child whose failure ended it (fail-fast),
// else npos; `cancelled` when the awaiting task was cancelled.
struct GatherStatus {
  std::size_t failed = ChildrenWait::npos;
  bool cancelled = false;
  [[nodiscard]] bool stopped() const noexcept { return cancelled || failed != ChildrenWait::npos; }
};

// co_await GatherWait(children, fail_fast): waits for every child, or (fail_fast) the first
// failure; never throws: cancellation comes back in the status. The span must outlive it.
class GatherWait {
 public:
  GatherWait(std::span<TaskHeader* const> children, bool fail_fast)
      : wait_(children, fail_fast ? WaitMode::first_failure : WaitMode::all_completed) {}
  // Fail-fast, dropping each succeeded child's reference as it finishes (its slot becomes
  // nullptr): for children whose results are void.
  explicit GatherWait(std::span<TaskHeader*> children)
      : wait_(children, WaitMode::first_failure, ChildrenWait::ReleaseSucceeded{}) {}
  bool await_ready() noexcept { return wait_.await_ready(); }
  bool await_suspend(std::coroutine_handle<> self) { return wait_.await_suspend(self); }
  GatherStatus await_resume() noexcept {
    const bool cancelled = wait_.end_wait();
    return GatherStatus{wait_.first_failed(), cancelled};
  }

 private:
  ChildrenWait wait_;
};

// After a wait that stopped early: cancels and awaits the children gather spawned itself
// (spawned[i], or `all_spawned` when `spawned` is empty), or every child when the awaiting
// task was cancelled; marks every child's exception as retrieved; then raises
// CancelledError if the awaiting task was cancelled. nullptr slots (children already
// released) are skipped. The spans must outlive the await. A wait that did not stop early
// needs none of this: fail-fast, no child failed; with return_exceptions, taking each
// outcome retrieves its exception.
Task<> gather_stop(std::span<TaskHeader* const> children, std::span<const bool> spawned,
                   bool all_spawned, bool cancelled);

// The children of a vector gather, one reference each, inline up to kInline of them. A slot
// is nullptr once its reference was dropped early (GatherWait's release mode).
template <class T>
class GatherChildren {
 public:
  static constexpr std::size_t kInline = 8;

  // Consumes `source`: its storage is freed here, while it is still in cache, instead of
  // when the gather's frame ends.
  template <class A>
  explicit GatherChildren(std::vector<A>&& source) {
    std::vector<A> awaitables = std::move(source);
    const std::size_t n = awaitables.size();
    if (n > kInline) {
      heap_ = std::make_unique<TaskHeader*[]>(n);
      data_ = heap_.get();
    }
    try {
      for (auto& awaitable : awaitables) {
        data_[size_] = to_header(std::move(awaitable));
        ++size_;
      }
    } catch (...) {
      // An empty or already awaited Task: the ones spawned so far never start (a task
      // cancelled before its first step never runs its body), and nothing leaks.
      for (std::size_t i = 0; i < size_; ++i) {
        if constexpr (is_task_v<A>) data_[i]->cancel();
        data_[i]->release();
      }
      throw;
    }
  }
  ~GatherChildren() {
    for (std::size_t i = 0; i < size_; ++i) {
      if (data_[i] != nullptr) data_[i]->release();
    }
  }
  GatherChildren(const GatherChildren&) = delete;
  GatherChildren& operator=(const GatherChildren&) = delete;

  [[nodiscard]] std::span<TaskHeader* const> headers() const noexcept { return {data_, size_}; }
  [[nodiscard]] std::span<TaskHeader*> slots() noexcept { return {data_, size_}; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] Promise<T>& operator[](std::size_t i) const noexcept {
    return *static_cast<Promise<T>*>(data_[i]);
  }

 private:
  TaskHeader** data_ = inline_;
  std::size_t size_ = 0;
  TaskHeader* inline_[kInline];
  std::unique_ptr<TaskHeader*[]> heap_;
};

// Spawns the Tasks among `awaitables` (left to right); `spawned` records which were.
template <class... As>
std::tuple<JoinHandle<awaitable_value_t<As>>...> start_all(std::span<bool> spawned,
                                                           As&... awaitables) {
  std::size_t next = 0;
  auto start = [&](auto& awaitable) {
    spawned[next++] = is_task_v<std::remove_cvref_t<decltype(awaitable)>>;
    return to_handle(std::move(awaitable));
  };
  return std::tuple<JoinHandle<awaitable_value_t<As>>...>{start(awaitables)...};
}

}  // namespace detail

// gather(a, b, ...) -> std::tuple<values...>
template <class... As>
requires(sizeof...(As) > 0)
    Task<std::tuple<detail::gather_value_t<detail::awaitable_value_t<As>>...>> gather(
        As... awaitables) {
  constexpr std::size_t n = sizeof...(As);
  std::array<bool, n> spawned{};
  auto handles = detail::start_all(spawned, awaitables...);
  const auto headers = std::apply(
      [](auto&... h) { return std::array<detail::TaskHeader*, n>{h.header()...}; }, handles);
  const detail::GatherStatus status = co_await detail::GatherWait(headers, true);
  if (status.stopped()) {
    co_await detail::gather_stop(headers, spawned, false, status.cancelled);
    std::apply(
        [failed = status.failed](auto&... h) {
          std::size_t i = 0;
          ((i++ == failed ? (void)detail::take_value(h) : void()), ...);
        },
        handles);
  }
  co_return std::apply([](auto&... h) { return std::tuple{detail::take_value(h)...}; }, handles);
}

// gather(return_exceptions, a, b, ...) -> std::tuple<Outcome<values>...>
template <class... As>
Task<std::tuple<Outcome<detail::gather_value_t<detail::awaitable_value_t<As>>>...>> gather(
    ReturnExceptions, As... awaitables) {
  constexpr std::size_t n = sizeof...(As);
  std::array<bool, n> spawned{};
  auto handles = detail::start_all(spawned, awaitables...);
  const auto headers = std::apply(
      [](auto&... h) { return std::array<detail::TaskHeader*, n>{h.header()...}; }, handles);
  const detail::GatherStatus status = co_await detail::GatherWait(headers, false);
  if (status.stopped()) {
    co_await detail::gather_stop(headers, spawned, false, status.cancelled);
  }
  co_return std::apply(
      [](auto&... h) {
        return std::tuple{detail::take_outcome<detail::awaitable_value_t<As>>(h)...};
      },
      handles);
}

// gather(std::vector<Task<T>> or std::vector<JoinHandle<T>>) -> std::vector<T>
template <class A>
Task<std::vector<detail::gather_value_t<detail::awaitable_value_t<A>>>> gather(
    std::vector<A> awaitables) {
  using T = detail::awaitable_value_t<A>;
  detail::GatherChildren<T> children(std::move(awaitables));
  detail::GatherStatus status;
  if constexpr (std::is_void_v<T>) {
    status = co_await detail::GatherWait(children.slots());
  } else {
    status = co_await detail::GatherWait(children.headers(), true);
  }
  if (status.stopped()) {
    // One element type: gather spawned either every child or none.
    co_await detail::gather_stop(children.headers(), {}, detail::is_task_v<A>, status.cancelled);
    detail::take_value(children[status.failed]);  // rethrows the failure
  }
  std::vector<detail::gather_value_t<T>> values;
  if constexpr (std::is_void_v<T>) {
    values.resize(children.size());  // every child succeeded: nothing to take
  } else {
    values.reserve(children.size());
    for (std::size_t i = 0; i < children.size(); ++i)
      values.push_back(detail::take_value(children[i]));
  }
  co_return values;
}

// gather(return_exceptions, std::vector<...>) -> std::vector<Outcome<T>>
template <class A>
Task<std::vector<Outcome<detail::gather_value_t<detail::awaitable_value_t<A>>>>> gather(
    ReturnExceptions, std::vector<A> awaitables) {
  using T = detail::awaitable_value_t<A>;
  detail::GatherChildren<T> children(std::move(awaitables));
  const detail::GatherStatus status = co_await detail::GatherWait(children.headers(), false);
  if (status.stopped()) {
    co_await detail::gather_stop(children.headers(), {}, detail::is_task_v<A>, status.cancelled);
  }
  std::vector<Outcome<detail::gather_value_t<T>>> outcomes;
  outcomes.reserve(children.size());
  for (std::size_t i = 0; i < children.size(); ++i) {
    outcomes.push_back(detail::take_outcome<T>(children[i]));
  }
  co_return outcomes;
}

}  // namespace corio
