// include/corio/run.hpp — corio::run (asyncio.run).
//
//   int main() { return corio::run(amain()); }
//
// run(task) creates a new Loop on this thread, spawns `task` as the main task, runs until it
// is done, then cancels every task still pending and waits for them, shuts the default
// executor down (joining its threads while the loop still runs, as asyncio does, so a worker
// waiting on the loop is served; tasks started meanwhile are cancelled too), destroys the
// loop, and returns the main task's value or rethrows its exception.
//
// SIGINT (Ctrl-C) while run() is active on the main thread cancels the main task; run() then
// throws KeyboardInterrupt. A second SIGINT kills the process the default way.
// Throws RuntimeError when called while a loop is already running on this thread.
#pragma once

#include <utility>

#include <corio/loop.hpp>
#include <corio/spawn.hpp>
#include <corio/task.hpp>

namespace corio {

namespace detail {

// Prepares a run (checks nesting, SIGINT) and runs the loop until `main` is done; the
// epilogue (cancel leftovers, executor) runs in all cases. Returns true when SIGINT
// cancelled the main task.
bool run_main(Loop& loop, TaskHeader& main);

}  // namespace detail

template <class T>
T run(Task<T> main, LoopOptions options = {}) {
  if (Loop::current_or_null() != nullptr) {
    throw RuntimeError("corio::run() cannot be called from a running event loop");
  }
  Loop loop(std::move(options));
  detail::ThreadContext saved = detail::t_context;
  detail::t_context.loop = &loop;
  JoinHandle<T> handle;
  try {
    handle = spawn(std::move(main), "main");
  } catch (...) {
    detail::t_context = saved;
    throw;
  }
  detail::t_context = saved;
  const bool interrupted = detail::run_main(loop, *handle.header());
  if (interrupted && handle.cancelled()) throw KeyboardInterrupt();
  return handle.result();
}

// run([&]() -> corio::Task<int> { ... }): the callable lives in the main task's frame.
template <detail::TaskFactory F>
auto run(F fn, LoopOptions options = {}) {
  return run(detail::call_in_frame(std::move(fn)), std::move(options));
}

}  // namespace corio
