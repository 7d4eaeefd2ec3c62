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

#include <cstddef>
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

// Waits for `children` (fail-fast or all); on failure cancels and awaits those marked in
// `spawned`; on cancellation cancels and awaits all, then raises. Marks every child's
// exception as retrieved. Returns the index of the failure that ended the wait, or npos.
Task<std::size_t> gather_children(std::vector<TaskHeader*> children, std::vector<bool> spawned,
                                  bool fail_fast);

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

template <class... Ts, std::size_t... I>
Task<std::tuple<JoinHandle<Ts>...>> gather_tuple(std::tuple<JoinHandle<Ts>...> handles,
                                                 std::vector<bool> spawned, bool fail_fast,
                                                 std::index_sequence<I...>) {
  std::vector<TaskHeader*> headers{std::get<I>(handles).header()...};
  const std::size_t failed = co_await gather_children(headers, std::move(spawned), fail_fast);
  if (failed != ChildrenWait::npos) {
    ((I == failed ? (void)take_value(std::get<I>(handles)) : void()), ...);
  }
  co_return std::move(handles);
}

template <class T>
Task<std::vector<JoinHandle<T>>> gather_all(std::vector<JoinHandle<T>> handles,
                                            std::vector<bool> spawned, bool fail_fast) {
  std::vector<TaskHeader*> headers;
  headers.reserve(handles.size());
  for (auto& handle : handles) headers.push_back(handle.header());
  const std::size_t failed = co_await gather_children(headers, std::move(spawned), fail_fast);
  if (failed != ChildrenWait::npos) take_value(handles[failed]);
  co_return std::move(handles);
}

template <class A>
std::vector<JoinHandle<awaitable_value_t<A>>> start_all(std::vector<A> awaitables,
                                                      std::vector<bool>& spawned) {
  std::vector<JoinHandle<awaitable_value_t<A>>> handles;
  handles.reserve(awaitables.size());
  spawned.resize(awaitables.size());
  for (std::size_t i = 0; i < awaitables.size(); ++i) {
    bool was_spawned = false;
    handles.push_back(to_handle(std::move(awaitables[i]), was_spawned));
    spawned[i] = was_spawned;
  }
  return handles;
}

}  // namespace detail

// gather(a, b, ...) -> std::tuple<values...>
template <class... As>
  requires(sizeof...(As) > 0)
Task<std::tuple<detail::gather_value_t<detail::awaitable_value_t<As>>...>> gather(As... awaitables) {
  std::vector<bool> spawned(sizeof...(As));
  std::size_t i = 0;
  auto handles = std::tuple{[&] {
    bool was_spawned = false;
    auto handle = detail::to_handle(std::move(awaitables), was_spawned);
    spawned[i++] = was_spawned;
    return handle;
  }()...};
  auto done = co_await detail::gather_tuple(std::move(handles), std::move(spawned), true,
                                            std::index_sequence_for<As...>{});
  co_return std::apply([](auto&... h) { return std::tuple{detail::take_value(h)...}; }, done);
}

// gather(return_exceptions, a, b, ...) -> std::tuple<Outcome<values>...>
template <class... As>
Task<std::tuple<Outcome<detail::gather_value_t<detail::awaitable_value_t<As>>>...>> gather(
    ReturnExceptions, As... awaitables) {
  std::vector<bool> spawned(sizeof...(As));
  std::size_t i = 0;
  auto handles = std::tuple{[&] {
    bool was_spawned = false;
    auto handle = detail::to_handle(std::move(awaitables), was_spawned);
    spawned[i++] = was_spawned;
    return handle;
  }()...};
  auto done = co_await detail::gather_tuple(std::move(handles), std::move(spawned), false,
                                            std::index_sequence_for<As...>{});
  co_return std::apply([](auto&... h) { return std::tuple{detail::take_outcome(h)...}; }, done);
}

// gather(std::vector<Task<T>> or std::vector<JoinHandle<T>>) -> std::vector<T>
template <class A>
Task<std::vector<detail::gather_value_t<detail::awaitable_value_t<A>>>> gather(
    std::vector<A> awaitables) {
  std::vector<bool> spawned;
  auto handles = detail::start_all(std::move(awaitables), spawned);
  handles = co_await detail::gather_all(std::move(handles), std::move(spawned), true);
  std::vector<detail::gather_value_t<detail::awaitable_value_t<A>>> values;
  values.reserve(handles.size());
  for (auto& handle : handles) values.push_back(detail::take_value(handle));
  co_return values;
}

// gather(return_exceptions, std::vector<...>) -> std::vector<Outcome<T>>
template <class A>
Task<std::vector<Outcome<detail::gather_value_t<detail::awaitable_value_t<A>>>>> gather(
    ReturnExceptions, std::vector<A> awaitables) {
  std::vector<bool> spawned;
  auto handles = detail::start_all(std::move(awaitables), spawned);
  handles = co_await detail::gather_all(std::move(handles), std::move(spawned), false);
  std::vector<Outcome<detail::gather_value_t<detail::awaitable_value_t<A>>>> outcomes;
  outcomes.reserve(handles.size());
  for (auto& handle : handles) outcomes.push_back(detail::take_outcome(handle));
  co_return outcomes;
}

}  // namespace corio
