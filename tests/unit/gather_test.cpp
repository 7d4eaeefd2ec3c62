// tests/unit/gather_test.cpp — tests for include/corio/gather.hpp.
// Parity cases name the CPython test_asyncio/test_gather.py (or test_tasks.py) case.
#include <gtest/gtest.h>
#include <corio/corio.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "frame_probe.hpp"

using namespace std::chrono_literals;

namespace {

corio::Task<int> after(std::chrono::milliseconds delay, int value) {
  co_await corio::sleep(delay);
  co_return value;
}

corio::Task<int> failing(std::chrono::milliseconds delay, std::string message) {
  co_await corio::sleep(delay);
  throw std::runtime_error(message);
}

}  // namespace

TEST(Gather, ReturnsResultsInArgumentOrder) {
  corio::run([]() -> corio::Task<> {
    auto [a, b, c] = co_await corio::gather(after(3ms, 1), after(1ms, 2), after(2ms, 3));
    EXPECT_EQ(a, 1);
    EXPECT_EQ(b, 2);
    EXPECT_EQ(c, 3);
  });
}

TEST(Gather, MixesTasksHandlesAndVoid) {
  corio::run([]() -> corio::Task<> {
    auto handle = corio::spawn(after(1ms, 10));
    auto nothing = []() -> corio::Task<> { co_return; };
    auto [x, none, y] = co_await corio::gather(handle, nothing(), after(0ms, 20));
    EXPECT_EQ(x, 10);
    EXPECT_EQ(y, 20);
    EXPECT_EQ(none, std::monostate{});
  });
}

TEST(Gather, VectorFormKeepsOrder) {
  corio::run([]() -> corio::Task<> {
    std::vector<corio::Task<int>> tasks;
    for (int i = 0; i < 50; ++i) tasks.push_back(after(std::chrono::milliseconds(50 - i), i));
    std::vector<int> values = co_await corio::gather(std::move(tasks));
    EXPECT_EQ(values.size(), 50u);
    if (values.size() != 50u) co_return;
    for (int i = 0; i < 50; ++i) EXPECT_EQ(values[i], i);
  });
}

TEST(Gather, TwoTasksOfOneSecondTakeOneSecondOnTheVirtualClock) {
  corio::run(
      []() -> corio::Task<> {
        auto& loop = corio::Loop::current();
        const auto start = loop.now();
        co_await corio::gather(after(1000ms, 1), after(1000ms, 2));
        EXPECT_EQ(loop.now() - start, 1000ms);
      },
      {.virtual_time = true});
}

// Parity: test_one_exception — the first failure propagates.
TEST(Gather, FirstFailureIsRaisedAndSpawnedSiblingsAreCancelled) {
  corio::run([]() -> corio::Task<> {
    bool sibling_cancelled = false;
    auto slow = [&]() -> corio::Task<int> {
      try {
        co_await corio::sleep(1h);
      } catch (const corio::CancelledError&) {
        sibling_cancelled = true;
        throw;
      }
      co_return 0;
    };
    try {
      co_await corio::gather(failing(1ms, "first"), slow(), failing(5ms, "second"));
      ADD_FAILURE() << "gather did not throw";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "first");
    }
    EXPECT_TRUE(sibling_cancelled);
  });
}

TEST(Gather, HandleArgumentsKeepRunningAfterASiblingFails) {
  corio::run(
      []() -> corio::Task<> {
        auto handle = corio::spawn(after(5000ms, 9));
        EXPECT_THROW(co_await corio::gather(failing(1000ms, "x"), handle), std::runtime_error);
        EXPECT_FALSE(handle.done());
        EXPECT_EQ(co_await handle, 9);
      },
      {.virtual_time = true});
}

// Parity: test_return_exceptions.
TEST(Gather, ReturnExceptionsCollectsEveryOutcome) {
  corio::run([]() -> corio::Task<> {
    auto [ok, bad] =
        co_await corio::gather(corio::return_exceptions, after(1ms, 4), failing(1ms, "bad"));
    EXPECT_TRUE(ok.has_value());
    EXPECT_EQ(*ok, 4);
    EXPECT_FALSE(bad.has_value());
    EXPECT_THROW(bad.value(), std::runtime_error);
  });
}

TEST(Gather, ReturnExceptionsVectorHoldsCancelledChildren) {
  corio::run([]() -> corio::Task<> {
    auto victim = corio::spawn(after(1h, 0));
    std::vector<corio::JoinHandle<int>> handles{victim, corio::spawn(after(1ms, 1))};
    co_await corio::yield_now();
    victim.cancel();
    auto outcomes = co_await corio::gather(corio::return_exceptions, std::move(handles));
    EXPECT_EQ(outcomes.size(), 2u);
    if (outcomes.size() != 2u) co_return;
    EXPECT_TRUE(outcomes[0].cancelled());
    EXPECT_EQ(*outcomes[1], 1);
  });
}

// Parity: test_cancel_gather — cancelling the waiter cancels every child, then raises.
TEST(Gather, CancellingTheAwaiterCancelsEveryChildAndWaits) {
  corio::run([]() -> corio::Task<> {
    int cancelled_children = 0;
    auto child = [&]() -> corio::Task<int> {
      try {
        co_await corio::sleep(1h);
      } catch (const corio::CancelledError&) {
        ++cancelled_children;
        throw;
      }
      co_return 0;
    };
    auto outer = corio::spawn([&]() -> corio::Task<> { co_await corio::gather(child(), child()); });
    co_await corio::sleep(1ms);
    outer.cancel();
    EXPECT_THROW(co_await outer, corio::CancelledError);
    EXPECT_EQ(cancelled_children, 2);
  });
}

TEST(Gather, ChildCancellationPropagatesAsCancelledError) {
  corio::run([]() -> corio::Task<> {
    auto victim = corio::spawn(after(1h, 0));
    auto other = corio::spawn(after(1ms, 1));
    co_await corio::yield_now();
    victim.cancel();
    EXPECT_THROW(co_await corio::gather(victim, other), corio::CancelledError);
  });
}

// gather answers for its children's exceptions: none is reported as never retrieved when the
// frames are freed, in any form (asyncio marks them retrieved the same way).
TEST(Gather, ChildFailuresAreNeverReportedAsUnretrieved) {
  testing::internal::CaptureStderr();
  corio::run([]() -> corio::Task<> {
    try {
      (void)co_await corio::gather(failing(0ms, "tuple"), after(5ms, 1));
      ADD_FAILURE() << "the tuple gather did not raise";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "tuple");
    }
    std::vector<corio::Task<int>> tasks;
    tasks.push_back(after(5ms, 1));
    tasks.push_back(failing(0ms, "vector"));
    try {
      (void)co_await corio::gather(std::move(tasks));
      ADD_FAILURE() << "the vector gather did not raise";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "vector");
    }
    auto [failed, value] =
        co_await corio::gather(corio::return_exceptions, failing(0ms, "outcome"), after(0ms, 2));
    EXPECT_FALSE(failed.has_value());
    EXPECT_EQ(value.value(), 2);
    std::vector<corio::Task<int>> more;
    more.push_back(failing(0ms, "outcomes"));
    more.push_back(after(0ms, 3));
    auto outcomes = co_await corio::gather(corio::return_exceptions, std::move(more));
    EXPECT_EQ(outcomes.size(), 2u);
    if (outcomes.size() != 2u) co_return;
    EXPECT_FALSE(outcomes[0].has_value());
    EXPECT_EQ(outcomes[1].value(), 3);
  });
  const std::string reported = testing::internal::GetCapturedStderr();
  EXPECT_EQ(reported.find("never retrieved"), std::string::npos) << reported;
}

namespace {

corio::Task<> void_child(FrameProbe, corio::Event& release, bool fail) {
  co_await release.wait();
  if (fail) throw std::runtime_error("void child failed");
}

}  // namespace

// A vector gather of void tasks frees each child that succeeds as it finishes, not when the
// whole gather ends, so its frame is freed while it is still in cache.
TEST(Gather, VoidVectorFreesEachSucceededChildAsItFinishes) {
  corio::run([]() -> corio::Task<> {
    corio::Event first;
    corio::Event second;
    int freed = 0;
    std::vector<corio::Task<>> tasks;
    tasks.push_back(void_child(FrameProbe(freed), first, false));
    tasks.push_back(void_child(FrameProbe(freed), second, false));
    auto gathering = corio::spawn(corio::gather(std::move(tasks)));
    co_await corio::yield_now();
    first.set();
    for (int i = 0; i < 3; ++i) co_await corio::yield_now();
    EXPECT_EQ(freed, 1);
    EXPECT_FALSE(gathering.done());
    second.set();
    const std::vector<std::monostate> values = co_await gathering;
    EXPECT_EQ(values.size(), 2u);
    EXPECT_EQ(freed, 2);
  });
}

// After some children were freed early, a failure still cancels and awaits the rest, and
// cancelling the awaiter still reaches every running child.
TEST(Gather, VoidVectorFailureAndCancellationAfterEarlyReleases) {
  corio::run([]() -> corio::Task<> {
    corio::Event go;
    corio::Event never;
    int freed = 0;
    std::vector<corio::Task<>> tasks;
    tasks.push_back(void_child(FrameProbe(freed), go, false));
    tasks.push_back(void_child(FrameProbe(freed), never, false));
    tasks.push_back(void_child(FrameProbe(freed), go, true));
    go.set();
    try {
      co_await corio::gather(std::move(tasks));
      ADD_FAILURE() << "the gather did not raise";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "void child failed");
    }
    EXPECT_EQ(freed, 3);

    std::vector<corio::Task<>> more;
    more.push_back(void_child(FrameProbe(freed), go, false));
    more.push_back(void_child(FrameProbe(freed), never, false));
    auto outer = corio::spawn(corio::gather(std::move(more)));
    for (int i = 0; i < 3; ++i) co_await corio::yield_now();
    EXPECT_EQ(freed, 4);  // the first child finished and was freed
    outer.cancel();
    EXPECT_THROW(co_await outer, corio::CancelledError);
    EXPECT_EQ(freed, 5);
  });
}

// Handles to void tasks: gather's early release drops only its own reference.
TEST(Gather, VoidHandleVectorLeavesTheHandlesUsable) {
  corio::run([]() -> corio::Task<> {
    corio::Event go;
    int freed = 0;
    std::vector<corio::JoinHandle<>> handles;
    handles.push_back(corio::spawn(void_child(FrameProbe(freed), go, false)));
    handles.push_back(corio::spawn(void_child(FrameProbe(freed), go, false)));
    const std::vector<corio::JoinHandle<>> kept = handles;
    go.set();
    const auto values = co_await corio::gather(std::move(handles));
    EXPECT_EQ(values.size(), 2u);
    EXPECT_EQ(freed, 0);  // the frames live on for `kept`
    for (const auto& handle : kept) {
      EXPECT_TRUE(handle.done());
      EXPECT_FALSE(handle.cancelled());
    }
  });
}

// A bad Task in the vector (here an empty one) fails the gather before anything runs: the
// children already spawned never start, and their frames are freed.
TEST(Gather, BadTaskInVectorStartsNothingAndLeaksNothing) {
  corio::run([]() -> corio::Task<> {
    corio::Event never;
    int freed = 0;
    int ran = 0;
    auto counted = [](FrameProbe, int& runs) -> corio::Task<> {
      ++runs;
      co_return;
    };
    std::vector<corio::Task<>> tasks;
    tasks.push_back(counted(FrameProbe(freed), ran));
    tasks.push_back(void_child(FrameProbe(freed), never, false));
    tasks.emplace_back();  // empty
    EXPECT_THROW(co_await corio::gather(std::move(tasks)), corio::InvalidStateError);
    for (int i = 0; i < 3; ++i) co_await corio::yield_now();
    EXPECT_EQ(ran, 0);
    EXPECT_EQ(freed, 2);
  });
}

// Parity: test_constructor_empty_sequence — gathering nothing returns nothing, at once.
TEST(Gather, EmptyVectorReturnsAnEmptyVector) {
  corio::run([]() -> corio::Task<> {
    auto values = co_await corio::gather(std::vector<corio::Task<int>>{});
    EXPECT_TRUE(values.empty());
    auto outcomes =
        co_await corio::gather(corio::return_exceptions, std::vector<corio::JoinHandle<int>>{});
    EXPECT_TRUE(outcomes.empty());
  });
}

// Parity: test_cancel_gather_2 / bpo-32684 — cancelling the awaiter raises CancelledError even
// with return_exceptions, and even when every child swallows its cancel and returns a value.
TEST(Gather, CancelledAwaiterRaisesCancelledErrorEvenWithReturnExceptions) {
  corio::run([]() -> corio::Task<> {
    int swallowed = 0;
    auto stubborn = [&]() -> corio::Task<int> {
      try {
        co_await corio::sleep(1h);
      } catch (const corio::CancelledError&) {
        ++swallowed;
      }
      co_return 1;
    };
    auto outer = corio::spawn([&]() -> corio::Task<> {
      co_await corio::gather(corio::return_exceptions, stubborn(), stubborn());
    });
    co_await corio::sleep(1ms);
    outer.cancel();
    EXPECT_THROW(co_await outer, corio::CancelledError);
    EXPECT_EQ(swallowed, 2);
  });
}

// Parity: test_return_exceptions with a child cancelled on its own (tuple form).
TEST(Gather, ReturnExceptionsTupleHoldsAChildCancelledOnItsOwn) {
  corio::run([]() -> corio::Task<> {
    auto victim = corio::spawn(after(1h, 0));
    auto other = corio::spawn(after(1ms, 2));
    co_await corio::yield_now();
    victim.cancel();
    auto [a, b] = co_await corio::gather(corio::return_exceptions, victim, other);
    EXPECT_TRUE(a.cancelled());
    EXPECT_TRUE(b.has_value());
    if (b.has_value()) {
      EXPECT_EQ(*b, 2);
    }
    EXPECT_EQ(corio::current_task().cancelling(), 0u);
  });
}
