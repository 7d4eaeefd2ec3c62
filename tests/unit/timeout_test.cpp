// tests/unit/timeout_test.cpp — tests for include/corio/timeout.hpp.
// Parity cases name the CPython test_asyncio/test_timeouts.py case they mirror. Long
// deadlines run on the virtual clock.
#include <gtest/gtest.h>
#include <corio/corio.hpp>

#include <chrono>
#include <stdexcept>

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

// Parity: test_timeout_zero / test_timeout_expiring — the scope reports the expiry inside
// the body's cleanup, and a deadline can no longer be moved once it has passed.
TEST(Timeout, ExpiredTurnsTrueAndRescheduleIsRefusedOnceTheDeadlinePassed) {
  corio::run(
      []() -> corio::Task<> {
        bool checked = false;
        try {
          co_await corio::timeout(0s, [&](corio::Timeout& scope) -> corio::Task<> {
            EXPECT_FALSE(scope.expired());
            try {
              co_await corio::sleep(1h);
            } catch (const corio::CancelledError&) {
              EXPECT_TRUE(scope.expired());
              EXPECT_EQ(scope.state(), corio::Timeout::State::expiring);
              EXPECT_THROW(scope.reschedule(std::nullopt), corio::RuntimeError);
              checked = true;
              throw;
            }
          });
          ADD_FAILURE() << "no timeout";
        } catch (const corio::TimeoutError&) {
        }
        EXPECT_TRUE(checked);
        EXPECT_EQ(corio::current_task().cancelling(), 0u);
      },
      kVirtual);
}

// Parity: test_timeout_disabled — reschedule(None) takes the deadline away.
TEST(Timeout, RescheduleToNoDeadlineDisarmsIt) {
  corio::run(
      []() -> corio::Task<> {
        auto& loop = corio::Loop::current();
        const auto start = loop.now();
        co_await corio::timeout(1min, [](corio::Timeout& scope) -> corio::Task<> {
          scope.reschedule(std::nullopt);
          EXPECT_FALSE(scope.when().has_value());
          co_await corio::sleep(1h);
          EXPECT_FALSE(scope.expired());
        });
        EXPECT_EQ(loop.now() - start, 1h);
      },
      kVirtual);
}

// Parity: test_timeout_reschedule to a time already past — expires at the next suspension.
TEST(Timeout, RescheduleIntoThePastExpiresAtTheNextSuspension) {
  corio::run(
      []() -> corio::Task<> {
        auto& loop = corio::Loop::current();
        const auto start = loop.now();
        try {
          co_await corio::timeout(1h, [&](corio::Timeout& scope) -> corio::Task<> {
            co_await corio::sleep(1min);
            scope.reschedule(start);
            co_await corio::sleep(1h);
          });
          ADD_FAILURE() << "no timeout";
        } catch (const corio::TimeoutError&) {
        }
        EXPECT_EQ(loop.now() - start, 1min);
      },
      kVirtual);
}

// Parity: test_foreign_exception_passed — an error raised before the deadline is untouched.
TEST(Timeout, BodyErrorBeforeTheDeadlinePassesThrough) {
  corio::run(
      []() -> corio::Task<> {
        EXPECT_THROW(co_await corio::timeout(1min,
                                             []() -> corio::Task<> {
                                               co_await corio::yield_now();
                                               throw std::out_of_range("key");
                                             }),
                     std::out_of_range);
        EXPECT_EQ(corio::current_task().cancelling(), 0u);
      },
      kVirtual);
}

// Parity: test_foreign_exception_on_timeout — cleanup that fails during the expiry raises its
// own error, not TimeoutError.
TEST(Timeout, ErrorRaisedWhileCleaningUpAfterTheExpiryWins) {
  corio::run(
      []() -> corio::Task<> {
        EXPECT_THROW(co_await corio::timeout(1s,
                                             []() -> corio::Task<> {
                                               try {
                                                 co_await corio::sleep(1h);
                                               } catch (const corio::CancelledError&) {
                                                 throw std::domain_error("cleanup failed");
                                               }
                                             }),
                     std::domain_error);
        EXPECT_EQ(corio::current_task().cancelling(), 0u);
      },
      kVirtual);
}

// A body that swallows the scope's CancelledError finishes normally: no TimeoutError, no
// cancellation left over for the code after the scope (asyncio's __aexit__ sees no error).
TEST(Timeout, BodySwallowingTheExpiryReturnsNormallyWithNothingPending) {
  corio::run(
      []() -> corio::Task<> {
        auto& loop = corio::Loop::current();
        const auto start = loop.now();
        const int v = co_await corio::timeout(1s, []() -> corio::Task<int> {
          try {
            co_await corio::sleep(1h);
          } catch (const corio::CancelledError&) {
          }
          co_return 4;
        });
        EXPECT_EQ(v, 4);
        EXPECT_EQ(corio::current_task().cancelling(), 0u);
        co_await corio::sleep(1min);  // must not raise
        EXPECT_EQ(loop.now() - start, 1s + 1min);
      },
      kVirtual);
}

// Parity: test_timeout_after_cancellation — a task that caught a cancel without uncancel()
// can still use a timeout in its cleanup, and that timeout's expiry is its own.
TEST(Timeout, ScopeEnteredAfterACaughtCancelStillRaisesTimeoutError) {
  corio::run(
      []() -> corio::Task<> {
        auto handle = corio::spawn([]() -> corio::Task<bool> {
          try {
            co_await corio::sleep(1h);
          } catch (const corio::CancelledError&) {
          }
          EXPECT_EQ(corio::current_task().cancelling(), 1u);
          try {
            co_await corio::timeout(0s, []() -> corio::Task<> { co_await corio::sleep(1h); });
          } catch (const corio::TimeoutError&) {
            co_return true;
          }
          co_return false;
        });
        co_await corio::yield_now();
        handle.cancel();
        EXPECT_TRUE(co_await handle);
      },
      kVirtual);
}

// Parity: test_cancel_in_timeout_after_cancellation — with a caught cancel still counted, a
// new cancel inside the scope stays CancelledError.
TEST(Timeout, NewCancelInsideAScopeEnteredAfterACaughtCancelStaysCancelledError) {
  corio::run(
      []() -> corio::Task<> {
        auto handle = corio::spawn([]() -> corio::Task<> {
          try {
            co_await corio::sleep(1h);
          } catch (const corio::CancelledError&) {
          }
          co_await corio::timeout(1min, []() -> corio::Task<> {
            corio::current_task().cancel();
            co_await corio::sleep(1h);
          });
        });
        co_await corio::yield_now();
        handle.cancel();
        EXPECT_THROW(co_await handle, corio::CancelledError);
      },
      kVirtual);
}

// An outside cancel that arrives while the body cleans up after the expiry is not swallowed:
// the scope sees a cancellation that is not its own and lets CancelledError through.
TEST(Timeout, OutsideCancelDuringTheExpiryCleanupIsNotSwallowed) {
  corio::run(
      []() -> corio::Task<> {
        bool reached_after = false;
        auto handle = corio::spawn([&]() -> corio::Task<> {
          try {
            co_await corio::timeout(1s, []() -> corio::Task<> {
              try {
                co_await corio::sleep(1h);
              } catch (const corio::CancelledError&) {
              }
              co_await corio::sleep(1min);  // cleanup; the outside cancel lands here
            });
          } catch (const corio::TimeoutError&) {
            ADD_FAILURE() << "the outside cancel became TimeoutError";
          }
          reached_after = true;
        });
        co_await corio::sleep(2s);
        handle.cancel();
        EXPECT_THROW(co_await handle, corio::CancelledError);
        EXPECT_FALSE(reached_after);
      },
      kVirtual);
}

// Two scopes whose deadlines fall on the same instant: the inner lets the outer's
// cancellation through, the outer raises TimeoutError.
TEST(Timeout, NestedScopesExpiringTogetherRaiseOneTimeoutErrorFromTheOuter) {
  corio::run(
      []() -> corio::Task<> {
        auto& loop = corio::Loop::current();
        const auto deadline = loop.now() + 1min;
        bool inner_timed_out = false;
        try {
          co_await corio::timeout_at(deadline, [&]() -> corio::Task<> {
            try {
              co_await corio::timeout_at(deadline,
                                         []() -> corio::Task<> { co_await corio::sleep(1h); });
            } catch (const corio::TimeoutError&) {
              inner_timed_out = true;
            }
            co_await corio::yield_now();
          });
          ADD_FAILURE() << "no timeout";
        } catch (const corio::TimeoutError&) {
        }
        EXPECT_FALSE(inner_timed_out);
        EXPECT_EQ(corio::current_task().cancelling(), 0u);
      },
      kVirtual);
}

// Parity: test_waitfor.py test_wait_for_timeout_less_then_0_or_0_future_done.
TEST(WaitFor, ZeroTimeoutOnADoneTaskReturnsItsValue) {
  corio::run(
      []() -> corio::Task<> {
        auto done = corio::spawn([]() -> corio::Task<int> { co_return 9; });
        co_await corio::yield_now();
        EXPECT_TRUE(done.done());
        EXPECT_EQ(co_await corio::wait_for(done, 0s), 9);
      },
      kVirtual);
}

// Parity: test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started.
TEST(WaitFor, ZeroOrNegativeTimeoutNeverStartsATask) {
  corio::run(
      []() -> corio::Task<> {
        bool started = false;
        auto body = [&]() -> corio::Task<int> {
          started = true;
          co_return 1;
        };
        EXPECT_THROW(co_await corio::wait_for(body(), 0s), corio::TimeoutError);
        EXPECT_THROW(co_await corio::wait_for(body(), -1s), corio::TimeoutError);
        EXPECT_FALSE(started);
        EXPECT_THROW(co_await corio::wait_for(corio::Task<int>(), 0s), corio::InvalidStateError);
      },
      kVirtual);
}

// Parity: test_wait_for_timeout_less_then_0_or_0 — a running task is cancelled and awaited.
TEST(WaitFor, ZeroOrNegativeTimeoutCancelsARunningTaskAndWaitsForIt) {
  corio::run(
      []() -> corio::Task<> {
        for (auto delay : {0s, -1s}) {
          bool cleaned = false;
          auto slow = corio::spawn([&]() -> corio::Task<int> {
            try {
              co_await corio::sleep(1h);
            } catch (const corio::CancelledError&) {
              cleaned = true;
              throw;
            }
            co_return 1;
          });
          co_await corio::yield_now();
          EXPECT_THROW(co_await corio::wait_for(slow, delay), corio::TimeoutError);
          EXPECT_TRUE(slow.cancelled());
          EXPECT_TRUE(cleaned);
        }
      },
      kVirtual);
}

// Parity: test_wait_for_cancel_suppressed / test_wait_for_cancellation_race_condition.
TEST(WaitFor, AwaitableThatSwallowsTheCancelReturnsItsValue) {
  corio::run(
      []() -> corio::Task<> {
        auto stubborn = []() -> corio::Task<int> {
          try {
            co_await corio::sleep(1h);
          } catch (const corio::CancelledError&) {
            co_return 42;
          }
          co_return 0;
        };
        EXPECT_EQ(co_await corio::wait_for(stubborn(), 1s), 42);
        auto handle = corio::spawn(stubborn());
        EXPECT_EQ(co_await corio::wait_for(handle, 1s), 42);
        EXPECT_EQ(corio::current_task().cancelling(), 0u);
      },
      kVirtual);
}

// Parity: test_wait_for_waits_for_task_cancellation.
TEST(WaitFor, ExpiryWaitsForTheTasksSlowCleanup) {
  corio::run(
      []() -> corio::Task<> {
        auto& loop = corio::Loop::current();
        const auto start = loop.now();
        bool cleaned = false;
        auto slow = corio::spawn([&]() -> corio::Task<> {
          bool cancelled = false;
          try {
            co_await corio::sleep(1h);
          } catch (const corio::CancelledError&) {
            cancelled = true;
          }
          if (cancelled) {
            co_await corio::sleep(5s);
            cleaned = true;
            throw corio::CancelledError();
          }
        });
        EXPECT_THROW(co_await corio::wait_for(slow, 1s), corio::TimeoutError);
        EXPECT_TRUE(cleaned);
        EXPECT_EQ(loop.now() - start, 6s);
      },
      kVirtual);
}

// Parity: test_wait_for_reraises_exception_during_cancellation.
TEST(WaitFor, ErrorRaisedByTheTaskWhileCancelledWins) {
  corio::run(
      []() -> corio::Task<> {
        auto failing = corio::spawn([]() -> corio::Task<> {
          try {
            co_await corio::sleep(1h);
          } catch (const corio::CancelledError&) {
            throw std::domain_error("during cancel");
          }
        });
        EXPECT_THROW(co_await corio::wait_for(failing, 1s), std::domain_error);
      },
      kVirtual);
}

// Parity: test_cancel_wait_for (Python issue #23219) — cancelling the waiter cancels the task.
TEST(WaitFor, CancellingTheWaiterCancelsTheAwaitedTask) {
  corio::run(
      []() -> corio::Task<> {
        auto blocked = corio::spawn([]() -> corio::Task<int> {
          co_await corio::sleep(24h);
          co_return 1;
        });
        auto waiter = corio::spawn(
            [blocked]() -> corio::Task<int> { co_return co_await corio::wait_for(blocked, 1h); });
        co_await corio::sleep(1s);
        waiter.cancel();
        EXPECT_THROW(co_await waiter, corio::CancelledError);
        EXPECT_TRUE(blocked.cancelled());
      },
      kVirtual);
}

// The deadline passing while the body is still handling an outside cancel does not turn
// that cancel into TimeoutError: two requests are pending and only one is the scope's.
TEST(Timeout, ExpiryDuringTheCleanupOfAnOutsideCancelStaysCancelledError) {
  corio::run(
      []() -> corio::Task<> {
        bool cleanup_interrupted = false;
        auto handle = corio::spawn([&]() -> corio::Task<> {
          co_await corio::timeout(10s, [&]() -> corio::Task<> {
            bool cancelled = false;
            try {
              co_await corio::sleep(1h);
            } catch (const corio::CancelledError&) {
              cancelled = true;  // the outside cancel, at 1s
            }
            if (!cancelled) co_return;
            try {
              co_await corio::sleep(1h);  // long cleanup: the deadline passes at 10s
            } catch (const corio::CancelledError&) {
              cleanup_interrupted = true;
              throw;
            }
          });
        });
        co_await corio::sleep(1s);
        handle.cancel();
        EXPECT_THROW(co_await handle, corio::CancelledError);
        EXPECT_TRUE(cleanup_interrupted);
      },
      kVirtual);
}
