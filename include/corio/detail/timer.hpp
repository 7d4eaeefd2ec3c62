// include/corio/detail/timer.hpp — timer entries and the loop's timer heap.
//
// A TimerEntry lives in its owner (a sleep awaiter's frame, a callback node); the heap only
// points at it. Equal deadlines fire in insertion order. Insert and erase are O(log n).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace corio::detail {

struct TimerEntry {
  static constexpr std::size_t not_armed = static_cast<std::size_t>(-1);

  std::chrono::steady_clock::time_point when{};
  std::uint64_t seq = 0;
  std::size_t heap_index = not_armed;
  void (*fire)(TimerEntry*) noexcept = nullptr;

  [[nodiscard]] bool armed() const noexcept { return heap_index != not_armed; }
};

class TimerHeap {
 public:
  void push(TimerEntry* entry);
  void erase(TimerEntry* entry) noexcept;
  TimerEntry* pop() noexcept;
  [[nodiscard]] TimerEntry* top() const noexcept { return heap_.empty() ? nullptr : heap_[0]; }
  [[nodiscard]] bool empty() const noexcept { return heap_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return heap_.size(); }

 private:
  static bool before(const TimerEntry* a, const TimerEntry* b) noexcept {
    return a->when < b->when || (a->when == b->when && a->seq < b->seq);
  }
  void sift_up(std::size_t i) noexcept;
  void sift_down(std::size_t i) noexcept;
  void place(std::size_t i, TimerEntry* entry) noexcept {
    heap_[i] = entry;
    entry->heap_index = i;
  }

  std::vector<TimerEntry*> heap_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace corio::detail
