// tests/unit/timer_test.cpp — the loop's TimerQueue (include/corio/detail/timer.hpp): timers
// come out by deadline, equal deadlines in insertion order, whichever of the lanes or the
// heap holds them, and cancelling any of them leaves the rest in order.
#include <corio/detail/timer.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <random>
#include <vector>

namespace {

using corio::detail::TimerEntry;
using corio::detail::TimerQueue;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

Clock::time_point at(long ms) {
  return Clock::time_point(milliseconds(ms));
}

// The queue beside a plain model of it: the armed entries in arming order. The expected next
// timer is the model's earliest deadline, the first armed among equals.
class Checked {
 public:
  explicit Checked(std::size_t capacity) : entries_(capacity) {}

  TimerEntry* arm(long deadline_ms) {
    TimerEntry& entry = entries_.at(used_++);
    entry.when = at(deadline_ms);
    queue_.push(&entry);
    armed_.push_back(&entry);
    return &entry;
  }
  void cancel(TimerEntry* entry) {
    queue_.erase(entry);
    armed_.erase(std::find(armed_.begin(), armed_.end(), entry));
    EXPECT_FALSE(entry->armed());
  }
  TimerEntry* expected_next() const {
    TimerEntry* next = nullptr;
    for (TimerEntry* entry : armed_) {
      if (next == nullptr || entry->when < next->when) next = entry;
    }
    return next;
  }
  // Pops one timer, checks it against the model and returns it (null on a mismatch).
  TimerEntry* pop_and_check() {
    TimerEntry* expected = expected_next();
    EXPECT_EQ(queue_.top(), expected);
    TimerEntry* popped = queue_.pop();
    EXPECT_EQ(popped, expected);
    const auto known = std::find(armed_.begin(), armed_.end(), popped);
    if (popped == nullptr || popped != expected || known == armed_.end()) {
      ADD_FAILURE() << "the queue and the model went apart";
      armed_.clear();
      return nullptr;
    }
    armed_.erase(known);
    EXPECT_FALSE(popped->armed());
    EXPECT_EQ(queue_.size(), armed_.size());
    return popped;
  }
  void drain_and_check() {
    while (!armed_.empty()) pop_and_check();
    EXPECT_TRUE(queue_.empty());
    EXPECT_EQ(queue_.pop(), nullptr);
  }
  const std::vector<TimerEntry*>& armed() const { return armed_; }
  TimerQueue& queue() { return queue_; }

 private:
  std::deque<TimerEntry> entries_;
  std::size_t used_ = 0;
  TimerQueue queue_;
  std::vector<TimerEntry*> armed_;
};

TEST(TimerQueue, EmptyQueueHasNoTop) {
  TimerQueue queue;
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.top(), nullptr);
  EXPECT_EQ(queue.pop(), nullptr);
}

TEST(TimerQueue, EqualDeadlinesFireInArmingOrderInTheHeapAndInALane) {
  Checked timers(8);
  // Each later one ends earlier than every lane so far: the four lanes fill.
  TimerEntry* lane_filler = nullptr;
  for (long deadline : {200L, 190L, 180L, 170L}) lane_filler = timers.arm(deadline);
  // Earlier than every lane's last and no lane free: the heap.
  TimerEntry* heap_first = timers.arm(100);
  TimerEntry* heap_second = timers.arm(100);
  // A lane freed, then the same deadline twice more: both into that lane.
  timers.cancel(lane_filler);
  TimerEntry* lane_first = timers.arm(100);
  TimerEntry* lane_second = timers.arm(100);
  for (TimerEntry* expected : {heap_first, heap_second, lane_first, lane_second}) {
    EXPECT_EQ(timers.pop_and_check(), expected);
  }
  timers.drain_and_check();
}

TEST(TimerQueue, TimeoutsOfSeveralLengthsInterleavedComeOutInDeadlineOrder) {
  // Six timeout lengths armed in turn, as six kinds of connection timeouts would be: more
  // lengths than lanes, so some go to the heap.
  Checked timers(600);
  for (long now = 0; now < 100; ++now) {
    for (long length : {5000L, 75L, 30000L, 1000L, 10L, 60000L}) timers.arm(now + length);
  }
  timers.drain_and_check();
}

TEST(TimerQueue, CancellingFromTheMiddleOfALaneKeepsTheRestInOrder) {
  Checked timers(11);
  std::vector<TimerEntry*> entries;
  for (long i = 0; i < 10; ++i) entries.push_back(timers.arm(1000 + i));
  timers.cancel(entries[0]);  // a lane's first
  timers.cancel(entries[9]);  // its last
  timers.cancel(entries[4]);  // one in between
  timers.arm(1009);           // after the lane's new last: the same lane again
  timers.drain_and_check();
}

TEST(TimerQueue, ALaneEmptiedByCancellingIsReused) {
  Checked timers(41);
  for (int round = 0; round < 8; ++round) {
    std::vector<TimerEntry*> batch;
    for (long i = 0; i < 5; ++i) batch.push_back(timers.arm(1000 - round * 100 + i));
    for (TimerEntry* entry : batch) timers.cancel(entry);
    EXPECT_TRUE(timers.queue().empty());
  }
  timers.arm(5);
  timers.drain_and_check();
}

TEST(TimerQueue, RandomArmCancelAndPopMatchTheModel) {
  std::mt19937 random(20261130);
  constexpr std::size_t kSteps = 20000;
  Checked timers(kSteps);
  long now = 0;
  for (std::size_t step = 0; step < kSteps; ++step) {
    const int action = static_cast<int>(random() % 10);
    if (action < 5) {
      // Mostly a few fixed timeout lengths from "now", sometimes any deadline.
      static constexpr long kLengths[] = {5000, 5000, 60000, 250, 0};
      const long length = random() % 4 == 0 ? static_cast<long>(random() % 3000)
                                            : kLengths[random() % std::size(kLengths)];
      timers.arm(now + length);
    } else if (action < 8 && !timers.armed().empty()) {
      timers.cancel(timers.armed()[random() % timers.armed().size()]);
    } else if (!timers.armed().empty() && timers.pop_and_check() == nullptr) {
      return;
    }
    now += static_cast<long>(random() % 3);
  }
  timers.drain_and_check();
}

}  // namespace
