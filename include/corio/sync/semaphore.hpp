// include/corio/sync/semaphore.hpp — corio::Semaphore and BoundedSemaphore (asyncio's).
//
//   corio::Semaphore slots(10);                 // at most 10 fetches at once
//   corio::Task<Page> fetch(Url url) {
//     auto permit = co_await slots.hold();      // released when `permit` dies
//     co_return co_await client.get(url);
//   }
//
// A counter of permits: acquire() takes one, suspending while none is left; release() gives
// one back. BoundedSemaphore additionally refuses to be released above its initial value.
// Prefer a Lock for mutual exclusion (a Semaphore(1) does not catch a double release).
//
// Fairness: FIFO, like asyncio since 3.11.1. release() hands the permit straight to the
// longest waiter, and acquire() queues while any waiter has not resumed yet, even with a
// permit free: nobody overtakes. A waiter cancelled after the hand-off passes the permit on.
//
// Belongs to the loop of the creating thread; call it only there. Must outlive every pending
// acquire(); destroying it with waiters is a bug (asserts in debug builds).
//
// Defines: corio::ValueError, Semaphore, BoundedSemaphore, SemaphoreGuard;
//          corio::detail::Permits (also the core of corio::Lock), PermitGuard.
#pragma once

#include <cassert>
#include <coroutine>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <utility>

#include <corio/errors.hpp>
#include <corio/sync/event.hpp>

namespace corio {

// Python's ValueError: an argument or a call has the right type but an invalid value — a
// negative Semaphore value, a BoundedSemaphore released too many times, a Barrier of no
// parties, Queue::task_done() called too many times. Defined here rather than in errors.hpp
// because the synchronization primitives are its only users so far.
class ValueError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

namespace detail {

// A count of free permits plus the FIFO of tasks waiting for one.
// A permit freed while tasks wait is handed straight to the first of them, and until every
// task so handed a permit has resumed, newcomers queue too (asyncio: "wait for others to
// start even if _value > 0"). So a fast-path acquire never jumps the queue.
class Permits {
 public:
  // `bound`: the most permits that may be free at once (Lock: 1; BoundedSemaphore: its
  // initial value; Semaphore: unbounded).
  Permits(std::size_t available, std::size_t bound) noexcept
      : available_(available), bound_(bound) {}
  Permits(const Permits&) = delete;
  Permits& operator=(const Permits&) = delete;
  ~Permits() { assert(waiters_.empty() && "corio: Lock or Semaphore destroyed with waiters"); }

  [[nodiscard]] std::size_t available() const noexcept { return available_; }
  // True when no task holds a permit: a permit handed to a waiter that has not resumed yet
  // counts as held (it is that waiter's), so releasing "it" again is an over-release.
  [[nodiscard]] bool at_bound() const noexcept { return available_ + handed_ >= bound_; }
  // True when acquire() would suspend.
  [[nodiscard]] bool locked() const noexcept {
    return available_ == 0 || handed_ > 0 || !waiters_.empty();
  }

  // Frees a permit: the first waiter gets it (and resumes on a later loop turn owning it).
  // The caller checks the bound.
  void release() noexcept {
    ++available_;
    hand_off();
  }

  // co_await permits.acquire(): takes a free permit without suspending, else waits in FIFO
  // order. A cancellation that lands after the permit was handed over gives it back
  // (to the next waiter) before CancelledError is raised: nothing is lost.
  struct Acquire : Waiter {
    explicit Acquire(Permits& p) noexcept : permits(&p) {}
    bool await_ready() noexcept {
      if (permits->locked()) return false;
      --permits->available_;
      return true;
    }
    bool await_suspend(std::coroutine_handle<> self) {
      if (!park(self, &Waiter::abandon)) return false;
      permits->waiters_.push_back(this);
      return true;
    }
    void await_resume() {
      if (granted) --permits->handed_;
      if (take_cancellation()) {
        if (granted) ++permits->available_;
        permits->hand_off();
        throw CancelledError();
      }
      permits->hand_off();  // newcomers that queued behind this task's hand-off
    }

    Permits* permits;
    bool granted = false;  // hand_off() gave this waiter its permit
  };

 private:
  void hand_off() noexcept {
    while (available_ > 0) {
      Waiter* waiter = waiters_.pop_front();
      if (waiter == nullptr) return;
      --available_;
      ++handed_;
      static_cast<Acquire*>(waiter)->granted = true;
      waiter->wake();
    }
  }

  std::size_t available_;
  std::size_t bound_;
  std::size_t handed_ = 0;  // permits handed to waiters that have not resumed yet
  WaiterList waiters_;
};

// Gives a permit back when destroyed. Move-only; empty after a move or release().
class PermitGuard {
 public:
  PermitGuard() noexcept = default;
  explicit PermitGuard(Permits& permits) noexcept : permits_(&permits) {}
  PermitGuard(PermitGuard&& other) noexcept : permits_(std::exchange(other.permits_, nullptr)) {}
  PermitGuard& operator=(PermitGuard&& other) noexcept {
    if (this != &other) {
      reset();
      permits_ = std::exchange(other.permits_, nullptr);
    }
    return *this;
  }
  ~PermitGuard() { reset(); }

 protected:
  [[nodiscard]] bool holds() const noexcept { return permits_ != nullptr; }
  void reset() noexcept {
    if (Permits* permits = std::exchange(permits_, nullptr)) {
      assert(!permits->at_bound() && "corio: guard releases a permit that was released already");
      permits->release();
    }
  }

 private:
  Permits* permits_ = nullptr;
};

// Permits::Acquire whose result is a guard owning the permit.
template <class Guard>
struct GuardedAcquire : Permits::Acquire {
  using Acquire::Acquire;
  Guard await_resume() {
    Acquire::await_resume();
    return Guard(*permits);
  }
};

}  // namespace detail

// Owns one permit of a Semaphore (from `co_await sem.hold()`) and releases it when destroyed.
class [[nodiscard]] SemaphoreGuard : public detail::PermitGuard {
 public:
  using PermitGuard::PermitGuard;
  [[nodiscard]] bool owns_permit() const noexcept { return holds(); }
  // Releases the permit now; the guard is then empty.
  void release() noexcept { reset(); }
};

class Semaphore {
 public:
  // Throws ValueError if `value` is negative.
  explicit Semaphore(std::ptrdiff_t value = 1)
      : permits_(checked(value), std::numeric_limits<std::size_t>::max()) {}
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;

  // True when acquire() would suspend: no permit is free, or tasks wait or were just handed
  // one and have not resumed yet (FIFO).
  [[nodiscard]] bool locked() const noexcept { return permits_.locked(); }
  // Permits free right now (asyncio's private _value).
  [[nodiscard]] std::size_t value() const noexcept { return permits_.available(); }

  // co_await sem.acquire(): takes a permit; suspends while none is free.
  // Throws:       CancelledError if the waiting task is cancelled.
  // Cancellation: safe. A waiter leaves the queue at once; one cancelled after release()
  //               handed it the permit passes the permit to the next waiter.
  // Owns:         nothing; the caller owes a release(). Prefer hold() for a scoped permit.
  [[nodiscard]] detail::Permits::Acquire acquire() noexcept {
    return detail::Permits::Acquire(permits_);
  }

  // Gives a permit back, to the longest waiter if any (it resumes on a later loop turn).
  // Throws ValueError("BoundedSemaphore released too many times") when a BoundedSemaphore
  // would go above its initial value, counting a permit handed to a waiter that has not
  // resumed yet as held (asyncio misses that case).
  void release() {
    if (permits_.at_bound()) throw ValueError("BoundedSemaphore released too many times");
    permits_.release();
  }

  // auto permit = co_await sem.hold(): acquire() returning a guard that releases the permit
  // when it goes out of scope (asyncio's `async with sem`). Same throws and cancellation
  // as acquire(); on CancelledError no permit is held.
  [[nodiscard]] detail::GuardedAcquire<SemaphoreGuard> hold() noexcept {
    return detail::GuardedAcquire<SemaphoreGuard>(permits_);
  }

 protected:
  struct Bounded {};
  Semaphore(std::ptrdiff_t value, Bounded) : permits_(checked(value), checked(value)) {}

 private:
  static std::size_t checked(std::ptrdiff_t value) {
    if (value < 0) throw ValueError("Semaphore initial value must be >= 0");
    return static_cast<std::size_t>(value);
  }

  detail::Permits permits_;
};

// A Semaphore whose release() throws ValueError instead of going above the initial value.
class BoundedSemaphore : public Semaphore {
 public:
  // Throws ValueError if `value` is negative.
  explicit BoundedSemaphore(std::ptrdiff_t value = 1) : Semaphore(value, Bounded{}) {}
};

}  // namespace corio
