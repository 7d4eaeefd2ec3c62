// include/corio/sync/event.hpp — corio::Event (asyncio.Event), and the waiter list every
// corio/sync primitive and corio::Queue share.
//
//   corio::Event ready;
//   auto worker = corio::spawn([&]() -> corio::Task<> { co_await ready.wait(); work(); });
//   ready.set();                     // the worker resumes on a later loop turn
//
// A flag tasks can wait on. It starts clear; set() sets it and wakes every waiter; clear()
// clears it. Belongs to the loop of the creating thread: call it only there (from other
// threads, go through Loop::call_soon_threadsafe). Must outlive every pending wait();
// destroying it with waiters is a bug (asserts in debug builds).
//
// Defines: corio::Event; corio::detail::Waiter, WaiterList, ListWait, EventWait.
#pragma once

#include <cassert>
#include <coroutine>

#include <corio/detail/intrusive_list.hpp>
#include <corio/detail/parking.hpp>

namespace corio {

namespace detail {

struct WaiterTag {};

// A task parked on a primitive. Lives in the awaiter, so in the waiting coroutine's frame;
// sits in the primitive's FIFO WaiterList while the wait is open and is unlinked by whoever
// wakes it (or by its own cancellation). No allocation per wait. Not copyable or movable:
// the list points into it.
struct Waiter : Parking, ListNode<WaiterTag> {
  Waiter() noexcept = default;
  Waiter(const Waiter&) = delete;
  Waiter& operator=(const Waiter&) = delete;
  // Only a frame destroyed while parked gets here linked; unlinking keeps the list sound.
  ~Waiter() { ListNode<WaiterTag>::unlink(); }

  [[nodiscard]] bool queued() const noexcept { return ListNode<WaiterTag>::linked(); }

  // The cancel hook of a wait that can simply be abandoned: leaves the list and resumes the
  // task with CancelledError. False once the waiter was woken (it then raises at its next
  // suspension point, or its awaiter hands on what it was given).
  static bool abandon(Suspension* s) noexcept {
    auto* self = static_cast<Waiter*>(s);
    if (!self->queued()) return false;
    self->ListNode<WaiterTag>::unlink();
    self->wake_cancelled();
    return true;
  }
};

using WaiterList = IntrusiveList<Waiter, WaiterTag>;

// Wakes every waiter of `list`, first come first woken; they resume on later loop turns.
inline void wake_all(WaiterList& list) noexcept {
  while (Waiter* waiter = list.pop_front()) waiter->wake();
}

// co_await ListWait(list): parks at the back of `list` until popped and woken.
// Throws CancelledError if the task is cancelled; the waiter then leaves the list.
struct ListWait : Waiter {
  explicit ListWait(WaiterList& waiters) noexcept : list(&waiters) {}
  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> self) {
    if (!park(self, &Waiter::abandon)) return false;
    list->push_back(this);
    return true;
  }
  void await_resume() { resume_or_raise(); }

  WaiterList* list;
};

// Event::wait(): a ListWait that does not suspend when the flag is set at co_await time.
struct EventWait : ListWait {
  EventWait(WaiterList& waiters, const bool& flag) noexcept : ListWait(waiters), is_set(&flag) {}
  bool await_ready() const noexcept { return *is_set; }

  const bool* is_set;
};

}  // namespace detail

class Event {
 public:
  Event() noexcept = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  ~Event() { assert(waiters_.empty() && "corio::Event destroyed while tasks wait on it"); }

  [[nodiscard]] bool is_set() const noexcept { return set_; }

  // Sets the flag. Waiters resume on a later loop turn, not inside this call, in the order
  // they began waiting. No-op if already set.
  void set() noexcept {
    if (set_) return;
    set_ = true;
    detail::wake_all(waiters_);
  }

  // Clears the flag. Waiters already woken by set() still resume.
  void clear() noexcept { set_ = false; }

  // co_await ev.wait(): completes without suspending if set, else suspends until set().
  // Throws:       CancelledError if the waiting task is cancelled, even when set() already
  //               woke it (asyncio's rule: a cancel wins until the task has resumed).
  // Cancellation: safe. The waiter unlinks itself at once and takes nothing from others.
  // Owns:         nothing; the waiter node lives in the awaiting coroutine's frame.
  [[nodiscard]] detail::EventWait wait() noexcept { return detail::EventWait(waiters_, set_); }

 private:
  bool set_ = false;
  detail::WaiterList waiters_;  // intrusive FIFO; also makes Event non-copyable
};

}  // namespace corio
