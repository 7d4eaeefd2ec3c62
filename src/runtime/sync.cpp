// src/runtime/sync.cpp — the coroutines of Condition and Barrier (corio/sync/).
//
// Both are written as coroutines because their waits loop and re-check state on resumption,
// as asyncio's do; their waiter nodes still live in the (pool-allocated) coroutine frame.
#include <corio/sync/barrier.hpp>
#include <corio/sync/condition.hpp>

#include <exception>

namespace corio {

// ---- Condition --------------------------------------------------------------------------

Task<> Condition::wait() {
  if (!locked()) throw RuntimeError("cannot wait on un-acquired lock");
  // asyncio's order even for a cancellation already pending: let the lock go, raise at the
  // wait below, then queue for the lock like any other waiter.
  lock_->release();

  std::exception_ptr cancelled;  // the latest CancelledError, re-raised once the lock is back
  bool notified = false;
  {
    detail::NotifyWait waiter(waiters_);
    try {
      co_await waiter;
    } catch (const CancelledError&) {
      cancelled = std::current_exception();
    }
    notified = waiter.notified;
  }
  // Must re-acquire the lock even when cancelled, and however often: the caller's code after
  // wait() runs with the lock held (asyncio's rule).
  for (;;) {
    try {
      co_await lock_->acquire();
      break;
    } catch (const CancelledError&) {
      cancelled = std::current_exception();
    }
  }
  if (cancelled) {
    // We consumed a notification we will not act on: hand it to the next waiter
    // (CPython gh-112202).
    if (notified) wake(1);
    std::rethrow_exception(cancelled);
  }
}

// ---- Barrier ----------------------------------------------------------------------------

// Counts a task out of the barrier when its wait() ends, however it ends.
class Barrier::Departure {
 public:
  explicit Departure(Barrier& barrier) noexcept : barrier_(barrier) {}
  Departure(const Departure&) = delete;
  Departure& operator=(const Departure&) = delete;
  ~Departure() { barrier_.leave(); }

 private:
  Barrier& barrier_;
};

Barrier::Barrier(std::size_t parties) : parties_(parties) {
  if (parties == 0) throw ValueError("parties must be > 0");
}

Task<std::size_t> Barrier::wait() {
  // The previous cycle is still draining or resetting: wait for it to end.
  while (state_ == BarrierState::draining || state_ == BarrierState::resetting) {
    co_await detail::ListWait(waiters_);
  }
  if (state_ == BarrierState::broken) throw BrokenBarrierError("Barrier aborted");

  const std::size_t index = count_++;
  Departure departure(*this);
  if (index + 1 == parties_) {
    state_ = BarrierState::draining;  // release everyone; newcomers wait for the next cycle
    detail::wake_all(waiters_);
    co_return index;
  }
  while (state_ == BarrierState::filling) co_await detail::ListWait(waiters_);
  if (state_ == BarrierState::broken || state_ == BarrierState::resetting) {
    throw BrokenBarrierError("Abort or reset of barrier");
  }
  co_return index;
}

void Barrier::leave() noexcept {
  if (--count_ > 0) return;
  // The last task of the cycle is out: a draining or resetting barrier fills again.
  if (state_ == BarrierState::draining || state_ == BarrierState::resetting) {
    state_ = BarrierState::filling;
  }
  detail::wake_all(waiters_);
}

void Barrier::reset() noexcept {
  if (count_ > 0) {
    state_ = BarrierState::resetting;
  } else {
    state_ = BarrierState::filling;
  }
  detail::wake_all(waiters_);
}

void Barrier::abort() noexcept {
  state_ = BarrierState::broken;
  detail::wake_all(waiters_);
}

}  // namespace corio
