// tests/unit/thread_test.cpp — tests for include/corio/thread.hpp (to_thread, run_in_executor,
// run_coroutine_threadsafe). Parity cases name the test_asyncio case they mirror.
//
// Blocking waits for real threads run on worker threads (to_thread on a pool of their own), so
// the loop is never stepped with real sleeps.
#include <corio/thread.hpp>

#include <gtest/gtest.h>
#include <corio/run.hpp>
#include <corio/sleep.hpp>
#include <corio/spawn.hpp>
#include <corio/timeout.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

// A one-shot flag that threads can block on, with a generous bound so a broken test fails
// instead of hanging.
class Gate {
 public:
  void open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    cv_.notify_all();
  }
  [[nodiscard]] bool wait() {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, 30s, [this] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
};

corio::Task<int> answer() {
  co_return 42;
}

}  // namespace

// Parity: test_threads.py ToThreadTests.test_to_thread.
TEST(ToThread, ReturnsTheFunctionsValue) {
  EXPECT_EQ(corio::run([]() -> corio::Task<int> {
              co_return co_await corio::to_thread([] { return 6 * 7; });
            }),
            42);
}

// Parity: ToThreadTests.test_to_thread_args_kwargs.
TEST(ToThread, PassesArguments) {
  corio::run([]() -> corio::Task<> {
    auto joined = co_await corio::to_thread(
        [](const std::string& a, int n) { return a + std::to_string(n); }, std::string("x"), 7);
    EXPECT_EQ(joined, "x7");
  });
}

TEST(ToThread, MovesMoveOnlyArgumentsAndResults) {
  corio::run([]() -> corio::Task<> {
    auto out = co_await corio::to_thread(
        [](std::unique_ptr<int> p) {
          *p += 1;
          return p;
        },
        std::make_unique<int>(41));
    EXPECT_EQ(*out, 42);
  });
}

TEST(ToThread, ReturnsAReferenceToTheSameObject) {
  corio::run([]() -> corio::Task<> {
    int target = 1;
    int& ref = co_await corio::to_thread([&target]() -> int& { return target; });
    EXPECT_EQ(&ref, &target);
  });
}

TEST(ToThread, RunsOnAnotherThread) {
  corio::run([]() -> corio::Task<> {
    const auto loop_thread = std::this_thread::get_id();
    auto worker = co_await corio::to_thread([] { return std::this_thread::get_id(); });
    EXPECT_NE(worker, loop_thread);
    EXPECT_EQ(std::this_thread::get_id(), loop_thread);  // resumed on the loop's thread
  });
}

// Parity: ToThreadTests.test_to_thread_exception.
TEST(ToThread, RethrowsTheFunctionsException) {
  corio::run([]() -> corio::Task<> {
    bool caught = false;
    try {
      co_await corio::to_thread([] { throw std::runtime_error("worker failed"); });
    } catch (const std::runtime_error& e) {
      caught = true;
      EXPECT_STREQ(e.what(), "worker failed");
    }
    EXPECT_TRUE(caught);
  });
}

TEST(ToThread, OutsideALoopThrowsRuntimeError) {
  EXPECT_THROW((void)corio::to_thread([] {}), corio::RuntimeError);
}

TEST(ToThread, AfterTheDefaultExecutorShutDownThrowsRuntimeError) {
  corio::run([]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    loop.shutdown_default_executor();
    bool ran = false;
    EXPECT_THROW(co_await corio::to_thread([&ran] { ran = true; }), corio::RuntimeError);
    EXPECT_FALSE(ran);
  });
}

TEST(ToThread, OtherTasksRunWhileTheFunctionBlocks) {
  corio::run([]() -> corio::Task<> {
    Gate gate;
    auto blocked = corio::spawn([&]() -> corio::Task<bool> {
      co_return co_await corio::to_thread([&gate] { return gate.wait(); });
    });
    // This task keeps running while the worker is blocked on the gate.
    for (int i = 0; i < 10; ++i) co_await corio::yield_now();
    EXPECT_FALSE(blocked.done());
    gate.open();
    EXPECT_TRUE(co_await blocked);
  });
}

TEST(ToThread, ManyConcurrentCallsAllComplete) {
  corio::run([]() -> corio::Task<> {
    constexpr int kCalls = 200;
    std::vector<corio::JoinHandle<int>> handles;
    for (int i = 0; i < kCalls; ++i) {
      handles.push_back(corio::spawn([i]() -> corio::Task<int> {
        co_return co_await corio::to_thread([i] { return 2 * i; });
      }));
    }
    long sum = 0;
    for (auto& h : handles) sum += co_await h;
    EXPECT_EQ(sum, static_cast<long>(kCalls) * (kCalls - 1));
  });
}

TEST(ToThread, WorkersNeverExceedMaxWorkers) {
  static constexpr unsigned kMax = 3;
  static constexpr int kCalls = 12;
  corio::run(
      []() -> corio::Task<> {
        auto& pool = corio::Loop::current().default_executor();
        EXPECT_EQ(pool.max_workers(), kMax);
        std::mutex mutex;
        std::condition_variable changed;
        int running = 0;
        int most = 0;
        Gate gate;
        std::vector<corio::JoinHandle<>> handles;
        for (int i = 0; i < kCalls; ++i) {
          handles.push_back(corio::spawn([&]() -> corio::Task<> {
            co_await corio::to_thread([&] {
              {
                std::lock_guard lock(mutex);
                most = std::max(most, ++running);
              }
              changed.notify_all();
              EXPECT_TRUE(gate.wait());
              std::lock_guard lock(mutex);
              --running;
            });
          }));
        }
        // Wait, on a thread of our own, until the pool is saturated.
        corio::ThreadPool watcher(1);
        const bool saturated = co_await corio::run_in_executor(watcher, [&] {
          std::unique_lock lock(mutex);
          return changed.wait_for(lock, 30s, [&] { return running == static_cast<int>(kMax); });
        });
        EXPECT_TRUE(saturated);
        EXPECT_EQ(pool.worker_count(), kMax);
        gate.open();
        for (auto& h : handles) co_await h;
        EXPECT_EQ(most, static_cast<int>(kMax));
        EXPECT_EQ(pool.worker_count(), kMax);
      },
      corio::LoopOptions{.max_workers = kMax});
}

// The function may use the caller's locals: a cancelled to_thread keeps its task parked until
// the function returns (ASan would report the write below if the frame were freed earlier).
TEST(ToThread, CancellationWaitsForTheFunctionThenRaises) {
  corio::run([]() -> corio::Task<> {
    Gate started;
    Gate release;
    std::atomic<bool> finished{false};
    bool resumed_normally = false;
    auto child = corio::spawn([&]() -> corio::Task<> {
      int written = 0;
      co_await corio::to_thread([&] {
        started.open();
        EXPECT_TRUE(release.wait());
        written = 1;
        finished = true;
      });
      resumed_normally = written == 1;
    });
    corio::ThreadPool watcher(1);
    EXPECT_TRUE(co_await corio::run_in_executor(watcher, [&] { return started.wait(); }));
    EXPECT_TRUE(child.cancel());
    for (int i = 0; i < 10; ++i) co_await corio::yield_now();
    EXPECT_FALSE(child.done());  // still parked: the function has not returned
    release.open();
    EXPECT_THROW(co_await child, corio::CancelledError);
    EXPECT_TRUE(finished);
    EXPECT_TRUE(child.cancelled());
    EXPECT_FALSE(resumed_normally);
  });
}

// Under virtual time the loop jumps to its next timer while the worker blocks: the timeout
// fires at 10 ms, the function is released at 20 ms, and only then does the scope raise.
TEST(ToThread, TimeoutTakesEffectOnlyOnceTheFunctionReturns) {
  corio::run(
      []() -> corio::Task<> {
        auto& loop = corio::Loop::current();
        const auto start = loop.now();
        Gate release;
        std::atomic<bool> finished{false};
        loop.call_later(20ms, [&release] { release.open(); });
        bool timed_out = false;
        try {
          co_await corio::timeout(10ms, [&]() -> corio::Task<> {
            co_await corio::to_thread([&] { finished = release.wait(); });
          });
        } catch (const corio::TimeoutError&) {
          timed_out = true;
        }
        EXPECT_TRUE(timed_out);
        EXPECT_TRUE(finished);
        EXPECT_EQ(loop.now() - start, 20ms);
      },
      corio::LoopOptions{.virtual_time = true});
}

TEST(ToThread, CancellationDiscardsTheFunctionsException) {
  corio::run([]() -> corio::Task<> {
    Gate started;
    Gate release;
    auto child = corio::spawn([&]() -> corio::Task<> {
      co_await corio::to_thread([&] {
        started.open();
        EXPECT_TRUE(release.wait());
        throw std::runtime_error("discarded");
      });
    });
    corio::ThreadPool watcher(1);
    EXPECT_TRUE(co_await corio::run_in_executor(watcher, [&] { return started.wait(); }));
    child.cancel();
    release.open();
    EXPECT_THROW(co_await child, corio::CancelledError);
  });
}

TEST(ToThread, PendingCancellationSkipsTheFunction) {
  corio::run([]() -> corio::Task<> {
    std::atomic<bool> ran{false};
    auto child =
        corio::spawn([&]() -> corio::Task<> { co_await corio::to_thread([&ran] { ran = true; }); });
    child.cancel();  // before its first step
    EXPECT_THROW(co_await child, corio::CancelledError);
    EXPECT_FALSE(ran);
  });
}

// corio::run cancels leftover tasks and waits for their functions before it returns.
TEST(ToThread, RunWaitsForACancelledCallBeforeReturning) {
  Gate started;
  Gate release;
  std::atomic<bool> finished{false};
  corio::run([&]() -> corio::Task<> {
    corio::spawn([&]() -> corio::Task<> {
      int written = 0;
      co_await corio::to_thread([&] {
        started.open();
        EXPECT_TRUE(release.wait());
        written = 1;  // into the cancelled task's frame
        finished = true;
      });
    });
    corio::ThreadPool watcher(1);
    EXPECT_TRUE(co_await corio::run_in_executor(watcher, [&] { return started.wait(); }));
    // Runs while run() waits for the cancelled task, i.e. after the cancel was delivered.
    corio::Loop::current().call_soon([&release] { release.open(); });
  });
  EXPECT_TRUE(finished);
}

// Parity: test_base_events.py BaseEventLoopTests.test_run_in_executor.
TEST(RunInExecutor, RunsOnTheGivenPool) {
  corio::ThreadPool pool(1);
  corio::run([&]() -> corio::Task<> {
    auto first = co_await corio::run_in_executor(pool, [] { return std::this_thread::get_id(); });
    auto second = co_await corio::run_in_executor(pool, [] { return std::this_thread::get_id(); });
    EXPECT_EQ(first, second);  // the pool's only worker
    EXPECT_NE(first, std::this_thread::get_id());
    EXPECT_EQ(pool.worker_count(), 1u);
  });
}

TEST(RunInExecutor, RethrowsTheFunctionsException) {
  corio::ThreadPool pool(2);
  corio::run([&]() -> corio::Task<> {
    EXPECT_THROW(co_await corio::run_in_executor(
                     pool, [](int n) { throw std::out_of_range(std::to_string(n)); }, 3),
                 std::out_of_range);
  });
}

TEST(RunInExecutor, ShutDownPoolThrowsRuntimeError) {
  corio::ThreadPool pool(1);
  pool.shutdown();
  corio::run([&]() -> corio::Task<> {
    EXPECT_THROW(co_await corio::run_in_executor(pool, [] {}), corio::RuntimeError);
  });
}

// concurrent.futures' shutdown(wait=True) returns only once the workers are done, whichever
// call got there first: a second shutdown() must not return while a job still runs.
TEST(ThreadPoolShutdown, EveryConcurrentCallReturnsOnlyOnceTheJobsAreDone) {
  corio::ThreadPool pool(1);
  Gate release_job;
  std::atomic<bool> job_done{false};
  pool.submit([&] {
    EXPECT_TRUE(release_job.wait());
    job_done = true;
  });
  std::atomic<int> returned{0};
  std::atomic<int> returned_early{0};
  auto shut_down = [&] {
    pool.shutdown();
    if (!job_done) ++returned_early;
    ++returned;
  };
  std::thread first(shut_down);
  std::thread second(shut_down);
  std::this_thread::sleep_for(100ms);  // both calls are in shutdown(); the job still waits
  EXPECT_EQ(returned.load(), 0);
  release_job.open();
  first.join();
  second.join();
  EXPECT_EQ(returned.load(), 2);
  EXPECT_EQ(returned_early.load(), 0);
}

// A job may shut its own pool down. concurrent.futures' shutdown(wait=True) from a worker
// would join the calling thread (a deadlock, or "cannot join current thread"; before this fix,
// std::thread::join threw resource_deadlock_would_occur and the process ended). Here the call
// joins the other workers, after their jobs, and returns; the job's own thread is joined by
// the next shutdown() from outside.
TEST(ThreadPoolShutdown, FromOneOfItsOwnJobsJoinsTheOtherWorkersAndReturns) {
  corio::ThreadPool pool(2);
  Gate other_started;
  Gate release_other;
  std::atomic<bool> other_done{false};
  pool.submit([&] {
    other_started.open();
    EXPECT_TRUE(release_other.wait());
    other_done = true;
  });
  EXPECT_TRUE(other_started.wait());
  std::promise<bool> returned;  // other_done when shutdown() returned
  auto returned_future = returned.get_future();
  pool.submit([&] {
    release_other.open();
    try {
      pool.shutdown();
      returned.set_value(other_done.load());
    } catch (...) {
      returned.set_exception(std::current_exception());
    }
  });
  ASSERT_EQ(returned_future.wait_for(30s), std::future_status::ready);
  EXPECT_TRUE(returned_future.get());
  EXPECT_THROW(pool.submit([] {}), corio::RuntimeError);
  pool.shutdown();
  EXPECT_EQ(pool.worker_count(), 0u);
}

// The job's shutdown() racing one from another thread, which takes (and joins) the job's own
// thread: neither waits for the other.
TEST(ThreadPoolShutdown, FromAJobWhileAnotherThreadShutsThePoolDownNeitherDeadlocks) {
  corio::ThreadPool pool(1);
  Gate outside_called;
  std::atomic<bool> job_returned{false};
  pool.submit([&] {
    EXPECT_TRUE(outside_called.wait());
    std::this_thread::sleep_for(50ms);  // the outside call is joining this thread by now
    pool.shutdown();
    job_returned = true;
  });
  std::thread outside([&] {
    outside_called.open();
    pool.shutdown();
  });
  outside.join();
  EXPECT_TRUE(job_returned.load());
  EXPECT_EQ(pool.worker_count(), 0u);
}

// Parity: test_tasks.py RunCoroutineThreadsafeTests.test_run_coroutine_threadsafe.
TEST(RunCoroutineThreadsafe, ReturnsTheValueThroughTheFuture) {
  corio::run([]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    const auto loop_thread = std::this_thread::get_id();
    const int value = co_await corio::to_thread([&loop, loop_thread] {
      auto future = corio::run_coroutine_threadsafe(
          [loop_thread]() -> corio::Task<int> {
            EXPECT_EQ(std::this_thread::get_id(), loop_thread);  // spawned on the loop
            co_await corio::yield_now();
            co_return 42;
          },
          loop);
      return future.get();
    });
    EXPECT_EQ(value, 42);
  });
}

TEST(RunCoroutineThreadsafe, AcceptsATaskObject) {
  corio::run([]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    EXPECT_EQ(co_await corio::to_thread(
                  [&loop] { return corio::run_coroutine_threadsafe(answer(), loop).get(); }),
              42);
  });
}

// Parity: RunCoroutineThreadsafeTests.test_run_coroutine_threadsafe_with_exception.
TEST(RunCoroutineThreadsafe, RethrowsTheTasksException) {
  corio::run([]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    auto future = co_await corio::to_thread([&loop] {
      return corio::run_coroutine_threadsafe(
          []() -> corio::Task<> {
            co_await corio::yield_now();
            throw std::runtime_error("in the loop");
          },
          loop);
    });
    auto error = co_await corio::to_thread([&future] {
      try {
        future.get();
      } catch (const std::runtime_error& e) {
        return std::string(e.what());
      }
      return std::string("no exception");
    });
    EXPECT_EQ(error, "in the loop");
  });
}

// Parity: RunCoroutineThreadsafeTests.test_run_coroutine_threadsafe_task_cancelled: a task
// still pending when corio::run ends is cancelled, and its future says so.
TEST(RunCoroutineThreadsafe, TaskCancelledAtShutdownRaisesCancelledError) {
  std::future<void> future;
  corio::run([&]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    // The wake-up of this await is posted after the spawn request, so the task exists by then.
    future = co_await corio::to_thread([&loop] {
      return corio::run_coroutine_threadsafe(
          []() -> corio::Task<> { co_await corio::sleep(std::chrono::hours(1)); }, loop);
    });
  });
  EXPECT_THROW(future.get(), corio::CancelledError);
}

// The spawn request is taken in the main task's last poll, so the task is spawned after the
// main task was scheduled and is cancelled by run()'s epilogue before its first step: its body
// never runs, and the future still reports the cancellation, not a broken promise.
TEST(RunCoroutineThreadsafe, TaskCancelledBeforeItsFirstStepRaisesCancelledError) {
  std::future<int> future;
  corio::run([&]() -> corio::Task<> {
    future = corio::run_coroutine_threadsafe(answer(), corio::Loop::current());
    co_await corio::sleep(0ms);
  });
  EXPECT_THROW(future.get(), corio::CancelledError);
}

// Parity: asyncio.run shuts the default executor down while its loop still runs. A job that
// waits on the loop at that point is served instead of deadlocking run().
TEST(RunCoroutineThreadsafe, FromAWorkerWhileRunShutsTheExecutorDownIsServed) {
  Gate main_done;
  std::future_status status = std::future_status::deferred;
  int value = 0;
  corio::run([&]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    loop.default_executor().submit([&loop, &main_done, &status, &value] {
      EXPECT_TRUE(main_done.wait());
      auto future = corio::run_coroutine_threadsafe(answer(), loop);
      status = future.wait_for(10s);
      if (status == std::future_status::ready) value = future.get();
    });
    main_done.open();
    co_return;
  });
  EXPECT_EQ(status, std::future_status::ready);
  EXPECT_EQ(value, 42);
}

TEST(RunCoroutineThreadsafe, LoopDestroyedBeforeRunningBreaksThePromise) {
  std::future<int> future;
  {
    corio::Loop loop;
    future = corio::run_coroutine_threadsafe(answer(), loop);
  }
  try {
    future.get();
    ADD_FAILURE() << "expected a broken promise";
  } catch (const std::future_error& e) {
    EXPECT_EQ(e.code(), std::future_errc::broken_promise);
  }
}

TEST(RunCoroutineThreadsafe, EmptyTaskThrowsInvalidStateError) {
  corio::Loop loop;
  EXPECT_THROW(corio::run_coroutine_threadsafe(corio::Task<int>(), loop), corio::InvalidStateError);
}

TEST(RunCoroutineThreadsafe, ManyThreadsSubmittingConcurrently) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 500;
  corio::run([]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    std::vector<long> sums(kThreads, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&loop, &sums, t] {
        std::vector<std::future<int>> futures;
        for (int i = 0; i < kPerThread; ++i) {
          futures.push_back(corio::run_coroutine_threadsafe(
              [i]() -> corio::Task<int> {
                co_await corio::yield_now();
                co_return i;
              },
              loop));
        }
        for (auto& f : futures) sums[t] += f.get();
      });
    }
    co_await corio::to_thread([&threads] {
      for (auto& th : threads) th.join();
    });
    for (long sum : sums) EXPECT_EQ(sum, static_cast<long>(kPerThread) * (kPerThread - 1) / 2);
  });
}
