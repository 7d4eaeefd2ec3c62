// tests/unit/task_group_test.cpp — tests for include/corio/task_group.hpp.
// Parity cases name the CPython test_asyncio/test_taskgroups.py case they mirror.
#include <gtest/gtest.h>
#include <corio/corio.hpp>

#include <chrono>
#include <stdexcept>

using namespace std::chrono_literals;

// Parity: test_taskgroup_01.
TEST(TaskGroup, WaitsForEveryChild) {
  corio::run([]() -> corio::Task<> {
    int finished = 0;
    co_await corio::task_group([&](corio::TaskGroup& group) -> corio::Task<> {
      for (int i = 0; i < 5; ++i) {
        group.spawn([&, i]() -> corio::Task<> {
          co_await corio::sleep(std::chrono::milliseconds(i));
          ++finished;
        });
      }
      co_return;
    });
    EXPECT_EQ(finished, 5);
  });
}

TEST(TaskGroup, ReturnsTheBodysValue) {
  corio::run([]() -> corio::Task<> {
    int v = co_await corio::task_group([](corio::TaskGroup& group) -> corio::Task<int> {
      auto child = group.spawn([]() -> corio::Task<int> { co_return 20; });
      co_return 1 + co_await child;
    });
    EXPECT_EQ(v, 21);
  });
}

// Parity: test_taskgroup_03 — a failing child cancels the siblings and the body.
TEST(TaskGroup, FailingChildCancelsSiblingsAndBodyThenRaisesExceptionGroup) {
  corio::run([]() -> corio::Task<> {
    bool sibling_cancelled = false;
    bool body_cancelled = false;
    try {
      co_await corio::task_group([&](corio::TaskGroup& group) -> corio::Task<> {
        group.spawn([&]() -> corio::Task<> {
          try {
            co_await corio::sleep(1h);
          } catch (const corio::CancelledError&) {
            sibling_cancelled = true;
            throw;
          }
        });
        group.spawn([]() -> corio::Task<> {
          co_await corio::sleep(1ms);
          throw std::runtime_error("child failed");
        });
        try {
          co_await corio::sleep(1h);
        } catch (const corio::CancelledError&) {
          body_cancelled = true;
          throw;
        }
      });
      ADD_FAILURE() << "no ExceptionGroup";
    } catch (const corio::ExceptionGroup& group) {
      EXPECT_EQ(group.exceptions().size(), 1u);
      if (group.exceptions().size() != 1u) co_return;
      EXPECT_THROW(std::rethrow_exception(group.exceptions()[0]), std::runtime_error);
    }
    EXPECT_TRUE(sibling_cancelled);
    EXPECT_TRUE(body_cancelled);
    EXPECT_EQ(corio::current_task().cancelling(), 0u);
  });
}

// Regression: the group used to touch the freed frame of a child that had finished with no
// handle left, when a later sibling failed.
TEST(TaskGroup, FailureAfterAnUnreferencedChildFinishedIsSafe) {
  corio::run([]() -> corio::Task<> {
    try {
      co_await corio::task_group([](corio::TaskGroup& group) -> corio::Task<> {
        group.spawn([]() -> corio::Task<> { co_return; });
        group.spawn([]() -> corio::Task<> {
          co_await corio::sleep(1ms);
          throw std::runtime_error("x");
        });
        co_return;
      });
      ADD_FAILURE() << "no ExceptionGroup";
    } catch (const corio::ExceptionGroup& group) {
      EXPECT_EQ(group.exceptions().size(), 1u);
    }
  });
}

// A sibling whose cleanup fails while being cancelled adds its own error to the group.
TEST(TaskGroup, CollectsFailuresRaisedWhileSiblingsAreCancelled) {
  corio::run([]() -> corio::Task<> {
    try {
      co_await corio::task_group([](corio::TaskGroup& group) -> corio::Task<> {
        group.spawn([]() -> corio::Task<> {
          try {
            co_await corio::sleep(1h);
          } catch (const corio::CancelledError&) {
            throw std::logic_error("cleanup failed");
          }
        });
        group.spawn([]() -> corio::Task<> {
          co_await corio::sleep(1ms);
          throw std::runtime_error("boom");
        });
        co_return;
      });
      ADD_FAILURE() << "no ExceptionGroup";
    } catch (const corio::ExceptionGroup& group) {
      EXPECT_EQ(group.exceptions().size(), 2u);
    }
  });
}

// A child failing cancels the siblings at once: one that had not started never runs.
// (asyncio runs the failure callback a loop turn later, so a sibling already scheduled
// still takes one step there.)
TEST(TaskGroup, SiblingNotYetStartedWhenAChildFailsNeverRuns) {
  corio::run([]() -> corio::Task<> {
    bool second_ran = false;
    try {
      co_await corio::task_group([&](corio::TaskGroup& group) -> corio::Task<> {
        group.spawn([]() -> corio::Task<> {
          throw std::runtime_error("first");
          co_return;
        });
        group.spawn([&]() -> corio::Task<> {
          second_ran = true;
          co_return;
        });
        co_return;
      });
    } catch (const corio::ExceptionGroup& group) {
      EXPECT_EQ(group.exceptions().size(), 1u);
    }
    EXPECT_FALSE(second_ran);
  });
}

// Parity: test_taskgroup_07 / test_cancellation — outside cancel cancels children.
TEST(TaskGroup, OutsideCancellationCancelsChildrenAndPropagates) {
  corio::run([]() -> corio::Task<> {
    int cancelled = 0;
    auto runner = corio::spawn([&]() -> corio::Task<> {
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
    co_await corio::sleep(1ms);
    runner.cancel();
    EXPECT_THROW(co_await runner, corio::CancelledError);
    EXPECT_EQ(cancelled, 3);
  });
}

// Parity: test_taskgroup_cancel_body_exit — a cancel arriving while the group waits.
TEST(TaskGroup, CancelDuringExitWaitStillWaitsForChildren) {
  corio::run([]() -> corio::Task<> {
    bool child_finished_cleanup = false;
    auto runner = corio::spawn([&]() -> corio::Task<> {
      co_await corio::task_group([&](corio::TaskGroup& group) -> corio::Task<> {
        group.spawn([&]() -> corio::Task<> {
          bool cancelled = false;
          try {
            co_await corio::sleep(1h);
          } catch (const corio::CancelledError&) {
            cancelled = true;
          }
          if (cancelled) {
            co_await corio::sleep(2ms);  // slow cleanup still completes
            child_finished_cleanup = true;
            throw corio::CancelledError();
          }
        });
        co_return;  // body done: the group now waits in its exit
      });
    });
    co_await corio::sleep(1ms);
    runner.cancel();
    EXPECT_THROW(co_await runner, corio::CancelledError);
    EXPECT_TRUE(child_finished_cleanup);
  });
}

TEST(TaskGroup, BodyExceptionIsReportedInTheGroup) {
  corio::run([]() -> corio::Task<> {
    try {
      co_await corio::task_group([](corio::TaskGroup& group) -> corio::Task<> {
        group.spawn([]() -> corio::Task<> { co_await corio::sleep(1h); });
        throw std::logic_error("body broke");
      });
      ADD_FAILURE() << "no ExceptionGroup";
    } catch (const corio::ExceptionGroup& group) {
      EXPECT_EQ(group.exceptions().size(), 1u);
      if (group.exceptions().size() != 1u) co_return;
      EXPECT_THROW(std::rethrow_exception(group.exceptions()[0]), std::logic_error);
    }
  });
}

TEST(TaskGroup, SpawningAfterAFailureThrows) {
  corio::run([]() -> corio::Task<> {
    bool spawn_threw = false;
    bool raised = false;
    try {
      co_await corio::task_group([&](corio::TaskGroup& group) -> corio::Task<> {
        group.spawn([]() -> corio::Task<> {
          throw std::runtime_error("x");
          co_return;
        });
        try {
          co_await corio::sleep(1h);
        } catch (const corio::CancelledError&) {
        }
        try {
          group.spawn([]() -> corio::Task<> { co_return; });
        } catch (const corio::RuntimeError&) {
          spawn_threw = true;
        }
      });
    } catch (const corio::ExceptionGroup& group) {
      raised = true;
      EXPECT_EQ(group.exceptions().size(), 1u);
      if (group.exceptions().size() == 1u) {
        EXPECT_EQ(corio::describe(group.exceptions()[0]), "x");
      }
    }
    EXPECT_TRUE(spawn_threw);
    EXPECT_TRUE(raised) << "the group did not raise its ExceptionGroup";
  });
}

// Parity: test_taskgroup_21-style — a body awaiting the very child that fails sees the
// group's CancelledError, not the child's error, so the error is reported once.
TEST(TaskGroup, BodyAwaitingTheFailingChildReportsTheErrorOnce) {
  corio::run([]() -> corio::Task<> {
    bool body_cancelled = false;
    try {
      co_await corio::task_group([&](corio::TaskGroup& group) -> corio::Task<> {
        auto child = group.spawn([]() -> corio::Task<> {
          co_await corio::yield_now();
          throw std::runtime_error("child failed");
        });
        try {
          co_await child;
        } catch (const corio::CancelledError&) {
          body_cancelled = true;
          throw;
        }
      });
      ADD_FAILURE() << "no ExceptionGroup";
    } catch (const corio::ExceptionGroup& group) {
      EXPECT_EQ(group.exceptions().size(), 1u);
    }
    EXPECT_TRUE(body_cancelled);
    EXPECT_EQ(corio::current_task().cancelling(), 0u);
  });
}

// Parity: the "foo()" example in taskgroups.py — after catching the group's failure, the
// task goes on awaiting with no cancellation left over from the group.
TEST(TaskGroup, TaskCatchingTheGroupsFailureCarriesOnUncancelled) {
  corio::run([]() -> corio::Task<> {
    try {
      co_await corio::task_group([](corio::TaskGroup& group) -> corio::Task<> {
        group.spawn([]() -> corio::Task<> {
          co_await corio::sleep(1ms);
          throw std::runtime_error("crash soon");
        });
        co_await corio::sleep(1h);
      });
    } catch (const corio::ExceptionGroup&) {
    }
    co_await corio::sleep(1ms);  // must not raise CancelledError
    EXPECT_EQ(corio::current_task().cancelling(), 0u);
  });
}

// Parity: test_children_error_and_body_error-like cases — the body, interrupted by a failing
// child, raising an error of its own: both are in the group.
TEST(TaskGroup, BodyErrorRaisedAfterAChildFailedJoinsTheChildsError) {
  corio::run([]() -> corio::Task<> {
    try {
      co_await corio::task_group([](corio::TaskGroup& group) -> corio::Task<> {
        group.spawn([]() -> corio::Task<> {
          co_await corio::sleep(1ms);
          throw std::runtime_error("child");
        });
        try {
          co_await corio::sleep(1h);
        } catch (const corio::CancelledError&) {
          throw std::logic_error("body");
        }
      });
      ADD_FAILURE() << "no ExceptionGroup";
    } catch (const corio::ExceptionGroup& group) {
      EXPECT_EQ(group.exceptions().size(), 2u);
      if (group.exceptions().size() != 2u) co_return;
      EXPECT_THROW(std::rethrow_exception(group.exceptions()[0]), std::runtime_error);
      EXPECT_THROW(std::rethrow_exception(group.exceptions()[1]), std::logic_error);
    }
    EXPECT_EQ(corio::current_task().cancelling(), 0u);
  });
}

// Parity: test_taskgroup_04-like — a child cancelled on its own is not a failure: the group
// finishes normally and the other children complete.
TEST(TaskGroup, ChildCancelledOnItsOwnIsNotAFailure) {
  corio::run([]() -> corio::Task<> {
    bool sibling_done = false;
    co_await corio::task_group([&](corio::TaskGroup& group) -> corio::Task<> {
      auto doomed = group.spawn([]() -> corio::Task<> { co_await corio::sleep(1h); });
      group.spawn([&]() -> corio::Task<> {
        co_await corio::sleep(2ms);
        sibling_done = true;
      });
      co_await corio::sleep(1ms);
      doomed.cancel();
    });
    EXPECT_TRUE(sibling_done);
    EXPECT_EQ(corio::current_task().cancelling(), 0u);
  });
}

// Parity: test_taskgroup_23-like — while the group waits in its exit, a running child may
// still spawn a sibling; the group waits for that one too.
TEST(TaskGroup, ChildMaySpawnASiblingWhileTheGroupWaitsForIt) {
  corio::run([]() -> corio::Task<> {
    bool late_ran = false;
    co_await corio::task_group([&](corio::TaskGroup& group) -> corio::Task<> {
      group.spawn([&]() -> corio::Task<> {
        co_await corio::sleep(1ms);
        group.spawn([&]() -> corio::Task<> {
          co_await corio::sleep(1ms);
          late_ran = true;
        });
      });
      co_return;
    });
    EXPECT_TRUE(late_ran);
  });
}

// Parity: test_taskgroup_15/16-like — nested groups: the inner group's failure reaches the
// outer body as an ExceptionGroup, which the outer group wraps, cancelling its own children.
TEST(TaskGroup, NestedGroupFailureIsWrappedByTheOuterGroup) {
  corio::run([]() -> corio::Task<> {
    bool outer_child_cancelled = false;
    try {
      co_await corio::task_group([&](corio::TaskGroup& outer) -> corio::Task<> {
        outer.spawn([&]() -> corio::Task<> {
          try {
            co_await corio::sleep(1h);
          } catch (const corio::CancelledError&) {
            outer_child_cancelled = true;
            throw;
          }
        });
        co_await corio::task_group([](corio::TaskGroup& inner) -> corio::Task<> {
          inner.spawn([]() -> corio::Task<> {
            co_await corio::sleep(1ms);
            throw std::runtime_error("inner child");
          });
          co_await corio::sleep(1h);
        });
      });
      ADD_FAILURE() << "no ExceptionGroup";
    } catch (const corio::ExceptionGroup& group) {
      EXPECT_EQ(group.exceptions().size(), 1u);
      if (group.exceptions().size() == 1u) {
        EXPECT_THROW(std::rethrow_exception(group.exceptions()[0]), corio::ExceptionGroup);
      }
    }
    EXPECT_TRUE(outer_child_cancelled);
    EXPECT_EQ(corio::current_task().cancelling(), 0u);
  });
}

// Parity: test_taskgroup_10-like — an outside cancel of a task running nested groups is one
// CancelledError all the way out, not an ExceptionGroup.
TEST(TaskGroup, OutsideCancelPassesThroughNestedGroupsAsCancelledError) {
  corio::run([]() -> corio::Task<> {
    int cancelled = 0;
    auto runner = corio::spawn([&]() -> corio::Task<> {
      co_await corio::task_group([&](corio::TaskGroup& outer) -> corio::Task<> {
        outer.spawn([&]() -> corio::Task<> {
          try {
            co_await corio::sleep(1h);
          } catch (const corio::CancelledError&) {
            ++cancelled;
            throw;
          }
        });
        co_await corio::task_group([&](corio::TaskGroup& inner) -> corio::Task<> {
          inner.spawn([&]() -> corio::Task<> {
            try {
              co_await corio::sleep(1h);
            } catch (const corio::CancelledError&) {
              ++cancelled;
              throw;
            }
          });
          co_await corio::sleep(1h);
        });
      });
    });
    co_await corio::sleep(1ms);
    runner.cancel();
    EXPECT_THROW(co_await runner, corio::CancelledError);
    EXPECT_EQ(cancelled, 2);
  });
}

// Parity: test_taskgroup_cancel_while_error (gh-116720, Python 3.13) — when an outside
// cancel and a child failure meet, the ExceptionGroup is raised but the outside cancel is
// not lost: the task raises CancelledError at its next suspension.
TEST(TaskGroup, OutsideCancelMeetingAChildFailureIsNotLost) {
  corio::run([]() -> corio::Task<> {
    bool caught_group = false;
    bool carried_on = false;
    auto runner = corio::spawn([&]() -> corio::Task<> {
      try {
        co_await corio::task_group([](corio::TaskGroup& group) -> corio::Task<> {
          group.spawn([]() -> corio::Task<> {
            try {
              co_await corio::sleep(1h);
            } catch (const corio::CancelledError&) {
              throw std::runtime_error("failed while cancelled");
            }
          });
          co_await corio::sleep(1h);
        });
      } catch (const corio::ExceptionGroup& group) {
        caught_group = true;
        EXPECT_EQ(group.exceptions().size(), 1u);
      }
      co_await corio::sleep(1ms);
      carried_on = true;
    });
    co_await corio::sleep(1ms);
    runner.cancel();
    EXPECT_THROW(co_await runner, corio::CancelledError);
    EXPECT_TRUE(caught_group);
    EXPECT_FALSE(carried_on);
  });
}

// Parity: gh-116720's nested case — inner and outer groups both see a child fail at the same
// moment: nothing hangs, both errors come out, and no cancellation is left behind.
TEST(TaskGroup, NestedGroupsFailingTogetherRaiseBothErrorsAndLeaveNoCancel) {
  corio::run([]() -> corio::Task<> {
    try {
      co_await corio::task_group([](corio::TaskGroup& outer) -> corio::Task<> {
        outer.spawn([]() -> corio::Task<> {
          co_await corio::sleep(1ms);
          throw std::runtime_error("outer child");
        });
        co_await corio::task_group([](corio::TaskGroup& inner) -> corio::Task<> {
          inner.spawn([]() -> corio::Task<> {
            co_await corio::sleep(1ms);
            throw std::logic_error("inner child");
          });
          co_await corio::sleep(1h);
        });
      });
      ADD_FAILURE() << "no ExceptionGroup";
    } catch (const corio::ExceptionGroup& group) {
      EXPECT_EQ(group.exceptions().size(), 2u);
    }
    EXPECT_EQ(corio::current_task().cancelling(), 0u);
    co_await corio::sleep(1ms);  // must not raise CancelledError
  });
}
