// include/corio/queue.hpp — corio::Queue<T>, LifoQueue<T>, PriorityQueue<T, Compare>
// (asyncio.Queue, LifoQueue, PriorityQueue, with Python 3.13's shutdown()).
//
//   corio::Queue<Url> urls(100);                   // at most 100 waiting; 0 = unbounded
//   auto worker = [&]() -> corio::Task<> {
//     for (;;) {
//       Url url = co_await urls.get();             // QueueShutDown ends the loop
//       co_await fetch(url);
//       urls.task_done();
//     }
//   };
//   co_await urls.put(first);                      // suspends while the queue is full
//   co_await urls.join();                          // every item put was task_done()
//   urls.shutdown();                               // workers drain what is left, then stop
//
// Items come out first-in first-out (Queue), last-in first-out (LifoQueue) or smallest first
// by `Compare` (PriorityQueue, like heapq; equal items in no particular order).
//
// Fairness: FIFO among waiting getters and among waiting putters. A put() while getters wait
// gives the longest waiting getter a claim on one item, which it takes when it resumes — the
// first out by then, as in asyncio (Queue: the oldest item; LifoQueue, PriorityQueue: an item
// put later may come out first). A get() from a full queue promises the freed slot to the
// longest waiting putter. So a task arriving between that hand-off and the waiter's
// resumption cannot overtake it (asyncio lets it, and makes the waiter wait again). Until
// that waiter resumes, its item or slot still counts against maxsize (full() says so) but no
// longer in qsize() — in asyncio it shows in qsize() too.
// A waiter cancelled after a hand-off passes its claim or slot on to the next waiter (or
// drops the claim): nothing is lost, and items still come out in the queue's order to
// getters in arrival order (asyncio's test_get_cancel_drop_many_pending_readers).
//
// Shutdown (3.13): shutdown() makes put() raise QueueShutDown at once, and get() once the
// queue is empty; shutdown(true) also drops every queued item (counting each as done for
// join()), so get() raises at once too. Waiting putters and getters are woken to raise.
//
// Belongs to the loop of the creating thread; call it only there. Must outlive every pending
// put/get/join; destroying it with waiters is a bug (asserts in debug builds).
//
// Defines: corio::Queue, LifoQueue, PriorityQueue, QueueEmpty, QueueFull, QueueShutDown;
//          corio::detail::BasicQueue and its stores. Uses corio::ValueError (task_done()).
#pragma once

#include <algorithm>
#include <cassert>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <stdexcept>
#include <utility>
#include <vector>

#include <corio/errors.hpp>
#include <corio/sync/event.hpp>
#include <corio/sync/semaphore.hpp>

namespace corio {

// get_nowait() on an empty queue.
class QueueEmpty : public std::runtime_error {
 public:
  QueueEmpty() : std::runtime_error("queue is empty") {}
};

// put_nowait() on a full queue.
class QueueFull : public std::runtime_error {
 public:
  QueueFull() : std::runtime_error("queue is full") {}
};

// put() or put_nowait() after shutdown(); get() or get_nowait() on a shut-down empty queue.
class QueueShutDown : public std::runtime_error {
 public:
  QueueShutDown() : std::runtime_error("queue is shut down") {}
};

namespace detail {

// Item stores: push/pop in the queue's order. An item put while getters wait stays in the
// store; the woken getter pops whatever comes out first when it resumes. (Handing a FIFO
// getter its item directly would reorder items when a woken getter is cancelled: its item
// would have to move down the line of getters woken after it.)
template <class T>
class FifoStore {
 public:
  [[nodiscard]] std::size_t size() const noexcept { return items_.size(); }
  void push(T&& item) { items_.push_back(std::move(item)); }
  T pop() {
    T item = std::move(items_.front());
    items_.pop_front();
    return item;
  }
  void clear() noexcept { items_.clear(); }

 private:
  std::deque<T> items_;
};

template <class T>
class LifoStore {
 public:
  [[nodiscard]] std::size_t size() const noexcept { return items_.size(); }
  void push(T&& item) { items_.push_back(std::move(item)); }
  T pop() {
    T item = std::move(items_.back());
    items_.pop_back();
    return item;
  }
  void clear() noexcept { items_.clear(); }

 private:
  std::vector<T> items_;
};

// A binary min-heap by `Compare` (std:: heaps are max-heaps, hence the swapped arguments).
template <class T, class Compare>
class PriorityStore {
 public:
  explicit PriorityStore(Compare less = Compare()) : later_{std::move(less)} {}
  [[nodiscard]] std::size_t size() const noexcept { return heap_.size(); }
  void push(T&& item) {
    heap_.push_back(std::move(item));
    std::push_heap(heap_.begin(), heap_.end(), later_);
  }
  T pop() {
    std::pop_heap(heap_.begin(), heap_.end(), later_);
    T item = std::move(heap_.back());
    heap_.pop_back();
    return item;
  }
  void clear() noexcept { heap_.clear(); }

 private:
  struct Later {
    [[no_unique_address]] Compare less;
    bool operator()(const T& a, const T& b) const { return less(b, a); }
  };
  std::vector<T> heap_;
  Later later_;
};

// The queue proper; Queue, LifoQueue and PriorityQueue differ only in their Store.
template <class T, class Store>
class BasicQueue {
  // open → shut_down → drained; shutdown(true) may also go straight from open to drained.
  enum class State : std::uint8_t {
    open,       // put and get work
    shut_down,  // shutdown(): put raises, get drains what is left then raises
    drained,    // shutdown(immediate=true): items dropped; put and get raise
  };

 public:
  using value_type = T;

  explicit BasicQueue(std::size_t maxsize = 0, Store store = Store())
      : store_(std::move(store)), maxsize_(maxsize) {
    finished_.set();
  }
  BasicQueue(const BasicQueue&) = delete;
  BasicQueue& operator=(const BasicQueue&) = delete;
  ~BasicQueue() {
    assert(getters_.empty() && putters_.empty() && handed_ == 0 && reserved_ == 0 &&
           "corio: Queue destroyed while tasks wait on it");
  }

  // Items in the queue (not counting those claimed by a getter that has not resumed).
  [[nodiscard]] std::size_t qsize() const noexcept {
    return store_.size() - std::min(handed_, store_.size());  // shutdown(true) emptied store_
  }
  // The capacity given at construction; 0 means unbounded.
  [[nodiscard]] std::size_t maxsize() const noexcept { return maxsize_; }
  [[nodiscard]] bool empty() const noexcept { return qsize() == 0; }
  // True when put() would suspend: maxsize items are queued or promised. Never for maxsize 0.
  [[nodiscard]] bool full() const noexcept {
    return maxsize_ > 0 && store_.size() + reserved_ >= maxsize_;
  }
  // True once shutdown() was called.
  [[nodiscard]] bool is_shut_down() const noexcept { return state_ != State::open; }

  // Queues `item` now; the longest waiting getter, if any, is woken to take it.
  // Throws QueueShutDown after shutdown(), QueueFull when full().
  void put_nowait(T item) {
    if (state_ != State::open) throw QueueShutDown();
    if (full()) throw QueueFull();
    deliver(std::move(item));
    ++unfinished_;
    finished_.clear();
  }

  // Takes the next item now.
  // Throws QueueEmpty when empty(), QueueShutDown instead once the queue is shut down.
  T get_nowait() {
    if (empty()) {
      if (state_ != State::open) throw QueueShutDown();
      throw QueueEmpty();
    }
    T item = store_.pop();
    free_slot();
    return item;
  }

  struct PutAwaiter;
  struct GetAwaiter;

  // co_await q.put(item): put_nowait(), but suspends while the queue is full; waiting putters
  // are served in FIFO order and resume on a later loop turn.
  // Throws:       QueueShutDown after shutdown() (also when it comes while waiting);
  //               CancelledError if the waiting task is cancelled.
  // Cancellation: the item is not put (it is destroyed with the awaiter). A waiter leaves the
  //               queue at once; one cancelled after a get() promised it the freed slot
  //               passes the slot to the next waiting putter.
  // Owns:         the item, until it is queued.
  [[nodiscard]] PutAwaiter put(T item) { return PutAwaiter(*this, std::move(item)); }

  // co_await q.get(): takes the next item; suspends while the queue is empty. Waiting getters
  // are served in FIFO order; the put() that wakes one gives it a claim on the first item out
  // when it resumes.
  // Throws:       QueueShutDown when the queue is empty and shut down (also when that
  //               happens while waiting, and when shutdown(true) drops the item it was
  //               handed); CancelledError if the waiting task is cancelled.
  // Cancellation: safe, no item is lost. A waiter leaves the queue at once; one cancelled
  //               after a put() woke it passes its claim to the next waiting getter, or
  //               leaves the item queued, and items keep their order.
  // Owns:         nothing; the item stays in the queue until the getter resumes.
  [[nodiscard]] GetAwaiter get() noexcept { return GetAwaiter(*this); }

  // Marks one item taken by get() as processed (for join()).
  // Throws ValueError("task_done() called too many times") with no unfinished item.
  void task_done() {
    if (unfinished_ == 0) throw ValueError("task_done() called too many times");
    if (--unfinished_ == 0) finished_.set();
  }

  // co_await q.join(): completes without suspending when every item ever put was
  // task_done() (or dropped by shutdown(true)), else suspends until then.
  // Throws:       CancelledError if the waiting task is cancelled.
  // Cancellation: safe; the waiter just leaves. Owns: nothing.
  [[nodiscard]] EventWait join() noexcept { return finished_.wait(); }

  // Shuts the queue down (3.13): put() raises QueueShutDown from now on; get() raises it
  // once the queue is empty. Every waiting putter and getter is woken to raise it.
  // immediate: also drops the queued items (those claimed by woken getters that have not
  // resumed yet too: they raise), counting each as task_done() for join(); get() then
  // raises at once and join() returns once nothing taken earlier is left unfinished.
  void shutdown(bool immediate = false) noexcept {
    if (state_ == State::open) state_ = State::shut_down;
    if (immediate && state_ != State::drained) {
      state_ = State::drained;
      const std::size_t dropped = store_.size();
      store_.clear();
      unfinished_ -= std::min(unfinished_, dropped);
      if (unfinished_ == 0) finished_.set();
    }
    wake_all(getters_);
    wake_all(putters_);
  }

  struct PutAwaiter : Waiter {
    PutAwaiter(BasicQueue& q, T&& value) : queue(&q), item(std::move(value)) {}
    bool await_ready() const noexcept { return queue->state_ != State::open || !queue->full(); }
    bool await_suspend(std::coroutine_handle<> self) {
      if (!park(self, &Waiter::abandon)) return false;
      queue->putters_.push_back(this);
      return true;
    }
    void await_resume() {
      if (granted) --queue->reserved_;
      if (take_cancellation()) {
        if (granted) queue->free_slot();
        throw CancelledError();
      }
      queue->put_nowait(std::move(item));  // cannot be full now; raises if shut down
    }

    BasicQueue* queue;
    T item;
    bool granted = false;  // a get() reserved a slot for this putter
  };

  struct GetAwaiter : Waiter {
    explicit GetAwaiter(BasicQueue& q) noexcept : queue(&q) {}
    bool await_ready() const noexcept { return !queue->empty() || queue->state_ != State::open; }
    bool await_suspend(std::coroutine_handle<> self) {
      if (!park(self, &Waiter::abandon)) return false;
      queue->getters_.push_back(this);
      return true;
    }
    T await_resume() {
      if (!claimed) {  // did not suspend, was cancelled, or shutdown() woke it
        resume_or_raise();
        return queue->get_nowait();
      }
      --queue->handed_;
      if (queue->state_ == State::drained) {  // shutdown(true) dropped it after the hand-off
        resume_or_raise();
        throw QueueShutDown();
      }
      if (take_cancellation()) {
        queue->give_back();
        throw CancelledError();
      }
      T item = queue->store_.pop();
      queue->free_slot();
      return item;
    }

    BasicQueue* queue;
    bool claimed = false;  // a put() gave this getter a claim on one item
  };

 private:
  // Queues `item`; the longest waiting getter, if any, gets a claim on the first item out.
  void deliver(T&& item) {
    store_.push(std::move(item));
    if (auto* getter = static_cast<GetAwaiter*>(getters_.pop_front())) wake_claimed(*getter);
  }
  void wake_claimed(GetAwaiter& getter) noexcept {
    getter.claimed = true;
    ++handed_;
    getter.wake();
  }
  // The claim of a cancelled getter goes to the next waiting getter; with none, the item just
  // stays queued, in its place.
  void give_back() noexcept {
    if (auto* next = static_cast<GetAwaiter*>(getters_.pop_front())) wake_claimed(*next);
  }
  // A slot became free: promise it to the longest waiting putter.
  void free_slot() noexcept {
    if (putters_.empty() || full()) return;
    auto* putter = static_cast<PutAwaiter*>(putters_.pop_front());
    putter->granted = true;
    ++reserved_;
    putter->wake();
  }

  Store store_;
  std::size_t maxsize_;
  std::size_t handed_ = 0;      // items in store_ claimed by getters not resumed yet
  std::size_t reserved_ = 0;    // slots promised to putters that have not resumed yet
  std::size_t unfinished_ = 0;  // items put and not yet task_done()
  State state_ = State::open;
  WaiterList getters_;  // GetAwaiters; non-empty only while empty()
  WaiterList putters_;  // PutAwaiters; non-empty only while full()
  Event finished_;      // set while unfinished_ == 0
};

}  // namespace detail

// First in, first out (asyncio.Queue).
template <class T>
class Queue : public detail::BasicQueue<T, detail::FifoStore<T>> {
 public:
  explicit Queue(std::size_t maxsize = 0) : Queue::BasicQueue(maxsize) {}
};

// Last in, first out (asyncio.LifoQueue).
template <class T>
class LifoQueue : public detail::BasicQueue<T, detail::LifoStore<T>> {
 public:
  explicit LifoQueue(std::size_t maxsize = 0) : LifoQueue::BasicQueue(maxsize) {}
};

// Smallest first by `Compare` (asyncio.PriorityQueue, heapq order); put (priority, value)
// pairs to attach data. Equal items come out in no particular order.
template <class T, class Compare = std::less<T>>
class PriorityQueue : public detail::BasicQueue<T, detail::PriorityStore<T, Compare>> {
 public:
  explicit PriorityQueue(std::size_t maxsize = 0, Compare less = Compare())
      : PriorityQueue::BasicQueue(maxsize, detail::PriorityStore<T, Compare>(std::move(less))) {}
};

}  // namespace corio
