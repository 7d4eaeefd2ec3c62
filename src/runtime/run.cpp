// src/runtime/run.cpp — corio::run's loop-side work: SIGINT, the main task, the epilogue.
#include <corio/run.hpp>

#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>

#include <corio/thread.hpp>
#include <corio/thread_pool.hpp>

namespace corio::detail {
namespace {

bool on_main_thread() {
  return ::getpid() == static_cast<pid_t>(::syscall(SYS_gettid));
}

// asyncio.run only takes SIGINT over when nobody else handles it; so do we.
bool sigint_is_default() {
  struct sigaction current {};
  ::sigaction(SIGINT, nullptr, &current);
  return current.sa_handler == SIG_DFL;
}

// Joins the pool's workers on a thread of its own, so the loop runs meanwhile.
Task<> join_workers(ThreadPool& pool) {
  ThreadPool joiner(1);
  co_await run_in_executor(joiner, [&pool] { pool.shutdown(); });
}

// asyncio.run runs the loop while it shuts the default executor down: a worker may still wait
// on the loop (run_coroutine_threadsafe(...).get()), and joining it with the loop stopped
// would deadlock run(). Tasks the workers start meanwhile are cancelled once they are joined.
void shut_down_default_executor(Loop& loop) {
  if (ThreadPool* pool = loop.created_default_executor()) {
    struct LoopScope {
      explicit LoopScope(Loop& loop) : saved(t_context) { t_context.loop = &loop; }
      ~LoopScope() { t_context = saved; }
      ThreadContext saved;
    };
    JoinHandle<> joined;
    {
      const LoopScope scope(loop);  // spawn() takes the current loop
      joined = spawn(join_workers(*pool), "join default executor");
    }
    loop.run_until_done(*joined.header());
    loop.cancel_all_tasks();
  }
  loop.shutdown_default_executor();
}

}  // namespace

bool run_main(Loop& loop, TaskHeader& main) {
  bool interrupted = false;
  const bool handle_sigint = on_main_thread() && sigint_is_default();
  if (handle_sigint) {
    loop.add_signal_handler(SIGINT, [&loop, &main, &interrupted] {
      interrupted = main.cancel();         // false once the main task is done
      loop.remove_signal_handler(SIGINT);  // a second Ctrl-C kills the process
    });
  }
  try {
    loop.run_until_done(main);
  } catch (...) {
    if (handle_sigint) loop.remove_signal_handler(SIGINT);
    throw;
  }
  loop.cancel_all_tasks();
  shut_down_default_executor(loop);
  if (handle_sigint) loop.remove_signal_handler(SIGINT);
  // asyncio.Runner: KeyboardInterrupt only when SIGINT's cancel is the last one standing; a
  // main task also cancelled by the program itself ends in CancelledError
  // (test_runners.py RunnerTests.test_interrupt_cancelled_task).
  return interrupted && main.uncancel() == 0;
}

}  // namespace corio::detail
