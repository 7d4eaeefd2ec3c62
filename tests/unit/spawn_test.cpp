// tests/unit/spawn_test.cpp — tests for include/corio/spawn.hpp: JoinHandle, cancellation.
// Parity cases name the CPython test_asyncio/test_tasks.py case they mirror.
#include <gtest/gtest.h>
#include <corio/corio.hpp>

#include <chrono>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "frame_probe.hpp"

using namespace std::chrono_literals;

TEST(Spawn, WithoutRunningLoopThrowsNoRunningEventLoop) {
  auto job = []() -> corio::Task<> { co_return; };
  try {
    (void)corio::spawn(job());
    FAIL() << "spawn outside a loop did not throw";
  } catch (const corio::RuntimeError& e) {
    EXPECT_STREQ(e.what(), "no running event loop");
  }
}

TEST(Spawn, DroppedHandleNeitherCancelsNorDestroysTheTask) {
  bool finished = false;
  corio::run([&]() -> corio::Task<> {
    (void)corio::spawn([&]() -> corio::Task<> {
      co_await corio::sleep(1ms);
      finished = true;
    });
    co_await corio::sleep(20ms);
  });
  EXPECT_TRUE(finished);
}

TEST(Spawn, AwaitingTwiceReturnsTheSameValue) {
  corio::run([]() -> corio::Task<> {
    auto handle = corio::spawn([]() -> corio::Task<std::string> { co_return "v"; });
    EXPECT_EQ(co_await handle, "v");
    EXPECT_EQ(co_await handle, "v");
    EXPECT_EQ(handle.result(), "v");
  });
}

namespace {

corio::Task<std::string> probed_value(FrameProbe, std::string value) {
  co_await corio::yield_now();
  co_return value;
}

corio::Task<> probed_failure(FrameProbe) {
  co_await corio::yield_now();
  throw std::runtime_error("probed failure");
}

}  // namespace

// `co_await std::move(handle)` (tokio's consuming await): the value moves out and the
// finished task's frame is freed within the await, not when the handle is dropped later.
TEST(Spawn, ConsumingAwaitMovesTheValueOutAndFreesTheFrame) {
  corio::run([]() -> corio::Task<> {
    int freed = 0;
    auto handle = corio::spawn(probed_value(FrameProbe(freed), "value"));
    const std::string value = co_await std::move(handle);
    EXPECT_EQ(value, "value");
    EXPECT_EQ(freed, 1);
    EXPECT_FALSE(handle.valid());  // a moved-from handle is empty
  });
}

TEST(Spawn, ConsumingAwaitCopiesWhileAnotherHandleRemains) {
  corio::run([]() -> corio::Task<> {
    int freed = 0;
    auto handle = corio::spawn(probed_value(FrameProbe(freed), "shared"));
    auto other = handle;
    EXPECT_EQ(co_await std::move(handle), "shared");
    EXPECT_EQ(freed, 0);
    EXPECT_EQ(co_await other, "shared");
    EXPECT_EQ(co_await std::move(other), "shared");
    EXPECT_EQ(freed, 1);
  });
}

TEST(Spawn, ConsumingAwaitOfAMoveOnlyResult) {
  corio::run([]() -> corio::Task<> {
    auto handle = corio::spawn(
        []() -> corio::Task<std::unique_ptr<int>> { co_return std::make_unique<int>(7); });
    const std::unique_ptr<int> value = co_await std::move(handle);
    EXPECT_NE(value, nullptr);
    EXPECT_EQ(value ? *value : 0, 7);
  });
}

TEST(Spawn, ConsumingAwaitRethrowsAndStillFreesTheFrame) {
  corio::run([]() -> corio::Task<> {
    int freed = 0;
    auto handle = corio::spawn(probed_failure(FrameProbe(freed)));
    bool threw = false;
    try {
      co_await std::move(handle);
    } catch (const std::runtime_error& e) {
      threw = true;
      EXPECT_STREQ(e.what(), "probed failure");
    }
    EXPECT_TRUE(threw);
    EXPECT_EQ(freed, 1);
  });
}

// Cancelling a task parked in a consuming await cancels the awaited task (asyncio's rule)
// and the reference the await took is still dropped: LSan sees any leak.
TEST(Spawn, CancelDuringAConsumingAwaitCancelsBothAndFreesTheFrame) {
  corio::run([]() -> corio::Task<> {
    int freed = 0;
    auto inner = corio::spawn(probed_value(FrameProbe(freed), "never"));
    auto outer = corio::spawn(
        [inner = std::move(inner)]() mutable -> corio::Task<> { co_await std::move(inner); });
    co_await corio::yield_now();
    outer.cancel();
    EXPECT_THROW(co_await outer, corio::CancelledError);
    EXPECT_EQ(freed, 1);
  });
}

TEST(Spawn, AwaitingAnEmptyHandleThrowsInvalidState) {
  corio::run([]() -> corio::Task<> {
    corio::JoinHandle<int> empty;
    EXPECT_THROW(co_await empty, corio::InvalidStateError);
    auto handle = corio::spawn([]() -> corio::Task<int> { co_return 1; });
    EXPECT_EQ(co_await std::move(handle), 1);
    EXPECT_THROW(co_await std::move(handle), corio::InvalidStateError);  // moved-from: empty
  });
}

TEST(Spawn, ResultOfPendingTaskThrowsInvalidState) {
  corio::run([]() -> corio::Task<> {
    auto handle = corio::spawn([]() -> corio::Task<int> { co_return 1; });
    EXPECT_THROW(handle.result(), corio::InvalidStateError);
    co_await handle;
  });
}

TEST(Spawn, NamesDefaultToTaskNumberAndCanBeSet) {
  corio::run([]() -> corio::Task<> {
    auto a = corio::spawn([]() -> corio::Task<> { co_return; });
    auto b = corio::spawn([]() -> corio::Task<> { co_return; }, "fetcher");
    EXPECT_EQ(a.name().rfind("Task-", 0), 0u);
    EXPECT_EQ(b.name(), "fetcher");
    b.set_name("renamed");
    EXPECT_EQ(b.name(), "renamed");
    co_await a;
    co_await b;
  });
}

// Parity: test_cancel_before_start — cancelled before its first step, the body never runs.
TEST(Spawn, CancelBeforeStartNeverRunsTheBody) {
  bool ran = false;
  corio::run([&]() -> corio::Task<> {
    auto handle = corio::spawn([&]() -> corio::Task<> {
      co_await corio::yield_now();
      ran = true;
    });
    EXPECT_TRUE(handle.cancel());
    EXPECT_THROW(co_await handle, corio::CancelledError);
    EXPECT_TRUE(handle.cancelled());
  });
  EXPECT_FALSE(ran);
}

TEST(Spawn, CancelBeforeStartOfABodyThatNeverSuspendsStillCancels) {
  bool ran = false;
  corio::run([&]() -> corio::Task<> {
    auto handle = corio::spawn([&]() -> corio::Task<int> {
      ran = true;
      co_return 1;
    });
    handle.cancel();
    EXPECT_THROW(co_await handle, corio::CancelledError);
    EXPECT_TRUE(handle.cancelled());
  });
  EXPECT_FALSE(ran);
}

// Parity: asyncio raises a single CancelledError however many cancel() calls preceded it.
TEST(Spawn, TwoCancelsRaiseOneCancelledError) {
  corio::run([]() -> corio::Task<> {
    int raised = 0;
    auto handle = corio::spawn([&]() -> corio::Task<> {
      try {
        co_await corio::sleep(1h);
      } catch (const corio::CancelledError&) {
        ++raised;
      }
      try {
        co_await corio::yield_now();
      } catch (const corio::CancelledError&) {
        ++raised;
      }
    });
    co_await corio::yield_now();
    handle.cancel();
    handle.cancel();
    co_await handle;
    EXPECT_EQ(raised, 1);
  });
}

TEST(Spawn, CancelDuringSleepRaisesAtTheAwait) {
  corio::run([]() -> corio::Task<> {
    bool cleaned = false;
    auto handle = corio::spawn([&]() -> corio::Task<> {
      try {
        co_await corio::sleep(1h);
      } catch (const corio::CancelledError&) {
        cleaned = true;
        throw;
      }
    });
    co_await corio::yield_now();
    handle.cancel();
    EXPECT_THROW(co_await handle, corio::CancelledError);
    EXPECT_TRUE(cleaned);
  });
}

// Parity: test_cancel_done_future / cancel returns False once done.
TEST(Spawn, CancelAfterDoneReturnsFalse) {
  corio::run([]() -> corio::Task<> {
    auto handle = corio::spawn([]() -> corio::Task<int> { co_return 3; });
    co_await handle;
    EXPECT_FALSE(handle.cancel());
    EXPECT_FALSE(handle.cancelled());
  });
}

// Parity: test_cancelling / test_uncancel (Python 3.11 counting).
TEST(Spawn, DoubleCancelCountsTwoRequests) {
  corio::run([]() -> corio::Task<> {
    auto handle = corio::spawn([]() -> corio::Task<> { co_await corio::sleep(1h); });
    co_await corio::yield_now();
    EXPECT_TRUE(handle.cancel());
    EXPECT_TRUE(handle.cancel());
    EXPECT_EQ(handle.cancelling(), 2u);
    EXPECT_EQ(handle.uncancel(), 1u);
    EXPECT_THROW(co_await handle, corio::CancelledError);
  });
}

// A task may catch CancelledError, clean up with more awaits, and finish normally.
TEST(Spawn, CancelDuringCleanupAwaitIsHonouredOnlyOnce) {
  corio::run([]() -> corio::Task<> {
    auto handle = corio::spawn([]() -> corio::Task<int> {
      try {
        co_await corio::sleep(1h);
      } catch (const corio::CancelledError&) {
      }
      co_await corio::sleep(1ms);  // cleanup that itself awaits
      co_return 7;
    });
    co_await corio::yield_now();
    handle.cancel();
    EXPECT_EQ(co_await handle, 7);
  });
}

TEST(Spawn, SelfCancelRaisesAtNextSuspension) {
  corio::run([]() -> corio::Task<> {
    auto handle = corio::spawn([]() -> corio::Task<> {
      corio::current_task().cancel();
      co_await corio::yield_now();
      ADD_FAILURE() << "survived its own cancel";
    });
    EXPECT_THROW(co_await handle, corio::CancelledError);
  });
}

// Parity: asyncio forwards the cancel of a task awaiting another task to that task.
TEST(Spawn, CancellingTheAwaiterCancelsTheAwaitedTask) {
  corio::run([]() -> corio::Task<> {
    auto inner = corio::spawn([]() -> corio::Task<> { co_await corio::sleep(1h); });
    auto outer = corio::spawn([inner]() -> corio::Task<> { co_await inner; });
    co_await corio::yield_now();
    co_await corio::yield_now();
    outer.cancel();
    EXPECT_THROW(co_await outer, corio::CancelledError);
    EXPECT_TRUE(inner.cancelled());
  });
}

TEST(Spawn, TaskAwaitingItselfThrows) {
  corio::run([]() -> corio::Task<> {
    corio::JoinHandle<> self;
    std::string message;
    self = corio::spawn([&]() -> corio::Task<> {
      co_await corio::yield_now();
      try {
        co_await self;
      } catch (const corio::RuntimeError& e) {
        message = e.what();
      }
    });
    co_await self;
    EXPECT_EQ(message, "corio: a task cannot await itself");
  });
}

TEST(Spawn, DoneCallbackRunsOnALaterTurnWithTheHandle) {
  std::vector<std::string> order;
  corio::run([&]() -> corio::Task<> {
    auto handle = corio::spawn([]() -> corio::Task<int> { co_return 5; });
    handle.add_done_callback([&](corio::JoinHandle<int> done) {
      order.push_back("callback " + std::to_string(done.result()));
    });
    co_await handle;
    order.push_back("joined");
    co_await corio::yield_now();
  });
  EXPECT_EQ(order, (std::vector<std::string>{"joined", "callback 5"}));
}

TEST(Spawn, UnretrievedExceptionIsReportedWithTheTaskName) {
  testing::internal::CaptureStderr();
  corio::run([]() -> corio::Task<> {
    (void)corio::spawn(
        []() -> corio::Task<> {
          throw std::runtime_error("lost failure");
          co_return;
        },
        "forgotten");
    co_await corio::sleep(1ms);
  });
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("never retrieved"), std::string::npos) << err;
  EXPECT_NE(err.find("forgotten"), std::string::npos) << err;
  EXPECT_NE(err.find("lost failure"), std::string::npos) << err;
}

TEST(Spawn, CurrentTaskAndAllTasks) {
  corio::run([]() -> corio::Task<> {
    EXPECT_EQ(corio::current_task().name(), "main");
    auto child = corio::spawn([]() -> corio::Task<> { co_await corio::sleep(1ms); }, "child");
    std::vector<std::string> names;
    for (auto& t : corio::all_tasks()) names.push_back(t.name());
    EXPECT_EQ(names, (std::vector<std::string>{"main", "child"}));
    co_await child;
  });
}

// A task is entered in the loop's list only when it first parks (a yield parks too);
// all_tasks() must still see the ones that never did: the running one, and ones waiting in
// the ready queue for their first step.
TEST(Spawn, AllTasksSeesTasksThatNeverParked) {
  const auto names = [] {
    std::vector<std::string> out;
    for (auto& t : corio::all_tasks()) out.push_back(t.name());
    return out;
  };
  corio::run([&]() -> corio::Task<> {
    auto queued = corio::spawn([]() -> corio::Task<> { co_return; }, "queued");
    EXPECT_EQ(names(), (std::vector<std::string>{"main", "queued"}));
    auto parked = corio::spawn([]() -> corio::Task<> { co_await corio::sleep(1h); }, "parked");
    co_await queued;  // main parks; queued and parked run their first step
    auto fresh = corio::spawn([]() -> corio::Task<> { co_return; }, "fresh");
    EXPECT_EQ(names(), (std::vector<std::string>{"main", "parked", "fresh"}));
    co_await fresh;
    parked.cancel();
    bool parked_cancelled = false;
    try {
      co_await parked;
    } catch (const corio::CancelledError&) {
      parked_cancelled = true;
    }
    EXPECT_TRUE(parked_cancelled);
    EXPECT_EQ(names(), (std::vector<std::string>{"main"}));
  });
}

// run()'s epilogue cancels a task that never ran a step (it never parked, so only the ready
// queue holds it): it ends cancelled, and its body never runs.
TEST(Spawn, RunCancelsTasksThatNeverRan) {
  bool body_ran = false;
  corio::JoinHandle<> never_ran;
  corio::run([&]() -> corio::Task<> {
    never_ran = corio::spawn([&]() -> corio::Task<> {
      body_ran = true;
      co_return;
    });
    co_return;
  });
  EXPECT_TRUE(never_ran.cancelled());
  EXPECT_FALSE(body_ran);
}

TEST(Spawn, RunCancelsLeftoverTasks) {
  bool cancelled = false;
  corio::run([&]() -> corio::Task<> {
    (void)corio::spawn([&]() -> corio::Task<> {
      try {
        co_await corio::sleep(1h);
      } catch (const corio::CancelledError&) {
        cancelled = true;
        throw;
      }
    });
    co_await corio::yield_now();
  });
  EXPECT_TRUE(cancelled);
}

TEST(Spawn, HundredThousandPendingTasksCancelledLeakNothing) {
  corio::run([]() -> corio::Task<> {
    std::vector<corio::JoinHandle<>> handles;
    for (int i = 0; i < 100'000; ++i) {
      handles.push_back(corio::spawn([]() -> corio::Task<> { co_await corio::sleep(1h); }));
    }
    co_await corio::yield_now();
    for (auto& h : handles) h.cancel();
    for (auto& h : handles) EXPECT_THROW(co_await h, corio::CancelledError);
  });
  // LeakSanitizer (debug preset) fails the test binary if any frame was leaked.
}

namespace {
long resident_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}
}  // namespace

TEST(Spawn, TenMillionYieldsKeepMemoryFlat) {
  long before = 0;
  long after = 0;
  corio::run([&]() -> corio::Task<> {
    for (int i = 0; i < 1000; ++i) co_await corio::yield_now();  // warm up
    before = resident_kib();
    for (int i = 0; i < 10'000'000; ++i) co_await corio::yield_now();
    after = resident_kib();
  });
  ASSERT_GT(before, 0);
  EXPECT_LT(after - before, 1024) << "RSS grew by " << (after - before) << " KiB";
}

// Parity: test_uncancel_resets_must_cancel (Python 3.13) — a cancel taken back with uncancel()
// before it was delivered is gone: the task runs as if never cancelled.
TEST(Spawn, CancelTakenBackBeforeTheFirstStepLetsTheTaskRun) {
  corio::run([]() -> corio::Task<> {
    auto handle = corio::spawn([]() -> corio::Task<int> {
      co_await corio::yield_now();
      co_return 5;
    });
    EXPECT_TRUE(handle.cancel());
    EXPECT_EQ(handle.uncancel(), 0u);
    EXPECT_EQ(co_await handle, 5);
  });
}

TEST(Spawn, SelfCancelTakenBackDoesNotRaise) {
  corio::run([]() -> corio::Task<> {
    auto handle = corio::spawn([]() -> corio::Task<int> {
      corio::current_task().cancel();
      corio::current_task().uncancel();
      co_await corio::yield_now();
      co_return 6;
    });
    EXPECT_EQ(co_await handle, 6);
  });
}
