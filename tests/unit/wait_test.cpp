// tests/unit/wait_test.cpp — tests for include/corio/wait.hpp and shield.hpp.
// Parity cases name the CPython test_asyncio/test_tasks.py case they mirror.
#include <gtest/gtest.h>
#include <corio/corio.hpp>

#include <chrono>
#include <stdexcept>
#include <utility>
#include <vector>

using namespace std::chrono_literals;

namespace {
const corio::LoopOptions kVirtual{.virtual_time = true};

corio::Task<int> after(std::chrono::seconds delay, int value) {
  co_await corio::sleep(delay);
  co_return value;
}
}  // namespace

// Parity: test_wait_first_completed.
TEST(Wait, FirstCompletedReturnsAsSoonAsOneIsDone) {
  corio::run(
      []() -> corio::Task<> {
        std::vector<corio::JoinHandle<int>> handles{corio::spawn(after(10s, 1)),
                                                    corio::spawn(after(1s, 2))};
        auto [done, pending] = co_await corio::wait(handles, corio::FIRST_COMPLETED);
        EXPECT_EQ(done.size(), 1u);
        if (done.size() != 1u) co_return;
        EXPECT_EQ(done[0].result(), 2);
        EXPECT_EQ(pending.size(), 1u);
        co_await pending[0];
      },
      kVirtual);
}

// Parity: test_wait_first_exception.
TEST(Wait, FirstExceptionStopsAtTheFailure) {
  corio::run(
      []() -> corio::Task<> {
        auto bad = []() -> corio::Task<int> {
          co_await corio::sleep(1s);
          throw std::runtime_error("bad");
        };
        std::vector<corio::JoinHandle<int>> handles{corio::spawn(after(10s, 1)),
                                                    corio::spawn(bad())};
        auto [done, pending] = co_await corio::wait(handles, corio::FIRST_EXCEPTION);
        EXPECT_EQ(done.size(), 1u);
        if (done.size() != 1u) co_return;
        EXPECT_NE(done[0].exception(), nullptr);
        EXPECT_EQ(pending.size(), 1u);
        pending[0].cancel();
      },
      kVirtual);
}

// Parity: test_wait_with_timeout — nothing raised, pending tasks keep running.
TEST(Wait, TimeoutLeavesPendingTasksRunning) {
  corio::run(
      []() -> corio::Task<> {
        std::vector<corio::JoinHandle<int>> handles{corio::spawn(after(10s, 1))};
        auto [done, pending] = co_await corio::wait(handles, corio::ALL_COMPLETED, 1s);
        EXPECT_TRUE(done.empty());
        EXPECT_EQ(pending.size(), 1u);
        if (pending.size() != 1u) co_return;
        EXPECT_EQ(co_await pending[0], 1);
      },
      kVirtual);
}

// Parity: test_wait — the default ALL_COMPLETED without a timeout returns once every task
// is done, and only then.
TEST(Wait, AllCompletedWithoutTimeoutWaitsForEveryTask) {
  corio::run(
      []() -> corio::Task<> {
        auto& loop = corio::Loop::current();
        const auto start = loop.now();
        std::vector<corio::JoinHandle<int>> handles{
            corio::spawn(after(3s, 3)), corio::spawn(after(1s, 1)), corio::spawn(after(2s, 2))};
        auto [done, pending] = co_await corio::wait(handles, corio::ALL_COMPLETED);
        EXPECT_EQ(loop.now() - start, 3s);
        EXPECT_TRUE(pending.empty());
        std::vector<int> results;
        for (auto& handle : done) results.push_back(handle.result());
        EXPECT_EQ(results, (std::vector<int>{3, 1, 2}));  // argument order, not finishing order
      },
      kVirtual);
}

TEST(Wait, EmptyListIsAnError) {
  corio::run([]() -> corio::Task<> {
    EXPECT_THROW(co_await corio::wait(std::vector<corio::JoinHandle<int>>{}),
                 std::invalid_argument);
  });
}

// Parity: test_as_completed.
TEST(AsCompleted, YieldsInCompletionOrder) {
  corio::run(
      []() -> corio::Task<> {
        std::vector<corio::JoinHandle<int>> handles{
            corio::spawn(after(3s, 3)), corio::spawn(after(1s, 1)), corio::spawn(after(2s, 2))};
        auto next_done = corio::as_completed(handles);
        std::vector<int> order;
        while (auto handle = co_await next_done.next()) order.push_back(co_await *handle);
        EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
      },
      kVirtual);
}

// Parity: test_as_completed_with_timeout.
TEST(AsCompleted, TimeoutRaisesTimeoutError) {
  corio::run(
      []() -> corio::Task<> {
        std::vector<corio::JoinHandle<int>> handles{corio::spawn(after(1s, 1)),
                                                    corio::spawn(after(1h, 2))};
        auto next_done = corio::as_completed(handles, 10s);
        auto first = co_await next_done.next();
        EXPECT_TRUE(first.has_value());
        if (!(first.has_value())) co_return;
        EXPECT_EQ(first->result(), 1);
        EXPECT_THROW(co_await next_done.next(), corio::TimeoutError);
        handles[1].cancel();
      },
      kVirtual);
}

// Parity: test_shield_effect — the outer await is cancelled, the inner task is not.
TEST(Shield, CancellingTheAwaiterLeavesTheInnerTaskRunning) {
  corio::run(
      []() -> corio::Task<> {
        auto inner = corio::spawn(after(2s, 5));
        auto outer = corio::spawn(
            [inner]() -> corio::Task<int> { co_return co_await corio::shield(inner); });
        co_await corio::sleep(1s);
        outer.cancel();
        EXPECT_THROW(co_await outer, corio::CancelledError);
        EXPECT_FALSE(inner.done());
        EXPECT_EQ(co_await inner, 5);
      },
      kVirtual);
}

TEST(Shield, ReturnsTheInnerResult) {
  corio::run([]() -> corio::Task<> { EXPECT_EQ(co_await corio::shield(after(1s, 8)), 8); },
             kVirtual);
}

// Parity: test_wait_first_exception_in_wait's counterpart — FIRST_EXCEPTION with no failure
// waits for every task, like ALL_COMPLETED.
TEST(Wait, FirstExceptionWithoutAFailureWaitsForEveryTask) {
  corio::run(
      []() -> corio::Task<> {
        auto& loop = corio::Loop::current();
        const auto start = loop.now();
        std::vector<corio::JoinHandle<int>> handles{corio::spawn(after(1s, 1)),
                                                    corio::spawn(after(3s, 3))};
        auto [done, pending] = co_await corio::wait(handles, corio::FIRST_EXCEPTION);
        EXPECT_EQ(done.size(), 2u);
        EXPECT_TRUE(pending.empty());
        EXPECT_EQ(loop.now() - start, 3s);
      },
      kVirtual);
}

// Parity: test_wait_really_done — tasks already done count at once, whatever return_when.
TEST(Wait, TasksAlreadyDoneAreReturnedWithoutWaiting) {
  corio::run(
      []() -> corio::Task<> {
        auto& loop = corio::Loop::current();
        auto quick = corio::spawn([]() -> corio::Task<int> { co_return 1; });
        auto slow = corio::spawn(after(1h, 2));
        co_await corio::yield_now();
        const auto start = loop.now();
        std::vector<corio::JoinHandle<int>> handles{quick, slow};
        auto [done, pending] = co_await corio::wait(std::move(handles), corio::FIRST_COMPLETED);
        EXPECT_EQ(loop.now(), start);
        EXPECT_EQ(done.size(), 1u);
        EXPECT_EQ(pending.size(), 1u);
        slow.cancel();
      },
      kVirtual);
}

// Parity: test_wait_with_timeout's cancellation side — cancelling the waiter raises
// CancelledError there and leaves the tasks running (wait never cancels them).
TEST(Wait, CancellingTheWaiterLeavesTheTasksRunning) {
  corio::run(
      []() -> corio::Task<> {
        auto task = corio::spawn(after(2s, 7));
        auto waiter = corio::spawn([task]() -> corio::Task<> {
          std::vector<corio::JoinHandle<int>> handles{task};
          co_await corio::wait(std::move(handles));
        });
        co_await corio::sleep(1s);
        waiter.cancel();
        EXPECT_THROW(co_await waiter, corio::CancelledError);
        EXPECT_FALSE(task.done());
        EXPECT_EQ(co_await task, 7);
      },
      kVirtual);
}

// Parity: test_as_completed_with_unused_timeout / empty input — nothing to hand out.
TEST(AsCompleted, EmptyListEndsAtOnce) {
  corio::run([]() -> corio::Task<> {
    auto next_done = corio::as_completed(std::vector<corio::JoinHandle<int>>{}, 1s);
    EXPECT_FALSE((co_await next_done.next()).has_value());
  });
}

// Parity: test_as_completed_with_timeout — the timeout cancels nothing: the slow task runs on.
TEST(AsCompleted, TimeoutLeavesTheSlowTaskRunning) {
  corio::run(
      []() -> corio::Task<> {
        auto slow = corio::spawn(after(1h, 2));
        auto next_done = corio::as_completed(std::vector<corio::JoinHandle<int>>{slow}, 1s);
        EXPECT_THROW(co_await next_done.next(), corio::TimeoutError);
        EXPECT_FALSE(slow.done());
        EXPECT_EQ(co_await slow, 2);
      },
      kVirtual);
}

// Parity: test_shield_exception — the inner task's failure reaches the awaiter.
TEST(Shield, InnerFailureIsRaised) {
  corio::run([]() -> corio::Task<> {
    auto inner = corio::spawn([]() -> corio::Task<int> {
      co_await corio::yield_now();
      throw std::runtime_error("inner");
    });
    EXPECT_THROW(co_await corio::shield(inner), std::runtime_error);
  });
}

// Parity: test_shield_cancel_inner — cancelling the inner task cancels the shielded await.
TEST(Shield, CancellingTheInnerTaskRaisesCancelledErrorInTheAwaiter) {
  corio::run(
      []() -> corio::Task<> {
        auto inner = corio::spawn(after(1h, 1));
        auto outer = corio::spawn(
            [inner]() -> corio::Task<int> { co_return co_await corio::shield(inner); });
        co_await corio::sleep(1s);
        inner.cancel();
        EXPECT_THROW(co_await outer, corio::CancelledError);
        EXPECT_TRUE(inner.cancelled());
      },
      kVirtual);
}

// Parity: test_shield_result — a task already done is not waited for.
TEST(Shield, DoneTaskReturnsAtOnce) {
  corio::run([]() -> corio::Task<> {
    auto inner = corio::spawn([]() -> corio::Task<int> { co_return 3; });
    co_await corio::yield_now();
    EXPECT_EQ(co_await corio::shield(inner), 3);
  });
}

// Parity: as_completed's timeout (3.13 _AsCompletedIterator._handle_timeout) — once the
// timeout passes, what finished before it is still handed out, every task still pending
// then costs one TimeoutError, and a task finishing later is never handed out.
TEST(AsCompleted, AfterTheTimeoutEachPendingTaskIsATimeoutErrorThenTheEnd) {
  corio::run(
      []() -> corio::Task<> {
        std::vector<corio::JoinHandle<int>> handles{
            corio::spawn(after(1s, 1)), corio::spawn(after(2s, 2)), corio::spawn(after(20s, 3)),
            corio::spawn(after(30s, 4))};
        auto next_done = corio::as_completed(handles, 10s);
        co_await corio::sleep(15s);  // 1 and 2 finished before the timeout, nobody was asking
        EXPECT_EQ((co_await next_done.next())->result(), 1);
        EXPECT_EQ((co_await next_done.next())->result(), 2);
        co_await corio::sleep(1min);  // 3 and 4 finished after it
        EXPECT_THROW(co_await next_done.next(), corio::TimeoutError);
        EXPECT_THROW(co_await next_done.next(), corio::TimeoutError);
        EXPECT_FALSE((co_await next_done.next()).has_value());
        EXPECT_EQ(next_done.remaining(), 0u);
      },
      kVirtual);
}
