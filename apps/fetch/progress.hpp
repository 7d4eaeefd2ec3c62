// apps/fetch/progress.hpp — corio-fetch's progress display: a one-line bar redrawn in
// place on a terminal, or plain lines a log file can keep.
//
//   [=========>          ] 4512/10000  45%  9021/s  ETA 0:01  errors 3  in flight 100
//   progress: 4512/10000 done (45%), 9021/s, ETA 0:01, 3 errors, 100 in flight
//
// The total is "?" until known (stdin is counted only once it ends); the rate is the
// average over the last few seconds (RateMeter).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>

namespace corio_fetch {

struct ProgressSnapshot {
  std::uint64_t done = 0;
  std::optional<std::uint64_t> total;
  std::uint64_t errors = 0;
  std::uint64_t in_flight = 0;
  double rate = 0;  // URLs per second
  double elapsed = 0;
};

// The bar line for a terminal `width` columns wide (without "\r" or escape codes).
[[nodiscard]] std::string render_bar(const ProgressSnapshot& snapshot, int width);
// The plain line, ending in '\n'.
[[nodiscard]] std::string render_line(const ProgressSnapshot& snapshot);
// "0:07", "1:02:03"; "?" for a negative or absurd value.
[[nodiscard]] std::string format_duration(double seconds);

// URLs per second over a sliding window of samples (done count at a time). Time counts
// from the start, when nothing was done: the first sample already gives a rate (the first
// progress line of a run is not "0/s" after thousands of URLs).
class RateMeter {
 public:
  explicit RateMeter(double window_seconds = 5) : window_(window_seconds) {
    samples_.emplace_back(0.0, 0);
  }
  void sample(double time, std::uint64_t done);
  [[nodiscard]] double rate() const noexcept;

 private:
  double window_;
  std::deque<std::pair<double, std::uint64_t>> samples_;
};

}  // namespace corio_fetch
