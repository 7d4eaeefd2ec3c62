// examples/my_coroutine.cpp — the article's first program, line by line:
//
//   async def my_coroutine():
//       print("Start coroutine")
//       await asyncio.sleep(1)
//       print("End coroutine")
//
//   asyncio.run(my_coroutine())
#include <corio/corio.hpp>

#include <chrono>
#include <cstdio>

using namespace std::chrono_literals;

corio::Task<> my_coroutine() {
  std::puts("Start coroutine");
  co_await corio::sleep(1s);
  std::puts("End coroutine");
}

int main() {
  corio::run(my_coroutine());
}
