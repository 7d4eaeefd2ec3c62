// examples/two_tasks.cpp — the article's second program: two tasks run concurrently, so the
// whole thing takes about 2 seconds (the longer sleep), not 3 (the sum).
//
//   async def coroutine_1():
//       print("Coroutine 1 started")
//       await asyncio.sleep(2)
//       print("Coroutine 1 finished")
//
//   async def coroutine_2():
//       print("Coroutine 2 started")
//       await asyncio.sleep(1)
//       print("Coroutine 2 finished")
//
//   async def main():
//       task1 = asyncio.create_task(coroutine_1())
//       task2 = asyncio.create_task(coroutine_2())
//       await task1
//       await task2
//
//   asyncio.run(main())
#include <corio/corio.hpp>

#include <chrono>
#include <cstdio>

using namespace std::chrono_literals;

corio::Task<> coroutine_1() {
  std::puts("Coroutine 1 started");
  co_await corio::sleep(2s);
  std::puts("Coroutine 1 finished");
}

corio::Task<> coroutine_2() {
  std::puts("Coroutine 2 started");
  co_await corio::sleep(1s);
  std::puts("Coroutine 2 finished");
}

corio::Task<> amain() {
  auto task1 = corio::create_task(coroutine_1());
  auto task2 = corio::create_task(coroutine_2());
  co_await task1;
  co_await task2;
}

int main() {
  const auto start = std::chrono::steady_clock::now();
  corio::run(amain());
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  std::printf("Both tasks done in %.2f s (sequential would take 3 s)\n", took.count());
}
