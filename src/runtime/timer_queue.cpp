// src/runtime/timer_heap.cpp — binary min-heap of TimerEntry pointers, ordered by (when, seq).
#include <corio/detail/timer.hpp>

namespace corio::detail {

void TimerHeap::push(TimerEntry* entry) {
  entry->seq = next_seq_++;
  heap_.push_back(entry);
  entry->heap_index = heap_.size() - 1;
  sift_up(entry->heap_index);
}

void TimerHeap::erase(TimerEntry* entry) noexcept {
  const std::size_t i = entry->heap_index;
  entry->heap_index = TimerEntry::not_armed;
  TimerEntry* last = heap_.back();
  heap_.pop_back();
  if (last == entry) return;
  place(i, last);
  sift_up(i);
  sift_down(last->heap_index);
}

TimerEntry* TimerHeap::pop() noexcept {
  if (heap_.empty()) return nullptr;
  TimerEntry* first = heap_[0];
  erase(first);
  return first;
}

void TimerHeap::sift_up(std::size_t i) noexcept {
  TimerEntry* entry = heap_[i];
  while (i > 0) {
    const std::size_t parent = (i - 1) / 2;
    if (!before(entry, heap_[parent])) break;
    place(i, heap_[parent]);
    i = parent;
  }
  place(i, entry);
}

void TimerHeap::sift_down(std::size_t i) noexcept {
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
