// include/corio/sync/barrier.hpp — corio::Barrier (asyncio.Barrier, Python 3.11).
//
//   corio::Barrier ready(3);
//   corio::Task<> worker() {
//     co_await load();
//     std::size_t index = co_await ready.wait();   // all three are loaded now
//     ...
//   }
//
// Lets `parties` tasks wait until all of them have arrived, then releases them together;
// it is reusable, cycle after cycle. Each cycle goes through these states:
//
//   state      meaning                                       wait() arriving now
//   filling    fewer than `parties` tasks are waiting        waits (index = arrival order)
//   draining   released; released tasks are still leaving    waits for filling, then as above
//   resetting  reset() while tasks were inside; they leave   waits for filling, then as above
//              with BrokenBarrierError
//   broken     abort(); stays broken until reset()           throws BrokenBarrierError
//
// draining/resetting end when the last task of the old cycle has left (resumed). This is
// asyncio's state machine, kept as is, including its choices: a task cancelled while
// filling simply leaves (the barrier is not broken and needs one more arrival), and a
// reset()/abort() during draining makes released tasks that have not resumed yet raise
// BrokenBarrierError.
//
// reset() and abort() are plain calls here (asyncio's are coroutines only to take the
// barrier's internal condition lock, which nothing else holds across a suspension).
// Belongs to the loop of the creating thread; call it only there. Must outlive every pending
// wait(); destroying it with waiters is a bug (asserts in debug builds).
//
// Defines: corio::Barrier, BarrierState, BrokenBarrierError.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>

#include <corio/errors.hpp>
#include <corio/sync/event.hpp>
#include <corio/sync/semaphore.hpp>
#include <corio/task.hpp>

namespace corio {

// A Barrier was reset() or abort()ed while this task was waiting, or is broken.
// Like asyncio's, a RuntimeError.
class BrokenBarrierError : public RuntimeError {
 public:
  using RuntimeError::RuntimeError;
};

enum class BarrierState : std::uint8_t { filling, draining, resetting, broken };

class Barrier {
 public:
  // Throws ValueError("parties must be > 0") for 0.
  explicit Barrier(std::size_t parties);
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;
  ~Barrier() { assert(waiters_.empty() && "corio::Barrier destroyed while tasks wait on it"); }

  // co_await barrier.wait(): waits until `parties` tasks have called wait() in this cycle,
  // then returns this task's arrival index, 0 … parties-1. The last to arrive returns at
  // once, without suspending; the others resume on later loop turns.
  // Throws:       BrokenBarrierError("Barrier aborted") if the barrier is broken on arrival;
  //               BrokenBarrierError("Abort or reset of barrier") if reset() or abort() is
  //               called while waiting; CancelledError if the task is cancelled.
  // Cancellation: safe. A waiting task leaves the barrier, which then needs one more party
  //               (n_waiting() drops); a task waiting for draining to end just leaves.
  // Owns:         nothing beyond its coroutine frame.
  [[nodiscard]] Task<std::size_t> wait();

  // Back to filling. Tasks waiting now raise BrokenBarrierError; until they have all left the
  // barrier is resetting and new arrivals wait. Also repairs a broken barrier.
  void reset() noexcept;

  // Breaks the barrier: every waiting task and every later wait() raise BrokenBarrierError,
  // until reset().
  void abort() noexcept;

  [[nodiscard]] std::size_t parties() const noexcept { return parties_; }
  // Tasks waiting for the barrier to fill (0 unless filling).
  [[nodiscard]] std::size_t n_waiting() const noexcept {
    return state_ == BarrierState::filling ? count_ : 0;
  }
  [[nodiscard]] bool broken() const noexcept { return state_ == BarrierState::broken; }
  // What asyncio shows in repr(): filling, draining, resetting or broken.
  [[nodiscard]] BarrierState state() const noexcept { return state_; }

 private:
  class Departure;

  void leave() noexcept;

  std::size_t parties_;
  std::size_t count_ = 0;  // tasks inside wait() that took an index and have not left yet
  BarrierState state_ = BarrierState::filling;
  detail::WaiterList waiters_;  // every task suspended in wait(), for whatever reason
};

}  // namespace corio
