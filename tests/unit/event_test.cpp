// tests/unit/event_test.cpp — tests for include/corio/sync/event.hpp.
// Parity cases name the test_asyncio/test_locks.py case they mirror.
#include <gtest/gtest.h>
#include <corio/corio.hpp>

#include <memory>
#include <vector>

namespace {

corio::Task<> wait_then_record(corio::Event& ev, std::vector<int>& order, int id) {
  co_await ev.wait();
  order.push_back(id);
}

}  // namespace

// Parity: EventTests.test_clear.
TEST(Event, StartsClearAndFollowsSetAndClear) {
  corio::Event ev;
  EXPECT_FALSE(ev.is_set());
  ev.set();
  EXPECT_TRUE(ev.is_set());
  ev.set();
  EXPECT_TRUE(ev.is_set());
  ev.clear();
  EXPECT_FALSE(ev.is_set());
}

// Parity: EventTests.test_wait.
TEST(Event, SetWakesEveryWaiterInArrivalOrder) {
  std::vector<int> order;
  corio::run([&]() -> corio::Task<> {
    corio::Event ev;
    auto t1 = corio::spawn(wait_then_record(ev, order, 1));
    auto t2 = corio::spawn(wait_then_record(ev, order, 2));
    co_await corio::yield_now();  // both now parked in wait()
    EXPECT_TRUE(order.empty());
    auto t3 = corio::spawn(wait_then_record(ev, order, 3));  // starts after set(): no wait
    ev.set();
    co_await corio::yield_now();
    EXPECT_EQ(order, (std::vector{3, 1, 2}));
    EXPECT_TRUE(t1.done() && t2.done() && t3.done());
  });
}

// Parity: EventTests.test_wait_on_set.
TEST(Event, WaitOnASetEventDoesNotSuspend) {
  std::vector<int> order;
  corio::run([&]() -> corio::Task<> {
    corio::Event ev;
    ev.set();
    auto other = corio::spawn([&]() -> corio::Task<> {
      order.push_back(2);
      co_return;
    });
    co_await ev.wait();
    order.push_back(1);  // before `other` ran: no loop turn passed
    co_await other;
  });
  EXPECT_EQ(order, (std::vector{1, 2}));
}

TEST(Event, WaitersResumeOnALaterTurnNotInsideSet) {
  std::vector<int> order;
  corio::run([&]() -> corio::Task<> {
    corio::Event ev;
    auto waiter = corio::spawn(wait_then_record(ev, order, 1));
    co_await corio::yield_now();
    ev.set();
    order.push_back(0);
    EXPECT_FALSE(waiter.done());
    co_await waiter;
  });
  EXPECT_EQ(order, (std::vector{0, 1}));
}

TEST(Event, TheFlagIsCheckedWhenTheWaitIsAwaitedNotWhenItIsCreated) {
  corio::run([]() -> corio::Task<> {
    corio::Event ev;
    auto wait = ev.wait();
    ev.set();
    co_await wait;  // would hang if the flag had been read by wait()
    EXPECT_TRUE(ev.is_set());
  });
}

// Parity: EventTests.test_wait_cancel.
TEST(Event, CancelledWaiterRaisesCancelledError) {
  corio::run([]() -> corio::Task<> {
    corio::Event ev;
    auto waiter = corio::spawn([&]() -> corio::Task<> { co_await ev.wait(); });
    corio::Loop::current().call_soon([waiter]() mutable { waiter.cancel(); });
    EXPECT_THROW(co_await waiter, corio::CancelledError);
    EXPECT_TRUE(waiter.cancelled());
  });
}

TEST(Event, CancelledWaiterDoesNotDisturbOthers) {
  std::vector<int> order;
  corio::run([&]() -> corio::Task<> {
    corio::Event ev;
    auto gone = corio::spawn(wait_then_record(ev, order, 1));
    auto kept = corio::spawn(wait_then_record(ev, order, 2));
    co_await corio::yield_now();
    gone.cancel();
    co_await corio::yield_now();
    EXPECT_TRUE(gone.cancelled());
    ev.set();
    co_await kept;
  });
  EXPECT_EQ(order, (std::vector{2}));
}

TEST(Event, CancelBeforeStartRaisesAtTheWait) {
  bool passed = false;
  corio::run([&]() -> corio::Task<> {
    corio::Event ev;
    auto waiter = corio::spawn([&]() -> corio::Task<> {
      co_await ev.wait();
      passed = true;
    });
    waiter.cancel();
    EXPECT_THROW(co_await waiter, corio::CancelledError);
    ev.set();  // nobody left to wake
  });
  EXPECT_FALSE(passed);
}

// asyncio: a cancel() that lands after set() woke the waiter still raises at the wait.
TEST(Event, CancelAfterSetStillRaisesInTheWaiter) {
  std::vector<int> order;
  corio::run([&]() -> corio::Task<> {
    corio::Event ev;
    auto waiter = corio::spawn(wait_then_record(ev, order, 1));
    co_await corio::yield_now();
    ev.set();
    waiter.cancel();
    EXPECT_THROW(co_await waiter, corio::CancelledError);
    EXPECT_TRUE(ev.is_set());
  });
  EXPECT_TRUE(order.empty());
}

// Parity: EventTests.test_clear_with_waiters.
TEST(Event, ClearAfterSetStillResumesTheWokenWaiters) {
  std::vector<int> order;
  corio::run([&]() -> corio::Task<> {
    corio::Event ev;
    auto waiter = corio::spawn(wait_then_record(ev, order, 1));
    co_await corio::yield_now();
    ev.set();
    ev.clear();
    EXPECT_FALSE(ev.is_set());
    ev.set();
    ev.set();
    co_await corio::yield_now();
    EXPECT_EQ(order, (std::vector{1}));
    EXPECT_TRUE(waiter.done());
  });
}

TEST(Event, ClearedEventMakesNewWaitersWait) {
  std::vector<int> order;
  corio::run([&]() -> corio::Task<> {
    corio::Event ev;
    ev.set();
    ev.clear();
    auto waiter = corio::spawn(wait_then_record(ev, order, 1));
    co_await corio::yield_now();
    co_await corio::yield_now();
    EXPECT_FALSE(waiter.done());
    ev.set();
    co_await waiter;
  });
  EXPECT_EQ(order, (std::vector{1}));
}

TEST(Event, ManyWaitersAreAllWokenOnce) {
  std::vector<int> order;
  corio::run([&]() -> corio::Task<> {
    corio::Event ev;
    std::vector<corio::JoinHandle<>> waiters;
    for (int i = 0; i < 100; ++i) waiters.push_back(corio::spawn(wait_then_record(ev, order, i)));
    co_await corio::yield_now();
    ev.set();
    for (auto& w : waiters) co_await w;
  });
  ASSERT_EQ(order.size(), 100U);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
}

TEST(Event, WaitOutsideATaskThrowsRuntimeError) {
  corio::Event ev;
  auto wait = ev.wait();
  EXPECT_THROW(wait.await_suspend(std::noop_coroutine()), corio::RuntimeError);
}

#ifndef NDEBUG
TEST(EventDeathTest, DestroyingAnEventWithWaitersAsserts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(corio::run([]() -> corio::Task<> {
                 auto ev = std::make_unique<corio::Event>();
                 auto waiter = corio::spawn([&]() -> corio::Task<> { co_await ev->wait(); });
                 co_await corio::yield_now();
                 ev.reset();
               }),
               "destroyed while tasks wait");
}
#endif
