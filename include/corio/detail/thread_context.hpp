// include/corio/detail/thread_context.hpp — what is running on this thread right now.
#pragma once

namespace corio {
class Loop;
}

namespace corio::detail {

class TaskHeader;

struct ThreadContext {
  Loop* loop = nullptr;        // the loop running on this thread, if any
  TaskHeader* task = nullptr;  // the task whose step is running, if any
};

// Constant-initialised (constinit), so every access is a plain TLS load with no init check.
extern thread_local constinit ThreadContext t_context;

inline TaskHeader* current_task_header() noexcept {
  return t_context.task;
}

}  // namespace corio::detail
