// tests/unit/loop_test.cpp — tests for include/corio/loop.hpp (backends, scheduling, timers,
// clocks, cross-thread wake-ups, fds, signals, debug mode), sleep.hpp's sleep_until and the
// loop-level rules of run.hpp and spawn.hpp. Parity cases name the test_asyncio case they
// mirror.
#include <corio/loop.hpp>

#include <gtest/gtest.h>
#include <corio/run.hpp>
#include <corio/sleep.hpp>
#include <corio/spawn.hpp>
#include <corio/sync/event.hpp>
#include <corio/thread.hpp>

#include <pthread.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

corio::Task<int> answer() {
  co_return 42;
}

// Steps the loop until pred() holds, at most `turns` times. Each step is a zero sleep, which
// goes through the timer path and so polls for I/O (and signals) once.
corio::Task<bool> step_until(std::function<bool()> pred, int turns = 1000) {
  for (int i = 0; i < turns && !pred(); ++i) co_await corio::sleep(0ms);
  co_return pred();
}

corio::Task<> step(int turns) {
  for (int i = 0; i < turns; ++i) co_await corio::sleep(0ms);
}

// A pipe or a socketpair, closed at scope exit.
struct FdPair {
  enum class Kind { pipe, socketpair };
  std::array<int, 2> fd{-1, -1};

  explicit FdPair(Kind kind) {
    const int rc =
        kind == Kind::pipe ? ::pipe(fd.data()) : ::socketpair(AF_UNIX, SOCK_STREAM, 0, fd.data());
    EXPECT_EQ(rc, 0);
  }
  FdPair(const FdPair&) = delete;
  FdPair& operator=(const FdPair&) = delete;
  ~FdPair() {
    for (int f : fd) {
      if (f >= 0) ::close(f);
    }
  }
};

void write_byte(int fd) {
  EXPECT_EQ(::write(fd, "x", 1), 1);
}

// Sets a signal's disposition for one test and restores the previous one afterwards.
class ScopedDisposition {
 public:
  ScopedDisposition(int sig, void (*handler)(int)) : sig_(sig) {
    struct sigaction action {};
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    ::sigaction(sig_, &action, &previous_);
  }
  ~ScopedDisposition() { ::sigaction(sig_, &previous_, nullptr); }
  ScopedDisposition(const ScopedDisposition&) = delete;
  ScopedDisposition& operator=(const ScopedDisposition&) = delete;

 private:
  int sig_;
  struct sigaction previous_ {};
};

void (*current_handler(int sig))(int) {
  struct sigaction now {};
  ::sigaction(sig, nullptr, &now);
  return now.sa_handler;
}

bool kernel_at_least(int want_major, int want_minor) {
  utsname name{};
  if (::uname(&name) != 0) return false;
  int major = 0;
  int minor = 0;
  if (std::sscanf(name.release, "%d.%d", &major, &minor) != 2) return false;
  return major > want_major || (major == want_major && minor >= want_minor);
}

// What a loop picks with CORIO_BACKEND unset: io_uring from Linux 6.1 on, unless the
// kernel.io_uring_disabled sysctl keeps this process from it.
corio::BackendKind expected_default_backend() {
  if (!kernel_at_least(6, 1)) return corio::BackendKind::epoll;
  int disabled = 0;
  if (FILE* f = std::fopen("/proc/sys/kernel/io_uring_disabled", "r")) {
    if (std::fscanf(f, "%d", &disabled) != 1) disabled = 0;
    std::fclose(f);
  }
  const bool allowed = disabled == 0 || (disabled == 1 && ::geteuid() == 0);
  return allowed ? corio::BackendKind::io_uring : corio::BackendKind::epoll;
}

volatile std::sig_atomic_t g_sigint_count = 0;
void count_sigint(int) {
  g_sigint_count = g_sigint_count + 1;
}

}  // namespace

// --- backends ---

// ctest runs each unit binary once per backend with CORIO_BACKEND set; the loop must use
// the one named there (the default when unset).
TEST(Loop, BackendIsTheOneNamedInCorioBackend) {
  const char* value = std::getenv("CORIO_BACKEND");
  const std::string_view name = value != nullptr ? value : "";
  corio::BackendKind expected = expected_default_backend();
  if (name == "io_uring" || name == "uring") expected = corio::BackendKind::io_uring;
  if (name == "epoll") expected = corio::BackendKind::epoll;
  corio::Loop loop;
  EXPECT_EQ(loop.backend(), expected) << "CORIO_BACKEND=" << name;
  corio::run([&]() -> corio::Task<> {
    EXPECT_EQ(corio::Loop::current().backend(), expected);
    co_return;
  });
}

TEST(Loop, WithoutChoiceTheBackendIsIoUringWhereTheKernelHasIt) {
  const char* value = std::getenv("CORIO_BACKEND");
  const std::optional<std::string> saved =
      value != nullptr ? std::optional<std::string>(value) : std::nullopt;
  ::unsetenv("CORIO_BACKEND");
  corio::Loop loop;
  EXPECT_EQ(loop.backend(), expected_default_backend());
  if (saved) ::setenv("CORIO_BACKEND", saved->c_str(), 1);
}

TEST(Loop, BackendOptionOverridesTheEnvironment) {
  for (const corio::BackendKind kind : {corio::BackendKind::epoll, corio::BackendKind::io_uring}) {
    corio::Loop loop(corio::LoopOptions{.backend = kind});
    EXPECT_EQ(loop.backend(), kind);
  }
}

// Makes the loop's last look for I/O find 16 completions (16 pipes turning readable at
// once), then times how long a lone completion takes to reach a task that waits for it.
corio::Task<std::chrono::steady_clock::duration> lone_completion_after_a_burst() {
  auto& loop = corio::Loop::current();
  std::vector<std::unique_ptr<FdPair>> pipes;
  int drained = 0;
  corio::Event lone;
  for (int i = 0; i < 16; ++i) {
    pipes.push_back(std::make_unique<FdPair>(FdPair::Kind::pipe));
    const int fd = pipes.back()->fd[0];
    loop.add_reader(fd, [fd, i, &drained, &lone] {
      char c;
      if (::read(fd, &c, 1) == 1) ++drained;
      if (i == 0 && drained > 16) lone.set();
    });
  }
  for (const auto& pipe : pipes) write_byte(pipe->fd[1]);
  EXPECT_TRUE(co_await step_until([&drained] { return drained == 16; }));
  const auto start = std::chrono::steady_clock::now();
  write_byte(pipes[0]->fd[1]);
  co_await lone.wait();  // nothing else to run: the loop sleeps in the kernel
  const auto took = std::chrono::steady_clock::now() - start;
  for (const auto& pipe : pipes) loop.remove_reader(pipe->fd[0]);
  co_return took;
}

TEST(Loop, ABusyIoUringLoopLetsCompletionsGatherForTheBatchWait) {
  if (!kernel_at_least(6, 12)) GTEST_SKIP() << "needs Linux 6.12's io_uring minimum wait";
  const auto took =
      corio::run(lone_completion_after_a_burst(),
                 corio::LoopOptions{.backend = corio::BackendKind::io_uring, .io_batch_wait = 5ms});
  // It waited for more completions (up to 16) for the whole batch wait, then took the one.
  EXPECT_GE(took, 5ms);
}

TEST(Loop, TheBatchWaitIsCappedAtTenMilliseconds) {
  const auto took =
      corio::run(lone_completion_after_a_burst(),
                 corio::LoopOptions{.backend = corio::BackendKind::io_uring, .io_batch_wait = 1h});
  if (kernel_at_least(6, 12)) {  // Linux 6.12: io_uring's minimum wait
    EXPECT_GE(took, 10ms);
  }
  EXPECT_LT(took, 30s);  // never an hour
}

// --- scheduling ---

// Parity: test_events.py EventLoopTestsMixin.test_call_soon (and the FIFO rule of
// test_base_events.py BaseEventLoopTests.test__run_once's ready queue).
TEST(Loop, CallSoonRunsCallbacksInFifoOrder) {
  std::vector<int> order;
  corio::run([&]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    for (int i = 0; i < 5; ++i) loop.call_soon([&order, i] { order.push_back(i); });
    co_await corio::yield_now();  // to the back of the queue: every callback runs first
    EXPECT_EQ(order, (std::vector{0, 1, 2, 3, 4}));
  });
}

TEST(Loop, SpawnedTaskStartsAfterCallbacksAlreadyQueued) {
  std::vector<std::string> order;
  corio::run([&]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    loop.call_soon([&] { order.push_back("first callback"); });
    auto child = corio::spawn([&]() -> corio::Task<> {
      order.push_back("task");
      co_return;
    });
    loop.call_soon([&] { order.push_back("second callback"); });
    co_await child;
    co_await corio::yield_now();
  });
  EXPECT_EQ(order, (std::vector<std::string>{"first callback", "task", "second callback"}));
}

// Embedding: stop() ends run_until_done after the current step with the task still
// pending; a second run_until_done carries it on to the end.
TEST(Loop, StopEndsTheRunAndALaterRunFinishesTheTask) {
  corio::Loop loop;
  std::vector<std::string> order;
  const corio::detail::ThreadContext saved = corio::detail::t_context;
  corio::detail::t_context.loop = &loop;
  auto handle = corio::spawn([&]() -> corio::Task<> {
    order.push_back("before stop");
    corio::Loop::current().stop();
    co_await corio::yield_now();
    order.push_back("after stop");
  });
  corio::detail::t_context = saved;
  loop.run_until_done(*handle.header());
  EXPECT_FALSE(handle.done());
  EXPECT_EQ(order, (std::vector<std::string>{"before stop"}));
  loop.run_until_done(*handle.header());
  EXPECT_TRUE(handle.done());
  EXPECT_EQ(order, (std::vector<std::string>{"before stop", "after stop"}));
}

TEST(Loop, CallbackScheduledByACallbackRunsOnALaterTurn) {
  std::vector<std::string> order;
  corio::run([&]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    loop.call_soon([&] {
      order.push_back("outer");
      loop.call_soon([&] { order.push_back("inner"); });
    });
    loop.call_soon([&] { order.push_back("sibling"); });
    co_await corio::yield_now();
    co_await corio::yield_now();
  });
  EXPECT_EQ(order, (std::vector<std::string>{"outer", "sibling", "inner"}));
}

// Parity: test_events.py HandleTests (asyncio.Handle.cancel): a cancelled handle never runs.
TEST(Loop, CancelledCallSoonHandleNeverRuns) {
  corio::run([]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    bool ran = false;
    corio::Handle handle = loop.call_soon([&ran] { ran = true; });
    EXPECT_FALSE(handle.cancelled());
    handle.cancel();
    EXPECT_TRUE(handle.cancelled());
    handle.cancel();  // idempotent
    co_await corio::yield_now();
    EXPECT_FALSE(ran);
  });
}

TEST(Loop, CancellingAHandleAfterItRanIsHarmless) {
  corio::run([]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    int runs = 0;
    corio::Handle handle = loop.call_soon([&runs] { ++runs; });
    co_await corio::yield_now();
    handle.cancel();
    co_await corio::yield_now();
    EXPECT_EQ(runs, 1);
  });
}

TEST(Loop, ExceptionInACallbackIsReportedAndTheLoopGoesOn) {
  testing::internal::CaptureStderr();
  corio::run([]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    bool later_ran = false;
    loop.call_soon([] { throw std::runtime_error("callback failed"); });
    loop.call_soon([&later_ran] { later_ran = true; });
    co_await corio::yield_now();
    EXPECT_TRUE(later_ran);
  });
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("callback failed"), std::string::npos) << err;
}

// --- timers and clocks ---

// Parity: test_events.py EventLoopTestsMixin.test_call_later; test_base_events.py
// BaseEventLoopTests.test_call_later / test_call_at ordering.
TEST(Loop, CallLaterRunsCallbacksInDeadlineOrder) {
  std::vector<int> order;
  corio::run(
      [&]() -> corio::Task<> {
        auto& loop = corio::Loop::current();
        const auto start = loop.now();
        std::vector<std::chrono::nanoseconds> fired_at;
        auto record = [&](int id) {
          return [&, id] {
            order.push_back(id);
            fired_at.push_back(loop.now() - start);
          };
        };
        loop.call_later(30ms, record(1));
        loop.call_later(10ms, record(2));
        loop.call_at(start + 20ms, record(3));
        loop.call_later(20ms, record(4));  // same deadline as 3: insertion order
        co_await corio::sleep(50ms);
        EXPECT_EQ(fired_at, (std::vector<std::chrono::nanoseconds>{10ms, 20ms, 20ms, 30ms}));
      },
      corio::LoopOptions{.virtual_time = true});
  EXPECT_EQ(order, (std::vector{2, 3, 4, 1}));
}

TEST(Loop, CancelledTimerHandleNeverRuns) {
  corio::run(
      []() -> corio::Task<> {
        auto& loop = corio::Loop::current();
        bool ran = false;
        corio::Handle handle = loop.call_later(10ms, [&ran] { ran = true; });
        EXPECT_EQ(handle.when(), loop.now() + 10ms);
        handle.cancel();
        EXPECT_TRUE(handle.cancelled());
        co_await corio::sleep(20ms);
        EXPECT_FALSE(ran);
      },
      corio::LoopOptions{.virtual_time = true});
}

TEST(Loop, NegativeDelayRunsSoon) {
  corio::run(
      []() -> corio::Task<> {
        auto& loop = corio::Loop::current();
        const auto start = loop.now();
        bool ran = false;
        loop.call_later(-5s, [&ran] { ran = true; });
        co_await corio::sleep(0ms);
        EXPECT_TRUE(ran);
        EXPECT_EQ(loop.now(), start);
      },
      corio::LoopOptions{.virtual_time = true});
}

// Parity: test_base_events.py BaseEventLoopTests.test_time_and_call_at (time() is monotonic).
TEST(Loop, TimeIsTheMonotonicClockInSeconds) {
  corio::run([]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    const auto before = std::chrono::steady_clock::now();
    const double t = loop.time();
    const auto after = std::chrono::steady_clock::now();
    EXPECT_GE(t, std::chrono::duration<double>(before.time_since_epoch()).count());
    EXPECT_LE(t, std::chrono::duration<double>(after.time_since_epoch()).count());
    double previous = loop.time();
    for (int i = 0; i < 1000; ++i) {
      const double now = loop.time();
      EXPECT_GE(now, previous);
      previous = now;
      if (i % 100 == 0) co_await corio::yield_now();
    }
    const double start = loop.time();
    co_await corio::sleep(10ms);
    EXPECT_GE(loop.time() - start, 0.010);
  });
}

// coarse_now() reads the clock once per loop turn: later calls in the same turn return that
// reading, and the next turn reads again.
TEST(Loop, CoarseNowIsReadOncePerTurn) {
  corio::run([]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    co_await corio::sleep(std::chrono::milliseconds(1));  // start of a fresh turn
    const auto first = loop.coarse_now();
    EXPECT_LE(first, loop.now());
    const auto spin_until = first + std::chrono::milliseconds(2);
    while (loop.now() < spin_until) {  // real time: ends within 2 ms
    }
    EXPECT_EQ(loop.coarse_now(), first);
    EXPECT_GE(loop.now(), spin_until);
    co_await corio::sleep(std::chrono::milliseconds(1));
    EXPECT_GE(loop.coarse_now(), spin_until + std::chrono::milliseconds(1));
  });
}

TEST(Loop, VirtualTimeSleepsTenMinutesInstantly) {
  const auto wall_start = std::chrono::steady_clock::now();
  corio::run(
      []() -> corio::Task<> {
        auto& loop = corio::Loop::current();
        EXPECT_TRUE(loop.virtual_time());
        const auto start = loop.now();
        const double start_seconds = loop.time();
        co_await corio::sleep(std::chrono::minutes(10));
        EXPECT_EQ(loop.now() - start, std::chrono::minutes(10));
        EXPECT_NEAR(loop.time() - start_seconds, 600.0, 1e-6);
      },
      corio::LoopOptions{.virtual_time = true});
  EXPECT_LT(std::chrono::steady_clock::now() - wall_start, 60s);  // sanity bound only
}

TEST(Loop, VirtualTimeStandsStillWhileTasksRun) {
  corio::run(
      []() -> corio::Task<> {
        auto& loop = corio::Loop::current();
        const auto start = loop.now();
        for (int i = 0; i < 100; ++i) co_await corio::yield_now();
        EXPECT_EQ(loop.now(), start);
      },
      corio::LoopOptions{.virtual_time = true});
}

// sleep.hpp's sleep_until: wakes when the loop's clock reaches the time point, in deadline
// order with other sleepers.
TEST(Sleep, UntilWakesAtTheTimePointInDeadlineOrder) {
  corio::run(
      []() -> corio::Task<> {
        auto& loop = corio::Loop::current();
        const auto start = loop.now();
        std::vector<int> order;
        auto sleeper = [&](int id, corio::Loop::TimePoint when) -> corio::Task<> {
          co_await corio::sleep_until(when);
          EXPECT_EQ(loop.now(), when);
          order.push_back(id);
        };
        auto late = corio::spawn(sleeper(2, start + 2h));
        auto early = corio::spawn(sleeper(1, start + 90min));
        co_await corio::sleep_until(start + 10min);
        EXPECT_EQ(loop.now(), start + 10min);
        EXPECT_TRUE(order.empty());
        co_await late;
        co_await early;
        EXPECT_EQ(order, (std::vector{1, 2}));
        EXPECT_EQ(loop.now(), start + 2h);
      },
      corio::LoopOptions{.virtual_time = true});
}

// Like sleep(0) and negative sleeps: a time point already past still gives up one turn.
TEST(Sleep, UntilAPastTimePointStillSuspends) {
  corio::run(
      []() -> corio::Task<> {
        auto& loop = corio::Loop::current();
        const auto start = loop.now();
        bool other_ran = false;
        auto other = corio::spawn([&]() -> corio::Task<> {
          other_ran = true;
          co_return;
        });
        co_await corio::sleep_until(start - 1h);
        EXPECT_TRUE(other_ran);
        EXPECT_EQ(loop.now(), start);
        co_await other;
      },
      corio::LoopOptions{.virtual_time = true});
}

// --- call_soon_threadsafe ---

// Parity: test_events.py EventLoopTestsMixin.test_call_soon_threadsafe. Unlike asyncio, whose
// threadsafe callbacks join the ready queue at once, corio's join it when the loop next polls:
// they keep their order among themselves, not relative to call_soon on the loop thread.
TEST(Loop, CallSoonThreadsafeRunsOnTheLoopThread) {
  corio::run([]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    const auto loop_thread = std::this_thread::get_id();
    std::vector<std::string> results;
    std::thread::id ran_on;
    std::thread poster([&] {
      loop.call_soon_threadsafe([&] {
        ran_on = std::this_thread::get_id();
        results.push_back("hello");
      });
      loop.call_soon_threadsafe([&] { results.push_back("world"); });
    });
    co_await corio::to_thread([&poster] { poster.join(); });
    EXPECT_EQ(results, (std::vector<std::string>{"hello", "world"}));
    EXPECT_EQ(ran_on, loop_thread);
  });
}

// Parity: EventLoopTestsMixin.test_call_soon_threadsafe_same_thread.
TEST(Loop, CallSoonThreadsafeFromTheLoopThread) {
  corio::run([]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    bool ran = false;
    loop.call_soon_threadsafe([&ran] { ran = true; });
    EXPECT_TRUE(co_await step_until([&ran] { return ran; }));
  });
}

// The loop sleeps in poll with nothing scheduled; posts from other threads wake it, and each
// callback runs exactly once, in posting order per thread.
TEST(Loop, CallSoonThreadsafeStressDeliversEveryCallbackExactlyOnce) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 10'000;
  corio::run([]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    std::vector<int> delivered(kThreads * kPerThread, 0);
    std::vector<int> last(kThreads, -1);
    int out_of_order = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          loop.call_soon_threadsafe([&, t, i] {
            ++delivered[t * kPerThread + i];
            if (last[t] != i - 1) ++out_of_order;
            last[t] = i;
          });
        }
      });
    }
    // This wake-up is posted after every thread finished posting, so it comes after them.
    co_await corio::to_thread([&threads] {
      for (auto& th : threads) th.join();
    });
    int exactly_once = 0;
    for (int count : delivered) exactly_once += count == 1 ? 1 : 0;
    EXPECT_EQ(exactly_once, kThreads * kPerThread);
    EXPECT_EQ(out_of_order, 0);
  });
}

// A poster may still be inside call_soon_threadsafe when the callbacks end the run and the
// loop is destroyed (here: the second of two callbacks, possibly drained together with the
// first poster's wake-up). ASan and TSan check that it no longer touches the loop by then.
TEST(Loop, ThreadsafeCallbacksMayEndTheRunAtOnce) {
  for (int round = 0; round < 300; ++round) {
    corio::TaskRef main_task;
    int delivered = 0;
    std::array<std::thread, 2> posters;
    EXPECT_THROW(corio::run([&]() -> corio::Task<> {
                   main_task = corio::current_task();
                   auto& loop = corio::Loop::current();
                   for (auto& poster : posters) {
                     poster = std::thread([&] {
                       loop.call_soon_threadsafe([&] {
                         if (++delivered == 2) main_task.cancel();
                       });
                     });
                   }
                   co_await corio::sleep(std::chrono::hours(1));
                 }),
                 corio::CancelledError);
    for (auto& poster : posters) poster.join();
  }
}

// --- destroying a loop whose default executor is still busy ---

// Parity: asyncio's loop.close() (BaseEventLoop._check_closed): once a Loop's destructor has
// begun, call_soon_threadsafe raises RuntimeError("Event loop is closed") and so does
// run_coroutine_threadsafe. A default-executor job that polls the loop this way ends with that
// error; before the fix the destructor joined the job with the loop never closing, so the job
// polled until its bound ran out.
TEST(Loop, DestroyingALoopClosesItToExecutorJobs) {
  std::atomic<bool> posted{false};
  std::string seen;
  bool run_coroutine_raised = false;
  {
    corio::Loop loop;
    loop.default_executor().submit([&] {
      const auto deadline = std::chrono::steady_clock::now() + 20s;
      try {
        while (std::chrono::steady_clock::now() < deadline) {
          loop.call_soon_threadsafe([] {});
          posted = true;
          std::this_thread::sleep_for(1ms);
        }
        seen = "the loop never closed";
      } catch (const corio::RuntimeError& e) {
        seen = e.what();
      }
      try {
        (void)corio::run_coroutine_threadsafe(answer(), loop);
      } catch (const corio::RuntimeError&) {
        run_coroutine_raised = true;
      }
    });
    while (!posted) std::this_thread::yield();  // the job is running: the loop is busy
  }
  EXPECT_EQ(seen, "Event loop is closed");
  EXPECT_TRUE(run_coroutine_raised);
}

// A job already waiting on a run_coroutine_threadsafe future when the Loop is destroyed: the
// loop never runs the task, so the destructor drops it (breaking the promise) before joining
// the job, and the job's wait ends. Before the fix the destructor joined first: a deadlock,
// cut here by the job's 20-second bound.
TEST(Loop, DestroyingALoopBreaksTheFuturesAnExecutorJobWaitsOn) {
  std::atomic<bool> waiting{false};
  std::string outcome;
  {
    corio::Loop loop;
    loop.default_executor().submit([&] {
      auto future = corio::run_coroutine_threadsafe(answer(), loop);
      waiting = true;
      if (future.wait_for(20s) != std::future_status::ready) {
        outcome = "timed out";
        return;
      }
      try {
        outcome = std::to_string(future.get());
      } catch (const std::future_error& e) {
        outcome = e.code() == std::future_errc::broken_promise ? "broken promise" : e.what();
      }
    });
    while (!waiting) std::this_thread::yield();
  }
  EXPECT_EQ(outcome, "broken promise");
}

// Parity: a closed asyncio loop raises RuntimeError from call_soon_threadsafe. A Loop& is
// unusable once the Loop is gone; a ThreadsafeHandle outlives it and raises instead.
TEST(Loop, AThreadsafeHandleOutlivingItsLoopRaisesRuntimeError) {
  corio::ThreadsafeHandle handle;
  EXPECT_TRUE(handle.is_closed());
  EXPECT_THROW(handle.call_soon_threadsafe([] {}), corio::RuntimeError);
  bool ran = false;
  corio::run([&]() -> corio::Task<> {
    handle = corio::Loop::current().threadsafe_handle();
    EXPECT_FALSE(handle.is_closed());
    handle.call_soon_threadsafe([&ran] { ran = true; });
    EXPECT_TRUE(co_await step_until([&ran] { return ran; }));
    EXPECT_EQ(co_await corio::to_thread(
                  [&handle] { return corio::run_coroutine_threadsafe(answer(), handle).get(); }),
              42);
  });
  EXPECT_TRUE(ran);
  EXPECT_TRUE(handle.is_closed());
  try {
    handle.call_soon_threadsafe([] {});
    ADD_FAILURE() << "expected RuntimeError";
  } catch (const corio::RuntimeError& e) {
    EXPECT_STREQ(e.what(), "Event loop is closed");
  }
  EXPECT_THROW((void)corio::run_coroutine_threadsafe(answer(), handle), corio::RuntimeError);
}

// A thread posting through a handle while the loop is destroyed: each call either reaches
// the loop (and the callback is run or dropped with it) or raises; none touches the loop once
// it is gone (ASan, TSan).
TEST(Loop, PostingThroughAHandleWhileTheLoopIsDestroyedIsSafe) {
  for (int round = 0; round < 50; ++round) {
    std::atomic<bool> posted{false};
    std::atomic<int> closed_errors{0};
    std::thread poster;
    {
      corio::Loop loop;
      poster = std::thread([handle = loop.threadsafe_handle(), &posted, &closed_errors] {
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        while (std::chrono::steady_clock::now() < deadline) {
          try {
            handle.call_soon_threadsafe([] {});
            posted = true;
          } catch (const corio::RuntimeError&) {
            ++closed_errors;
            return;
          }
        }
      });
      while (!posted) std::this_thread::yield();
    }
    poster.join();
    EXPECT_EQ(closed_errors.load(), 1);
  }
}

TEST(Loop, RunCoroutineThreadsafeFromAnotherThread) {
  corio::run([]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    int value = 0;
    std::thread client([&] {
      value = corio::run_coroutine_threadsafe(
                  []() -> corio::Task<int> {
                    co_await corio::sleep(1ms);
                    co_return 7;
                  },
                  loop)
                  .get();
    });
    co_await corio::to_thread([&client] { client.join(); });
    EXPECT_EQ(value, 7);
  });
}

// --- file descriptors ---

// Parity: test_events.py EventLoopTestsMixin.test_add_reader / test_reader_callback; readers
// are level-triggered, as in asyncio's selector loop.
TEST(Loop, ReaderIsCalledWhileReadableUntilRemoved) {
  corio::run([]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    FdPair p(FdPair::Kind::pipe);
    int calls = 0;
    loop.add_reader(p.fd[0], [&calls] { ++calls; });
    co_await step(3);
    EXPECT_EQ(calls, 0);  // nothing to read yet
    write_byte(p.fd[1]);
    EXPECT_TRUE(co_await step_until([&calls] { return calls >= 3; }));  // never drained
    EXPECT_TRUE(loop.remove_reader(p.fd[0]));
    const int at_removal = calls;
    co_await step(5);
    EXPECT_EQ(calls, at_removal);
    EXPECT_FALSE(loop.remove_reader(p.fd[0]));
  });
}

TEST(Loop, ReaderThatDrainsTheFdIsCalledOncePerWrite) {
  corio::run([]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    FdPair p(FdPair::Kind::pipe);
    std::string received;
    loop.add_reader(p.fd[0], [&] {
      char c;
      if (::read(p.fd[0], &c, 1) == 1) received += c;
    });
    write_byte(p.fd[1]);
    EXPECT_TRUE(co_await step_until([&] { return received.size() == 1; }));
    write_byte(p.fd[1]);
    EXPECT_TRUE(co_await step_until([&] { return received.size() == 2; }));
    co_await step(3);
    EXPECT_EQ(received, "xx");
    loop.remove_reader(p.fd[0]);
  });
}

TEST(Loop, WriterCanRemoveItself) {
  corio::run([]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    FdPair s(FdPair::Kind::socketpair);
    int calls = 0;
    loop.add_writer(s.fd[0], [&] {
      ++calls;
      EXPECT_TRUE(loop.remove_writer(s.fd[0]));
    });
    EXPECT_TRUE(co_await step_until([&calls] { return calls > 0; }));
    co_await step(5);
    EXPECT_EQ(calls, 1);
  });
}

TEST(Loop, ReaderAndWriterOnOneFdAreIndependent) {
  corio::run([]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    FdPair s(FdPair::Kind::socketpair);
    int reads = 0;
    int writes = 0;
    loop.add_reader(s.fd[0], [&reads] { ++reads; });
    loop.add_writer(s.fd[0], [&writes] { ++writes; });
    EXPECT_TRUE(co_await step_until([&writes] { return writes >= 2; }));
    EXPECT_EQ(reads, 0);
    EXPECT_TRUE(loop.remove_writer(s.fd[0]));
    write_byte(s.fd[1]);
    EXPECT_TRUE(co_await step_until([&reads] { return reads >= 1; }));
    const int writes_after_removal = writes;
    co_await step(3);
    EXPECT_EQ(writes, writes_after_removal);
    EXPECT_TRUE(loop.remove_reader(s.fd[0]));
  });
}

TEST(Loop, AddingAReaderAgainReplacesTheCallback) {
  corio::run([]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    FdPair p(FdPair::Kind::pipe);
    int first = 0;
    int second = 0;
    loop.add_reader(p.fd[0], [&first] { ++first; });
    loop.add_reader(p.fd[0], [&second] { ++second; });
    write_byte(p.fd[1]);
    EXPECT_TRUE(co_await step_until([&second] { return second >= 1; }));
    EXPECT_EQ(first, 0);
    loop.remove_reader(p.fd[0]);
  });
}

// asyncio cancels the queued handle of a removed reader; corio looks the callback up when it
// runs. Both readers are ready in the same poll; whichever runs first removes the other, which
// then must not run (it could otherwise touch an fd its owner already closed).
TEST(Loop, ReaderRemovedByAnEarlierCallbackDoesNotRun) {
  corio::run([]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    FdPair a(FdPair::Kind::pipe);
    FdPair b(FdPair::Kind::pipe);
    int calls = 0;
    auto remove_both = [&] {
      ++calls;
      loop.remove_reader(a.fd[0]);
      loop.remove_reader(b.fd[0]);
    };
    write_byte(a.fd[1]);
    write_byte(b.fd[1]);
    loop.add_reader(a.fd[0], remove_both);
    loop.add_reader(b.fd[0], remove_both);
    EXPECT_TRUE(co_await step_until([&calls] { return calls > 0; }));
    co_await step(3);
    EXPECT_EQ(calls, 1);
  });
}

// The fd-reuse variant: the first callback removes both readers and reuses both fd numbers
// (dup2 onto an empty pipe) with a new reader. The readiness reported for the old fd must not
// call the new reader: its fd is not readable, and a blocking read there would hang the loop.
TEST(Loop, ReaderOnAReusedFdIsNotCalledForTheOldFdsReadiness) {
  corio::run([]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    FdPair a(FdPair::Kind::pipe);
    FdPair b(FdPair::Kind::pipe);
    FdPair empty(FdPair::Kind::pipe);
    int old_calls = 0;
    int new_calls = 0;
    auto reuse_both = [&] {
      ++old_calls;
      for (int fd : {a.fd[0], b.fd[0]}) {
        loop.remove_reader(fd);
        EXPECT_EQ(::dup2(empty.fd[0], fd), fd);
        loop.add_reader(fd, [&new_calls] { ++new_calls; });
      }
    };
    write_byte(a.fd[1]);
    write_byte(b.fd[1]);
    loop.add_reader(a.fd[0], reuse_both);
    loop.add_reader(b.fd[0], reuse_both);
    EXPECT_TRUE(co_await step_until([&old_calls] { return old_calls > 0; }));
    co_await step(3);
    EXPECT_EQ(old_calls, 1);
    EXPECT_EQ(new_calls, 0);
    loop.remove_reader(a.fd[0]);
    loop.remove_reader(b.fd[0]);
  });
}

TEST(Loop, InvalidFdIsRejected) {
  corio::run([]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    EXPECT_THROW(loop.add_reader(-1, [] {}), std::invalid_argument);
    EXPECT_FALSE(loop.remove_reader(-1));
    EXPECT_FALSE(loop.remove_writer(12345));
    co_return;
  });
}

// asyncio's selector loop raises OSError (EBADF) at once for a closed fd; so does every
// backend here (io_uring would otherwise report the dead fd as ready on every turn).
TEST(Loop, ClosedFdIsRejected) {
  corio::run([]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    int closed = -1;
    {
      FdPair p(FdPair::Kind::pipe);
      closed = p.fd[0];
    }
    EXPECT_THROW(loop.add_reader(closed, [] {}), std::system_error);
    EXPECT_THROW(loop.add_writer(closed, [] {}), std::system_error);
    EXPECT_FALSE(loop.remove_reader(closed));
    EXPECT_FALSE(loop.remove_writer(closed));
    co_return;
  });
}

// --- signals ---

// Parity: test_events.py EventLoopTestsMixin.test_add_signal_handler: the callback runs on the
// loop, not inside the signal handler; removal restores the previous disposition.
TEST(Loop, SignalHandlerRunsOnTheLoop) {
  ScopedDisposition dfl(SIGUSR1, SIG_DFL);
  corio::run([]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    const auto loop_thread = std::this_thread::get_id();
    int calls = 0;
    std::thread::id ran_on;
    loop.add_signal_handler(SIGUSR1, [&] {
      ++calls;
      ran_on = std::this_thread::get_id();
    });
    EXPECT_NE(current_handler(SIGUSR1), SIG_DFL);
    std::raise(SIGUSR1);
    EXPECT_EQ(calls, 0);  // not from inside the handler
    EXPECT_TRUE(co_await step_until([&calls] { return calls == 1; }));
    EXPECT_EQ(ran_on, loop_thread);
    std::raise(SIGUSR1);
    EXPECT_TRUE(co_await step_until([&calls] { return calls == 2; }));
    EXPECT_TRUE(loop.remove_signal_handler(SIGUSR1));
    EXPECT_FALSE(loop.remove_signal_handler(SIGUSR1));
    EXPECT_EQ(current_handler(SIGUSR1), SIG_DFL);
  });
}

TEST(Loop, SignalsThatCannotBeHandledAreRejected) {
  corio::Loop loop;
  EXPECT_THROW(loop.add_signal_handler(SIGKILL, [] {}), std::invalid_argument);
  EXPECT_THROW(loop.add_signal_handler(SIGSTOP, [] {}), std::invalid_argument);
  EXPECT_THROW(loop.add_signal_handler(0, [] {}), std::invalid_argument);
  EXPECT_THROW(loop.add_signal_handler(NSIG, [] {}), std::invalid_argument);
}

// Parity: test_unix_events.py SelectorEventLoopSignalTests, the install_error cases:
// a signal the system refuses to let a program catch (glibc keeps 32 and 33 for its threads)
// raises instead of installing a handler that never runs, and leaves nothing behind.
TEST(Loop, SignalTheSystemRefusesIsRejected) {
  corio::Loop loop;
  EXPECT_THROW(loop.add_signal_handler(32, [] {}), std::invalid_argument);
  EXPECT_FALSE(loop.remove_signal_handler(32));
}

TEST(Loop, ASignalBelongsToOneLoopAtATime) {
  ScopedDisposition dfl(SIGUSR2, SIG_DFL);
  corio::Loop first;
  corio::Loop second;
  first.add_signal_handler(SIGUSR2, [] {});
  EXPECT_THROW(second.add_signal_handler(SIGUSR2, [] {}), corio::RuntimeError);
  first.add_signal_handler(SIGUSR2, [] {});  // the owner may replace its callback
  EXPECT_TRUE(first.remove_signal_handler(SIGUSR2));
  second.add_signal_handler(SIGUSR2, [] {});
  EXPECT_TRUE(second.remove_signal_handler(SIGUSR2));
  EXPECT_EQ(current_handler(SIGUSR2), SIG_DFL);
}

// A signal handler runs on whichever thread takes the signal, possibly while the loop's
// thread removes the handler or destroys the loop. remove_signal_handler() and the destructor
// wait for a handler already running, so it never touches a loop that is gone: TSan reports a
// handler's access to the loop that nothing orders before the loop's destruction, ASan one
// that lands after it.
TEST(Loop, ASignalOnAnotherThreadNeverReachesADestroyedLoop) {
  ScopedDisposition quiet(SIGUSR2, [](int) {});  // what each loop restores when it goes
  std::atomic<bool> stop{false};
  std::atomic<int> received{0};
  std::thread receiver([&] {
    for (int i = 0; i < 200000 && !stop; ++i) std::this_thread::sleep_for(10us);
  });
  std::thread sender([&] {
    for (int i = 0; i < 200000 && !stop; ++i) {
      if (::pthread_kill(receiver.native_handle(), SIGUSR2) == 0) ++received;
      std::this_thread::yield();
    }
  });
  for (int round = 0; round < 500; ++round) {
    corio::Loop loop;
    loop.add_signal_handler(SIGUSR2, [] {});
    std::this_thread::sleep_for(20us);  // let a few signals land while the loop owns SIGUSR2
    if (round % 2 == 0) {
      EXPECT_TRUE(loop.remove_signal_handler(SIGUSR2));
    }
  }
  stop = true;
  sender.join();
  receiver.join();
  EXPECT_GT(received.load(), 0);
}

// --- corio::run and spawn ---

// Parity: test_runners.py RunnerTests.test_interrupt_wait: SIGINT cancels the main task and
// run() raises KeyboardInterrupt.
TEST(Run, SigintCancelsTheMainTaskAndRaisesKeyboardInterrupt) {
  ScopedDisposition dfl(SIGINT, SIG_DFL);  // the test runner may have left it ignored
  bool main_cancelled = false;
  EXPECT_THROW(corio::run([&]() -> corio::Task<> {
                 std::raise(SIGINT);
                 try {
                   co_await corio::sleep(std::chrono::hours(1));
                 } catch (const corio::CancelledError&) {
                   main_cancelled = true;
                   throw;
                 }
               }),
               corio::KeyboardInterrupt);
  EXPECT_TRUE(main_cancelled);
  EXPECT_EQ(current_handler(SIGINT), SIG_DFL);  // given back
}

// Parity: test_runners.py RunnerTests.test_interrupt_cancelled_task: when the program itself
// also cancelled the main task, SIGINT's cancel is not the last one standing and run() raises
// CancelledError, not KeyboardInterrupt.
TEST(Run, SigintOnAnAlreadyCancelledMainTaskRaisesCancelledError) {
  ScopedDisposition dfl(SIGINT, SIG_DFL);
  EXPECT_THROW(corio::run([]() -> corio::Task<> {
                 corio::current_task().cancel();
                 bool caught = false;
                 try {
                   co_await corio::sleep(std::chrono::hours(1));
                 } catch (const corio::CancelledError&) {
                   caught = true;  // swallowed without uncancel(): one request still counts
                 }
                 EXPECT_TRUE(caught);
                 std::raise(SIGINT);
                 co_await corio::sleep(std::chrono::hours(1));
               }),
               corio::CancelledError);
}

// asyncio.Runner takes SIGINT over only while its disposition is the default one.
TEST(Run, LeavesAnInstalledSigintHandlerAlone) {
  ScopedDisposition custom(SIGINT, &count_sigint);
  g_sigint_count = 0;
  corio::run([]() -> corio::Task<> {
    std::raise(SIGINT);
    co_await corio::sleep(1ms);
  });
  EXPECT_EQ(static_cast<int>(g_sigint_count), 1);
  EXPECT_EQ(current_handler(SIGINT), &count_sigint);
}

// Parity: test_runners.py RunTests.test_asyncio_run_from_running_loop.
TEST(Run, NestedRunThrowsRuntimeError) {
  corio::run([]() -> corio::Task<> {
    EXPECT_THROW(corio::run(answer()), corio::RuntimeError);
    co_return;
  });
}

// asyncio.create_task outside a loop: RuntimeError("no running event loop").
TEST(Spawn, WithoutARunningLoopThrowsRuntimeError) {
  try {
    corio::spawn(answer());
    ADD_FAILURE() << "spawn outside a loop did not throw";
  } catch (const corio::RuntimeError& e) {
    EXPECT_STREQ(e.what(), "no running event loop");
  }
  EXPECT_THROW(corio::spawn([]() -> corio::Task<> { co_return; }), corio::RuntimeError);
}

// --- debug mode ---

// CORIO_DEBUG=1 in the environment, not LoopOptions::debug, with the default 100 ms
// threshold. The variable is read once per process, so the check runs in a fresh one: the
// "threadsafe" death-test style re-executes this binary, and only that child sets it. The
// child reports on stderr (matched below) and exits 1 if debug() is off or the 20 ms step
// was reported too.
TEST(Debug, CorioDebugEnvironmentVariableReportsSlowStepsAndNeverAwaitedTasks) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        ::setenv("CORIO_DEBUG", "1", 1);
        testing::internal::CaptureStderr();
        static_cast<void>(answer());  // outside any loop: the environment alone decides
        bool debug = false;
        corio::run([&]() -> corio::Task<> {
          debug = corio::Loop::current().debug();
          static_cast<void>(answer());
          co_await corio::spawn(
              []() -> corio::Task<> {
                std::this_thread::sleep_for(20ms);  // under the 100 ms default: not reported
                co_return;
              },
              "brisk");
          co_await corio::spawn(
              []() -> corio::Task<> {
                std::this_thread::sleep_for(150ms);
                co_return;
              },
              "sluggish");
        });
        const std::string err = testing::internal::GetCapturedStderr();
        std::fputs(err.c_str(), stderr);
        std::exit(debug && err.find("'brisk'") == std::string::npos ? 0 : 1);
      },
      testing::ExitedWithCode(0),
      "never awaited nor spawned\n.*never awaited nor spawned\n.*"
      "step of task 'sluggish' took [0-9.]+ seconds");
}

// Parity: test_base_events.py BaseEventLoopTests.test_log_slow_callbacks.
TEST(Debug, SlowStepIsReportedWithTheTaskName) {
  testing::internal::CaptureStderr();
  corio::run(
      []() -> corio::Task<> {
        co_await corio::spawn(
            []() -> corio::Task<> {
              std::this_thread::sleep_for(30ms);  // blocks the loop: what debug mode catches
              co_return;
            },
            "sluggish");
      },
      corio::LoopOptions{.debug = true, .slow_callback_duration = 5ms});
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("step of task 'sluggish' took"), std::string::npos) << err;
}

TEST(Debug, FastStepsAreNotReported) {
  testing::internal::CaptureStderr();
  corio::run(
      []() -> corio::Task<> {
        for (int i = 0; i < 10; ++i) co_await corio::yield_now();
      },
      corio::LoopOptions{.debug = true, .slow_callback_duration = 10s});
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

// asyncio's "coroutine ... was never awaited" warning (test_runners.py
// RunnerTests.test_recursive_run expects it).
TEST(Debug, NeverAwaitedTaskIsReported) {
  testing::internal::CaptureStderr();
  corio::run(
      []() -> corio::Task<> {
        static_cast<void>(answer());
        co_return;
      },
      corio::LoopOptions{.debug = true});
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("never awaited"), std::string::npos) << err;
}

TEST(Debug, NeverAwaitedTaskIsSilentOutsideDebugMode) {
  testing::internal::CaptureStderr();
  corio::run(
      []() -> corio::Task<> {
        static_cast<void>(answer());
        co_return;
      },
      corio::LoopOptions{.debug = false});
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}
