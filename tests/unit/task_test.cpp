// tests/unit/task_test.cpp — tests for include/corio/task.hpp and spawn.hpp basics.
#include <gtest/gtest.h>
#include <corio/corio.hpp>

#include <chrono>
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
