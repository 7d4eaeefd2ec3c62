// tests/unit/barrier_test.cpp — tests for include/corio/sync/barrier.hpp.
// Parity cases name the test_asyncio/test_locks.py BarrierTests case they mirror.
#include <gtest/gtest.h>
#include <corio/corio.hpp>

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr int kN = 5;

// Spawns `factory` n times (asyncio's make_tasks); the closure is copied into each task.
template <class F>
auto spawn_n(int n, F factory) {
  std::vector<decltype(corio::spawn(factory))> tasks;
  for (int i = 0; i < n; ++i) tasks.push_back(corio::spawn(factory));
  return tasks;
}

// Awaits every task in order (asyncio's gather_tasks without the results).
template <class T>
corio::Task<> join_all(std::vector<corio::JoinHandle<T>>& tasks) {
  for (auto& task : tasks) co_await task;
}

std::vector<std::size_t> iota(std::size_t n) {
  std::vector<std::size_t> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = i;
  return out;
}

}  // namespace

// Parity: test_barrier_parties.
TEST(Barrier, PartiesMustBePositive) {
  EXPECT_THROW(corio::Barrier(0), corio::ValueError);
  corio::Barrier barrier(kN);
  EXPECT_EQ(barrier.parties(), static_cast<std::size_t>(kN));
  EXPECT_EQ(barrier.n_waiting(), 0U);
  EXPECT_FALSE(barrier.broken());
  EXPECT_EQ(barrier.state(), corio::BarrierState::filling);
}

// Parity: test_context_manager.
TEST(Barrier, EveryPartyGetsADistinctArrivalIndex) {
  std::vector<std::size_t> indices;
  corio::run([&]() -> corio::Task<> {
    corio::Barrier barrier(3);
    auto tasks = spawn_n(3, [&]() -> corio::Task<> { indices.push_back(co_await barrier.wait()); });
    co_await join_all(tasks);
    EXPECT_EQ(barrier.n_waiting(), 0U);
    EXPECT_FALSE(barrier.broken());
  });
  std::sort(indices.begin(), indices.end());
  EXPECT_EQ(indices, iota(3));
}

TEST(Barrier, IndicesFollowArrivalOrderAndTheLastArrivalDoesNotSuspend) {
  std::vector<std::string> log;
  corio::run([&]() -> corio::Task<> {
    corio::Barrier barrier(3);
    auto first =
        corio::spawn([&]() -> corio::Task<std::size_t> { co_return co_await barrier.wait(); });
    auto second =
        corio::spawn([&]() -> corio::Task<std::size_t> { co_return co_await barrier.wait(); });
    co_await corio::yield_now();
    auto other = corio::spawn([&]() -> corio::Task<> {
      log.push_back("other");
      co_return;
    });
    const std::size_t mine = co_await barrier.wait();
    log.push_back("main");  // before `other` ran: the last arrival returns at once
    EXPECT_EQ(mine, 2U);
    EXPECT_EQ(co_await first, 0U);
    EXPECT_EQ(co_await second, 1U);
    co_await other;
  });
  EXPECT_EQ(log, (std::vector<std::string>{"main", "other"}));
}

// Parity: test_filling_one_task.
TEST(Barrier, OnePartyBarrierReturnsAtOnce) {
  corio::run([]() -> corio::Task<> {
    corio::Barrier barrier(1);
    EXPECT_EQ(co_await barrier.wait(), 0U);
    EXPECT_EQ(barrier.n_waiting(), 0U);
    EXPECT_FALSE(barrier.broken());
  });
}

// Parity: test_filling_one_task_twice.
TEST(Barrier, OnePartyBarrierCanBePassedRepeatedly) {
  corio::run([]() -> corio::Task<> {
    corio::Barrier barrier(1);
    auto wait = [&]() -> corio::Task<std::size_t> { co_return co_await barrier.wait(); };
    auto t1 = corio::spawn(wait);
    co_await corio::yield_now();
    EXPECT_EQ(barrier.n_waiting(), 0U);
    auto t2 = corio::spawn(wait);
    co_await corio::yield_now();
    EXPECT_TRUE(t1.done() && t2.done());
    EXPECT_EQ(t1.result(), t2.result());
    EXPECT_EQ(barrier.n_waiting(), 0U);
    EXPECT_FALSE(barrier.broken());
  });
}

// Parity: test_filling_task_by_task.
TEST(Barrier, NWaitingCountsTasksAsTheyArrive) {
  corio::run([]() -> corio::Task<> {
    corio::Barrier barrier(3);
    auto wait = [&]() -> corio::Task<> { co_await barrier.wait(); };
    auto t1 = corio::spawn(wait);
    co_await corio::yield_now();
    EXPECT_EQ(barrier.n_waiting(), 1U);
    EXPECT_EQ(barrier.state(), corio::BarrierState::filling);
    auto t2 = corio::spawn(wait);
    co_await corio::yield_now();
    EXPECT_EQ(barrier.n_waiting(), 2U);
    auto t3 = corio::spawn(wait);
    co_await t1;
    co_await t2;
    co_await t3;
    EXPECT_EQ(barrier.n_waiting(), 0U);
    EXPECT_EQ(barrier.state(), corio::BarrierState::filling);
    EXPECT_FALSE(barrier.broken());
  });
}

// Parity: test_filling_tasks_wait_twice.
TEST(Barrier, TheBarrierIsReusable) {
  std::vector<bool> results;
  corio::run([&]() -> corio::Task<> {
    corio::Barrier barrier(kN);
    auto tasks = spawn_n(kN, [&]() -> corio::Task<> {
      co_await barrier.wait();
      results.push_back(true);
      co_await barrier.wait();
      results.push_back(false);
    });
    co_await join_all(tasks);
    EXPECT_EQ(barrier.n_waiting(), 0U);
    EXPECT_FALSE(barrier.broken());
  });
  ASSERT_EQ(results.size(), 2U * kN);
  EXPECT_EQ(std::count(results.begin(), results.end(), true), kN);
  // The first cycle is over for everyone before anyone leaves the second.
  EXPECT_TRUE(std::all_of(results.begin(), results.begin() + kN, [](bool b) { return b; }));
}

// Parity: test_filling_tasks_check_return_value.
TEST(Barrier, EachCycleHandsOutEveryIndexOnce) {
  std::vector<std::size_t> indices;
  corio::run([&]() -> corio::Task<> {
    corio::Barrier barrier(kN);
    auto tasks = spawn_n(kN, [&]() -> corio::Task<> {
      co_await barrier.wait();
      indices.push_back(co_await barrier.wait());
    });
    co_await join_all(tasks);
  });
  std::sort(indices.begin(), indices.end());
  EXPECT_EQ(indices, iota(kN));
}

// Parity: test_draining_state.
TEST(Barrier, BarrierDrainsUntilTheLastReleasedTaskHasLeft) {
  std::vector<bool> draining;
  corio::run([&]() -> corio::Task<> {
    corio::Barrier barrier(kN);
    auto tasks = spawn_n(kN, [&]() -> corio::Task<> {
      co_await barrier.wait();
      draining.push_back(barrier.state() == corio::BarrierState::draining);
    });
    co_await join_all(tasks);
    EXPECT_EQ(barrier.n_waiting(), 0U);
    EXPECT_FALSE(barrier.broken());
  });
  ASSERT_EQ(draining.size(), static_cast<std::size_t>(kN));
  EXPECT_FALSE(draining.back());
  EXPECT_TRUE(std::all_of(draining.begin(), draining.end() - 1, [](bool b) { return b; }));
}

// Parity: test_blocking_tasks_while_draining.
TEST(Barrier, TasksArrivingWhileDrainingWaitForTheNextCycle) {
  corio::run([]() -> corio::Task<> {
    constexpr int kRewait = 2;
    corio::Barrier barrier(kN);
    corio::Barrier barrier_nowaiting(kN - kRewait);
    int rewait_n = kRewait;
    auto tasks = spawn_n(kN, [&]() -> corio::Task<> {
      co_await barrier.wait();
      if (rewait_n > 0) {
        --rewait_n;
        co_await barrier.wait();  // blocked while draining, then fills the next cycle
      } else {
        co_await barrier_nowaiting.wait();
        co_await barrier.wait();
      }
    });
    co_await join_all(tasks);  // success: barrier_nowaiting saw exactly N - rewait tasks
    EXPECT_EQ(barrier.n_waiting(), 0U);
  });
}

// Parity: test_filling_tasks_cancel_one.
TEST(Barrier, ACancelledWaiterLeavesTheBarrierUnbroken) {
  int passed = 0;
  corio::run([&]() -> corio::Task<> {
    corio::Barrier barrier(3);
    auto coro = [&]() -> corio::Task<> {
      co_await barrier.wait();
      ++passed;
    };
    auto t1 = corio::spawn(coro);
    co_await corio::yield_now();
    EXPECT_EQ(barrier.n_waiting(), 1U);
    auto t2 = corio::spawn(coro);
    co_await corio::yield_now();
    EXPECT_EQ(barrier.n_waiting(), 2U);

    t1.cancel();
    co_await corio::yield_now();
    EXPECT_EQ(barrier.n_waiting(), 1U);
    EXPECT_THROW(co_await t1, corio::CancelledError);
    EXPECT_TRUE(t1.cancelled());

    auto t3 = corio::spawn(coro);
    co_await corio::yield_now();
    EXPECT_EQ(barrier.n_waiting(), 2U);
    auto t4 = corio::spawn(coro);
    co_await t2;
    co_await t3;
    co_await t4;
    EXPECT_EQ(barrier.n_waiting(), 0U);
    EXPECT_FALSE(barrier.broken());
  });
  EXPECT_EQ(passed, 3);
}

TEST(Barrier, ATaskCancelledWhileWaitingForDrainingToEndJustLeaves) {
  corio::run([]() -> corio::Task<> {
    corio::Barrier barrier(2);
    auto wait = [&]() -> corio::Task<> { co_await barrier.wait(); };
    auto t1 = corio::spawn(wait);
    co_await corio::yield_now();
    co_await barrier.wait();  // trips: t1 released, not resumed yet
    EXPECT_EQ(barrier.state(), corio::BarrierState::draining);
    auto late = corio::spawn(wait);
    co_await corio::yield_now();  // t1 leaves; `late` was blocked, is now woken
    EXPECT_EQ(barrier.state(), corio::BarrierState::filling);
    late.cancel();
    EXPECT_THROW(co_await late, corio::CancelledError);
    co_await t1;
    EXPECT_EQ(barrier.n_waiting(), 0U);
    // The barrier still needs two fresh parties.
    auto t2 = corio::spawn(wait);
    co_await corio::yield_now();
    EXPECT_EQ(barrier.n_waiting(), 1U);
    EXPECT_EQ(co_await barrier.wait(), 1U);
    co_await t2;
  });
}

TEST(Barrier, ATaskCancelledAfterTheReleaseRaisesAndStillLeaves) {
  corio::run([]() -> corio::Task<> {
    corio::Barrier barrier(2);
    auto t1 = corio::spawn([&]() -> corio::Task<> { co_await barrier.wait(); });
    co_await corio::yield_now();
    co_await barrier.wait();  // releases t1
    t1.cancel();              // before it resumed
    EXPECT_THROW(co_await t1, corio::CancelledError);
    EXPECT_EQ(barrier.state(), corio::BarrierState::filling);  // t1 left: drained
    EXPECT_EQ(barrier.n_waiting(), 0U);
  });
}

TEST(Barrier, CancelBeforeStartLeavesNoTrace) {
  corio::run([]() -> corio::Task<> {
    corio::Barrier barrier(2);
    auto t1 = corio::spawn([&]() -> corio::Task<> { co_await barrier.wait(); });
    t1.cancel();
    EXPECT_THROW(co_await t1, corio::CancelledError);
    EXPECT_EQ(barrier.n_waiting(), 0U);
    auto t2 = corio::spawn([&]() -> corio::Task<> { co_await barrier.wait(); });
    co_await corio::yield_now();
    EXPECT_EQ(barrier.n_waiting(), 1U);
    EXPECT_EQ(co_await barrier.wait(), 1U);
    co_await t2;
  });
}

// Parity: test_reset_barrier.
TEST(Barrier, ResetOfAnIdleBarrierKeepsItFilling) {
  corio::Barrier barrier(1);
  barrier.reset();
  EXPECT_EQ(barrier.n_waiting(), 0U);
  EXPECT_FALSE(barrier.broken());
  EXPECT_EQ(barrier.state(), corio::BarrierState::filling);
}

// Parity: test_reset_barrier_while_tasks_waiting.
TEST(Barrier, ResetRaisesBrokenBarrierErrorInWaitingTasks) {
  int broken = 0;
  corio::run([&]() -> corio::Task<> {
    corio::Barrier barrier(kN);
    auto tasks = spawn_n(kN - 1, [&]() -> corio::Task<> {
      try {
        co_await barrier.wait();
      } catch (const corio::BrokenBarrierError& error) {
        EXPECT_EQ(std::string(error.what()), "Abort or reset of barrier");
        ++broken;
      }
    });
    co_await corio::yield_now();
    barrier.reset();
    EXPECT_EQ(barrier.state(), corio::BarrierState::resetting);
    co_await join_all(tasks);
    EXPECT_EQ(barrier.n_waiting(), 0U);
    EXPECT_EQ(barrier.state(), corio::BarrierState::filling);
    EXPECT_FALSE(barrier.broken());
  });
  EXPECT_EQ(broken, kN - 1);
}

// Parity: test_reset_barrier_when_tasks_half_draining. asyncio's trigger reads the private
// _count; the same moment is "N - rest tasks have returned".
TEST(Barrier, ResetWhileDrainingBreaksTheReleasedTasksThatHaveNotResumed) {
  int broken = 0;
  corio::run([&]() -> corio::Task<> {
    constexpr int kRest = kN / 2;
    corio::Barrier barrier(kN);
    int returned = 0;
    auto tasks = spawn_n(kN, [&]() -> corio::Task<> {
      try {
        co_await barrier.wait();
      } catch (const corio::BrokenBarrierError&) {
        ++broken;
        co_return;
      }
      if (++returned == kN - kRest) barrier.reset();
    });
    co_await join_all(tasks);
    EXPECT_EQ(barrier.n_waiting(), 0U);
    EXPECT_EQ(barrier.state(), corio::BarrierState::filling);
    EXPECT_FALSE(barrier.broken());
  });
  EXPECT_EQ(broken, kN / 2);
}

// Parity: test_reset_barrier_when_tasks_half_draining_half_blocking.
TEST(Barrier, ResetWhileHalfDrainingHalfBlockingSparesTheBlockedTasks) {
  int results1 = 0;
  int results2 = 0;
  corio::run([&]() -> corio::Task<> {
    constexpr int kBlocking = kN / 2;
    corio::Barrier barrier(kN);
    int count = 0;
    auto tasks = spawn_n(kN, [&]() -> corio::Task<> {
      bool was_broken = false;
      try {
        co_await barrier.wait();
      } catch (const corio::BrokenBarrierError&) {
        was_broken = true;
      }
      if (was_broken) {
        ++results1;               // still waiting when reset() came
        co_await barrier.wait();  // so wait again to reach the parties
      } else if (++count > kBlocking) {
        barrier.reset();  // waiting tasks raise BrokenBarrierError
        co_await barrier.wait();
      } else {
        try {
          co_await barrier.wait();
        } catch (const corio::BrokenBarrierError&) {
          ++results2;  // never: blocked tasks are not waiting yet
        }
      }
    });
    co_await join_all(tasks);
    EXPECT_EQ(barrier.n_waiting(), 0U);
    EXPECT_EQ(barrier.state(), corio::BarrierState::filling);
    EXPECT_FALSE(barrier.broken());
  });
  EXPECT_EQ(results1, kN / 2);
  EXPECT_EQ(results2, 0);
}

// Parity: test_reset_barrier_while_tasks_waiting_and_waiting_again.
TEST(Barrier, TasksBrokenByResetCanFillTheNextCycle) {
  int results1 = 0;
  int results2 = 0;
  corio::run([&]() -> corio::Task<> {
    corio::Barrier barrier(kN);
    auto tasks = spawn_n(kN - 1, [&]() -> corio::Task<> {
      try {
        co_await barrier.wait();
      } catch (const corio::BrokenBarrierError&) {
        ++results1;
      }
      co_await barrier.wait();
      ++results2;
    });
    co_await corio::yield_now();
    barrier.reset();
    co_await corio::yield_now();
    auto last = corio::spawn([&]() -> corio::Task<> {
      co_await barrier.wait();
      ++results2;
    });
    co_await join_all(tasks);
    co_await last;
    EXPECT_FALSE(barrier.broken());
    EXPECT_EQ(barrier.n_waiting(), 0U);
  });
  EXPECT_EQ(results1, kN - 1);
  EXPECT_EQ(results2, kN);
}

// Parity: test_reset_barrier_while_tasks_draining.
TEST(Barrier, ResetByTheLastTaskToLeaveDoesNotBreakTheNextCycle) {
  int results1 = 0;
  int results2 = 0;
  int results3 = 0;
  corio::run([&]() -> corio::Task<> {
    corio::Barrier barrier(kN);
    int count = 0;
    auto tasks = spawn_n(kN, [&]() -> corio::Task<> {
      co_await barrier.wait();
      if (++count == kN) {
        barrier.reset();  // the last task out: nobody is inside any more
        co_await barrier.wait();
      } else {
        try {
          co_await barrier.wait();
          ++results1;
        } catch (const std::exception&) {
          ++results2;
        }
      }
      co_await barrier.wait();
      ++results3;
    });
    co_await join_all(tasks);
    EXPECT_FALSE(barrier.broken());
    EXPECT_EQ(barrier.n_waiting(), 0U);
  });
  EXPECT_EQ(results1, kN - 1);
  EXPECT_EQ(results2, 0);
  EXPECT_EQ(results3, kN);
}

// Parity: test_abort_barrier.
TEST(Barrier, AbortBreaksTheBarrier) {
  corio::run([]() -> corio::Task<> {
    corio::Barrier barrier(1);
    barrier.abort();
    EXPECT_EQ(barrier.n_waiting(), 0U);
    EXPECT_TRUE(barrier.broken());
    try {
      co_await barrier.wait();
      ADD_FAILURE() << "wait() on a broken barrier did not throw";
    } catch (const corio::BrokenBarrierError& error) {
      EXPECT_EQ(std::string(error.what()), "Barrier aborted");
    }
    barrier.reset();
    EXPECT_FALSE(barrier.broken());
    EXPECT_EQ(co_await barrier.wait(), 0U);
  });
}

TEST(Barrier, BrokenBarrierErrorIsARuntimeError) {
  corio::Barrier barrier(1);
  barrier.abort();
  EXPECT_THROW(corio::run([&]() -> corio::Task<> { co_await barrier.wait(); }),
               corio::RuntimeError);
}

// Parity: test_abort_barrier_when_tasks_half_draining_half_blocking.
TEST(Barrier, AbortWhileHalfDrainingHalfBlockingBreaksEveryone) {
  int results1 = 0;
  int results2 = 0;
  corio::run([&]() -> corio::Task<> {
    constexpr int kBlocking = kN / 2;
    corio::Barrier barrier(kN);
    int count = 0;
    auto tasks = spawn_n(kN, [&]() -> corio::Task<> {
      try {
        co_await barrier.wait();
      } catch (const corio::BrokenBarrierError&) {
        ++results1;  // released but not resumed when abort() came
        co_return;
      }
      if (++count > kBlocking) {
        barrier.abort();
      } else {
        try {
          co_await barrier.wait();
        } catch (const corio::BrokenBarrierError&) {
          ++results2;  // blocked by draining, then broken
        }
      }
    });
    co_await join_all(tasks);
    EXPECT_TRUE(barrier.broken());
    EXPECT_EQ(barrier.n_waiting(), 0U);
  });
  EXPECT_EQ(results1, kN / 2);
  EXPECT_EQ(results2, kN - kN / 2 - 1);
}

// Parity: test_abort_barrier_when_exception (threading's lock_tests.test_reset).
TEST(Barrier, AbortAfterAFailureBreaksTheOtherParties) {
  int results1 = 0;
  int results2 = 0;
  corio::run([&]() -> corio::Task<> {
    corio::Barrier barrier(kN);
    auto tasks = spawn_n(kN, [&]() -> corio::Task<> {
      bool failed = false;
      try {
        const std::size_t i = co_await barrier.wait();
        if (i == kN / 2) throw std::runtime_error("fail");
        co_await barrier.wait();
        ++results1;
      } catch (const corio::BrokenBarrierError&) {
        ++results2;
      } catch (const std::runtime_error&) {
        failed = true;
      }
      if (failed) barrier.abort();
    });
    co_await join_all(tasks);
    EXPECT_TRUE(barrier.broken());
    EXPECT_EQ(barrier.n_waiting(), 0U);
  });
  EXPECT_EQ(results1, 0);
  EXPECT_EQ(results2, kN - 1);
}

// Parity: test_abort_barrier_when_exception_then_resetting (lock_tests.test_abort_and_reset).
TEST(Barrier, AnAbortedBarrierCanBeResetAndReused) {
  int results1 = 0;
  int results2 = 0;
  int results3 = 0;
  corio::run([&]() -> corio::Task<> {
    corio::Barrier barrier1(kN);
    corio::Barrier barrier2(kN);
    auto tasks = spawn_n(kN, [&]() -> corio::Task<> {
      bool failed = false;
      try {
        const std::size_t i = co_await barrier1.wait();
        if (i == kN / 2) throw std::runtime_error("fail");
        co_await barrier1.wait();
        ++results1;
      } catch (const corio::BrokenBarrierError&) {
        ++results2;
      } catch (const std::runtime_error&) {
        failed = true;
      }
      if (failed) barrier1.abort();
      // Synchronize, reset, synchronize again so that nobody enters before the reset.
      if (co_await barrier2.wait() == kN / 2) barrier1.reset();
      co_await barrier2.wait();
      co_await barrier1.wait();
      ++results3;
    });
    co_await join_all(tasks);
    EXPECT_FALSE(barrier1.broken());
    EXPECT_EQ(barrier1.n_waiting(), 0U);
  });
  EXPECT_EQ(results1, 0);
  EXPECT_EQ(results2, kN - 1);
  EXPECT_EQ(results3, kN);
}
