// src/runtime/task_header.cpp — spawned-task bookkeeping: start, cancel, finish, release.
#include <corio/detail/task_header.hpp>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

#include <corio/errors.hpp>
#include <corio/loop.hpp>
#include <corio/spawn.hpp>
#include <corio/task.hpp>

namespace corio::detail {

thread_local constinit ThreadContext t_context;

// What few tasks need, kept out of every frame: a task that fails, is cancelled, is named
// or has done-callbacks allocates it once.
struct TaskExtras {
  std::string name;
  std::vector<std::pair<void (*)(void*, TaskHeader&), void*>> callbacks;
  std::exception_ptr exception;
};

void TaskHeader::destroy_slow() noexcept {
  if (failed() && !exception_retrieved_) {
    std::fprintf(stderr, "corio: Task exception was never retrieved: task '%s': %s\n",
                 name().c_str(), describe(extras_->exception).c_str());
  }
  delete extras_;
}

bool TaskHeader::holds_exception() const noexcept {
  return static_cast<bool>(extras_->exception);
}

void TaskHeader::run_step(Runnable* self) noexcept {
  step(static_cast<TaskHeader*>(self));
}

void TaskHeader::run_first_step(Runnable* self) noexcept {
  auto* task = static_cast<TaskHeader*>(self);
  task->run = &TaskHeader::run_step;
  if (task->must_cancel) [[unlikely]] {
    task->must_cancel = false;
    task->set_exception(std::make_exception_ptr(CancelledError()));
    task->finish();  // may free the frame, still at its initial suspension point
    return;
  }
  step(task);
}

bool TaskHeader::cancel() noexcept {
  if (state_ == TaskState::created || state_ == TaskState::done) return false;
  ++num_cancels_;
  if (state_ == TaskState::starting) run = &TaskHeader::run_first_step;
  if (waiting_on != nullptr && waiting_on->cancel(waiting_on)) return true;
  must_cancel = true;
  return true;
}

std::uint32_t TaskHeader::uncancel() noexcept {
  if (num_cancels_ > 0) --num_cancels_;
  if (num_cancels_ == 0) must_cancel = false;
  return num_cancels_;
}

void TaskHeader::set_exception(std::exception_ptr error) noexcept {
  cancelled_ = is_cancelled_error(error);
  extras().exception = std::move(error);
}

void TaskHeader::rethrow_if_failed() {
  if (!extras_->exception) return;
  exception_retrieved_ = true;
  std::rethrow_exception(extras_->exception);
}

std::exception_ptr TaskHeader::exception_or_null() {
  if (cancelled_) std::rethrow_exception(extras_->exception);
  exception_retrieved_ = true;
  return extras_ != nullptr ? extras_->exception : nullptr;
}

TaskExtras& TaskHeader::extras() {
  if (extras_ == nullptr) extras_ = new TaskExtras;
  return *extras_;
}

std::string TaskHeader::name() const {
  if (extras_ && !extras_->name.empty()) return extras_->name;
  return "Task-" + std::to_string(id_);
}

void TaskHeader::set_name(std::string name) {
  extras().name = std::move(name);
}

void TaskHeader::schedule_done_callback(void (*fn)(void*, TaskHeader&), void* context) {
  retain();  // the callback gets a live task whoever else lets go of it
  loop_->call_soon([this, fn, context] {
    fn(context, *this);
    release();
  });
}

void TaskHeader::add_done_callback(void (*fn)(void*, TaskHeader&), void* context) {
  if (done()) {
    schedule_done_callback(fn, context);
    return;
  }
  extras().callbacks.emplace_back(fn, context);
}

void TaskHeader::notify_done() noexcept {
  while (DoneWaiter* waiter = done_waiters_.pop_front()) waiter->on_done(waiter, *this);
  if (extras_) {
    for (auto [fn, context] : extras_->callbacks) schedule_done_callback(fn, context);
    extras_->callbacks.clear();
  }
}

void throw_unspawnable(bool empty) {
  throw InvalidStateError(empty ? "corio: spawning an empty Task"
                                : "corio: spawning a Task that was already awaited");
}

bool debug_from_environment() noexcept {
  static const bool enabled = [] {
    const char* value = std::getenv("CORIO_DEBUG");
    return value != nullptr && value[0] == '1';
  }();
  return enabled;
}

void report_never_awaited(TaskHeader& header) noexcept {
  Loop* loop = Loop::current_or_null();
  const bool debug = loop != nullptr ? loop->debug() : debug_from_environment();
  if (debug) {
    std::fprintf(stderr, "corio: coroutine %p was never awaited nor spawned\n",
                 static_cast<void*>(&header));
  }
}

}  // namespace corio::detail

namespace corio {

std::vector<TaskRef> all_tasks() {
  std::vector<TaskRef> out;
  for (detail::TaskHeader* header : Loop::current().all_tasks()) out.emplace_back(header);
  return out;
}

}  // namespace corio
