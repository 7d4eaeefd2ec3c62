// include/corio/sync/lock.hpp — corio::Lock (asyncio.Lock) and its RAII LockGuard.
//
//   corio::Lock lock;
//   corio::Task<> update() {
//     auto guard = co_await lock.lock();   // asyncio: `async with lock:`
//     co_await write_both_halves();        // no other task holds `lock` meanwhile
//   }                                      // released here, also on exceptions
//
// Mutual exclusion between tasks of one loop. Like asyncio's, it has no owner: any task may
// release() it, and re-acquiring it from the holding task deadlocks. Prefer a plain variable
// when no co_await happens while the data is inconsistent: tasks only switch at co_await.
//
// States: unlocked (no waiters) | locked (0..n waiters, FIFO).
// Fairness: FIFO (asyncio's too). release() hands the lock straight to the longest waiter,
// so locked() stays true and a task calling acquire() before that waiter resumes queues up
// behind it. A waiter cancelled after the hand-off releases the lock to the next one.
//
// Belongs to the loop of the creating thread; call it only there. Must outlive every pending
// acquire(); destroying it with waiters is a bug (asserts in debug builds).
//
// Defines: corio::Lock, corio::LockGuard.
#pragma once

#include <corio/errors.hpp>
#include <corio/sync/semaphore.hpp>

namespace corio {

// Owns a Lock (from `co_await lock.lock()`) and releases it when destroyed. Move-only.
class [[nodiscard]] LockGuard : public detail::PermitGuard {
 public:
  using PermitGuard::PermitGuard;
  [[nodiscard]] bool owns_lock() const noexcept { return holds(); }
  // Releases the lock now; the guard is then empty.
  void unlock() noexcept { reset(); }
};

class Lock {
 public:
  Lock() noexcept = default;
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

  [[nodiscard]] bool locked() const noexcept { return permits_.locked(); }

  // co_await lock.acquire(): takes the lock; suspends while another task holds it.
  // Throws:       CancelledError if the waiting task is cancelled.
  // Cancellation: safe. A waiter leaves the queue at once (losing its place); one cancelled
  //               after release() handed it the lock releases it to the next waiter.
  // Owns:         nothing; the caller owes a release(). Prefer lock() for a scoped hold.
  [[nodiscard]] detail::Permits::Acquire acquire() noexcept {
    return detail::Permits::Acquire(permits_);
  }

  // Unlocks, handing the lock to the longest waiter if any (it resumes on a later loop turn).
  // Throws RuntimeError("Lock is not acquired") when the lock is not held, also right after
  // a release() handed it to a waiter that has not resumed yet (as asyncio does).
  void release() {
    if (permits_.at_bound()) throw RuntimeError("Lock is not acquired");
    permits_.release();
  }

  // auto guard = co_await lock.lock(): acquire() returning a LockGuard that releases the
  // lock when it goes out of scope. Same throws and cancellation as acquire(); on
  // CancelledError the lock is not held.
  [[nodiscard]] detail::GuardedAcquire<LockGuard> lock() noexcept {
    return detail::GuardedAcquire<LockGuard>(permits_);
  }

 private:
  detail::Permits permits_{1, 1};
};

}  // namespace corio
