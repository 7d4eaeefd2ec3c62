// apps/fetch/summary.hpp — the numbers of a corio-fetch run: counts by status and by error
// class, bytes, and latency percentiles from a fixed-size log histogram (memory does not
// grow with the number of URLs; each percentile is within 1% of the exact value).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "output.hpp"

namespace corio_fetch {

// Latencies in milliseconds, 1 µs to ~6.5 hours (1.01^2400 µs), in buckets 1% wide.
class LatencyHistogram {
 public:
  void record(double ms) noexcept;
  // The p-th percentile (0 < p ≤ 100), 0 when empty: the geometric middle of the bucket
  // holding the sample of rank ceil(p/100 · count).
  [[nodiscard]] double percentile(double p) const noexcept;
  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  [[nodiscard]] double max() const noexcept { return max_; }

 private:
  static constexpr std::size_t bucket_count = 2400;
  std::array<std::uint64_t, bucket_count> buckets_{};
  std::uint64_t count_ = 0;
  double max_ = 0;
};

class Summary {
 public:
  // Counts one finished URL.
  void record(const FetchResult& result);

  [[nodiscard]] std::uint64_t done() const noexcept { return done_; }
  [[nodiscard]] std::uint64_t responses() const noexcept { return responses_; }
  [[nodiscard]] std::uint64_t errors() const noexcept { return errors_; }
  [[nodiscard]] std::uint64_t http_errors() const noexcept { return http_errors_; }
  [[nodiscard]] std::uint64_t bytes() const noexcept { return bytes_; }
  [[nodiscard]] const std::map<int, std::uint64_t>& by_status() const noexcept {
    return by_status_;
  }
  [[nodiscard]] const std::map<std::string, std::uint64_t>& by_error() const noexcept {
    return by_error_;
  }
  [[nodiscard]] const LatencyHistogram& latency() const noexcept { return latency_; }

  // The end-of-run report, several lines ending in '\n'. `skipped`: URLs --resume skipped;
  // `unprocessed`: URLs an interruption left.
  [[nodiscard]] std::string render(double wall_seconds, std::uint64_t skipped,
                                   std::uint64_t unprocessed) const;

 private:
  std::uint64_t done_ = 0;
  std::uint64_t responses_ = 0;
  std::uint64_t errors_ = 0;
  std::uint64_t http_errors_ = 0;
  std::uint64_t bytes_ = 0;
  std::map<int, std::uint64_t> by_status_;
  std::map<std::string, std::uint64_t> by_error_;
  LatencyHistogram latency_;
};

// "1.5 KB", "12.0 MB": decimal units, as curl prints them.
[[nodiscard]] std::string format_bytes(double bytes);

}  // namespace corio_fetch
