// tests/unit/lock_test.cpp — tests for include/corio/sync/lock.hpp.
// Parity cases name the test_asyncio/test_locks.py case they mirror.
#include <gtest/gtest.h>
#include <corio/corio.hpp>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

// Acquires, records `id`, and keeps the lock (the test releases it).
corio::Task<> acquire_and_record(corio::Lock& lock, std::vector<int>& order, int id) {
  co_await lock.acquire();
  order.push_back(id);
}

// Acquires, records `id`, yields `hold_turns` times while holding it, releases.
corio::Task<> critical_section(corio::Lock& lock, std::vector<int>& order, int id, int hold_turns) {
  auto guard = co_await lock.lock();
  order.push_back(id);
  for (int i = 0; i < hold_turns; ++i) co_await corio::yield_now();
}

}  // namespace

// Parity: LockTests.test_release_no_waiters.
TEST(Lock, AcquireLocksAndReleaseUnlocks) {
  corio::run([]() -> corio::Task<> {
    corio::Lock lock;
    EXPECT_FALSE(lock.locked());
    co_await lock.acquire();
    EXPECT_TRUE(lock.locked());
    lock.release();
    EXPECT_FALSE(lock.locked());
  });
}

// Parity: LockTests.test_release_not_acquired.
TEST(Lock, ReleasingAnUnheldLockThrowsRuntimeError) {
  corio::Lock lock;
  try {
    lock.release();
    ADD_FAILURE() << "release() of an unheld Lock did not throw";
  } catch (const corio::RuntimeError& error) {
    EXPECT_EQ(std::string(error.what()), "Lock is not acquired");
  }
  EXPECT_FALSE(lock.locked());
}

TEST(Lock, ReleasingTwiceThrowsTheSecondTime) {
  corio::run([]() -> corio::Task<> {
    corio::Lock lock;
    co_await lock.acquire();
    lock.release();
    EXPECT_THROW(lock.release(), corio::RuntimeError);
    EXPECT_FALSE(lock.locked());
  });
}

// asyncio's release() raises here: the lock is not held again until the woken waiter runs.
// Allowing it would leave the lock free while that waiter holds it.
TEST(Lock, ReleasingAgainBeforeTheWokenWaiterRunsThrows) {
  corio::run([]() -> corio::Task<> {
    corio::Lock lock;
    co_await lock.acquire();
    auto waiter = corio::spawn([&]() -> corio::Task<> { co_await lock.acquire(); });
    co_await corio::yield_now();
    lock.release();  // handed to the waiter, which has not resumed yet
    EXPECT_THROW(lock.release(), corio::RuntimeError);
    co_await waiter;
    EXPECT_TRUE(lock.locked());  // the waiter holds it: nobody else may take it
    lock.release();
    EXPECT_FALSE(lock.locked());
  });
}

TEST(Lock, AcquiringAFreeLockDoesNotSuspend) {
  std::vector<int> order;
  corio::run([&]() -> corio::Task<> {
    corio::Lock lock;
    auto other = corio::spawn([&]() -> corio::Task<> {
      order.push_back(2);
      co_return;
    });
    co_await lock.acquire();
    order.push_back(1);
    lock.release();
    co_await other;
  });
  EXPECT_EQ(order, (std::vector{1, 2}));
}

// Parity: LockTests.test_acquire.
TEST(Lock, WaitersAcquireInFifoOrder) {
  std::vector<int> order;
  corio::run([&]() -> corio::Task<> {
    corio::Lock lock;
    co_await lock.acquire();
    auto t1 = corio::spawn(acquire_and_record(lock, order, 1));
    auto t2 = corio::spawn(acquire_and_record(lock, order, 2));
    co_await corio::yield_now();
    EXPECT_TRUE(order.empty());

    lock.release();
    co_await corio::yield_now();
    EXPECT_EQ(order, (std::vector{1}));
    co_await corio::yield_now();
    EXPECT_EQ(order, (std::vector{1}));

    auto t3 = corio::spawn(acquire_and_record(lock, order, 3));
    lock.release();
    co_await corio::yield_now();
    EXPECT_EQ(order, (std::vector{1, 2}));

    lock.release();
    co_await corio::yield_now();
    EXPECT_EQ(order, (std::vector{1, 2, 3}));
    EXPECT_TRUE(t1.done() && t2.done() && t3.done());
    lock.release();
  });
}

TEST(Lock, ReleaseHandsTheLockToTheLongestWaiterAheadOfNewcomers) {
  std::vector<int> order;
  corio::run([&]() -> corio::Task<> {
    corio::Lock lock;
    co_await lock.acquire();
    auto waiter = corio::spawn(critical_section(lock, order, 1, 0));
    co_await corio::yield_now();
    lock.release();
    EXPECT_TRUE(lock.locked());  // handed over, not free
    // A newcomer that asks before the waiter has resumed queues behind it.
    auto newcomer = corio::spawn(critical_section(lock, order, 2, 0));
    co_await waiter;
    co_await newcomer;
    EXPECT_FALSE(lock.locked());
  });
  EXPECT_EQ(order, (std::vector{1, 2}));
}

TEST(Lock, OnlyOneTaskIsInsideAtATime) {
  int inside = 0;
  int most_inside = 0;
  int entries = 0;
  corio::run([&]() -> corio::Task<> {
    corio::Lock lock;
    std::vector<corio::JoinHandle<>> tasks;
    for (int i = 0; i < 20; ++i) {
      tasks.push_back(corio::spawn([&]() -> corio::Task<> {
        for (int round = 0; round < 5; ++round) {
          auto guard = co_await lock.lock();
          ++inside;
          ++entries;
          most_inside = std::max(most_inside, inside);
          co_await corio::yield_now();
          --inside;
        }
      }));
    }
    for (auto& t : tasks) co_await t;
  });
  EXPECT_EQ(most_inside, 1);
  EXPECT_EQ(entries, 100);
}

// Parity: LockTests.test_acquire_cancel.
TEST(Lock, CancelledWaiterRaisesAndLeavesTheQueue) {
  std::vector<int> order;
  corio::run([&]() -> corio::Task<> {
    corio::Lock lock;
    co_await lock.acquire();
    auto waiter = corio::spawn(acquire_and_record(lock, order, 1));
    corio::Loop::current().call_soon([waiter]() mutable { waiter.cancel(); });
    EXPECT_THROW(co_await waiter, corio::CancelledError);
    // No trace: releasing frees the lock instead of handing it to the cancelled waiter.
    lock.release();
    EXPECT_FALSE(lock.locked());
  });
  EXPECT_TRUE(order.empty());
}

// Parity: LockTests.test_cancel_race.
TEST(Lock, ReleaseSkipsAWaiterCancelledInTheSameTurn) {
  std::vector<int> order;
  corio::run([&]() -> corio::Task<> {
    corio::Lock lock;
    corio::Event release_a;
    auto ta = corio::spawn([&]() -> corio::Task<> {
      auto guard = co_await lock.lock();
      order.push_back(1);
      co_await release_a.wait();
    });
    co_await corio::yield_now();
    EXPECT_TRUE(lock.locked());
    auto tb = corio::spawn(critical_section(lock, order, 2, 0));
    auto tc = corio::spawn(critical_section(lock, order, 3, 0));
    co_await corio::yield_now();

    release_a.set();
    tb.cancel();
    co_await corio::yield_now();
    EXPECT_TRUE(ta.done());
    EXPECT_TRUE(tb.cancelled());
    co_await tc;
    EXPECT_FALSE(lock.locked());
  });
  EXPECT_EQ(order, (std::vector{1, 3}));
}

// Parity: LockTests.test_cancel_release_race (bpo-32734).
TEST(Lock, CancelAndReleaseInOneCallbackLetOnlyOneWaiterIn) {
  int lock_count = 0;
  int call_count = 0;
  corio::run([&]() -> corio::Task<> {
    corio::Lock lock;
    auto lockit = [&]() -> corio::Task<> {
      ++call_count;
      co_await lock.acquire();
      ++lock_count;
    };
    co_await lock.acquire();
    auto t1 = corio::spawn(lockit);
    auto t2 = corio::spawn(lockit);
    auto t3 = corio::spawn(lockit);
    co_await corio::yield_now();

    corio::Loop::current().call_soon([&] {
      t1.cancel();
      lock.release();
    });
    EXPECT_THROW(co_await t1, corio::CancelledError);
    co_await corio::yield_now();
    EXPECT_EQ(lock_count, 1);
    EXPECT_EQ(call_count, 3);
    EXPECT_TRUE(t1.cancelled() && t2.done());

    t3.cancel();
    co_await corio::yield_now();
    EXPECT_TRUE(t3.cancelled());
    lock.release();  // held by t2, which finished without releasing
  });
}

// Parity: LockTests.test_finished_waiter_cancelled (cancel, then release).
TEST(Lock, CancelThenReleaseHandsTheLockToTheNextWaiter) {
  corio::run([]() -> corio::Task<> {
    corio::Lock lock;
    co_await lock.acquire();
    auto tb = corio::spawn([&]() -> corio::Task<> { co_await lock.acquire(); });
    co_await corio::yield_now();
    auto tc = corio::spawn([&]() -> corio::Task<> { co_await lock.acquire(); });
    co_await corio::yield_now();
    tb.cancel();
    lock.release();
    co_await corio::yield_now();
    EXPECT_TRUE(lock.locked());
    EXPECT_TRUE(tb.cancelled());
    co_await tc;
    EXPECT_TRUE(lock.locked());  // tc holds it
    lock.release();
  });
}

// The other order: the waiter was already handed the lock when the cancel arrives. It must
// pass the lock on, not keep it or lose it.
TEST(Lock, WaiterCancelledAfterTheHandOffPassesTheLockOn) {
  std::vector<int> order;
  corio::run([&]() -> corio::Task<> {
    corio::Lock lock;
    co_await lock.acquire();
    auto tb = corio::spawn(critical_section(lock, order, 2, 0));
    auto tc = corio::spawn(critical_section(lock, order, 3, 0));
    co_await corio::yield_now();
    lock.release();  // handed to tb, which has not resumed yet
    tb.cancel();
    EXPECT_THROW(co_await tb, corio::CancelledError);
    co_await tc;
    EXPECT_FALSE(lock.locked());
  });
  EXPECT_EQ(order, (std::vector{3}));
}

TEST(Lock, WaiterCancelledAfterTheHandOffWithNobodyBehindFreesTheLock) {
  corio::run([]() -> corio::Task<> {
    corio::Lock lock;
    co_await lock.acquire();
    auto tb = corio::spawn([&]() -> corio::Task<> { co_await lock.acquire(); });
    co_await corio::yield_now();
    lock.release();
    EXPECT_TRUE(lock.locked());
    tb.cancel();
    EXPECT_THROW(co_await tb, corio::CancelledError);
    EXPECT_FALSE(lock.locked());
  });
}

TEST(Lock, CancelBeforeStartLeavesTheLockUntouched) {
  std::vector<int> order;
  corio::run([&]() -> corio::Task<> {
    corio::Lock lock;
    co_await lock.acquire();
    auto waiter = corio::spawn(acquire_and_record(lock, order, 1));
    waiter.cancel();
    EXPECT_THROW(co_await waiter, corio::CancelledError);
    lock.release();
    EXPECT_FALSE(lock.locked());
  });
  EXPECT_TRUE(order.empty());
}

// Parity: LockTests.test_context_manager (`async with lock`).
TEST(Lock, GuardHoldsTheLockForItsScope) {
  corio::run([]() -> corio::Task<> {
    corio::Lock lock;
    {
      auto guard = co_await lock.lock();
      EXPECT_TRUE(guard.owns_lock());
      EXPECT_TRUE(lock.locked());
    }
    EXPECT_FALSE(lock.locked());
  });
}

TEST(Lock, GuardReleasesWhenAnExceptionLeavesTheScope) {
  corio::run([]() -> corio::Task<> {
    corio::Lock lock;
    auto failing = [&]() -> corio::Task<> {
      auto guard = co_await lock.lock();
      throw std::runtime_error("boom");
    };
    EXPECT_THROW(co_await failing(), std::runtime_error);
    EXPECT_FALSE(lock.locked());
  });
}

TEST(Lock, GuardCanUnlockEarlyAndBeMoved) {
  corio::run([]() -> corio::Task<> {
    corio::Lock lock;
    auto guard = co_await lock.lock();
    corio::LockGuard moved = std::move(guard);
    EXPECT_FALSE(guard.owns_lock());  // NOLINT(bugprone-use-after-move): the moved-from state
    EXPECT_TRUE(moved.owns_lock());
    EXPECT_TRUE(lock.locked());
    moved.unlock();
    EXPECT_FALSE(moved.owns_lock());
    EXPECT_FALSE(lock.locked());
    moved.unlock();  // idempotent
    EXPECT_FALSE(lock.locked());
  });
}

TEST(Lock, GuardReleaseHandsTheLockToTheNextWaiter) {
  std::vector<int> order;
  corio::run([&]() -> corio::Task<> {
    corio::Lock lock;
    auto t1 = corio::spawn(critical_section(lock, order, 1, 3));
    auto t2 = corio::spawn(critical_section(lock, order, 2, 0));
    auto t3 = corio::spawn(critical_section(lock, order, 3, 0));
    co_await t1;
    co_await t2;
    co_await t3;
    EXPECT_FALSE(lock.locked());
  });
  EXPECT_EQ(order, (std::vector{1, 2, 3}));
}

TEST(Lock, CancelledGuardedWaiterHoldsNothing) {
  corio::run([]() -> corio::Task<> {
    corio::Lock lock;
    co_await lock.acquire();
    bool entered = false;
    auto waiter = corio::spawn([&]() -> corio::Task<> {
      auto guard = co_await lock.lock();
      entered = true;
    });
    co_await corio::yield_now();
    waiter.cancel();
    EXPECT_THROW(co_await waiter, corio::CancelledError);
    EXPECT_FALSE(entered);
    lock.release();
    EXPECT_FALSE(lock.locked());
  });
}

// A lock acquisition abandoned by a timeout holds nothing and gives up its queue place: the
// next waiter gets the lock on release.
TEST(Lock, AcquireAbandonedByATimeoutRaisesTimeoutErrorAndPassesItsTurnOn) {
  using namespace std::chrono_literals;
  corio::run(
      []() -> corio::Task<> {
        corio::Lock lock;
        std::vector<int> order;
        co_await lock.acquire();
        auto impatient = corio::spawn([&]() -> corio::Task<> {
          try {
            co_await corio::timeout(1s, [&]() -> corio::Task<> { co_await lock.acquire(); });
            order.push_back(1);
          } catch (const corio::TimeoutError&) {
            order.push_back(-1);
          }
        });
        auto patient = corio::spawn(acquire_and_record(lock, order, 2));
        co_await corio::sleep(2s);
        EXPECT_EQ(order, (std::vector{-1}));
        lock.release();
        co_await patient;
        co_await impatient;
        EXPECT_EQ(order, (std::vector{-1, 2}));
        EXPECT_TRUE(lock.locked());
        lock.release();
      },
      {.virtual_time = true});
}
