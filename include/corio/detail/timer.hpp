// include/corio/detail/timer.hpp — timer entries and the loop's timer queue.
//
// A TimerEntry lives in its owner (a sleep awaiter's frame, a timeout scope, a callback
// node); the queue only points at it. Equal deadlines fire in insertion order.
//
// Most timers are timeouts of a few fixed lengths (an HTTP read timeout, a keep-alive
// limit), armed one after another: each deadline is no earlier than the last one of the
// same length, and most are cancelled long before they fire. Such timers go into a lane, a
// FIFO list kept in deadline order, where arming and cancelling are O(1). A timer that
// fits no lane (earlier than every lane's last deadline, and no lane free) goes into a
// binary heap, O(log n). The earliest timer is the first of the heap and the lanes.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace corio::detail {

struct TimerEntry {
  static constexpr std::size_t not_armed = static_cast<std::size_t>(-1);

  std::chrono::steady_clock::time_point when{};
  std::uint64_t seq = 0;
  // The entry's place in the heap, or lane_slot(lane) while in a lane, or not_armed.
  std::size_t slot = not_armed;
  TimerEntry* lane_prev = nullptr;  // neighbours while in a lane
  TimerEntry* lane_next = nullptr;
  void (*fire)(TimerEntry*) noexcept = nullptr;

  [[nodiscard]] bool armed() const noexcept { return slot != not_armed; }
};

class TimerQueue {
 public:
  static constexpr std::size_t kLanes = 4;

  // Arms `entry` (not armed) for entry->when. Throws std::bad_alloc when the heap cannot grow.
  void push(TimerEntry* entry);
  // Disarms an armed entry.
  void erase(TimerEntry* entry) noexcept;
  // The earliest entry (by deadline, then insertion order), or null.
  [[nodiscard]] TimerEntry* top() const noexcept;
  // Disarms and returns top(), or null.
  TimerEntry* pop() noexcept;
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

 private:
  struct Lane {
    TimerEntry* first = nullptr;
    TimerEntry* last = nullptr;
  };

  static constexpr std::size_t lane_slot(std::size_t lane) noexcept {
    return TimerEntry::not_armed - 1 - lane;
  }
  // The lane an entry in a lane is in (the inverse of lane_slot).
  static std::size_t lane_of(const TimerEntry* entry) noexcept {
    return TimerEntry::not_armed - 1 - entry->slot;
  }
  static bool in_lane(const TimerEntry* entry) noexcept {
    return entry->slot >= lane_slot(kLanes - 1) && entry->slot != TimerEntry::not_armed;
  }
  static bool before(const TimerEntry* a, const TimerEntry* b) noexcept {
    return a->when < b->when || (a->when == b->when && a->seq < b->seq);
  }
  // The lane whose last deadline is the latest one not after entry->when, else a free
  // lane, else kLanes (the heap).
  [[nodiscard]] std::size_t lane_for(const TimerEntry* entry) const noexcept;
  void append_to_lane(std::size_t lane, TimerEntry* entry) noexcept;
  void unlink_from_lane(TimerEntry* entry) noexcept;
  void push_to_heap(TimerEntry* entry);
  void erase_from_heap(TimerEntry* entry) noexcept;
  void sift_up(std::size_t i) noexcept;
  void sift_down(std::size_t i) noexcept;
  void place(std::size_t i, TimerEntry* entry) noexcept {
    heap_[i] = entry;
    entry->slot = i;
  }

  std::array<Lane, kLanes> lanes_{};
  std::vector<TimerEntry*> heap_;
  std::size_t size_ = 0;
  std::uint64_t next_seq_ = 0;
};

}  // namespace corio::detail
