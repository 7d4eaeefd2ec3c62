// bench/http_client.cpp — corio::http::AsyncClient in the HTTP client benchmark
// (bench/peers/README.md, "HTTP client"; the runner is bench/peers/run_http.py).
//
// Usage: corio_http_client --url URL [--requests N] [--conns C] [--io-batch-wait US] [--latency]
//
// Sends N GET requests (default 200000) to URL from C concurrent tasks (default 50) that
// share one AsyncClient with Limits{max_connections = max_keepalive_connections = C}, so
// the requests go over C keep-alive connections. Every response must be 200 and its body is
// read whole. Prints one line:
//
//   http_client requests=N conns=C wall_s=<float> cpu_s=<float>
//
// cpu_s is this process's user + system CPU time (getrusage RUSAGE_SELF) over the requests
// only, wall_s the elapsed time over the same span. Exits 1 with the reason on stderr when a
// request fails. The backend comes from CORIO_BACKEND=epoll|io_uring; --io-batch-wait sets
// LoopOptions::io_batch_wait (default 50 µs; 0 turns completion batching off). --latency
// times every request and appends ` p50_ms=<float> p99_ms=<float>` to the line (run_http.py
// uses this client as a load generator for servers that wrk cannot saturate).
#include <corio/corio.hpp>
#include <corio/http.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

using corio::Task;
using corio::http::AsyncClient;

double cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Takes requests from the shared counter until none are left; with `latencies`, appends how
// long each took.
Task<> worker(AsyncClient& client, const std::string& url, long& remaining,
              std::vector<std::chrono::nanoseconds>* latencies) {
  while (remaining > 0) {
    --remaining;
    const auto start =
        latencies ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
    auto response = co_await client.get(url);
    if (response.status_code != 200) {
      throw std::runtime_error("GET " + url + " answered " + std::to_string(response.status_code));
    }
    if (latencies) latencies->push_back(std::chrono::steady_clock::now() - start);
  }
}

// The q-quantile (0 < q <= 1) of `sorted` latencies, in milliseconds.
double quantile_ms(const std::vector<std::chrono::nanoseconds>& sorted, double q) {
  const auto rank = static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1));
  return std::chrono::duration<double, std::milli>(sorted[rank]).count();
}

Task<> run_bench(std::string url, long requests, long conns, bool latency) {
  corio::http::ClientOptions options;
  options.limits.max_connections = static_cast<std::size_t>(conns);
  options.limits.max_keepalive_connections = static_cast<std::size_t>(conns);
  AsyncClient client(std::move(options));
  long remaining = requests;
  std::vector<std::chrono::nanoseconds> latencies;
  if (latency) latencies.reserve(static_cast<std::size_t>(requests));
  const double cpu_before = cpu_seconds();
  const auto wall_before = std::chrono::steady_clock::now();
  std::vector<corio::JoinHandle<void>> workers;
  workers.reserve(static_cast<std::size_t>(conns));
  for (long i = 0; i < conns; ++i) {
    workers.push_back(corio::spawn(worker(client, url, remaining, latency ? &latencies : nullptr)));
  }
  for (auto& handle : workers) co_await handle;
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_before).count();
  const double cpu = cpu_seconds() - cpu_before;
  std::printf("http_client requests=%ld conns=%ld wall_s=%.6f cpu_s=%.6f", requests, conns, wall,
              cpu);
  if (latency) {
    std::sort(latencies.begin(), latencies.end());
    std::printf(" p50_ms=%.3f p99_ms=%.3f", quantile_ms(latencies, 0.5),
                quantile_ms(latencies, 0.99));
  }
  std::printf("\n");
}

// `text` as a decimal number; -1 when it is not one.
long number(const char* text) {
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  return end == text || *end != '\0' ? -1 : value;
}

int usage() {
  std::fputs(
      "usage: corio_http_client --url URL [--requests N] [--conns C] [--io-batch-wait US] "
      "[--latency]\n",
      stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string url;
  long requests = 200000;
  long conns = 50;
  corio::LoopOptions options;
  bool latency = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--url" && i + 1 < argc) {
      url = argv[++i];
    } else if ((arg == "--requests" || arg == "--conns") && i + 1 < argc) {
      const long value = number(argv[++i]);
      if (value < 1) return usage();
      (arg == "--requests" ? requests : conns) = value;
    } else if (arg == "--io-batch-wait" && i + 1 < argc) {
      const long value = number(argv[++i]);
      if (value < 0) return usage();
      options.io_batch_wait = std::chrono::microseconds(value);
    } else if (arg == "--latency") {
      latency = true;
    } else {
      return usage();
    }
  }
  if (url.empty()) return usage();
  try {
    corio::run(run_bench(std::move(url), requests, conns, latency), options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "corio_http_client: %s\n", e.what());
    return 1;
  }
  return 0;
}
