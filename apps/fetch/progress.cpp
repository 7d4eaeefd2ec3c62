// apps/fetch/progress.cpp — progress lines and rates.
#include "progress.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace corio_fetch {
namespace {

std::string eta(const ProgressSnapshot& s) {
  if (!s.total || s.rate <= 0) return "?";
  const double left = static_cast<double>(*s.total > s.done ? *s.total - s.done : 0);
  return format_duration(left / s.rate);
}

std::string counts(const ProgressSnapshot& s) {
  return std::to_string(s.done) + "/" + (s.total ? std::to_string(*s.total) : std::string("?"));
}

std::string percent(const ProgressSnapshot& s) {
  if (!s.total || *s.total == 0) return "";
  const double share = std::min(1.0, static_cast<double>(s.done) / static_cast<double>(*s.total));
  char text[16];
  std::snprintf(text, sizeof text, "%3.0f%%", share * 100);
  return text;
}

}  // namespace

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e8) return "?";
  const auto total = static_cast<long long>(std::llround(seconds));
  char text[32];
  if (total >= 3600) {
    std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", total / 3600, total / 60 % 60,
                  total % 60);
  } else {
    std::snprintf(text, sizeof text, "%lld:%02lld", total / 60, total % 60);
  }
  return text;
}

std::string render_bar(const ProgressSnapshot& s, int width) {
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.0f/s", s.rate);
  // Appended piece by piece: `" " + counts(s)` trips g++ 12's false -Wrestrict (PR 105329).
  std::string tail = " ";
  tail.append(counts(s)).append(" ").append(percent(s)).append(" ").append(rate);
  tail.append("  ETA ").append(eta(s)).append("  errors ").append(std::to_string(s.errors));
  tail.append("  in flight ").append(std::to_string(s.in_flight));
  const int bar_width = std::clamp(width - static_cast<int>(tail.size()) - 3, 0, 40);
  if (bar_width < 5) return tail.substr(1, static_cast<std::size_t>(std::max(width - 1, 0)));
  std::string bar = "[";
  int filled = 0;
  if (s.total && *s.total > 0) {
    filled = static_cast<int>(
        static_cast<double>(bar_width) *
        std::min(1.0, static_cast<double>(s.done) / static_cast<double>(*s.total)));
  }
  for (int i = 0; i < bar_width; ++i) {
    if (i < filled) {
      bar += '=';
    } else if (i == filled && s.total) {
      bar += '>';
    } else {
      bar += ' ';
    }
  }
  bar += ']';
  return bar + tail;
}

std::string render_line(const ProgressSnapshot& s) {
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.0f/s", s.rate);
  std::string text = "progress: " + counts(s) + " done";
  const std::string share = percent(s);
  if (!share.empty()) {
    std::string trimmed = share;
    trimmed.erase(0, trimmed.find_first_not_of(' '));
    text += " (" + trimmed + ")";
  }
  text += ", " + std::string(rate) + ", ETA " + eta(s) + ", " + std::to_string(s.errors) +
          " errors, " + std::to_string(s.in_flight) + " in flight\n";
  return text;
}

void RateMeter::sample(double time, std::uint64_t done) {
  samples_.emplace_back(time, done);
  while (samples_.size() > 2 && samples_.front().first < time - window_) samples_.pop_front();
}

double RateMeter::rate() const noexcept {
  if (samples_.size() < 2) return 0;
  const auto& [t0, d0] = samples_.front();
  const auto& [t1, d1] = samples_.back();
  if (t1 <= t0) return 0;
  return static_cast<double>(d1 - d0) / (t1 - t0);
}

}  // namespace corio_fetch
