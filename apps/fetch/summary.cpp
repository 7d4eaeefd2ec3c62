// apps/fetch/summary.cpp — counting results and the end-of-run report.
#include "summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace corio_fetch {
namespace {

constexpr double min_ms = 0.001;
const double log_step = std::log(1.01);

std::string format(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

}  // namespace

void LatencyHistogram::record(double ms) noexcept {
  const double clamped = std::max(ms, min_ms);
  auto index = static_cast<std::size_t>(std::log(clamped / min_ms) / log_step);
  index = std::min(index, bucket_count - 1);
  ++buckets_[index];
  ++count_;
  max_ = std::max(max_, ms);
}

double LatencyHistogram::percentile(double p) const noexcept {
  if (count_ == 0) return 0;
  const auto rank = static_cast<std::uint64_t>(
      std::max(1.0, std::ceil(std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      const double middle = min_ms * std::exp((static_cast<double>(i) + 0.5) * log_step);
      return std::min(middle, max_);
    }
  }
  return max_;
}

void Summary::record(const FetchResult& result) {
  ++done_;
  if (result.status) {
    ++responses_;
    ++by_status_[*result.status];
    if (*result.status >= 400) ++http_errors_;
    bytes_ += result.bytes;
    latency_.record(result.elapsed_ms);
  } else {
    ++errors_;
    ++by_error_[result.error_class.empty() ? std::string("Error") : result.error_class];
  }
}

std::string format_bytes(double bytes) {
  if (bytes < 1000) return format("%.0f B", bytes);
  if (bytes < 1e6) return format("%.1f KB", bytes / 1e3);
  if (bytes < 1e9) return format("%.1f MB", bytes / 1e6);
  return format("%.2f GB", bytes / 1e9);
}

std::string Summary::render(double wall_seconds, std::uint64_t skipped,
                            std::uint64_t unprocessed) const {
  const double seconds = std::max(wall_seconds, 1e-9);
  std::string text = "corio-fetch: " + std::to_string(done_) + " URLs in " +
                     format("%.2f", wall_seconds) + " s (" +
                     format("%.0f", static_cast<double>(done_) / seconds) + " URLs/s), " +
                     format_bytes(static_cast<double>(bytes_)) + " received (" +
                     format_bytes(static_cast<double>(bytes_) / seconds) + "/s)\n";
  text += "  responses: " + std::to_string(responses_);
  if (!by_status_.empty()) {
    text += " —";
    for (const auto& [status, count] : by_status_) {
      text += ' ';
      text += std::to_string(status);
      text += ": ";
      text += std::to_string(count);
    }
  }
  text += "\n  errors: " + std::to_string(errors_);
  if (!by_error_.empty()) {
    text += " —";
    for (const auto& [name, count] : by_error_) {
      text += ' ';
      text += name;
      text += ": ";
      text += std::to_string(count);
    }
  }
  text += "\n";
  if (latency_.count() > 0) {
    text += "  latency ms: p50 " + format("%.2f", latency_.percentile(50)) + "  p95 " +
            format("%.2f", latency_.percentile(95)) + "  p99 " +
            format("%.2f", latency_.percentile(99)) + "  max " + format("%.2f", latency_.max()) +
            "\n";
  }
  if (skipped > 0) text += "  skipped (--resume): " + std::to_string(skipped) + "\n";
  if (unprocessed > 0) text += "  unprocessed (interrupted): " + std::to_string(unprocessed) + "\n";
  return text;
}

}  // namespace corio_fetch
