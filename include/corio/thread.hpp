// include/corio/thread.hpp — corio::to_thread, run_in_executor, run_coroutine_threadsafe:
// blocking work on other threads, and coroutines submitted from other threads.
//
//   std::string text = co_await corio::to_thread(read_whole_file, path);   // asyncio.to_thread
//   int n = co_await corio::run_in_executor(pool, count_words, text);       // loop.run_in_executor
//
//   // On a thread that is not the loop's (asyncio.run_coroutine_threadsafe):
//   std::future<Page> page = corio::run_coroutine_threadsafe(fetch(url), loop);
//   use(page.get());
//
// Defines to_thread and run_in_executor (a callable runs on a worker thread while the awaiting
// task is parked; the loop goes on with other tasks) and run_coroutine_threadsafe (the
// opposite direction: any thread hands a Task to a loop and gets a std::future).
//
// Prefer an async API when there is one: a worker thread per blocking call is bounded by the
// pool's max_workers, and calls beyond that queue. Use to_thread for blocking calls that have
// no async form (file I/O, CPU-heavy work, blocking C libraries).
#pragma once

#include <concepts>
#include <coroutine>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

#include <corio/detail/parking.hpp>
#include <corio/errors.hpp>
#include <corio/loop.hpp>
#include <corio/spawn.hpp>
#include <corio/task.hpp>
#include <corio/thread_pool.hpp>

namespace corio {

namespace detail {

// What a worker leaves for the loop thread: f's value (a pointer when f returns a reference,
// nothing for void) or its exception.
template <class R>
class CallOutcome {
 public:
  template <class Call>
  void capture(Call&& call) noexcept {
    try {
      if constexpr (std::is_void_v<R>) {
        std::forward<Call>(call)();
      } else if constexpr (std::is_reference_v<R>) {
        value_.emplace(std::addressof(std::forward<Call>(call)()));
      } else {
        value_.emplace(std::forward<Call>(call)());
      }
    } catch (...) {
      error_ = std::current_exception();
    }
  }

  R take() {
    if (error_) std::rethrow_exception(error_);
    if constexpr (std::is_void_v<R>) {
      return;
    } else if constexpr (std::is_reference_v<R>) {
      return static_cast<R>(**value_);
    } else {
      return std::move(*value_);
    }
  }

 private:
  using Stored =
      std::conditional_t<std::is_void_v<R>, std::monostate,
                         std::conditional_t<std::is_reference_v<R>,
                                            std::add_pointer_t<std::remove_reference_t<R>>, R>>;
  std::optional<Stored> value_;
  std::exception_ptr error_;
};

// The awaiter behind to_thread and run_in_executor. It holds decayed copies of the callable
// and its arguments (as std::thread does) and lives in the awaiting frame, so the worker can
// write the outcome straight into it.
//
// States:
//   created   — built, not awaited yet (loop_ null)
//   running   — the task is parked; the job is queued on the pool or running on a worker
//   abandoned — running, and the task was cancelled meanwhile (Parking::cancelled set): it stays
//               parked, since the job still uses this awaiter and possibly the caller's locals
//   woken     — the worker finished and posted wake() through call_soon_threadsafe; the task
//               resumes on a later loop turn and await_resume returns or raises
template <class Fn, class... Args>
class ThreadCall : public Parking {
 public:
  using Result = std::invoke_result_t<Fn, Args...>;

  template <class F, class... A>
  explicit ThreadCall(ThreadPool& pool, F&& fn, A&&... args)
      : pool_(pool), call_(std::forward<F>(fn), std::forward<A>(args)...) {}
  ThreadCall(const ThreadCall&) = delete;
  ThreadCall& operator=(const ThreadCall&) = delete;

  bool await_ready() const noexcept { return false; }

  bool await_suspend(std::coroutine_handle<> self) {
    if (loop_ != nullptr) throw InvalidStateError("corio: a to_thread call was awaited twice");
    if (!park(self, &ThreadCall::on_cancel)) return false;  // cancelled before it started
    loop_ = task->loop();
    try {
      pool_.submit([this]() noexcept { work(); });
    } catch (...) {
      task->waiting_on = nullptr;  // not parked after all: the await raises the error
      throw;
    }
    return true;
  }

  Result await_resume() {
    resume_or_raise();
    return outcome_.take();
  }

 private:
  // On the worker. After posting the wake-up it must not touch *this: the task may resume and
  // free its frame at once. If even the wake-up cannot be posted (out of memory), noexcept
  // ends the process rather than leave the task parked forever.
  void work() noexcept {
    outcome_.capture([this]() -> Result {
      return std::apply(
          [](auto&& fn, auto&&... args) -> Result {
            return std::invoke(std::forward<decltype(fn)>(fn),
                               std::forward<decltype(args)>(args)...);
          },
          std::move(call_));
    });
    loop_->call_soon_threadsafe([this] { wake(); });
  }

  // The callable cannot be interrupted and may use the caller's locals: the task stays parked
  // until it returns, then raises CancelledError.
  static bool on_cancel(Suspension* s) noexcept {
    static_cast<ThreadCall*>(s)->cancelled = true;
    return true;
  }

  ThreadPool& pool_;
  std::tuple<Fn, Args...> call_;
  Loop* loop_ = nullptr;
  CallOutcome<Result> outcome_;
};

template <class F, class... Args>
concept ThreadCallable = std::invocable<std::decay_t<F>, std::decay_t<Args>...>;

// run_coroutine_threadsafe's promise, held in the frame of the task that settles it. A task
// cancelled before its first step never runs its body: the frame's end then settles the
// promise with CancelledError instead of breaking it.
template <class T>
class ThreadsafePromise {
 public:
  explicit ThreadsafePromise(std::promise<T> promise) noexcept : promise_(std::move(promise)) {}
  ThreadsafePromise(ThreadsafePromise&& other) noexcept
      : promise_(std::move(other.promise_)), settled_(std::exchange(other.settled_, true)) {}
  ThreadsafePromise& operator=(ThreadsafePromise&&) = delete;
  ~ThreadsafePromise() {
    if (!settled_) promise_.set_exception(std::make_exception_ptr(CancelledError()));
  }

  template <class... V>
  void set_value(V&&... value) {
    settled_ = true;
    promise_.set_value(std::forward<V>(value)...);
  }
  void set_exception(std::exception_ptr error) {
    settled_ = true;
    promise_.set_exception(std::move(error));
  }

 private:
  std::promise<T> promise_;
  bool settled_ = false;
};

template <class T>
Task<> settle_promise(Task<T> task, ThreadsafePromise<T> promise) {
  try {
    if constexpr (std::is_void_v<T>) {
      co_await std::move(task);
      promise.set_value();
    } else {
      promise.set_value(co_await std::move(task));
    }
  } catch (const CancelledError&) {
    promise.set_exception(std::current_exception());
    throw;  // the task ends cancelled, as the scheduled coroutine did
  } catch (...) {
    promise.set_exception(std::current_exception());  // retrieved through the future
  }
}

// run_coroutine_threadsafe's body, for a Loop or a ThreadsafeHandle.
template <class T, class Target>
std::future<T> post_task(Task<T> task, Target& target) {
  if (!task.valid()) throw InvalidStateError("corio: scheduling an empty Task");
  if (task.started()) throw InvalidStateError("corio: scheduling a Task that was already awaited");
  struct Pending {
    Task<T> task;
    std::promise<T> promise;
  };
  // std::function needs a copyable callable; the Task and the promise are move-only.
  auto pending = std::make_shared<Pending>(Pending{std::move(task), std::promise<T>()});
  std::future<T> future = pending->promise.get_future();
  target.call_soon_threadsafe([pending = std::move(pending)] {
    corio::spawn(settle_promise(std::move(pending->task),
                                ThreadsafePromise<T>(std::move(pending->promise))));
  });
  return future;
}

}  // namespace detail

// co_await run_in_executor(pool, f, args...): calls f(args...) on a worker of `pool` and
// returns its result or rethrows its exception (asyncio's loop.run_in_executor). f and args are
// decay-copied into the awaiter and invoked as rvalues, like std::thread; pass std::ref to share
// an object. The awaiting task's loop runs other tasks meanwhile.
// Suspends:     always (unless a cancellation is already pending), until f has returned. The task
//               resumes on its loop's thread, on a later loop turn.
// Throws:       whatever f throws; CancelledError if the task was cancelled; RuntimeError if
//               the pool was shut down (f then never runs).
// Cancellation: f cannot be interrupted. A cancel delivered while f runs (or waits in the pool's
//               queue) keeps the task parked until f returns, then raises CancelledError; f's
//               result or exception is discarded. So f may safely use the caller's locals, and
//               a timeout around the await takes effect only once f returns. A cancel pending
//               before the await raises at once and f never runs. (asyncio raises at once and
//               leaves f running unobserved; corio trades that promptness for safety.)
// Owns:         the copies of f and args and f's outcome, in the awaiting frame; no allocation
//               beyond the pool's job queue and the wake-up message.
template <class F, class... Args>
requires detail::ThreadCallable<F, Args...>
[[nodiscard]] detail::ThreadCall<std::decay_t<F>, std::decay_t<Args>...> run_in_executor(
    ThreadPool& pool, F&& fn, Args&&... args) {
  return detail::ThreadCall<std::decay_t<F>, std::decay_t<Args>...>(pool, std::forward<F>(fn),
                                                                    std::forward<Args>(args)...);
}

// co_await to_thread(f, args...): run_in_executor on the running loop's default executor
// (Loop::default_executor(), at most LoopOptions::max_workers threads), like asyncio.to_thread.
// Same contract as run_in_executor. Throws RuntimeError("no running event loop") when called
// outside a loop, RuntimeError once the default executor was shut down.
template <class F, class... Args>
requires detail::ThreadCallable<F, Args...>
[[nodiscard]] auto to_thread(F&& fn, Args&&... args) {
  return run_in_executor(Loop::current().default_executor(), std::forward<F>(fn),
                         std::forward<Args>(args)...);
}

// run_coroutine_threadsafe(task, loop): from any thread, has `loop` spawn `task` (on the loop's
// own thread, through call_soon_threadsafe) and returns a std::future for its outcome
// (asyncio.run_coroutine_threadsafe, whose concurrent.futures.Future becomes std::future).
// future.get() returns the value or rethrows the task's exception; corio::CancelledError if the
// task was cancelled, including by the loop's shutdown (corio::run cancels leftover tasks).
// Throws InvalidStateError at once for an empty or already-started Task, RuntimeError("Event
// loop is closed") once the loop's destructor has begun (asyncio raises it for a closed loop).
//
// The Loop object must exist when this is called (a destroyed loop cannot be detected: calling
// it then is undefined behaviour); a thread that may outlive the loop passes the loop's
// threadsafe_handle() instead, which raises RuntimeError then. If the loop is not running, the
// task waits in its queue and is spawned when it runs; if the loop is destroyed first, the task
// never runs, its frame is destroyed with the loop, and future.get() throws std::future_error
// (broken_promise).
// Never call future.get() on the loop's own thread: the loop could not run the task (deadlock).
// std::future has no cancel(): to cancel, have the coroutine watch something the caller sets.
template <class T>
std::future<T> run_coroutine_threadsafe(Task<T> task, Loop& loop) {
  return detail::post_task(std::move(task), loop);
}
template <class T>
std::future<T> run_coroutine_threadsafe(Task<T> task, const ThreadsafeHandle& loop) {
  return detail::post_task(std::move(task), loop);
}

// run_coroutine_threadsafe([=]() -> corio::Task<T> { ... }, loop): the callable is moved into
// the task's frame, so its captures live as long as the task.
template <detail::TaskFactory F>
auto run_coroutine_threadsafe(F fn, Loop& loop) {
  return run_coroutine_threadsafe(detail::call_in_frame(std::move(fn)), loop);
}
template <detail::TaskFactory F>
auto run_coroutine_threadsafe(F fn, const ThreadsafeHandle& loop) {
  return run_coroutine_threadsafe(detail::call_in_frame(std::move(fn)), loop);
}

}  // namespace corio
