// include/corio/loop.hpp — corio::Loop, the event loop (asyncio's AbstractEventLoop).
//
// One loop per thread, run on the thread that created it. corio::run() creates one, runs the
// main task on it and destroys it; most programs never touch the Loop directly. Everything here
// must be called on the loop's own thread, except call_soon_threadsafe(), which any thread may
// call.
//
// Scheduling: a single FIFO ready queue holds task steps and callbacks together, so
// call_soon order is kept, and a spawned task starts after everything already queued.
// I/O readiness and timers are checked whenever the queue runs dry and, while it is busy,
// every `Loop::kTicksPerPoll` steps, so neither I/O nor timers starve.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <corio/detail/callback.hpp>
#include <corio/detail/io_watcher.hpp>
#include <corio/detail/task_header.hpp>
#include <corio/detail/thread_context.hpp>
#include <corio/detail/timer.hpp>

namespace corio {

class ThreadPool;

enum class BackendKind : std::uint8_t { epoll, io_uring };

struct LoopOptions {
  // epoll or io_uring; unset: the CORIO_BACKEND environment variable ("epoll", "io_uring"),
  // else io_uring where the kernel has Linux 6.1's io_uring and lets the process use it,
  // else epoll. Both behave alike; io_uring batches the system calls of many sockets.
  std::optional<BackendKind> backend;
  // A virtual clock: time stands still while anything is runnable and jumps to the next
  // timer when the loop would otherwise sleep. Tests of minute-long timeouts take microseconds.
  bool virtual_time = false;
  // Debug mode; unset: on when CORIO_DEBUG=1. Warns about slow steps (naming the task) and
  // about coroutines that were created but never awaited or spawned.
  std::optional<bool> debug;
  std::chrono::nanoseconds slow_callback_duration = std::chrono::milliseconds(100);
  // Worker threads of the default executor (to_thread); 0 means min(32, cores + 4).
  unsigned max_workers = 0;
  // io_uring on Linux 6.12 or later: when the loop's last look for I/O that found
  // completions found at least 8 and nothing is left to run, it sleeps until as many (at
  // most 32) have gathered, or at most this long and then until the first one; timers still
  // fire on time. Under load that saves a sleep and a wake-up per completion; the cost is
  // latency of at most this long (capped at 10 ms), paid only then: a loop that sees one
  // completion at a time never waits for a second. Zero: always wake for the first
  // completion. No effect with epoll or an older kernel.
  std::chrono::microseconds io_batch_wait{50};
};

// A scheduled callback (asyncio.Handle / TimerHandle). Copyable; cancel() is idempotent.
class Handle {
 public:
  Handle() noexcept = default;
  explicit Handle(detail::CallbackNode* node) noexcept : node_(node) { node_->retain(); }
  Handle(const Handle& other) noexcept : node_(other.node_) {
    if (node_) node_->retain();
  }
  Handle(Handle&& other) noexcept : node_(std::exchange(other.node_, nullptr)) {}
  Handle& operator=(Handle other) noexcept {
    std::swap(node_, other.node_);
    return *this;
  }
  ~Handle() {
    if (node_) node_->release();
  }

  // Stops the callback from running if it has not run yet.
  void cancel() noexcept;
  [[nodiscard]] bool cancelled() const noexcept { return node_ && node_->cancelled; }
  // The deadline of a call_later/call_at callback.
  [[nodiscard]] std::chrono::steady_clock::time_point when() const noexcept {
    return node_ ? node_->when : std::chrono::steady_clock::time_point{};
  }

 private:
  detail::CallbackNode* node_ = nullptr;
};

namespace detail {
struct ThreadsafeEntry;  // src/runtime/loop.cpp
}  // namespace detail

// A loop's call_soon_threadsafe that may outlive the loop, for threads that cannot know when
// it goes: asyncio code keeps the loop object alive through its reference, a C++ Loop dies
// with its scope, after which a Loop& must not be used at all. A handle then raises
// RuntimeError("Event loop is closed"), as a closed asyncio loop does. Copyable; every
// member may be called from any thread. From Loop::threadsafe_handle().
class ThreadsafeHandle {
 public:
  ThreadsafeHandle() noexcept = default;

  // Loop::call_soon_threadsafe. Throws RuntimeError("Event loop is closed") once the loop's
  // destructor has begun (fn is destroyed unrun), RuntimeError for an empty handle.
  void call_soon_threadsafe(std::function<void()> fn) const;
  // True once the loop's destructor has begun, and for an empty handle (asyncio's
  // loop.is_closed()). A false answer can be stale by the time the caller acts on it:
  // call_soon_threadsafe is the reliable check.
  [[nodiscard]] bool is_closed() const;

 private:
  friend class Loop;
  explicit ThreadsafeHandle(std::shared_ptr<detail::ThreadsafeEntry> entry) noexcept
      : entry_(std::move(entry)) {}
  std::shared_ptr<detail::ThreadsafeEntry> entry_;
};

class Loop {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;
  using Duration = Clock::duration;
  static constexpr unsigned kTicksPerPoll = 61;

  explicit Loop(LoopOptions options = {});
  // Cancels the tasks still pending and runs them to their end (as corio::run does), then
  // closes the loop (asyncio's loop.close()): call_soon_threadsafe raises from then on and
  // every callback that did not run is destroyed, so a run_coroutine_threadsafe future whose
  // task never started is broken. Only then is the default executor joined, so a job waiting
  // on this loop gets an error rather than deadlocking the destructor. The join still waits
  // for jobs busy with other work (asyncio's close() would not): they may use this Loop.
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // The loop running on this thread. Throws RuntimeError("no running event loop").
  static Loop& current() {
    Loop* loop = detail::t_context.loop;
    if (loop == nullptr) throw_no_running_loop();
    return *loop;
  }
  static Loop* current_or_null() noexcept { return detail::t_context.loop; }

  // Monotonic time of this loop (virtual when virtual_time is on). time() is in seconds.
  [[nodiscard]] TimePoint now() const noexcept;
  [[nodiscard]] double time() const noexcept;
  // now() read at most once per loop turn: the first call after the loop polled for I/O and
  // timers reads the clock, later calls in the same turn return that reading (earlier than
  // now() by what ran since). For deadlines of timeouts long beside a loop turn, like
  // libuv's uv_now(); sleep() and call_later() use now().
  [[nodiscard]] TimePoint coarse_now() const noexcept {
    if (coarse_stale_) {
      coarse_now_ = now();
      coarse_stale_ = false;
    }
    return coarse_now_;
  }

  // Runs fn() on a later loop turn, after everything already scheduled (FIFO).
  template <class F>
  Handle call_soon(F&& fn) {
    auto* node = detail::make_callback(std::forward<F>(fn));
    node->loop = this;
    node->run = &Loop::run_callback;
    schedule(node);
    Handle handle(node);
    return handle;
  }
  // Runs fn() once `delay` (or the time point) has passed. A negative delay runs it soon.
  template <class F>
  Handle call_later(Duration delay, F&& fn) {
    return call_at(now() + delay, std::forward<F>(fn));
  }
  template <class F>
  Handle call_at(TimePoint when, F&& fn) {
    auto* node = detail::make_callback(std::forward<F>(fn));
    node->loop = this;
    node->run = &Loop::run_callback;
    node->when = when;
    node->fire = &Loop::fire_callback_timer;
    add_timer(*node);
    Handle handle(node);
    return handle;
  }

  // Thread-safe: queues fn() to run on this loop's thread and wakes the loop (eventfd).
  // Throws RuntimeError("Event loop is closed") once the loop's destructor has begun, as
  // asyncio does after loop.close(); fn is then destroyed unrun, as are callbacks queued
  // before. The Loop object itself must still exist: a call through a reference to a destroyed
  // Loop is undefined behaviour (nothing is left to detect it with); a thread that may outlive
  // the loop should hold a threadsafe_handle() instead. Jobs of the default executor are safe
  // either way: the destructor joins them after closing the loop.
  void call_soon_threadsafe(std::function<void()> fn);
  // A handle on call_soon_threadsafe that stays safe to use after this Loop is destroyed.
  [[nodiscard]] ThreadsafeHandle threadsafe_handle() const;

  // asyncio's add_reader/add_writer: fn() runs on every loop turn while fd is readable
  // (writable). One reader and one writer per fd; adding again replaces the callback. The fd
  // stays the caller's: remove it before closing it. Throws std::invalid_argument for a
  // negative fd, std::system_error for a closed one or one the backend refuses.
  void add_reader(int fd, std::function<void()> fn);
  bool remove_reader(int fd);
  void add_writer(int fd, std::function<void()> fn);
  bool remove_writer(int fd);

  // Runs fn() on this loop (not in the signal handler) after signal `sig` arrives. One
  // handler per signal per process; the previous disposition comes back on removal.
  // Throws std::invalid_argument for SIGKILL/SIGSTOP, out-of-range numbers and signals the
  // system does not let a program catch.
  void add_signal_handler(int sig, std::function<void()> fn);
  bool remove_signal_handler(int sig);

  // Runs the loop until `task` (already started on this loop) is done.
  // Throws RuntimeError if a loop is already running on this thread.
  void run_until_done(detail::TaskHeader& task);
  // Cancels every pending task and runs until they are all done (asyncio.run's epilogue).
  void cancel_all_tasks();
  // Makes run_until_done return after the current step. Mainly for embedding.
  void stop() noexcept { stopping_ = true; }
  [[nodiscard]] bool is_running() const noexcept { return running_; }

  [[nodiscard]] BackendKind backend() const noexcept;
  [[nodiscard]] bool virtual_time() const noexcept { return virtual_time_; }
  [[nodiscard]] bool debug() const noexcept { return debug_; }

  // The default executor of to_thread / run_in_executor, created on first use.
  ThreadPool& default_executor();
  // Waits for the default executor's jobs to finish and joins its threads. Blocks the loop's
  // thread meanwhile: a job waiting on this loop deadlocks it (corio::run joins on a thread
  // of its own instead, with the loop running).
  void shutdown_default_executor();
  // The default executor if one was created, else nullptr (none is created).
  [[nodiscard]] ThreadPool* created_default_executor() const noexcept;

  // Live spawned tasks (asyncio.all_tasks): the parked ones, those in the ready queue, and
  // the running one.
  [[nodiscard]] std::vector<detail::TaskHeader*> all_tasks() const;

  // --- runtime internals used by awaiters (same thread only) ---
  // Appends to the ready queue. Its ring of pointers grows as needed (std::terminate when
  // memory runs out: a wake-up cannot fail).
  void schedule(detail::Runnable* runnable) noexcept {
    if (ready_tail_ - ready_head_ == ready_mask_ + 1) grow_ready();
    ready_[ready_tail_ & ready_mask_] = runnable;
    ++ready_tail_;
  }
  void add_timer(detail::TimerEntry& entry) { timers_.push(&entry); }
  void cancel_timer(detail::TimerEntry& entry) noexcept {
    if (entry.armed()) timers_.erase(&entry);
  }
  // Registers `watcher` with the backend (edge or level, as its flags say). unwatch() must
  // come before the watcher dies or its fd is closed.
  void watch(detail::IoWatcher& watcher);
  void unwatch(detail::IoWatcher& watcher) noexcept;
  // Operations the backend runs itself (io_uring; detail::IoOperation says the rules).
  [[nodiscard]] bool has_io_operations() const noexcept;
  void start_io(detail::IoOperation& op);
  void cancel_io(detail::IoOperation& op) noexcept;
  void register_task(detail::TaskHeader& task) noexcept { tasks_.push_back(&task); }
  static void unregister_task(detail::TaskHeader& task) noexcept {
    static_cast<detail::ListNode<detail::AllTasksTag>&>(task).unlink();
  }
  std::uint64_t next_task_id() noexcept { return ++task_counter_; }

  struct Impl;  // backend, fd table, signals, executor (src/runtime/loop.cpp)

 private:
  [[noreturn]] static void throw_no_running_loop();
  static void run_callback(detail::Runnable* self) noexcept;
  static void fire_callback_timer(detail::TimerEntry* self) noexcept;
  [[nodiscard]] bool ready_empty() const noexcept { return ready_head_ == ready_tail_; }
  detail::Runnable* pop_ready() noexcept { return ready_empty() ? nullptr : take_ready(); }
  // pop_ready() for a queue known not to be empty.
  detail::Runnable* take_ready() noexcept {
    detail::Runnable* r = ready_[ready_head_ & ready_mask_];
    ++ready_head_;
    // The queue knows the next entries before they run: fetching one ahead overlaps the
    // cache misses of tasks whose frames went cold while they waited. Past the tail the slot
    // holds a stale pointer or null, which a prefetch ignores: no test needed.
    __builtin_prefetch(ready_[(ready_head_ + 1) & ready_mask_]);
    return r;
  }
  void grow_ready() noexcept;
  // run_until_done's loop, until stopping_; Timed is debug mode, fixed for a loop's life.
  template <bool Timed>
  void run_steps();
  void poll_io_and_timers(bool may_block);
  // Debug mode's step: runs `runnable` and reports it when it took too long.
  void run_timed_step(detail::Runnable* runnable) noexcept;
  void expire_timers();
  void drain_threadsafe();

  // The ready queue: a ring of ready_mask_ + 1 (a power of two) entries; head and tail
  // count pops and pushes.
  static constexpr std::size_t kInitialReady = 256;
  std::unique_ptr<detail::Runnable*[]> ready_ =
      std::make_unique<detail::Runnable*[]>(kInitialReady);
  std::size_t ready_mask_ = kInitialReady - 1;
  std::size_t ready_head_ = 0;
  std::size_t ready_tail_ = 0;
  detail::TimerQueue timers_;
  // The live tasks that have parked at least once (TaskHeader::park_in enters them). The
  // others are in the ready queue or running; all_tasks() adds those.
  detail::IntrusiveList<detail::TaskHeader, detail::AllTasksTag> tasks_;
  std::uint64_t task_counter_ = 0;
  TimePoint virtual_now_{};
  mutable TimePoint coarse_now_{};
  mutable bool coarse_stale_ = true;
  bool virtual_time_ = false;
  bool debug_ = false;
  bool running_ = false;
  bool stopping_ = false;
  std::chrono::nanoseconds slow_callback_duration_;
  std::unique_ptr<Impl> impl_;

  friend class Handle;
};

// The TaskHeader members on every task's path that need the Loop (inline: spawning and
// finishing a task are the runtime's hottest paths).
namespace detail {

inline void TaskHeader::start(Loop& loop, std::coroutine_handle<> frame) noexcept {
  loop_ = &loop;
  resume_point = frame;
  state_ = TaskState::starting;
  id_ = loop.next_task_id();
  loop.schedule(this);
}

inline void TaskHeader::park_in(Suspension* at, std::coroutine_handle<> resume_at) noexcept {
  resume_point = resume_at;
  waiting_on = at;
  if (!listed()) [[unlikely]]
    loop_->register_task(*this);
}

inline void TaskHeader::finish() noexcept {
  state_ = TaskState::done;
  waiting_on = nullptr;
  must_cancel = false;
  Loop::unregister_task(*this);
  if (!done_waiters_.empty() || extras_ != nullptr) notify_done();
  release();  // the loop's reference
}

}  // namespace detail
}  // namespace corio
