// A minimal downstream program: prints 42 computed by two gathered tasks.
#include <corio/corio.hpp>

#include <cstdio>

corio::Task<int> half() {
  co_return 21;
}

corio::Task<int> amain() {
  auto [a, b] = co_await corio::gather(half(), half());
  co_return a + b;
}

int main() {
  std::printf("%d\n", corio::run(amain()));
}
