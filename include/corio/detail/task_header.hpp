// include/corio/detail/task_header.hpp — the type-erased part of every task.
//
// Every Task<T> frame's promise starts with a TaskHeader. When a Task is awaited inline only
// `exception` is used; when it is spawned, the header is what the loop schedules, what
// cancellation reaches, and what JoinHandles share (reference-counted: one reference for the
// loop while the task runs, one per handle).
//
// Task states:
//   created  — frame exists, never spawned (an un-awaited coroutine object)
//   starting — spawned, its first step not run yet (in the ready queue)
//   pending  — has run a step; either in the ready queue or parked in exactly one Suspension
//   done     — finished with a value, an exception or CancelledError
// Invariant (asyncio's): a pending task is either scheduled or waiting on one Suspension,
// never both.
#pragma once

#include <coroutine>
#include <cstdint>
#include <exception>
#include <string>

#include <corio/detail/intrusive_list.hpp>
#include <corio/detail/thread_context.hpp>

namespace corio {
class Loop;
}

namespace corio::detail {

// An entry of the loop's ready queue: a task step or a callback.
struct Runnable {
  void (*run)(Runnable*) noexcept = nullptr;
};

// An await a task is parked in. `cancel` is called when the task is cancelled while parked.
// It returns true when cancellation is taken care of (the wait was abandoned and the task
// scheduled to raise CancelledError, or the cancel was forwarded, as when awaiting another
// task), false when the wait can no longer be abandoned (the task then raises CancelledError
// at its next suspension point).
struct Suspension {
  bool (*cancel)(Suspension*) noexcept = nullptr;
};

struct DoneTag {};
struct AllTasksTag {};

class TaskHeader;

// Called once when a task finishes; lives in whoever waits (a JoinHandle await, gather, wait).
struct DoneWaiter : ListNode<DoneTag> {
  void (*on_done)(DoneWaiter*, TaskHeader&) noexcept = nullptr;
};

struct TaskExtras;  // name, user done-callbacks, the exception: allocated only when used

enum class TaskState : std::uint8_t { created, starting, pending, done };

// The fields that finishing, joining and freeing a task touch, laid out at the front of the
// header so they share the coroutine frame's first cache line with its resume and destroy
// pointers: joining and freeing a task that finished long ago then misses the cache once.
class TaskHeaderHotFields {
  friend class TaskHeader;

  TaskExtras* extras_ = nullptr;  // owned
  std::uint32_t refs_ = 2;        // once spawned: the loop's and the first JoinHandle's
  std::uint32_t num_cancels_ = 0;
  TaskState state_ = TaskState::created;
  bool cancelled_ = false;
  bool exception_retrieved_ = false;
  // Distance from the coroutine frame's start to this header (the promise's offset in its
  // frame; a few dozen bytes), so the header needs no separate frame pointer.
  std::uint8_t frame_offset_ = 0;

 public:
  bool must_cancel = false;  // raise CancelledError at the next suspension point
  bool started = false;      // the Task was awaited or spawned (its frame has begun)
};

class TaskHeader : public Runnable, public TaskHeaderHotFields, public ListNode<AllTasksTag> {
 public:
  TaskHeader() noexcept { run = &TaskHeader::run_step; }
  ~TaskHeader() {
    if (extras_ != nullptr) [[unlikely]]
      destroy_slow();
  }
  TaskHeader(const TaskHeader&) = delete;
  TaskHeader& operator=(const TaskHeader&) = delete;

  // Spawns this task's frame on `loop`: it runs on a later loop turn. The two references it
  // starts with are the loop's and the returned handle's. `frame` is the coroutine whose
  // promise starts with this header. Defined in loop.hpp.
  inline void start(Loop& loop, std::coroutine_handle<> frame) noexcept;

  // asyncio's Task.cancel(): false if already done; otherwise counts the request, abandons
  // the current wait if it can, else marks the task to raise at its next suspension point.
  bool cancel() noexcept;
  std::uint32_t uncancel() noexcept;
  [[nodiscard]] std::uint32_t cancelling() const noexcept { return num_cancels_; }

  [[nodiscard]] bool done() const noexcept { return state_ == TaskState::done; }
  [[nodiscard]] bool cancelled() const noexcept { return done() && cancelled_; }
  // Done with an exception other than CancelledError.
  [[nodiscard]] bool failed() const noexcept {
    return done() && !cancelled_ && extras_ != nullptr && holds_exception();
  }
  // Whoever aggregates results (gather, TaskGroup) takes responsibility for the exception.
  void mark_retrieved() noexcept { exception_retrieved_ = true; }
  [[nodiscard]] TaskState state() const noexcept { return state_; }

  // Rethrows the stored exception (marking it retrieved) or returns; InvalidStateError when
  // the task is not done.
  void check_result() {
    if (extras_ != nullptr) [[unlikely]]
      rethrow_if_failed();
  }
  [[nodiscard]] std::exception_ptr exception_or_null();

  [[nodiscard]] std::string name() const;
  void set_name(std::string name);
  [[nodiscard]] std::uint64_t id() const noexcept { return id_; }
  [[nodiscard]] Loop* loop() const noexcept { return loop_; }

  void add_done_waiter(DoneWaiter* waiter) noexcept { done_waiters_.push_back(waiter); }
  void add_done_callback(void (*fn)(void*, TaskHeader&), void* context);

  void retain() noexcept { ++refs_; }
  [[nodiscard]] bool is_last_reference() const noexcept { return refs_ == 1; }
  // The last release destroys the frame.
  void release() noexcept {
    if (--refs_ == 0) {
      std::coroutine_handle<>::from_address(reinterpret_cast<char*>(this) - frame_offset_)
          .destroy();
    }
  }

  // Called from the promise's final_suspend for a spawned task: done, wakes whoever waits,
  // drops the loop's reference (which may destroy the frame). Defined in loop.hpp.
  inline void finish() noexcept;
  // Called from the promise's constructor with its frame's address.
  void set_frame(void* frame) noexcept {
    frame_offset_ =
        static_cast<std::uint8_t>(reinterpret_cast<char*>(this) - static_cast<char*>(frame));
  }
  // Called from unhandled_exception().
  void set_exception(std::exception_ptr error) noexcept;

  // True when a ready-queue entry is a task step (not a plain callback).
  [[nodiscard]] static bool is_task(const Runnable* runnable) noexcept {
    return runnable->run == &TaskHeader::run_step || runnable->run == &TaskHeader::run_first_step;
  }
  // Runs a ready-queue entry: a task's ordinary step inline (the loop's hottest call),
  // anything else (a callback, a cancelled task's first step) through its pointer.
  static void dispatch(Runnable* runnable) noexcept {
    if (runnable->run == &TaskHeader::run_step) [[likely]] {
      step(static_cast<TaskHeader*>(runnable));
    } else {
      runnable->run(runnable);
    }
  }

  // Parks this task, the running one, in `at`: its next step resumes `resume_at`. The first
  // park enters the task in its loop's list of parked tasks (all_tasks(), the cancellation
  // at the end of run()); a task that finishes without ever parking is never listed, since
  // it is always in the ready queue or running. Defined in loop.hpp.
  inline void park_in(Suspension* at, std::coroutine_handle<> resume_at) noexcept;
  // True once the task is in its loop's list of parked tasks (until it finishes).
  [[nodiscard]] bool listed() const noexcept {
    return static_cast<const ListNode<AllTasksTag>*>(this)->linked();
  }

  // --- state the awaiters of the runtime manipulate directly (hot paths) ---
  // A spawned task: the innermost suspended frame, what the next step resumes. A Task
  // awaited inline (never spawned, so its state stays `created`): the awaiting coroutine,
  // which its final suspension transfers to.
  std::coroutine_handle<> resume_point;
  Suspension* waiting_on = nullptr;  // the await this task is parked in, if any

 private:
  // Defined out of line so that its address, which tells task steps apart, is one.
  static void run_step(Runnable* self) noexcept;
  static void step(TaskHeader* task) noexcept {
    ThreadContext& context = t_context;
    TaskHeader* outer = context.task;
    context.task = task;
    task->state_ = TaskState::pending;
    task->resume_point.resume();  // may finish and free the task: do not touch it afterwards
    context.task = outer;
  }
  // The first step of a task cancelled while `starting` (cancel() installs it, so tasks
  // nobody cancels pay nothing): ends the task with CancelledError without running its body,
  // unless uncancel() withdrew the request; then every step is run_step.
  static void run_first_step(Runnable* self) noexcept;
  // Runs fn(context, *this) on a later loop turn (asyncio's done-callback timing).
  void schedule_done_callback(void (*fn)(void*, TaskHeader&), void* context);
  // finish()'s part for done-waiters and done-callbacks.
  void notify_done() noexcept;
  // check_result()'s part for a task with extras: rethrows its exception, if any.
  void rethrow_if_failed();
  // True when the extras hold an exception.
  [[nodiscard]] bool holds_exception() const noexcept;
  // Reports an exception nobody retrieved; frees the extras.
  void destroy_slow() noexcept;
  // The extras, allocated on first use (std::bad_alloc, which set_exception cannot report,
  // ends the program).
  TaskExtras& extras();

  Loop* loop_ = nullptr;
  IntrusiveList<DoneWaiter, DoneTag> done_waiters_;
  std::uint64_t id_ = 0;
};

// CORIO_DEBUG=1 in the environment (read once).
[[nodiscard]] bool debug_from_environment() noexcept;

}  // namespace corio::detail
