// tests/unit/timeout_test.cpp — tests for include/corio/timeout.hpp.
// Parity cases name the CPython test_asyncio/test_timeouts.py case they mirror. Long
// deadlines run on the virtual clock.
#include <gtest/gtest.h>
#include <corio/corio.hpp>

#include <chrono>

using namespace std::chrono_literals;

namespace {
const corio::LoopOptions kVirtual{.virtual_time = true};
}

// Parity: test_timeout_basic.
TEST(Timeout, ExpiryRaisesTimeoutErrorAfterTheBodyCleansUp) {
  corio::run(
      []() -> corio::Task<> {
        bool cleaned = false;
        auto& loop = corio::Loop::current();
        const auto start = loop.now();
        try {
          co_await corio::timeout(10min, [&]() -> corio::Task<> {
            try {
              co_await corio::sleep(1h);
            } catch (const corio::CancelledError&) {
              cleaned = true;
              throw;
            }
          });
          ADD_FAILURE() << "no timeout";
        } catch (const corio::TimeoutError&) {
        }
        EXPECT_TRUE(cleaned);
        EXPECT_EQ(loop.now() - start, 10min);
        EXPECT_EQ(corio::current_task().cancelling(), 0u);
      },
      kVirtual);
}

TEST(Timeout, BodyFinishingInTimeReturnsItsValue) {
  corio::run(
      []() -> corio::Task<> {
        int v = co_await corio::timeout(1min, []() -> corio::Task<int> {
          co_await corio::sleep(30s);
          co_return 5;
        });
        EXPECT_EQ(v, 5);
      },
      kVirtual);
}

// Parity: test_nested_timeouts — the inner expiry is the inner scope's error only.
TEST(Timeout, NestedScopesEachClaimOnlyTheirOwnExpiry) {
  corio::run(
      []() -> corio::Task<> {
        bool inner_timed_out = false;
        co_await corio::timeout(1h, [&]() -> corio::Task<> {
          try {
            co_await corio::timeout(1min, []() -> corio::Task<> { co_await corio::sleep(1h); });
          } catch (const corio::TimeoutError&) {
            inner_timed_out = true;
          }
        });
        EXPECT_TRUE(inner_timed_out);
      },
      kVirtual);
}

// Parity: test_nested_timeouts_concurrent — the outer expiry passes through the inner.
TEST(Timeout, OuterExpiryIsNotMistakenForTheInner) {
  corio::run(
      []() -> corio::Task<> {
        bool inner_saw_timeout = false;
        try {
          co_await corio::timeout(1min, [&]() -> corio::Task<> {
            try {
              co_await corio::timeout(1h, []() -> corio::Task<> { co_await corio::sleep(2h); });
            } catch (const corio::TimeoutError&) {
              inner_saw_timeout = true;
            }
          });
          ADD_FAILURE() << "outer did not time out";
        } catch (const corio::TimeoutError&) {
        }
        EXPECT_FALSE(inner_saw_timeout);
      },
      kVirtual);
}

// Parity: test_timeout_in_cancelled_task — an outside cancel stays a cancel.
TEST(Timeout, OutsideCancellationStaysCancelledError) {
  corio::run(
      []() -> corio::Task<> {
        auto handle = corio::spawn([]() -> corio::Task<> {
          co_await corio::timeout(1h, []() -> corio::Task<> { co_await corio::sleep(2h); });
        });
        co_await corio::sleep(1s);
        handle.cancel();
        EXPECT_THROW(co_await handle, corio::CancelledError);
      },
      kVirtual);
}

// Parity: test_timeout_reschedule / test_repr states.
TEST(Timeout, RescheduleMovesTheDeadline) {
  corio::run(
      []() -> corio::Task<> {
        auto& loop = corio::Loop::current();
        const auto start = loop.now();
        try {
          co_await corio::timeout(1min, [&](corio::Timeout& scope) -> corio::Task<> {
            EXPECT_EQ(scope.state(), corio::Timeout::State::entered);
            scope.reschedule(start + 5min);
            co_await corio::sleep(1h);
          });
        } catch (const corio::TimeoutError&) {
        }
        EXPECT_EQ(loop.now() - start, 5min);
      },
      kVirtual);
}

TEST(Timeout, NoDeadlineNeverExpires) {
  corio::run(
      []() -> corio::Task<> {
        co_await corio::timeout_at(std::nullopt, [](corio::Timeout& scope) -> corio::Task<> {
          EXPECT_FALSE(scope.when().has_value());
          co_await corio::sleep(1h);
          EXPECT_FALSE(scope.expired());
        });
      },
      kVirtual);
}

// Parity: test_timeout_at — a deadline given as a time point.
TEST(Timeout, AtATimePointExpiresExactlyThere) {
  corio::run(
      []() -> corio::Task<> {
        auto& loop = corio::Loop::current();
        const auto deadline = loop.now() + 10min;
        bool timed_out = false;
        try {
          co_await corio::timeout_at(deadline, [&](corio::Timeout& scope) -> corio::Task<> {
            EXPECT_EQ(scope.when(), deadline);
            co_await corio::sleep(1h);
          });
        } catch (const corio::TimeoutError&) {
          timed_out = true;
        }
        EXPECT_TRUE(timed_out);
        EXPECT_EQ(loop.now(), deadline);
      },
      kVirtual);
}

TEST(Timeout, AtATimePointLetsABodyThatFinishesFirstReturnItsValue) {
  corio::run(
      []() -> corio::Task<> {
        auto& loop = corio::Loop::current();
        const auto deadline = loop.now() + 10min;
        const int v = co_await corio::timeout_at(deadline, []() -> corio::Task<int> {
          co_await corio::sleep(9min);
          co_return 7;
        });
        EXPECT_EQ(v, 7);
        co_await corio::sleep(1h);  // the disarmed deadline cancels nothing later
        EXPECT_EQ(corio::current_task().cancelling(), 0u);
      },
      kVirtual);
}

// A deadline already past expires at the body's first suspension.
TEST(Timeout, AtAPastTimePointExpiresAtTheFirstSuspension) {
  corio::run(
      []() -> corio::Task<> {
        auto& loop = corio::Loop::current();
        const auto start = loop.now();
        bool reached = false;
        try {
          co_await corio::timeout_at(start - 1s, [&]() -> corio::Task<> {
            reached = true;
            co_await corio::sleep(1h);
          });
          ADD_FAILURE() << "no timeout";
        } catch (const corio::TimeoutError&) {
        }
        EXPECT_TRUE(reached);
        EXPECT_EQ(loop.now(), start);
      },
      kVirtual);
}

// Parity: test_wait_for — wait_for on a handle cancels the task on expiry.
TEST(WaitFor, ExpiryCancelsTheAwaitedTaskAndRaisesTimeoutError) {
  corio::run(
      []() -> corio::Task<> {
        auto slow = corio::spawn([]() -> corio::Task<int> {
          co_await corio::sleep(1h);
          co_return 1;
        });
        EXPECT_THROW(co_await corio::wait_for(slow, 1s), corio::TimeoutError);
        EXPECT_TRUE(slow.cancelled());
      },
      kVirtual);
}

TEST(WaitFor, ReturnsTheValueInTime) {
  corio::run(
      []() -> corio::Task<> {
        auto quick = []() -> corio::Task<int> {
          co_await corio::sleep(1s);
          co_return 3;
        };
        EXPECT_EQ(co_await corio::wait_for(quick(), 2s), 3);
      },
      kVirtual);
}

// Parity: test_taskgroup_timeout (test_timeouts.py test_timeout_taskgroup).
TEST(Timeout, AroundATaskGroupCancelsItsChildrenAndRaisesTimeoutError) {
  corio::run(
      []() -> corio::Task<> {
        int cancelled = 0;
        try {
          co_await corio::timeout(1s, [&]() -> corio::Task<> {
            co_await corio::task_group([&](corio::TaskGroup& group) -> corio::Task<> {
              for (int i = 0; i < 3; ++i) {
                group.spawn([&]() -> corio::Task<> {
                  try {
                    co_await corio::sleep(1h);
                  } catch (const corio::CancelledError&) {
                    ++cancelled;
                    throw;
                  }
                });
              }
              co_return;
            });
          });
          ADD_FAILURE() << "no timeout";
        } catch (const corio::TimeoutError&) {
        }
        EXPECT_EQ(cancelled, 3);
      },
      kVirtual);
}
