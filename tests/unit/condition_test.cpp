// tests/unit/condition_test.cpp — tests for include/corio/sync/condition.hpp.
// Parity cases name the test_asyncio/test_locks.py case they mirror.
#include <gtest/gtest.h>
#include <corio/corio.hpp>

#include <chrono>
#include <deque>
#include <string>
#include <vector>

namespace {

// asyncio's c1/c2/c3 of ConditionTests: acquire, wait, record, keep the lock.
corio::Task<> wait_and_record(corio::Condition& cond, std::vector<int>& result, int id) {
  co_await cond.acquire();
  co_await cond.wait();
  result.push_back(id);
}

// Same, but releases the lock when done, also when cancelled (`async with cond`).
corio::Task<> wait_record_release(corio::Condition& cond, std::vector<int>& result, int id) {
  auto guard = co_await cond.lock();
  co_await cond.wait();
  result.push_back(id);
}

}  // namespace

// Parity: ConditionTests.test_wait.
TEST(Condition, NotifiedWaitersResumeHoldingTheLockOneAtATime) {
  std::vector<int> result;
  corio::run([&]() -> corio::Task<> {
    corio::Condition cond;
    auto t1 = corio::spawn(wait_and_record(cond, result, 1));
    auto t2 = corio::spawn(wait_and_record(cond, result, 2));
    auto t3 = corio::spawn(wait_and_record(cond, result, 3));
    co_await corio::yield_now();
    EXPECT_TRUE(result.empty());
    EXPECT_FALSE(cond.locked());

    co_await cond.acquire();
    cond.notify();
    co_await corio::yield_now();
    EXPECT_TRUE(result.empty());  // notified, but the lock is ours
    EXPECT_TRUE(cond.locked());

    cond.release();
    co_await corio::yield_now();
    EXPECT_EQ(result, (std::vector{1}));
    EXPECT_TRUE(cond.locked());  // t1 kept it

    cond.notify(2);
    co_await corio::yield_now();
    EXPECT_EQ(result, (std::vector{1}));
    EXPECT_TRUE(cond.locked());

    cond.release();
    co_await corio::yield_now();
    EXPECT_EQ(result, (std::vector{1, 2}));
    EXPECT_TRUE(cond.locked());

    cond.release();
    co_await corio::yield_now();
    EXPECT_EQ(result, (std::vector{1, 2, 3}));
    EXPECT_TRUE(cond.locked());
    EXPECT_TRUE(t1.done() && t2.done() && t3.done());
    cond.release();
  });
}

// Parity: ConditionTests.test_wait_cancel.
TEST(Condition, CancelledWaitRaisesWithTheLockHeldAndLeavesNoWaiter) {
  corio::run([]() -> corio::Task<> {
    corio::Condition cond;
    co_await cond.acquire();
    auto wait = corio::spawn([&]() -> corio::Task<> { co_await cond.wait(); });
    corio::Loop::current().call_soon([wait]() mutable { wait.cancel(); });
    EXPECT_THROW(co_await wait, corio::CancelledError);
    EXPECT_TRUE(cond.locked());  // the cancelled task re-acquired it
    cond.notify_all();           // no waiter left to wake
    cond.release();
    EXPECT_FALSE(cond.locked());
  });
}

TEST(Condition, CancelledWaiterReacquiresTheLockBeforeRaising) {
  bool held_when_cancelled = false;
  corio::run([&]() -> corio::Task<> {
    corio::Condition cond;
    auto waiter = corio::spawn([&]() -> corio::Task<> {
      auto guard = co_await cond.lock();
      try {
        co_await cond.wait();
      } catch (const corio::CancelledError&) {
        held_when_cancelled = cond.locked() && guard.owns_lock();
        throw;
      }
    });
    co_await corio::yield_now();
    co_await cond.acquire();  // contest the lock: the cancelled waiter must wait for it
    waiter.cancel();
    co_await corio::yield_now();
    co_await corio::yield_now();
    EXPECT_FALSE(waiter.done());
    cond.release();
    EXPECT_THROW(co_await waiter, corio::CancelledError);
    EXPECT_FALSE(cond.locked());  // released by the waiter's guard
  });
  EXPECT_TRUE(held_when_cancelled);
}

// Parity: ConditionTests.test_wait_cancel_contested.
TEST(Condition, CancelAndReleaseRightAfterNotifyLeaveTheLockHeld) {
  corio::run([]() -> corio::Task<> {
    corio::Condition cond;
    co_await cond.acquire();
    auto wait_task = corio::spawn([&]() -> corio::Task<> { co_await cond.wait(); });
    co_await corio::yield_now();
    EXPECT_FALSE(cond.locked());

    co_await cond.acquire();
    cond.notify();
    auto& loop = corio::Loop::current();
    loop.call_soon([wait_task]() mutable { wait_task.cancel(); });
    loop.call_soon([&] { cond.release(); });
    try {
      co_await wait_task;
    } catch (const corio::CancelledError&) {
      // asyncio allows either outcome; what matters is the lock below.
    }
    EXPECT_TRUE(cond.locked());
    cond.release();
  });
}

// Parity: ConditionTests.test_wait_cancel_after_notify (bpo-32841).
TEST(Condition, CancelAfterNotifyWhileReacquiringCancelsTheWaiter) {
  bool waited = false;
  corio::run([&]() -> corio::Task<> {
    corio::Condition cond;
    auto waiter = corio::spawn([&]() -> corio::Task<> {
      auto guard = co_await cond.lock();
      waited = true;
      co_await cond.wait();
    });
    co_await corio::yield_now();  // start waiting

    co_await cond.acquire();
    cond.notify();
    co_await corio::yield_now();  // the waiter moves on to re-acquire
    waiter.cancel();
    co_await corio::yield_now();  // the cancel lands while it waits for the lock
    cond.release();
    co_await corio::yield_now();
    co_await corio::yield_now();
    EXPECT_TRUE(waiter.cancelled());
    EXPECT_FALSE(cond.locked());
  });
  EXPECT_TRUE(waited);
}

// Parity: ConditionTests.test_wait_unacquired.
TEST(Condition, WaitWithoutTheLockThrowsRuntimeError) {
  corio::run([]() -> corio::Task<> {
    corio::Condition cond;
    try {
      co_await cond.wait();
      ADD_FAILURE() << "wait() without the lock did not throw";
    } catch (const corio::RuntimeError& error) {
      EXPECT_EQ(std::string(error.what()), "cannot wait on un-acquired lock");
    }
    EXPECT_FALSE(cond.locked());
  });
}

// Parity: ConditionTests.test_wait_for.
TEST(Condition, WaitForReturnsOnceThePredicateHolds) {
  std::vector<int> result;
  corio::run([&]() -> corio::Task<> {
    corio::Condition cond;
    bool presult = false;
    auto t = corio::spawn([&]() -> corio::Task<bool> {
      co_await cond.acquire();
      if (co_await cond.wait_for([&] { return presult; })) {
        result.push_back(1);
        cond.release();
      }
      co_return true;
    });
    co_await corio::yield_now();
    EXPECT_TRUE(result.empty());

    co_await cond.acquire();
    cond.notify();
    cond.release();
    co_await corio::yield_now();
    EXPECT_TRUE(result.empty());

    presult = true;
    co_await cond.acquire();
    cond.notify();
    cond.release();
    co_await corio::yield_now();
    EXPECT_EQ(result, (std::vector{1}));
    EXPECT_TRUE(t.done());
    EXPECT_TRUE(co_await t);
  });
}

// Parity: ConditionTests.test_wait_for_unacquired.
TEST(Condition, WaitForWithATruePredicateNeedsNoLock) {
  corio::run([]() -> corio::Task<> {
    corio::Condition cond;
    auto value = co_await cond.wait_for([] { return std::vector{1, 2, 3}.size(); });
    EXPECT_EQ(value, 3U);
    EXPECT_THROW(co_await cond.wait_for([] { return false; }), corio::RuntimeError);
  });
}

// Parity: ConditionTests.test_notify.
TEST(Condition, NotifyWakesAtMostNWaitersInOrder) {
  std::vector<int> result;
  corio::run([&]() -> corio::Task<> {
    corio::Condition cond;
    auto t1 = corio::spawn(wait_record_release(cond, result, 1));
    auto t2 = corio::spawn(wait_record_release(cond, result, 2));
    auto t3 = corio::spawn(wait_record_release(cond, result, 3));
    co_await corio::yield_now();
    EXPECT_TRUE(result.empty());

    co_await cond.acquire();
    cond.notify(1);
    cond.release();
    co_await corio::yield_now();
    EXPECT_EQ(result, (std::vector{1}));

    co_await cond.acquire();
    cond.notify(1);
    cond.notify(2048);
    cond.release();
    co_await corio::yield_now();
    co_await corio::yield_now();
    EXPECT_EQ(result, (std::vector{1, 2, 3}));
    EXPECT_TRUE(t1.done() && t2.done() && t3.done());
  });
}

// Parity: ConditionTests.test_notify_all.
TEST(Condition, NotifyAllWakesEveryWaiter) {
  std::vector<int> result;
  corio::run([&]() -> corio::Task<> {
    corio::Condition cond;
    auto t1 = corio::spawn(wait_record_release(cond, result, 1));
    auto t2 = corio::spawn(wait_record_release(cond, result, 2));
    co_await corio::yield_now();
    EXPECT_TRUE(result.empty());

    co_await cond.acquire();
    cond.notify_all();
    cond.release();
    co_await corio::yield_now();
    co_await corio::yield_now();
    EXPECT_EQ(result, (std::vector{1, 2}));
    EXPECT_TRUE(t1.done() && t2.done());
  });
}

// Parity: ConditionTests.test_notify_unacquired, test_notify_all_unacquired.
TEST(Condition, NotifyWithoutTheLockThrowsRuntimeError) {
  corio::Condition cond;
  try {
    cond.notify();
    ADD_FAILURE() << "notify() without the lock did not throw";
  } catch (const corio::RuntimeError& error) {
    EXPECT_EQ(std::string(error.what()), "cannot notify on un-acquired lock");
  }
  EXPECT_THROW(cond.notify_all(), corio::RuntimeError);
}

// Parity: ConditionTests.test_context_manager.
TEST(Condition, LockGuardHoldsTheConditionsLock) {
  corio::run([]() -> corio::Task<> {
    corio::Condition cond;
    EXPECT_FALSE(cond.locked());
    {
      auto guard = co_await cond.lock();
      EXPECT_TRUE(cond.locked());
    }
    EXPECT_FALSE(cond.locked());
  });
}

// Parity: ConditionTests.test_explicit_lock.
TEST(Condition, AnExplicitLockIsSharedWithTheCondition) {
  corio::run([]() -> corio::Task<> {
    corio::Lock lock;
    corio::Condition cond(lock);
    EXPECT_FALSE(lock.locked());
    EXPECT_FALSE(cond.locked());
    {
      auto guard = co_await cond.lock();
      EXPECT_TRUE(lock.locked());
      EXPECT_TRUE(cond.locked());
    }
    EXPECT_FALSE(lock.locked());
    {
      auto guard = co_await lock.lock();
      EXPECT_TRUE(cond.locked());
    }
    EXPECT_FALSE(cond.locked());
  });
}

TEST(Condition, TwoConditionsCanShareOneLock) {
  std::vector<std::string> log;
  corio::run([&]() -> corio::Task<> {
    corio::Lock lock;
    corio::Condition not_empty(lock);
    corio::Condition not_full(lock);
    std::deque<int> items;
    constexpr std::size_t kCapacity = 2;
    auto producer = corio::spawn([&]() -> corio::Task<> {
      for (int i = 0; i < 6; ++i) {
        auto guard = co_await lock.lock();
        co_await not_full.wait_for([&] { return items.size() < kCapacity; });
        items.push_back(i);
        not_empty.notify();
      }
    });
    auto consumer = corio::spawn([&]() -> corio::Task<> {
      for (int i = 0; i < 6; ++i) {
        auto guard = co_await lock.lock();
        co_await not_empty.wait_for([&] { return !items.empty(); });
        log.push_back(std::to_string(items.front()));
        items.pop_front();
        not_full.notify();
      }
    });
    co_await producer;
    co_await consumer;
    EXPECT_FALSE(lock.locked());
  });
  EXPECT_EQ(log, (std::vector<std::string>{"0", "1", "2", "3", "4", "5"}));
}

// gh-112202: a waiter cancelled after notify() picked it passes the notification on.
TEST(Condition, WaiterCancelledAfterNotifyHandsTheNotificationToTheNext) {
  std::vector<int> result;
  corio::run([&]() -> corio::Task<> {
    corio::Condition cond;
    auto t1 = corio::spawn(wait_record_release(cond, result, 1));
    auto t2 = corio::spawn(wait_record_release(cond, result, 2));
    co_await corio::yield_now();
    co_await cond.acquire();
    cond.notify(1);  // picks t1
    t1.cancel();     // before t1 resumed
    cond.release();
    EXPECT_THROW(co_await t1, corio::CancelledError);
    co_await t2;  // would hang if the notification had been lost
    EXPECT_FALSE(cond.locked());
  });
  EXPECT_EQ(result, (std::vector{2}));
}

TEST(Condition, WaiterCancelledBeforeAnyNotifyWakesNobody) {
  std::vector<int> result;
  corio::run([&]() -> corio::Task<> {
    corio::Condition cond;
    auto t1 = corio::spawn(wait_record_release(cond, result, 1));
    auto t2 = corio::spawn(wait_record_release(cond, result, 2));
    co_await corio::yield_now();
    t1.cancel();
    EXPECT_THROW(co_await t1, corio::CancelledError);
    co_await corio::yield_now();
    co_await corio::yield_now();
    EXPECT_FALSE(t2.done());  // no spurious wake-up
    EXPECT_FALSE(cond.locked());
    co_await cond.acquire();
    cond.notify();
    cond.release();
    co_await t2;
  });
  EXPECT_EQ(result, (std::vector{2}));
}

TEST(Condition, RepeatedCancellationsWhileReacquiringRaiseOnceWithTheLockHeld) {
  int cancellations = 0;
  bool held = false;
  corio::run([&]() -> corio::Task<> {
    corio::Condition cond;
    auto waiter = corio::spawn([&]() -> corio::Task<> {
      co_await cond.acquire();
      try {
        co_await cond.wait();
      } catch (const corio::CancelledError&) {
        ++cancellations;
        held = cond.locked();
      }
      cond.release();
    });
    co_await corio::yield_now();
    co_await cond.acquire();
    cond.notify();
    co_await corio::yield_now();  // the waiter now queues for the lock
    for (int i = 0; i < 3; ++i) {
      waiter.cancel();
      co_await corio::yield_now();
    }
    EXPECT_FALSE(waiter.done());  // still waiting for the lock we hold
    cond.release();
    co_await waiter;
  });
  EXPECT_EQ(cancellations, 1);
  EXPECT_TRUE(held);
}

TEST(Condition, CancelBeforeStartRaisesAndKeepsTheLockState) {
  corio::run([]() -> corio::Task<> {
    corio::Condition cond;
    bool passed = false;
    auto waiter = corio::spawn([&]() -> corio::Task<> {
      auto guard = co_await cond.lock();  // free: taken without suspending
      co_await cond.wait();               // raises here, after taking the lock back
      passed = true;
    });
    waiter.cancel();
    EXPECT_THROW(co_await waiter, corio::CancelledError);
    EXPECT_FALSE(passed);
    EXPECT_FALSE(cond.locked());
  });
}

TEST(Condition, NotifyBeforeTheWaiterStartsWaitingIsNotRemembered) {
  corio::run([]() -> corio::Task<> {
    corio::Condition cond;
    co_await cond.acquire();
    cond.notify();  // nobody waits: a no-op
    cond.release();
    auto waiter = corio::spawn([&]() -> corio::Task<> {
      auto guard = co_await cond.lock();
      co_await cond.wait();
    });
    co_await corio::yield_now();
    co_await corio::yield_now();
    EXPECT_FALSE(waiter.done());
    co_await cond.acquire();
    cond.notify();
    cond.release();
    co_await waiter;
  });
}

// Parity: ConditionTests.test_timeout_in_block — a wait ended by a timeout raises
// TimeoutError with the lock held again, even when another task held the lock at the expiry.
TEST(Condition, WaitEndedByATimeoutRaisesTimeoutErrorWithTheLockHeld) {
  using namespace std::chrono_literals;
  corio::run(
      []() -> corio::Task<> {
        corio::Condition cond;
        auto& loop = corio::Loop::current();
        const auto start = loop.now();
        auto holder = corio::spawn([&]() -> corio::Task<> {
          auto guard = co_await cond.lock();  // taken while the waiter waits
          co_await corio::sleep(5s);          // still held when the timeout fires at 1s
        });
        co_await cond.acquire();
        bool timed_out = false;
        try {
          co_await corio::timeout(1s, [&]() -> corio::Task<> { co_await cond.wait(); });
        } catch (const corio::TimeoutError&) {
          timed_out = true;
        }
        EXPECT_TRUE(timed_out);
        EXPECT_TRUE(cond.locked());
        EXPECT_EQ(loop.now() - start, 5s);
        EXPECT_EQ(corio::current_task().cancelling(), 0u);
        cond.release();
        co_await holder;
      },
      {.virtual_time = true});
}
