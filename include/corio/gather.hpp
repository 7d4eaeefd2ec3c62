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
JoinHandle<T> to_handle(Task<T>&& task, bool& spawned) {
  spawned = true;
  return spawn(std::move(task));
}
template <class T>
JoinHandle<T> to_handle(JoinHandle<T> handle, bool& spawned) {
  spawned = false;
  return handle;
}

// Waits for `children` (fail-fast or all); on failure cancels and awaits those gather
// spawned itself (spawned[i], or `all_spawned` when `spawned` is empty); on cancellation
// cancels and awaits all, then raises. Marks every child's exception as retrieved. Returns
// the index of the failure that ended the wait, or npos. The spans must outlive the await.
Task<std::size_t> gather_children(std::span<TaskHeader* const> children,
                                  std::span<const bool> spawned, bool all_spawned, bool fail_fast);

template <class T>
gather_value_t<T> take_value(JoinHandle<T>& handle) {
  if constexpr (std::is_void_v<T>) {
    handle.result();
    return {};
  } else {
    return handle.result();
  }
}

template <class T>
Outcome<gather_value_t<T>> take_outcome(JoinHandle<T>& handle) {
  try {
    return Outcome<gather_value_t<T>>(take_value(handle));
  } catch (...) {
    return Outcome<gather_value_t<T>>(std::current_exception());
  }
}

// Spawns the Tasks among `awaitables` and waits as gather_children does; returns the handles.
template <class... As>
Task<std::tuple<JoinHandle<awaitable_value_t<As>>...>> gather_tuple(bool fail_fast,
                                                                    As... awaitables) {
  constexpr std::size_t n = sizeof...(As);
  std::array<bool, n> spawned{};
  std::size_t next = 0;
  auto start = [&](auto&& awaitable) {
    bool was_spawned = false;
    auto handle = to_handle(std::move(awaitable), was_spawned);
    spawned[next++] = was_spawned;
    return handle;
  };
  std::tuple<JoinHandle<awaitable_value_t<As>>...> handles{start(std::move(awaitables))...};
  const auto headers =
      std::apply([](auto&... h) { return std::array<TaskHeader*, n>{h.header()...}; }, handles);
  const std::size_t failed = co_await gather_children(headers, spawned, false, fail_fast);
  if (failed != ChildrenWait::npos) {
    std::apply(
        [failed](auto&... h) {
          std::size_t i = 0;
          ((i++ == failed ? (void)take_value(h) : void()), ...);
        },
        handles);
  }
  co_return std::move(handles);
}

template <class A>
Task<std::vector<JoinHandle<awaitable_value_t<A>>>> gather_vector(bool fail_fast,
                                                                  std::vector<A> awaitables) {
  std::vector<JoinHandle<awaitable_value_t<A>>> handles;
  handles.reserve(awaitables.size());
  bool was_spawned = false;
  for (auto& awaitable : awaitables) {
    handles.push_back(to_handle(std::move(awaitable), was_spawned));
  }
  std::vector<TaskHeader*> headers;
  headers.reserve(handles.size());
  for (auto& handle : handles) headers.push_back(handle.header());
  // One element type: gather spawned either every child or none.
  const std::size_t failed = co_await gather_children(headers, {}, is_task_v<A>, fail_fast);
  if (failed != ChildrenWait::npos) take_value(handles[failed]);
  co_return std::move(handles);
}

}  // namespace detail

// gather(a, b, ...) -> std::tuple<values...>
template <class... As>
requires(sizeof...(As) > 0)
    Task<std::tuple<detail::gather_value_t<detail::awaitable_value_t<As>>...>> gather(
        As... awaitables) {
  auto done = co_await detail::gather_tuple(true, std::move(awaitables)...);
  co_return std::apply([](auto&... h) { return std::tuple{detail::take_value(h)...}; }, done);
}

// gather(return_exceptions, a, b, ...) -> std::tuple<Outcome<values>...>
template <class... As>
Task<std::tuple<Outcome<detail::gather_value_t<detail::awaitable_value_t<As>>>...>> gather(
    ReturnExceptions, As... awaitables) {
  auto done = co_await detail::gather_tuple(false, std::move(awaitables)...);
  co_return std::apply([](auto&... h) { return std::tuple{detail::take_outcome(h)...}; }, done);
}

// gather(std::vector<Task<T>> or std::vector<JoinHandle<T>>) -> std::vector<T>
template <class A>
Task<std::vector<detail::gather_value_t<detail::awaitable_value_t<A>>>> gather(
    std::vector<A> awaitables) {
  auto handles = co_await detail::gather_vector(true, std::move(awaitables));
  std::vector<detail::gather_value_t<detail::awaitable_value_t<A>>> values;
  values.reserve(handles.size());
  for (auto& handle : handles) values.push_back(detail::take_value(handle));
  co_return values;
}

// gather(return_exceptions, std::vector<...>) -> std::vector<Outcome<T>>
template <class A>
Task<std::vector<Outcome<detail::gather_value_t<detail::awaitable_value_t<A>>>>> gather(
    ReturnExceptions, std::vector<A> awaitables) {
  auto handles = co_await detail::gather_vector(false, std::move(awaitables));
  std::vector<Outcome<detail::gather_value_t<detail::awaitable_value_t<A>>>> outcomes;
  outcomes.reserve(handles.size());
  for (auto& handle : handles) outcomes.push_back(detail::take_outcome(handle));
  co_return outcomes;
}

}  // namespace corio
