// src/runtime/run.cpp — corio::run's loop-side work: SIGINT, the main task, the epilogue.
#include <corio/run.hpp>

#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>

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
  loop.shutdown_default_executor();
  if (handle_sigint) loop.remove_signal_handler(SIGINT);
  // asyncio.Runner: KeyboardInterrupt only when SIGINT's cancel is the last one standing; a
  // main task also cancelled by the program itself ends in CancelledError
  // (test_runners.py RunnerTests.test_interrupt_cancelled_task).
  return interrupted && main.uncancel() == 0;
}

}  // namespace corio::detail
