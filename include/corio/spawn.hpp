// include/corio/spawn.hpp — corio::spawn / create_task and corio::JoinHandle<T> (asyncio.Task).
//
//   auto handle = corio::spawn(fetch(url), "fetch");   // starts on a later loop turn
//   Page page = co_await handle;                         // value, or rethrows
//
// The loop owns a running task: dropping every JoinHandle neither cancels nor destroys it
// (asyncio's "task vanished while pending" cannot happen). The frame is freed when the task
// is done and no handle is left. A failure nobody retrieved (by awaiting, result() or
// exception()) is reported on stderr, with the task's name, when the frame is freed.
//
// Handles are cheap to copy (a reference count) and belong to the loop's thread.
#pragma once

#include <concepts>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <corio/detail/parking.hpp>
#include <corio/detail/task_header.hpp>
#include <corio/errors.hpp>
#include <corio/loop.hpp>
#include <corio/task.hpp>

namespace corio {

template <class T = void>
class JoinHandle;

namespace detail {

// Awaits a task's completion from another task; cancelling the awaiting task cancels the
// awaited one (asyncio: `await task` forwards cancel; use shield() to prevent that).
struct JoinWait : Parking, DoneWaiter {
  TaskHeader* target;

  explicit JoinWait(TaskHeader* t) noexcept : target(t) {}
  bool suspend(std::coroutine_handle<> self) {
    if (target == current_task_header()) throw RuntimeError("corio: a task cannot await itself");
    if (!park(self, &JoinWait::on_cancel)) return false;
    on_done = &JoinWait::on_target_done;
    target->add_done_waiter(this);
    return true;
  }
  void resume() {
    unlink_waiter();
    resume_or_raise();
  }
  void unlink_waiter() noexcept { static_cast<ListNode<DoneTag>*>(this)->unlink(); }

  static bool on_cancel(Suspension* s) noexcept {
    auto* self = static_cast<JoinWait*>(s);
    return self->target->cancel();  // we go on waiting for the target to finish
  }
  static void on_target_done(DoneWaiter* w, TaskHeader&) noexcept {
    static_cast<JoinWait*>(w)->wake();
  }
};

}  // namespace detail

template <class T>
class JoinHandle {
 public:
  using value_type = T;
  using Promise = detail::Promise<T>;

  JoinHandle() noexcept = default;
  // Adopts one reference to a started task.
  explicit JoinHandle(Promise* promise) noexcept : promise_(promise) {}
  JoinHandle(const JoinHandle& other) noexcept : promise_(other.promise_) {
    if (promise_) promise_->retain();
  }
  JoinHandle(JoinHandle&& other) noexcept : promise_(std::exchange(other.promise_, nullptr)) {}
  JoinHandle& operator=(JoinHandle other) noexcept {
    std::swap(promise_, other.promise_);
    return *this;
  }
  ~JoinHandle() {
    if (promise_) promise_->release();
  }

  [[nodiscard]] bool valid() const noexcept { return promise_ != nullptr; }
  [[nodiscard]] bool done() const noexcept { return promise_->done(); }
  [[nodiscard]] bool cancelled() const noexcept { return promise_->cancelled(); }

  // Requests cancellation: CancelledError is raised in the task at its current (or next)
  // suspension point. Returns false if the task is already done. The task may catch it.
  bool cancel() noexcept { return promise_->cancel(); }
  // Python 3.11 counting: cancelling() is the number of pending requests; uncancel()
  // decrements it and returns the rest.
  [[nodiscard]] std::uint32_t cancelling() const noexcept { return promise_->cancelling(); }
  std::uint32_t uncancel() noexcept { return promise_->uncancel(); }

  // The value, or rethrows the exception (CancelledError if cancelled).
  // Throws InvalidStateError if the task is not done yet.
  T result() const {
    require_done();
    return promise_->take_result();
  }
  // The exception, or null on success. Throws CancelledError if cancelled,
  // InvalidStateError if not done.
  [[nodiscard]] std::exception_ptr exception() const {
    require_done();
    return promise_->exception_or_null();
  }

  [[nodiscard]] std::string name() const { return promise_->name(); }
  void set_name(std::string name) { promise_->set_name(std::move(name)); }
  [[nodiscard]] std::uint64_t id() const noexcept { return promise_->id(); }

  // fn(handle) runs on a later loop turn once the task is done (immediately scheduled if it
  // already is), like asyncio's add_done_callback.
  template <class F>
  void add_done_callback(F fn) {
    auto* holder = new F(std::move(fn));
    promise_->add_done_callback(
        [](void* ctx, detail::TaskHeader& header) {
          std::unique_ptr<F> f(static_cast<F*>(ctx));
          header.retain();
          (*f)(JoinHandle(static_cast<Promise*>(&header)));
        },
        holder);
  }

  // The wait is built only when the task is not done yet: joining a finished task, the
  // common case of a batch of joins, initialises nothing but the flag.
  struct Awaiter {
    Promise* promise;
    bool parked = false;
    union {
      detail::JoinWait wait;  // alive while `parked`
    };
    explicit Awaiter(Promise* p) noexcept : promise(p) {}
    Awaiter(const Awaiter&) = delete;
    Awaiter& operator=(const Awaiter&) = delete;
    bool await_ready() const noexcept { return promise->done(); }
    bool await_suspend(std::coroutine_handle<> self) {
      std::construct_at(&wait, promise);
      parked = true;
      return wait.suspend(self);
    }
    T await_resume() {
      finish_wait();
      return promise->take_result();
    }

   protected:
    void finish_wait() {
      if (parked) wait.resume();  // unlink, maybe raise CancelledError
    }
  };
  static_assert(std::is_trivially_destructible_v<detail::JoinWait>);

  // Owns the reference it was given and drops it when the await ends, in the same step.
  struct ConsumingAwaiter : Awaiter {
    explicit ConsumingAwaiter(Promise* p) noexcept : Awaiter(p) {}
    ~ConsumingAwaiter() { this->promise->release(); }
    T await_resume() {
      this->finish_wait();
      return this->promise->take_last_result();
    }
  };

  // Waits for the task and returns its value or rethrows (CancelledError if it was
  // cancelled). May be awaited any number of times, by any number of tasks.
  // Suspends: unless already done. Cancellation: cancelling the awaiting task cancels this
  // task too and keeps waiting for it (asyncio's rule); wrap in shield() to avoid that.
  // Throws InvalidStateError on an empty handle.
  Awaiter operator co_await() const& { return Awaiter(checked()); }
  // `co_await std::move(handle)` (or awaiting spawn()'s result directly), like awaiting a
  // tokio JoinHandle: the same wait, then the handle's reference is dropped in the same
  // step, so a finished task's frame is freed while it is still in cache. The value is
  // moved out when no other handle is left, copied otherwise. The handle is left empty.
  ConsumingAwaiter operator co_await() && {
    checked();
    return ConsumingAwaiter(std::exchange(promise_, nullptr));
  }

  [[nodiscard]] detail::TaskHeader* header() const noexcept { return promise_; }

 private:
  Promise* checked() const {
    if (promise_ == nullptr) throw InvalidStateError("corio: awaiting an empty JoinHandle");
    return promise_;
  }
  void require_done() const {
    if (!promise_->done()) throw InvalidStateError("corio: task result is not set yet");
  }
  Promise* promise_ = nullptr;
};

namespace detail {
// InvalidStateError for a Task spawn cannot take: empty, or already awaited or spawned.
[[noreturn]] void throw_unspawnable(bool empty);

// spawn's work but the name: starts `task` on the running loop; the returned promise holds
// the reference a JoinHandle adopts. Forced inline, as spawn() is: where the Task was just
// made, the compiler then sees that it is valid and unstarted and drops both checks and the
// moved-from Task's destructor (spawn+join: 20 instructions and 1 ns fewer per task).
template <class T>
[[gnu::always_inline]] inline Promise<T>* start_task(Task<T>& task) {
  Loop& loop = Loop::current();
  if (!task.valid() || task.started()) [[unlikely]]
    throw_unspawnable(!task.valid());
  auto frame = task.release();
  auto& promise = frame.promise();
  promise.started = true;
  promise.start(loop, frame);
  return &promise;
}
}  // namespace detail

// Schedules `task` as a new task on the running loop; it starts on a later loop turn.
// Throws RuntimeError("no running event loop") outside corio::run, InvalidStateError for an
// empty or already-started Task.
template <class T>
[[gnu::always_inline]] inline JoinHandle<T> spawn(Task<T> task, std::string_view name = {}) {
  JoinHandle<T> handle(detail::start_task(task));
  if (!name.empty()) handle.set_name(std::string(name));
  return handle;
}

namespace detail {
template <class T>
inline constexpr bool is_task_v = false;
template <class T>
inline constexpr bool is_task_v<Task<T>> = true;

template <class F>
concept TaskFactory = std::invocable<F&> && is_task_v<std::invoke_result_t<F&>>;

// Keeps the callable (a lambda and its captures) alive inside the task's own frame.
template <class F>
std::invoke_result_t<F&> call_in_frame(F fn) {
  co_return co_await fn();
}
}  // namespace detail

// spawn([&]() -> corio::Task<> { ... }): the callable is moved into the task's frame, so a
// temporary lambda's captures outlive the statement that spawned it. Prefer this form for
// coroutine lambdas; spawn(lambda()) would leave the task pointing at a dead closure.
template <detail::TaskFactory F>
auto spawn(F fn, std::string_view name = {}) {
  return spawn(detail::call_in_frame(std::move(fn)), name);
}

// asyncio's spelling.
template <class T>
JoinHandle<T> create_task(Task<T> task, std::string_view name = {}) {
  return spawn(std::move(task), name);
}
template <detail::TaskFactory F>
auto create_task(F fn, std::string_view name = {}) {
  return spawn(std::move(fn), name);
}

// The running task (asyncio.current_task()) as a type-erased handle, or an invalid handle.
class TaskRef {
 public:
  TaskRef() noexcept = default;
  explicit TaskRef(detail::TaskHeader* header) noexcept : header_(header) {
    if (header_) header_->retain();
  }
  TaskRef(const TaskRef& other) noexcept : TaskRef(other.header_) {}
  TaskRef& operator=(TaskRef other) noexcept {
    std::swap(header_, other.header_);
    return *this;
  }
  ~TaskRef() {
    if (header_) header_->release();
  }
  [[nodiscard]] bool valid() const noexcept { return header_ != nullptr; }
  [[nodiscard]] bool done() const noexcept { return header_->done(); }
  [[nodiscard]] bool cancelled() const noexcept { return header_->cancelled(); }
  bool cancel() noexcept { return header_->cancel(); }
  std::uint32_t uncancel() noexcept { return header_->uncancel(); }
  [[nodiscard]] std::uint32_t cancelling() const noexcept { return header_->cancelling(); }
  [[nodiscard]] std::string name() const { return header_->name(); }
  [[nodiscard]] detail::TaskHeader* header() const noexcept { return header_; }
  friend bool operator==(const TaskRef& a, const TaskRef& b) noexcept {
    return a.header_ == b.header_;
  }

 private:
  detail::TaskHeader* header_ = nullptr;
};

// The task running now (asyncio.current_task), invalid outside a task.
[[nodiscard]] inline TaskRef current_task() noexcept {
  return TaskRef(detail::current_task_header());
}
// Every live task of the running loop (asyncio.all_tasks).
[[nodiscard]] std::vector<TaskRef> all_tasks();

}  // namespace corio
