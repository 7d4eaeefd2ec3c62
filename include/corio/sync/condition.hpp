// include/corio/sync/condition.hpp — corio::Condition (asyncio.Condition).
//
//   corio::Condition cond;                       // owns its Lock
//   std::deque<Job> jobs;
//   corio::Task<Job> take() {
//     auto guard = co_await cond.lock();
//     co_await cond.wait_for([&] { return !jobs.empty(); });
//     Job job = std::move(jobs.front()); jobs.pop_front();
//     co_return job;
//   }
//   corio::Task<> give(Job job) {
//     auto guard = co_await cond.lock();
//     jobs.push_back(std::move(job));
//     cond.notify();
//   }
//
// A Lock plus a FIFO of tasks waiting to be notified. wait() releases the lock, waits for a
// notify(), then takes the lock again before returning — also when it is cancelled, so code
// after a wait() always holds the lock (asyncio's rule). Wake-ups can be spurious (see
// wait()): check the condition in a loop, or use wait_for().
// Prefer a Queue for producer/consumer hand-offs, an Event for a one-shot flag.
//
// Bound to a Lock it owns, or to one passed by reference, which must outlive it.
// Belongs to the loop of the creating thread; call it only there. Must outlive every pending
// wait(); destroying it with waiters is a bug (asserts in debug builds).
//
// Defines: corio::Condition; corio::detail::NotifyWait.
#pragma once

#include <cassert>
#include <cstddef>
#include <type_traits>

#include <corio/sync/event.hpp>
#include <corio/sync/lock.hpp>
#include <corio/task.hpp>

namespace corio {

namespace detail {

// A Condition waiter: a ListWait that remembers whether notify() picked it.
struct NotifyWait : ListWait {
  using ListWait::ListWait;
  bool notified = false;
};

}  // namespace detail

class Condition {
 public:
  // A Condition with a Lock of its own.
  Condition() noexcept : lock_(&own_lock_) {}
  // A Condition on `lock`, shared with other code (and possibly other Conditions).
  explicit Condition(Lock& lock) noexcept : lock_(&lock) {}
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;
  ~Condition() { assert(waiters_.empty() && "corio::Condition destroyed while tasks wait on it"); }

  // The underlying Lock's operations (asyncio's Condition.acquire/release/locked and
  // `async with cond`); see corio::Lock.
  [[nodiscard]] bool locked() const noexcept { return lock_->locked(); }
  [[nodiscard]] detail::Permits::Acquire acquire() noexcept { return lock_->acquire(); }
  void release() { lock_->release(); }
  [[nodiscard]] detail::GuardedAcquire<LockGuard> lock() noexcept { return lock_->lock(); }

  // co_await cond.wait(): releases the lock, suspends until notify() picks this task, then
  // re-acquires the lock (queueing behind its other waiters) and returns holding it.
  // Throws:       RuntimeError("cannot wait on un-acquired lock") if the lock is not held;
  //               CancelledError if the task is cancelled — only after the lock is held
  //               again, however many cancellations arrive meanwhile.
  // Cancellation: safe. A waiter not yet notified leaves the queue. One cancelled after
  //               notify() picked it hands that notification to the next waiter before
  //               raising (CPython gh-112202), so no wake-up is lost; that waiter may then
  //               find nothing changed — a spurious wake-up, allowed by the protocol.
  //               A cancellation already pending still releases the lock and queues to
  //               take it back, as in asyncio.
  // Owns:         nothing; the lock is held on return, as it was on entry.
  [[nodiscard]] Task<> wait();

  // co_await cond.wait_for(pred): wait() until pred() is truthy; returns pred()'s last value
  // (asyncio's wait_for(predicate), not asyncio.wait_for). pred() runs with the lock held
  // and is checked first, so a true predicate returns at once, without the lock even.
  // Throws and Cancellation: wait()'s; the predicate's own exceptions propagate, lock held.
  template <class Predicate>
  [[nodiscard]] Task<std::decay_t<std::invoke_result_t<Predicate&>>> wait_for(Predicate pred) {
    auto result = pred();
    while (!result) {
      co_await wait();
      result = pred();
    }
    co_return result;
  }

  // Wakes up to `n` waiters, longest first. They resume on later loop turns, once each has
  // re-acquired the lock — so not before the caller releases it.
  // Throws RuntimeError("cannot notify on un-acquired lock") if the lock is not held.
  void notify(std::size_t n = 1) {
    if (!locked()) throw RuntimeError("cannot notify on un-acquired lock");
    wake(n);
  }
  // notify() for every waiter.
  void notify_all() { notify(static_cast<std::size_t>(-1)); }

 private:
  void wake(std::size_t n) noexcept {
    for (; n > 0; --n) {
      detail::Waiter* waiter = waiters_.pop_front();
      if (waiter == nullptr) break;
      static_cast<detail::NotifyWait*>(waiter)->notified = true;
      waiter->wake();
    }
  }

  Lock own_lock_;  // unused when the Condition was given a Lock
  Lock* lock_;
  detail::WaiterList waiters_;
};

}  // namespace corio
