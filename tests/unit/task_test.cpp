// tests/unit/task_test.cpp — tests for include/corio/task.hpp and spawn.hpp basics.
#include <gtest/gtest.h>
#include <corio/corio.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

corio::Task<int> answer() {
  co_return 42;
}

corio::Task<int> add_one(int depth) {
  if (depth == 0) co_return 0;
  co_return 1 + co_await add_one(depth - 1);
}

}  // namespace

TEST(Task, RunReturnsTheValue) {
  EXPECT_EQ(corio::run(answer()), 42);
}

TEST(Task, AwaitRunsInline) {
  int result = corio::run([]() -> corio::Task<int> { co_return co_await answer() + 1; }());
  EXPECT_EQ(result, 43);
}

TEST(Task, MillionNestedAwaitsDoNotOverflowTheStack) {
  EXPECT_EQ(corio::run(add_one(1'000'000)), 1'000'000);
}

TEST(Task, ExceptionPropagatesThroughRun) {
  auto failing = []() -> corio::Task<> {
    throw std::runtime_error("boom");
    co_return;
  };
  EXPECT_THROW(corio::run(failing()), std::runtime_error);
}

// A coroutine object that is never awaited: its body never runs, and destroying it frees
// the frame with its parameters.
TEST(Task, NeverAwaitedTaskNeverRunsItsBody) {
  auto body = [](std::shared_ptr<int> counter) -> corio::Task<> {
    ++*counter;
    co_return;
  };
  auto counter = std::make_shared<int>(0);
  {
    corio::Task<> outside = body(counter);  // outside any loop
    EXPECT_EQ(counter.use_count(), 2);      // the frame holds its copy of the parameter
  }
  EXPECT_EQ(counter.use_count(), 1);
  corio::run([&]() -> corio::Task<> {
    {
      corio::Task<> inside = body(counter);
      co_await corio::yield_now();
      co_await corio::sleep(1ms);
      EXPECT_EQ(*counter, 0);
    }
    EXPECT_EQ(counter.use_count(), 1);
    co_await corio::yield_now();
  });
  EXPECT_EQ(*counter, 0);
  EXPECT_EQ(counter.use_count(), 1);
}

TEST(Task, SpawnStartsOnALaterTurn) {
  std::vector<std::string> order;
  corio::run([&]() -> corio::Task<> {
    auto child = corio::spawn([&]() -> corio::Task<> {
      order.push_back("child");
      co_return;
    });
    order.push_back("parent");
    co_await child;
  }());
  EXPECT_EQ(order, (std::vector<std::string>{"parent", "child"}));
}

TEST(Task, SleepCompletes) {
  corio::run([]() -> corio::Task<> {
    auto& loop = corio::Loop::current();
    auto start = loop.now();
    co_await corio::sleep(10ms);
    EXPECT_GE(loop.now() - start, 10ms);
  }());
}
