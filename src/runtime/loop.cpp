// src/runtime/loop.cpp — corio::Loop: the run loop, wake-ups, fds, signals, executor.
#include <corio/loop.hpp>

#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <system_error>
#include <thread>
#include <unordered_map>

#include <corio/errors.hpp>
#include <corio/thread_pool.hpp>

#include "backend.hpp"

namespace corio {

namespace {

std::optional<BackendKind> backend_from_environment() {
  const char* value = std::getenv("CORIO_BACKEND");
  if (value == nullptr || *value == '\0') return std::nullopt;
  const std::string_view name(value);
  if (name == "epoll") return BackendKind::epoll;
  if (name == "io_uring" || name == "uring") return BackendKind::io_uring;
  throw std::invalid_argument("CORIO_BACKEND must be 'epoll' or 'io_uring', not '" +
                              std::string(name) + "'");
}

// Signals reach a loop through a process-wide table: the handler marks the signal pending
// in the owning loop and writes its eventfd, both async-signal-safe.
//
// The handler may run on any thread that does not block the signal, at the same time as the
// loop's thread removes the handler or destroys the loop. `in_handler` counts handlers
// between their read of `owner` and their last use of the loop: release_signal_slot() clears
// `owner` and then waits for that count to drop to zero, so once it returns no handler can
// still reach the loop (its Impl, its eventfd number). Both sides use sequentially
// consistent operations: either the handler reads the cleared owner, or the remover sees the
// handler counted.
struct SignalSlot {
  std::atomic<Loop::Impl*> owner{nullptr};
  std::atomic<unsigned> in_handler{0};
};
std::array<SignalSlot, NSIG> g_signal_slots;

void release_signal_slot(int sig) noexcept {
  g_signal_slots[sig].owner.store(nullptr);
  // A handler is a few atomic stores and one write(): this wait is short. It cannot be for a
  // handler interrupting this thread, which runs to completion before this thread goes on.
  while (g_signal_slots[sig].in_handler.load() != 0) std::this_thread::yield();
}

}  // namespace

namespace detail {

// Other threads' way into a loop, shared with every ThreadsafeHandle so that it outlives the
// loop: a handle kept past the loop finds `impl` null and raises instead of touching it.
struct ThreadsafeEntry {
  std::mutex mutex;
  Loop::Impl* impl = nullptr;  // under mutex; null once the loop is closed

  void post(std::function<void()> fn);
};

}  // namespace detail

struct FdEntry : detail::IoWatcher {
  Loop* loop = nullptr;
  std::function<void()> reader;
  std::function<void()> writer;
  // Which add_reader / add_writer call installed the callback (Impl::fd_adds at the time).
  std::uint64_t reader_add = 0;
  std::uint64_t writer_add = 0;
};

// Sets the loop's stop flag when the task a run waits for finishes, so the loop tests one
// flag per step for both ways a run ends.
struct StopWhenDone : detail::DoneWaiter {
  StopWhenDone() noexcept {
    on_done = [](detail::DoneWaiter* self, detail::TaskHeader&) noexcept {
      *static_cast<StopWhenDone*>(self)->stopping = true;
    };
  }
  bool* stopping = nullptr;
};

struct WakeWatcher : detail::IoWatcher {
  Loop::Impl* impl = nullptr;
};

struct Loop::Impl {
  Loop* loop;
  std::unique_ptr<detail::Backend> backend;
  int wake_fd = -1;
  WakeWatcher wake_watcher;
  StopWhenDone stop_when_done;  // linked to the task run_until_done waits for

  std::shared_ptr<detail::ThreadsafeEntry> threadsafe = std::make_shared<detail::ThreadsafeEntry>();
  std::vector<std::function<void()>> threadsafe_queue;  // under threadsafe->mutex
  std::vector<std::function<void()>> threadsafe_batch;  // loop thread; swapped with the queue
  std::atomic<bool> wake_pending{false};

  std::unordered_map<int, std::unique_ptr<FdEntry>> fds;
  std::uint64_t fd_adds = 0;  // add_reader and add_writer calls so far

  struct SignalHandler {
    std::function<void()> fn;
    struct sigaction previous {};
  };
  std::unordered_map<int, SignalHandler> signals;
  std::array<std::atomic<bool>, NSIG> signal_pending{};
  std::atomic<bool> any_signal_pending{false};  // spares every wake-up a scan of all signals

  std::unique_ptr<ThreadPool> executor;
  unsigned max_workers = 0;
  bool executor_shut_down = false;  // default_executor() refuses to start a new one
  // Since when the ready ring, grown by a burst, has stayed at most 1/8 full (or unset).
  std::chrono::steady_clock::time_point ready_low_since{};

  void wake() noexcept {
    if (!wake_pending.exchange(true)) {
      const std::uint64_t one = 1;
      [[maybe_unused]] auto n = ::write(wake_fd, &one, sizeof one);
    }
  }

  static void on_wake(detail::IoWatcher* watcher, std::uint32_t) noexcept;
  static void on_fd_ready(detail::IoWatcher* watcher, std::uint32_t events) noexcept;
  void run_fd_callback(int fd, std::uint32_t bit, std::uint64_t add);
  static void on_signal(int sig) noexcept;
  static void shrink_ready(Loop& loop) noexcept;
  void close_threadsafe() noexcept;
};

void Loop::Impl::on_signal(int sig) noexcept {
  const int saved_errno = errno;
  SignalSlot& slot = g_signal_slots[sig];
  slot.in_handler.fetch_add(1);
  if (Impl* impl = slot.owner.load()) {
    impl->signal_pending[sig].store(true);
    impl->any_signal_pending.store(true);
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(impl->wake_fd, &one, sizeof one);
  }
  slot.in_handler.fetch_sub(1);
  errno = saved_errno;
}

void Loop::Impl::on_wake(detail::IoWatcher* watcher, std::uint32_t) noexcept {
  Impl* impl = static_cast<WakeWatcher*>(watcher)->impl;
  std::uint64_t count;
  [[maybe_unused]] auto n = ::read(impl->wake_fd, &count, sizeof count);
  impl->wake_pending.store(false);
  std::vector<std::function<void()>>& batch = impl->threadsafe_batch;
  {
    std::lock_guard lock(impl->threadsafe->mutex);
    batch.swap(impl->threadsafe_queue);
  }
  for (auto& fn : batch) impl->loop->call_soon(std::move(fn));
  batch.clear();  // keeps the capacity for the next swap
  if (!impl->any_signal_pending.exchange(false)) return;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (impl->signal_pending[sig].exchange(false)) {
      auto it = impl->signals.find(sig);
      if (it != impl->signals.end()) impl->loop->call_soon(it->second.fn);
    }
  }
}

void Loop::Impl::on_fd_ready(detail::IoWatcher* watcher, std::uint32_t events) noexcept {
  auto* entry = static_cast<FdEntry*>(watcher);
  Impl* impl = entry->loop->impl_.get();
  const int fd = entry->fd;
  // The callback is looked up when it runs, not copied now: one removed or replaced by an
  // earlier callback of the same turn must not run (its fd may be closed by then, or reused
  // by a new reader that is not ready), as asyncio cancels the queued handle in remove_reader
  // and add_reader.
  for (const std::uint32_t bit : {detail::kReadable, detail::kWritable}) {
    if (events & entry->interest & bit) {
      const std::uint64_t add = bit == detail::kReadable ? entry->reader_add : entry->writer_add;
      entry->loop->call_soon([impl, fd, bit, add] { impl->run_fd_callback(fd, bit, add); });
    }
  }
}

void Loop::Impl::run_fd_callback(int fd, std::uint32_t bit, std::uint64_t add) {
  auto it = fds.find(fd);
  if (it == fds.end() || !(it->second->interest & bit)) return;
  if (add != (bit == detail::kReadable ? it->second->reader_add : it->second->writer_add)) return;
  // A copy: the callback may remove or replace itself.
  const std::function<void()> fn =
      bit == detail::kReadable ? it->second->reader : it->second->writer;
  fn();
}

Loop::Loop(LoopOptions options)
    : virtual_time_(options.virtual_time),
      debug_(options.debug.value_or(detail::debug_from_environment())),
      slow_callback_duration_(options.slow_callback_duration),
      impl_(std::make_unique<Impl>()) {
  impl_->loop = this;
  impl_->stop_when_done.stopping = &stopping_;
  impl_->threadsafe->impl = impl_.get();
  impl_->max_workers = options.max_workers;
  const std::optional<BackendKind> kind =
      options.backend ? options.backend : backend_from_environment();
  if (!kind) {
    impl_->backend = detail::make_default_backend(options.io_batch_wait);
  } else if (*kind == BackendKind::io_uring) {
    impl_->backend = detail::make_uring_backend(options.io_batch_wait);
  } else {
    impl_->backend = detail::make_epoll_backend();
  }
  impl_->wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (impl_->wake_fd < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  impl_->wake_watcher.impl = impl_.get();
  impl_->wake_watcher.fd = impl_->wake_fd;
  impl_->wake_watcher.interest = detail::kReadable;
  impl_->wake_watcher.on_ready = &Impl::on_wake;
  impl_->backend->update(impl_->wake_watcher);
  virtual_now_ = Clock::now();
}

// What asyncio's loop.close() does, in an order that cannot deadlock: the loop is closed to
// other threads (call_soon_threadsafe raises, so run_coroutine_threadsafe does too) and every
// callback that will never run is destroyed (breaking the promise of a
// run_coroutine_threadsafe future) before the default executor is joined. A job waiting on
// this loop therefore gets an error instead of waiting forever for a loop that no longer
// runs. Unlike asyncio's close() (shutdown(wait=False)), the join still waits for jobs busy
// with other things: a C++ job may use this Loop and the caller's locals, which must outlive
// it.
Loop::~Loop() {
  cancel_all_tasks();
  impl_->close_threadsafe();
  while (detail::Runnable* r = pop_ready()) {
    if (!detail::TaskHeader::is_task(r)) static_cast<detail::CallbackNode*>(r)->release();
  }
  while (detail::TimerEntry* entry = timers_.pop()) {
    if (entry->fire == &Loop::fire_callback_timer) {
      static_cast<detail::CallbackNode*>(entry)->release();
    }
  }
  shutdown_default_executor();
  for (auto& [sig, handler] : impl_->signals) {
    release_signal_slot(sig);
    ::sigaction(sig, &handler.previous, nullptr);
  }
  for (auto& [fd, entry] : impl_->fds) impl_->backend->forget(*entry);
  impl_->backend->forget(impl_->wake_watcher);
  impl_->backend.reset();
  ::close(impl_->wake_fd);
}

void Loop::grow_ready() noexcept {
  const std::size_t size = ready_mask_ + 1;
  auto bigger =
      std::make_unique_for_overwrite<detail::Runnable*[]>(2 * size);  // throws: std::terminate
  for (std::size_t i = 0; i < size; ++i) bigger[i] = ready_[(ready_head_ + i) & ready_mask_];
  ready_ = std::move(bigger);
  ready_mask_ = 2 * size - 1;
  ready_head_ = 0;
  ready_tail_ = size;
}

// After a burst (a hundred thousand tasks spawned at once) the ring gives its memory back
// once it has stayed at most 1/8 full for a second, shrinking in steps of 8. A load that
// comes in bursts (a gather over a large tree, again and again) keeps its ring instead of
// copying it up through every doubling each time.
void Loop::Impl::shrink_ready(Loop& loop) noexcept {
  const std::size_t capacity = loop.ready_mask_ + 1;
  if (capacity <= 4 * kInitialReady) return;
  Impl& impl = *loop.impl_;
  const std::size_t size = loop.ready_tail_ - loop.ready_head_;
  if (size > capacity / 8) {
    impl.ready_low_since = {};
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (impl.ready_low_since == std::chrono::steady_clock::time_point{}) {
    impl.ready_low_since = now;
    return;
  }
  if (now - impl.ready_low_since < std::chrono::seconds(1)) return;
  impl.ready_low_since = {};
  const std::size_t smaller = std::max(kInitialReady, capacity / 8);
  auto fresh =
      std::make_unique_for_overwrite<detail::Runnable*[]>(smaller);  // throws: std::terminate
  for (std::size_t i = 0; i < size; ++i) {
    fresh[i] = loop.ready_[(loop.ready_head_ + i) & loop.ready_mask_];
  }
  loop.ready_ = std::move(fresh);
  loop.ready_mask_ = smaller - 1;
  loop.ready_head_ = 0;
  loop.ready_tail_ = size;
}

void Loop::throw_no_running_loop() {
  throw RuntimeError("no running event loop");
}

Loop::TimePoint Loop::now() const noexcept {
  return virtual_time_ ? virtual_now_ : Clock::now();
}

double Loop::time() const noexcept {
  return std::chrono::duration<double>(now().time_since_epoch()).count();
}

BackendKind Loop::backend() const noexcept {
  return impl_->backend->kind();
}

void Handle::cancel() noexcept {
  if (node_ == nullptr || node_->cancelled) return;
  node_->cancelled = true;
  if (node_->armed()) {
    node_->loop->cancel_timer(*node_);
    node_->release();  // the loop's reference: it will never run
  }
}

void Loop::run_callback(detail::Runnable* self) noexcept {
  auto* node = static_cast<detail::CallbackNode*>(self);
  if (!node->cancelled) {
    node->cancelled = true;  // a Handle cancelled after the run is a no-op
    try {
      node->invoke(node);
    } catch (...) {
      std::fprintf(stderr, "corio: exception in callback: %s\n",
                   describe(std::current_exception()).c_str());
    }
  }
  node->release();
}

void Loop::fire_callback_timer(detail::TimerEntry* self) noexcept {
  auto* node = static_cast<detail::CallbackNode*>(self);
  node->loop->schedule(node);
}

void detail::ThreadsafeEntry::post(std::function<void()> fn) {
  // The wake-up is written under the lock: once the loop can take fn, this thread no longer
  // touches the loop, which fn may end and destroy at once (a to_thread wake-up, a
  // run_coroutine_threadsafe task finishing the main task).
  std::lock_guard lock(mutex);
  if (impl == nullptr) throw RuntimeError("Event loop is closed");  // asyncio's words
  impl->threadsafe_queue.push_back(std::move(fn));
  impl->wake();
}

void Loop::call_soon_threadsafe(std::function<void()> fn) {
  impl_->threadsafe->post(std::move(fn));
}

ThreadsafeHandle Loop::threadsafe_handle() const {
  return ThreadsafeHandle(impl_->threadsafe);
}

void ThreadsafeHandle::call_soon_threadsafe(std::function<void()> fn) const {
  if (!entry_) throw RuntimeError("corio: an empty ThreadsafeHandle");
  entry_->post(std::move(fn));
}

bool ThreadsafeHandle::is_closed() const {
  if (!entry_) return true;
  std::lock_guard lock(entry_->mutex);
  return entry_->impl == nullptr;
}

void Loop::Impl::close_threadsafe() noexcept {
  std::vector<std::function<void()>> dropped;
  {
    std::lock_guard lock(threadsafe->mutex);
    threadsafe->impl = nullptr;
    dropped.swap(threadsafe_queue);
  }
  // Destroyed outside the lock: a callback's captures may post to this loop (and get an error).
}

namespace {

FdEntry& fd_entry(Loop::Impl& impl, int fd) {
  if (fd < 0) throw std::invalid_argument("corio: invalid file descriptor " + std::to_string(fd));
  // A closed fd: epoll refuses it, but io_uring would report it ready on every turn.
  if (::fcntl(fd, F_GETFD) < 0) {
    throw std::system_error(errno, std::generic_category(),
                            "corio: file descriptor " + std::to_string(fd));
  }
  auto& slot = impl.fds[fd];
  if (!slot) {
    slot = std::make_unique<FdEntry>();
    slot->fd = fd;
    slot->loop = impl.loop;
    slot->on_ready = &Loop::Impl::on_fd_ready;
  }
  return *slot;
}

// A failed registration (epoll refuses regular files, a closed fd) leaves no trace.
void add_interest(Loop::Impl& impl, detail::Backend& backend, int fd, std::uint32_t bit,
                  std::function<void()> fn) {
  FdEntry& entry = fd_entry(impl, fd);
  const std::uint32_t previous = entry.interest;
  entry.interest |= bit;
  try {
    backend.update(entry);
  } catch (...) {
    entry.interest = previous;
    if (previous == 0) {
      backend.forget(entry);
      impl.fds.erase(fd);
    }
    throw;
  }
  (bit == detail::kReadable ? entry.reader : entry.writer) = std::move(fn);
  (bit == detail::kReadable ? entry.reader_add : entry.writer_add) = ++impl.fd_adds;
}

}  // namespace

void Loop::add_reader(int fd, std::function<void()> fn) {
  add_interest(*impl_, *impl_->backend, fd, detail::kReadable, std::move(fn));
}

void Loop::add_writer(int fd, std::function<void()> fn) {
  add_interest(*impl_, *impl_->backend, fd, detail::kWritable, std::move(fn));
}

namespace {

bool remove_interest(Loop::Impl& impl, detail::Backend& backend, int fd, std::uint32_t bit) {
  auto it = impl.fds.find(fd);
  if (it == impl.fds.end() || !(it->second->interest & bit)) return false;
  FdEntry& entry = *it->second;
  (bit == detail::kReadable ? entry.reader : entry.writer) = nullptr;
  entry.interest &= ~bit;
  if (entry.interest == 0) {
    backend.forget(entry);
    impl.fds.erase(it);
  } else {
    backend.update(entry);
  }
  return true;
}

}  // namespace

bool Loop::remove_reader(int fd) {
  return remove_interest(*impl_, *impl_->backend, fd, detail::kReadable);
}

bool Loop::remove_writer(int fd) {
  return remove_interest(*impl_, *impl_->backend, fd, detail::kWritable);
}

void Loop::add_signal_handler(int sig, std::function<void()> fn) {
  if (sig <= 0 || sig >= NSIG || sig == SIGKILL || sig == SIGSTOP) {
    throw std::invalid_argument("corio: cannot handle signal " + std::to_string(sig));
  }
  Impl* expected = nullptr;
  if (!g_signal_slots[sig].owner.compare_exchange_strong(expected, impl_.get()) &&
      expected != impl_.get()) {
    throw RuntimeError("corio: signal " + std::to_string(sig) +
                       " is already handled by another loop");
  }
  auto [it, inserted] = impl_->signals.try_emplace(sig);
  if (inserted) {
    struct sigaction action {};
    action.sa_handler = &Impl::on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    // glibc refuses the signals it keeps for its threads (32, 33) with EINVAL.
    if (::sigaction(sig, &action, &it->second.previous) != 0) {
      impl_->signals.erase(it);
      g_signal_slots[sig].owner.store(nullptr);
      throw std::invalid_argument("corio: cannot handle signal " + std::to_string(sig));
    }
  }
  it->second.fn = std::move(fn);
}

bool Loop::remove_signal_handler(int sig) {
  auto it = impl_->signals.find(sig);
  if (it == impl_->signals.end()) return false;
  ::sigaction(sig, &it->second.previous, nullptr);
  release_signal_slot(sig);
  impl_->signals.erase(it);
  return true;
}

ThreadPool& Loop::default_executor() {
  if (!impl_->executor) {
    // asyncio: "Executor shutdown has been called", even if it never started.
    if (impl_->executor_shut_down) {
      throw RuntimeError("corio: the default executor was shut down");
    }
    impl_->executor = std::make_unique<ThreadPool>(impl_->max_workers);
  }
  return *impl_->executor;
}

ThreadPool* Loop::created_default_executor() const noexcept {
  return impl_->executor.get();
}

void Loop::shutdown_default_executor() {
  impl_->executor_shut_down = true;
  if (impl_->executor) impl_->executor->shutdown();
}

std::vector<detail::TaskHeader*> Loop::all_tasks() const {
  std::vector<detail::TaskHeader*> out;
  const_cast<Loop*>(this)->tasks_.for_each([&](detail::TaskHeader* t) { out.push_back(t); });
  // Tasks that never parked are not listed: they wait in the ready queue, or one is running.
  for (std::size_t i = ready_head_; i != ready_tail_; ++i) {
    detail::Runnable* r = ready_[i & ready_mask_];
    if (detail::TaskHeader::is_task(r) && !static_cast<detail::TaskHeader*>(r)->listed()) {
      out.push_back(static_cast<detail::TaskHeader*>(r));
    }
  }
  detail::TaskHeader* running = detail::t_context.task;
  if (running != nullptr && running->loop() == this && !running->listed() && !running->done()) {
    out.push_back(running);
  }
  // In the order they were spawned, as the single list kept them before.
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->id() < b->id(); });
  return out;
}

void Loop::watch(detail::IoWatcher& watcher) {
  impl_->backend->update(watcher);
}

void Loop::unwatch(detail::IoWatcher& watcher) noexcept {
  impl_->backend->forget(watcher);
}

bool Loop::has_io_operations() const noexcept {
  return impl_->backend->has_operations();
}

void Loop::start_io(detail::IoOperation& op) {
  impl_->backend->start(op);
}

void Loop::cancel_io(detail::IoOperation& op) noexcept {
  impl_->backend->cancel(op);
}

void Loop::expire_timers() {
  if (timers_.empty()) return;
  const TimePoint current = coarse_now();
  while (detail::TimerEntry* top = timers_.top()) {
    if (top->when > current) break;
    timers_.pop();
    top->fire(top);
  }
}

void Loop::poll_io_and_timers(bool may_block) {
  Impl::shrink_ready(*this);
  std::optional<std::chrono::nanoseconds> timeout = std::chrono::nanoseconds(0);
  if (may_block && ready_empty()) {
    if (timers_.empty()) {
      timeout.reset();  // nothing scheduled: sleep until I/O or a wake-up
    } else if (!virtual_time_) {
      timeout = std::max(timers_.top()->when - now(), Duration::zero());
    }
  }
  // A busy loop checks for I/O every kTicksPerPoll steps. When no fd but the loop's own
  // wake-up eventfd is watched and no wake-up or signal was posted, that check cannot
  // report anything: skip the system call.
  const bool idle_io = timeout && timeout->count() == 0 && impl_->backend->watched() == 1 &&
                       !impl_->wake_pending.load() && !impl_->any_signal_pending.load();
  const int reports = idle_io ? 0 : impl_->backend->poll(timeout);
  if (virtual_time_ && may_block && reports == 0 && ready_empty() && !timers_.empty()) {
    virtual_now_ = std::max(virtual_now_, timers_.top()->when);  // idle: jump to the next timer
  }
  coarse_stale_ = true;
  expire_timers();
}

void Loop::run_timed_step(detail::Runnable* runnable) noexcept {
  detail::TaskHeader* task = nullptr;
  if (detail::TaskHeader::is_task(runnable)) {
    task = static_cast<detail::TaskHeader*>(runnable);
    task->retain();
  }
  const auto start = Clock::now();
  runnable->run(runnable);
  const auto took = Clock::now() - start;
  if (took > slow_callback_duration_) {
    const double seconds = std::chrono::duration<double>(took).count();
    if (task != nullptr) {
      std::fprintf(stderr, "corio: step of task '%s' took %.3f seconds\n", task->name().c_str(),
                   seconds);
    } else {
      std::fprintf(stderr, "corio: a callback took %.3f seconds\n", seconds);
    }
  }
  if (task != nullptr) task->release();
}

namespace {

struct ContextScope {
  explicit ContextScope(Loop* loop) : saved(detail::t_context) {
    detail::t_context.loop = loop;
    detail::t_context.task = nullptr;
  }
  ~ContextScope() { detail::t_context = saved; }
  detail::ThreadContext saved;
};

}  // namespace

template <bool Timed>
void Loop::run_steps() {
  unsigned ticks = 0;
  while (!stopping_) {
    if (ticks == kTicksPerPoll || ready_empty()) {
      poll_io_and_timers(true);
      ticks = 0;
      continue;
    }
    ++ticks;
    if constexpr (Timed) {
      run_timed_step(take_ready());
    } else {
      detail::TaskHeader::dispatch(take_ready());
    }
  }
}

void Loop::run_until_done(detail::TaskHeader& task) {
  if (running_ || (detail::t_context.loop != nullptr && detail::t_context.loop != this) ||
      detail::t_context.task != nullptr) {
    throw RuntimeError("corio: this event loop is already running");
  }
  ContextScope scope(this);
  running_ = true;
  stopping_ = task.done();
  StopWhenDone& stopper = impl_->stop_when_done;
  if (!stopping_) task.add_done_waiter(&stopper);
  try {
    if (debug_) [[unlikely]] {
      run_steps<true>();
    } else {
      run_steps<false>();
    }
  } catch (...) {
    stopper.unlink();
    running_ = false;
    throw;
  }
  stopper.unlink();  // still linked when stop() ended the run
  running_ = false;
}

void Loop::cancel_all_tasks() {
  // Tasks spawned while others are being cancelled are cancelled in the next round.
  for (;;) {
    std::vector<detail::TaskHeader*> pending = all_tasks();
    if (pending.empty()) return;
    for (auto* t : pending) t->retain();
    for (auto* t : pending) t->cancel();
    for (auto* t : pending) {
      if (!t->done()) run_until_done(*t);
      t->release();
    }
  }
}

}  // namespace corio
