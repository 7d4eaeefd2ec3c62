// bench/runtime_bench.cpp — corio's side of the runtime benchmarks (bench/peers/README.md
// gives the exact shape of each workload, shared with the asyncio, uvloop, tokio and Go
// programs). Usage: corio_runtime_bench WORKLOAD [--quick]; prints one result line.
#include <corio/corio.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

long scale = 1;  // 10 with --quick

long sized(long n) {
  return n / scale > 0 ? n / scale : 1;
}

void report(std::string_view workload, Clock::duration took, long ops, long n) {
  const double ns = std::chrono::duration<double, std::nano>(took).count();
  std::printf("%.*s ns_per_op=%.3f n=%ld\n", static_cast<int>(workload.size()), workload.data(),
              ns / static_cast<double>(ops), n);
}

corio::Task<> noop() {
  co_return;
}

corio::Task<> spawn_join() {
  const long n = sized(1'000'000);
  std::vector<corio::JoinHandle<>> batch;
  batch.reserve(1000);
  const auto start = Clock::now();
  for (long done = 0; done < n; done += 1000) {
    for (int i = 0; i < 1000; ++i) batch.push_back(corio::spawn(noop()));
    for (auto& handle : batch) co_await std::move(handle);
    batch.clear();
  }
  report("spawn_join", Clock::now() - start, n, n);
}

corio::Task<> yield_loop() {
  const long n = sized(10'000'000);
  const auto start = Clock::now();
  for (long i = 0; i < n; ++i) co_await corio::yield_now();
  report("yield", Clock::now() - start, n, n);
}

corio::Task<> echo(corio::Queue<long>& ping, corio::Queue<long>& pong, long n) {
  for (long i = 0; i < n; ++i) pong.put_nowait(co_await ping.get());
}

corio::Task<> queue_pingpong() {
  const long n = sized(2'000'000);
  corio::Queue<long> ping;
  corio::Queue<long> pong;
  const auto start = Clock::now();
  auto responder = corio::spawn(echo(ping, pong, n));
  for (long i = 0; i < n; ++i) {
    ping.put_nowait(i);
    (void)co_await pong.get();
  }
  report("queue_pingpong", Clock::now() - start, n, n);
  co_await responder;
}

corio::Task<> respond(corio::Event& ping, corio::Event& pong, long n) {
  for (long i = 0; i < n; ++i) {
    co_await ping.wait();
    ping.clear();
    pong.set();
  }
}

corio::Task<> event_wakeup() {
  const long n = sized(2'000'000);
  corio::Event ping;
  corio::Event pong;
  const auto start = Clock::now();
  auto responder = corio::spawn(respond(ping, pong, n));
  for (long i = 0; i < n; ++i) {
    ping.set();
    co_await pong.wait();
    pong.clear();
  }
  report("event_wakeup", Clock::now() - start, 2 * n, n);
  co_await responder;
}

corio::Task<> timer_cancel() {
  const long n = sized(10'000'000);
  auto& loop = corio::Loop::current();
  const auto start = Clock::now();
  for (long done = 0; done < n; done += 1000) {
    for (int i = 0; i < 1000; ++i) loop.call_later(10s, [] {}).cancel();
    co_await corio::yield_now();
  }
  report("timer_cancel", Clock::now() - start, n, n);
}

corio::Task<> node(int depth, bool leaf_yields) {
  if (depth == 0) {
    if (leaf_yields) co_await corio::yield_now();
    co_return;
  }
  std::vector<corio::Task<>> children;
  children.reserve(6);
  for (int i = 0; i < 6; ++i) children.push_back(node(depth - 1, leaf_yields));
  co_await corio::gather(std::move(children));
}

corio::Task<> async_tree(bool leaf_yields) {
  const long trees = sized(30);
  const auto start = Clock::now();
  for (long i = 0; i < trees; ++i) co_await node(6, leaf_yields);
  report(leaf_yields ? "async_tree_yield" : "async_tree_none", Clock::now() - start, trees, trees);
}

long resident_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6)) * 1024;
  }
  return 0;
}

corio::Task<> park(corio::Event& event, long& parked) {
  ++parked;
  co_await event.wait();
}

corio::Task<> idle_task() {
  const long n = 100'000;
  corio::Event event;
  long parked = 0;
  std::vector<corio::JoinHandle<>> handles;
  const long before = resident_bytes();
  handles.reserve(n);
  for (long i = 0; i < n; ++i) handles.push_back(corio::spawn(park(event, parked)));
  while (parked < n) co_await corio::yield_now();
  const long after = resident_bytes();
  std::printf("idle_task bytes_per_task=%.1f n=%ld\n",
              static_cast<double>(after - before) / static_cast<double>(n), n);
  event.set();
  for (auto& handle : handles) co_await handle;
}

int usage() {
  std::fprintf(stderr,
               "usage: corio_runtime_bench WORKLOAD [--quick]\n"
               "workloads: spawn_join yield queue_pingpong event_wakeup timer_cancel "
               "async_tree_none async_tree_yield idle_task\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) return usage();
  if (argc == 3) {
    if (std::strcmp(argv[2], "--quick") != 0) return usage();
    scale = 10;
  }
  const std::string_view workload = argv[1];
  if (workload == "spawn_join") return corio::run(spawn_join()), 0;
  if (workload == "yield") return corio::run(yield_loop()), 0;
  if (workload == "queue_pingpong") return corio::run(queue_pingpong()), 0;
  if (workload == "event_wakeup") return corio::run(event_wakeup()), 0;
  if (workload == "timer_cancel") return corio::run(timer_cancel()), 0;
  if (workload == "async_tree_none") return corio::run(async_tree(false)), 0;
  if (workload == "async_tree_yield") return corio::run(async_tree(true)), 0;
  if (workload == "idle_task") return corio::run(idle_task()), 0;
  return usage();
}
