// src/runtime/timer_queue.cpp — the loop's timers: FIFO lanes for timeouts armed in deadline
// order, a binary min-heap of (when, seq) for the rest.
#include <corio/detail/timer.hpp>

namespace corio::detail {

void TimerQueue::push(TimerEntry* entry) {
  entry->seq = next_seq_++;
  const std::size_t lane = lane_for(entry);
  if (lane < kLanes) {
    append_to_lane(lane, entry);
  } else {
    push_to_heap(entry);
  }
  ++size_;
}

void TimerQueue::erase(TimerEntry* entry) noexcept {
  if (in_lane(entry)) {
    unlink_from_lane(entry);
  } else {
    erase_from_heap(entry);
  }
  entry->slot = TimerEntry::not_armed;
  --size_;
}

TimerEntry* TimerQueue::top() const noexcept {
  TimerEntry* earliest = heap_.empty() ? nullptr : heap_[0];
  for (const Lane& lane : lanes_) {
    if (lane.first != nullptr && (earliest == nullptr || before(lane.first, earliest))) {
      earliest = lane.first;
    }
  }
  return earliest;
}

TimerEntry* TimerQueue::pop() noexcept {
  TimerEntry* earliest = top();
  if (earliest != nullptr) erase(earliest);
  return earliest;
}

std::size_t TimerQueue::lane_for(const TimerEntry* entry) const noexcept {
  std::size_t best = kLanes;
  std::size_t free = kLanes;
  for (std::size_t i = 0; i < kLanes; ++i) {
    const TimerEntry* last = lanes_[i].last;
    if (last == nullptr) {
      if (free == kLanes) free = i;
    } else if (last->when <= entry->when &&
               (best == kLanes || lanes_[best].last->when < last->when)) {
      best = i;
    }
  }
  return best < kLanes ? best : free;
}

void TimerQueue::append_to_lane(std::size_t lane, TimerEntry* entry) noexcept {
  Lane& target = lanes_[lane];
  entry->slot = lane_slot(lane);
  entry->lane_prev = target.last;
  entry->lane_next = nullptr;
  if (target.last != nullptr) {
    target.last->lane_next = entry;
  } else {
    target.first = entry;
  }
  target.last = entry;
}

void TimerQueue::unlink_from_lane(TimerEntry* entry) noexcept {
  Lane& lane = lanes_[lane_of(entry)];
  if (entry->lane_prev != nullptr) {
    entry->lane_prev->lane_next = entry->lane_next;
  } else {
    lane.first = entry->lane_next;
  }
  if (entry->lane_next != nullptr) {
    entry->lane_next->lane_prev = entry->lane_prev;
  } else {
    lane.last = entry->lane_prev;
  }
  entry->lane_prev = entry->lane_next = nullptr;
}

void TimerQueue::push_to_heap(TimerEntry* entry) {
  heap_.push_back(entry);
  entry->slot = heap_.size() - 1;
  sift_up(entry->slot);
}

void TimerQueue::erase_from_heap(TimerEntry* entry) noexcept {
  const std::size_t i = entry->slot;
  TimerEntry* last = heap_.back();
  heap_.pop_back();
  if (last == entry) return;
  place(i, last);
  sift_up(i);
  sift_down(last->slot);
}

void TimerQueue::sift_up(std::size_t i) noexcept {
  TimerEntry* entry = heap_[i];
  while (i > 0) {
    const std::size_t parent = (i - 1) / 2;
    if (!before(entry, heap_[parent])) break;
    place(i, heap_[parent]);
    i = parent;
  }
  place(i, entry);
}

void TimerQueue::sift_down(std::size_t i) noexcept {
  TimerEntry* entry = heap_[i];
  const std::size_t n = heap_.size();
  for (;;) {
    std::size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && before(heap_[child + 1], heap_[child])) ++child;
    if (!before(heap_[child], entry)) break;
    place(i, heap_[child]);
    i = child;
  }
  place(i, entry);
}

}  // namespace corio::detail
