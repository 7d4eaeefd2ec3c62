// tests/unit/semaphore_test.cpp — tests for include/corio/sync/semaphore.hpp.
// Parity cases name the test_asyncio/test_locks.py case they mirror.
#include <gtest/gtest.h>
#include <corio/corio.hpp>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace {

corio::Task<> acquire_and_record(corio::Semaphore& sem, std::vector<int>& order, int id) {
  co_await sem.acquire();
  order.push_back(id);
}

}  // namespace

// Parity: SemaphoreTests.test_initial_value_zero.
TEST(Semaphore, InitialValueZeroIsLocked) {
  corio::Semaphore sem(0);
  EXPECT_TRUE(sem.locked());
  EXPECT_EQ(sem.value(), 0U);
}

// Parity: SemaphoreTests.test_semaphore.
TEST(Semaphore, DefaultValueIsOne) {
  corio::Semaphore sem;
  EXPECT_FALSE(sem.locked());
  EXPECT_EQ(sem.value(), 1U);
}

// Parity: SemaphoreTests.test_semaphore_value.
TEST(Semaphore, NegativeInitialValueThrowsValueError) {
  EXPECT_THROW(corio::Semaphore(-1), corio::ValueError);
  EXPECT_THROW(corio::BoundedSemaphore(-1), corio::ValueError);
}

// Parity: SemaphoreTests.test_acquire.
TEST(Semaphore, AcquireTakesPermitsAndWaitersQueue) {
  std::vector<int> order;
  corio::run([&]() -> corio::Task<> {
    corio::Semaphore sem(3);
    co_await sem.acquire();
    co_await sem.acquire();
    EXPECT_FALSE(sem.locked());

    auto t1 = corio::spawn(acquire_and_record(sem, order, 1));
    auto t2 = corio::spawn(acquire_and_record(sem, order, 2));
    auto t3 = corio::spawn(acquire_and_record(sem, order, 3));
    co_await corio::yield_now();
    EXPECT_EQ(order, (std::vector{1}));
    EXPECT_TRUE(sem.locked());
    EXPECT_EQ(sem.value(), 0U);

    auto t4 = corio::spawn(acquire_and_record(sem, order, 4));
    sem.release();
    sem.release();
    EXPECT_EQ(sem.value(), 0U);  // both permits handed to waiters
    co_await corio::yield_now();
    EXPECT_EQ(sem.value(), 0U);
    EXPECT_EQ(order, (std::vector{1, 2, 3}));  // FIFO: t4 queued behind t2 and t3
    EXPECT_TRUE(sem.locked());
    EXPECT_FALSE(t4.done());

    sem.release();
    co_await t4;
    EXPECT_EQ(order, (std::vector{1, 2, 3, 4}));
  });
}

// Parity: SemaphoreTests.test_acquire_cancel.
TEST(Semaphore, CancelledWaiterRaisesAndLeavesTheQueue) {
  corio::run([]() -> corio::Task<> {
    corio::Semaphore sem;
    co_await sem.acquire();
    auto waiter = corio::spawn([&]() -> corio::Task<> { co_await sem.acquire(); });
    corio::Loop::current().call_soon([waiter]() mutable { waiter.cancel(); });
    EXPECT_THROW(co_await waiter, corio::CancelledError);
    sem.release();
    EXPECT_EQ(sem.value(), 1U);  // the permit was not handed to the cancelled waiter
  });
}

// Parity: SemaphoreTests.test_acquire_cancel_before_awoken.
TEST(Semaphore, WaitersCancelledBeforeTheReleaseAreSkipped) {
  corio::run([]() -> corio::Task<> {
    corio::Semaphore sem(0);
    auto acquire = [&]() -> corio::Task<> { co_await sem.acquire(); };
    auto t1 = corio::spawn(acquire);
    auto t2 = corio::spawn(acquire);
    auto t3 = corio::spawn(acquire);
    auto t4 = corio::spawn(acquire);
    co_await corio::yield_now();

    t1.cancel();
    t2.cancel();
    sem.release();
    co_await corio::yield_now();
    co_await corio::yield_now();
    EXPECT_TRUE(t3.done());
    EXPECT_FALSE(t4.done());

    t4.cancel();
    co_await corio::yield_now();
    EXPECT_TRUE(t1.cancelled() && t2.cancelled() && t4.cancelled());
    EXPECT_EQ(sem.value(), 0U);  // t3 holds the only permit
  });
}

// Parity: SemaphoreTests.test_acquire_hang.
TEST(Semaphore, ReleaseAfterCancellingTheFirstWaiterWakesTheSecond) {
  corio::run([]() -> corio::Task<> {
    corio::Semaphore sem(0);
    auto acquire = [&]() -> corio::Task<> { co_await sem.acquire(); };
    auto t1 = corio::spawn(acquire);
    auto t2 = corio::spawn(acquire);
    co_await corio::yield_now();
    t1.cancel();
    sem.release();
    co_await corio::yield_now();
    co_await corio::yield_now();
    EXPECT_TRUE(sem.locked());
    EXPECT_TRUE(t2.done());
  });
}

// Parity: SemaphoreTests.test_acquire_no_hang.
TEST(Semaphore, CancellingAWaiterFromTheHolderDoesNotHangTheSemaphore) {
  corio::run([]() -> corio::Task<> {
    corio::Semaphore sem(1);
    corio::JoinHandle<> t2;
    bool t2_entered = false;
    auto t1 = corio::spawn([&]() -> corio::Task<> {
      {
        auto permit = co_await sem.hold();
        co_await corio::yield_now();
      }
      t2.cancel();  // t2 was handed the permit, has not resumed yet
    });
    t2 = corio::spawn([&]() -> corio::Task<> {
      auto permit = co_await sem.hold();
      t2_entered = true;
    });
    co_await t1;
    EXPECT_THROW(co_await t2, corio::CancelledError);
    EXPECT_FALSE(t2_entered);
    EXPECT_FALSE(sem.locked());
    co_await sem.acquire();  // the permit came back
  });
}

// Parity: SemaphoreTests.test_release_not_acquired.
TEST(Semaphore, OverReleasingABoundedSemaphoreThrowsValueError) {
  corio::BoundedSemaphore sem;
  try {
    sem.release();
    ADD_FAILURE() << "over-release did not throw";
  } catch (const corio::ValueError& error) {
    EXPECT_EQ(std::string(error.what()), "BoundedSemaphore released too many times");
  }
  EXPECT_EQ(sem.value(), 1U);
}

TEST(Semaphore, BoundedSemaphoreReleasesUpToItsInitialValue) {
  corio::run([]() -> corio::Task<> {
    corio::BoundedSemaphore sem(2);
    co_await sem.acquire();
    co_await sem.acquire();
    EXPECT_TRUE(sem.locked());
    sem.release();
    sem.release();
    EXPECT_EQ(sem.value(), 2U);
    EXPECT_THROW(sem.release(), corio::ValueError);
    EXPECT_EQ(sem.value(), 2U);
  });
}

TEST(Semaphore, BoundedSemaphoreReleaseWithWaitersHandsThePermitOver) {
  std::vector<int> order;
  corio::run([&]() -> corio::Task<> {
    corio::BoundedSemaphore sem(1);
    co_await sem.acquire();
    auto waiter = corio::spawn(acquire_and_record(sem, order, 1));
    co_await corio::yield_now();
    sem.release();
    co_await waiter;
    sem.release();
    EXPECT_THROW(sem.release(), corio::ValueError);
  });
  EXPECT_EQ(order, (std::vector{1}));
}

// A permit handed to a waiter that has not resumed yet is held: releasing it again would let
// more tasks in than the bound.
TEST(Semaphore, BoundedSemaphoreCountsAPermitHandedToAWaiterAsHeld) {
  std::vector<int> order;
  corio::run([&]() -> corio::Task<> {
    corio::BoundedSemaphore sem(1);
    co_await sem.acquire();
    auto waiter = corio::spawn(acquire_and_record(sem, order, 1));
    co_await corio::yield_now();
    sem.release();  // handed to the waiter
    EXPECT_THROW(sem.release(), corio::ValueError);
    co_await waiter;
    EXPECT_TRUE(sem.locked());
    EXPECT_EQ(sem.value(), 0U);
    sem.release();
  });
  EXPECT_EQ(order, (std::vector{1}));
}

TEST(Semaphore, UnboundedSemaphoreMayBeReleasedAboveItsInitialValue) {
  corio::Semaphore sem(1);
  sem.release();
  sem.release();
  EXPECT_EQ(sem.value(), 3U);
}

// Parity: SemaphoreTests.test_release_no_waiters.
TEST(Semaphore, ReleaseWithoutWaitersUnlocks) {
  corio::run([]() -> corio::Task<> {
    corio::Semaphore sem;
    co_await sem.acquire();
    EXPECT_TRUE(sem.locked());
    sem.release();
    EXPECT_FALSE(sem.locked());
  });
}

// Parity: SemaphoreTests.test_acquire_fifo_order (sleeps replaced by loop turns).
TEST(Semaphore, TasksTakingTurnsKeepFifoOrder) {
  std::vector<std::string> result;
  corio::run([&]() -> corio::Task<> {
    corio::Semaphore sem(1);
    auto coro = [&](std::string tag) -> corio::Task<> {
      co_await sem.acquire();
      result.push_back(tag + "_1");
      co_await corio::yield_now();
      sem.release();
      co_await sem.acquire();
      result.push_back(tag + "_2");
      co_await corio::yield_now();
      sem.release();
    };
    auto c1 = corio::spawn(coro("c1"));
    auto c2 = corio::spawn(coro("c2"));
    auto c3 = corio::spawn(coro("c3"));
    co_await c1;
    co_await c2;
    co_await c3;
  });
  EXPECT_EQ(result, (std::vector<std::string>{"c1_1", "c2_1", "c3_1", "c1_2", "c2_2", "c3_2"}));
}

// Parity: SemaphoreTests.test_acquire_fifo_order_2.
TEST(Semaphore, AReleasingTaskQueuesBehindEarlierWaiters) {
  std::vector<int> result;
  corio::run([&]() -> corio::Task<> {
    corio::Semaphore sem(1);
    auto t1 = corio::spawn([&]() -> corio::Task<> {
      co_await sem.acquire();
      result.push_back(1);
    });
    auto t2 = corio::spawn([&]() -> corio::Task<> {
      co_await sem.acquire();
      result.push_back(2);
      sem.release();
      co_await sem.acquire();
      result.push_back(4);
    });
    auto t3 = corio::spawn([&]() -> corio::Task<> {
      co_await sem.acquire();
      result.push_back(3);
    });
    co_await corio::yield_now();
    sem.release();
    sem.release();
    co_await t1;
    co_await t2;
    co_await t3;
  });
  EXPECT_EQ(result, (std::vector{1, 2, 3, 4}));
}

// Parity: SemaphoreTests.test_acquire_fifo_order_3.
TEST(Semaphore, ACancelledWaiterDoesNotTakeAPermit) {
  std::vector<int> result;
  corio::run([&]() -> corio::Task<> {
    corio::Semaphore sem(0);
    auto t1 = corio::spawn(acquire_and_record(sem, result, 1));
    auto t2 = corio::spawn(acquire_and_record(sem, result, 2));
    auto t3 = corio::spawn(acquire_and_record(sem, result, 3));
    co_await corio::yield_now();
    t1.cancel();
    co_await corio::yield_now();
    sem.release();
    sem.release();
    EXPECT_THROW(co_await t1, corio::CancelledError);
    co_await t2;
    co_await t3;
  });
  EXPECT_EQ(result, (std::vector{2, 3}));
}

TEST(Semaphore, WaiterCancelledAfterTheHandOffPassesThePermitOn) {
  std::vector<int> result;
  corio::run([&]() -> corio::Task<> {
    corio::Semaphore sem(0);
    auto t1 = corio::spawn(acquire_and_record(sem, result, 1));
    auto t2 = corio::spawn(acquire_and_record(sem, result, 2));
    co_await corio::yield_now();
    sem.release();  // handed to t1
    t1.cancel();    // before t1 resumed
    EXPECT_THROW(co_await t1, corio::CancelledError);
    co_await t2;
    EXPECT_EQ(sem.value(), 0U);
  });
  EXPECT_EQ(result, (std::vector{2}));
}

TEST(Semaphore, WaiterCancelledAfterTheHandOffWithNobodyBehindReturnsThePermit) {
  corio::run([]() -> corio::Task<> {
    corio::Semaphore sem(0);
    auto t1 = corio::spawn([&]() -> corio::Task<> { co_await sem.acquire(); });
    co_await corio::yield_now();
    sem.release();
    EXPECT_EQ(sem.value(), 0U);
    t1.cancel();
    EXPECT_THROW(co_await t1, corio::CancelledError);
    EXPECT_EQ(sem.value(), 1U);
  });
}

TEST(Semaphore, CancelBeforeStartTakesNoPermit) {
  corio::run([]() -> corio::Task<> {
    corio::Semaphore sem(0);
    auto t1 = corio::spawn([&]() -> corio::Task<> { co_await sem.acquire(); });
    t1.cancel();
    EXPECT_THROW(co_await t1, corio::CancelledError);
    sem.release();
    EXPECT_EQ(sem.value(), 1U);
  });
}

TEST(Semaphore, HoldGuardReleasesItsPermit) {
  corio::run([]() -> corio::Task<> {
    corio::Semaphore sem(2);
    {
      auto a = co_await sem.hold();
      auto b = co_await sem.hold();
      EXPECT_TRUE(a.owns_permit() && b.owns_permit());
      EXPECT_TRUE(sem.locked());
      corio::SemaphoreGuard c = std::move(a);
      EXPECT_FALSE(a.owns_permit());  // NOLINT(bugprone-use-after-move): the moved-from state
      c.release();
      EXPECT_EQ(sem.value(), 1U);
    }
    EXPECT_EQ(sem.value(), 2U);
  });
}

TEST(Semaphore, AtMostValueTasksHoldAPermitAtOnce) {
  int inside = 0;
  int most_inside = 0;
  corio::run([&]() -> corio::Task<> {
    corio::Semaphore sem(3);
    std::vector<corio::JoinHandle<>> tasks;
    for (int i = 0; i < 12; ++i) {
      tasks.push_back(corio::spawn([&]() -> corio::Task<> {
        auto permit = co_await sem.hold();
        most_inside = std::max(most_inside, ++inside);
        co_await corio::yield_now();
        co_await corio::yield_now();
        --inside;
      }));
    }
    for (auto& t : tasks) co_await t;
    EXPECT_EQ(sem.value(), 3U);
  });
  EXPECT_EQ(most_inside, 3);
}
