// tests/unit/queue_test.cpp — tests for include/corio/queue.hpp.
// Parity cases name the test_asyncio/test_queues.py case they mirror.
// Expected vectors are named variables: g++ 12 rejects an initializer list in a
// full-expression that also contains co_await ("array used as initializer").
#include <gtest/gtest.h>
#include <corio/corio.hpp>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace {

template <class Q>
corio::Task<> put_all(Q& q, std::vector<int> items) {
  for (int item : items) co_await q.put(item);
}

template <class Q>
corio::Task<std::vector<int>> get_n(Q& q, int n) {
  std::vector<int> out;
  for (int i = 0; i < n; ++i) out.push_back(co_await q.get());
  co_return out;
}

}  // namespace

// ---- basics -------------------------------------------------------------------------------

// Parity: QueueBasicTests.test_empty.
TEST(Queue, EmptyTellsWhetherItemsAreQueued) {
  corio::run([]() -> corio::Task<> {
    corio::Queue<int> q;
    EXPECT_TRUE(q.empty());
    co_await q.put(1);
    EXPECT_FALSE(q.empty());
    EXPECT_EQ(co_await q.get(), 1);
    EXPECT_TRUE(q.empty());
  });
}

// Parity: QueueBasicTests.test_full.
TEST(Queue, FullOnlyWithAMaxsize) {
  corio::run([]() -> corio::Task<> {
    corio::Queue<int> unbounded;
    EXPECT_FALSE(unbounded.full());
    for (int i = 0; i < 1000; ++i) unbounded.put_nowait(i);
    EXPECT_FALSE(unbounded.full());
    EXPECT_EQ(unbounded.maxsize(), 0U);

    corio::Queue<int> q(1);
    co_await q.put(1);
    EXPECT_TRUE(q.full());
  });
}

// Parity: QueueBasicTests.test_order.
TEST(Queue, ItemsComeOutFirstInFirstOut) {
  corio::run([]() -> corio::Task<> {
    corio::Queue<int> q;
    const std::vector<int> items{1, 3, 2};
    co_await put_all(q, items);
    const std::vector<int> expected{1, 3, 2};
    EXPECT_EQ(co_await get_n(q, 3), expected);
  });
}

// Parity: QueueBasicTests.test_maxsize.
TEST(Queue, PutSuspendsWhileTheQueueIsFull) {
  corio::run([]() -> corio::Task<> {
    corio::Queue<int> q(2);
    EXPECT_EQ(q.maxsize(), 2U);
    std::vector<int> have_been_put;
    auto putter = corio::spawn([&]() -> corio::Task<bool> {
      for (int i = 0; i < 3; ++i) {
        co_await q.put(i);
        have_been_put.push_back(i);
      }
      co_return true;
    });
    co_await corio::yield_now();
    co_await corio::yield_now();
    EXPECT_EQ(have_been_put, (std::vector{0, 1}));  // blocked on the third
    EXPECT_EQ(co_await q.get(), 0);
    co_await corio::yield_now();
    EXPECT_EQ(have_been_put, (std::vector{0, 1, 2}));
    EXPECT_EQ(co_await q.get(), 1);
    EXPECT_EQ(co_await q.get(), 2);
    EXPECT_TRUE(putter.done());
    EXPECT_TRUE(putter.result());
  });
}

TEST(Queue, MoveOnlyItemsPassThrough) {
  corio::run([]() -> corio::Task<> {
    corio::Queue<std::unique_ptr<int>> q(1);
    co_await q.put(std::make_unique<int>(7));
    auto waiting =
        corio::spawn([&]() -> corio::Task<> { co_await q.put(std::make_unique<int>(8)); });
    co_await corio::yield_now();
    auto first = co_await q.get();
    co_await waiting;
    auto second = q.get_nowait();
    EXPECT_EQ(*first, 7);
    EXPECT_EQ(*second, 8);
  });
}

// ---- get ----------------------------------------------------------------------------------

// Parity: QueueGetTests.test_blocking_get.
TEST(Queue, GetReturnsAQueuedItemWithoutSuspending) {
  std::vector<int> order;
  corio::run([&]() -> corio::Task<> {
    corio::Queue<int> q;
    q.put_nowait(1);
    auto other = corio::spawn([&]() -> corio::Task<> {
      order.push_back(2);
      co_return;
    });
    EXPECT_EQ(co_await q.get(), 1);
    order.push_back(1);
    co_await other;
  });
  EXPECT_EQ(order, (std::vector{1, 2}));
}

// Parity: QueueGetTests.test_get_with_putters.
TEST(Queue, GetFromAFullQueueWakesAPutter) {
  corio::run([]() -> corio::Task<> {
    corio::Queue<int> q(1);
    co_await q.put(1);
    auto putter = corio::spawn([&]() -> corio::Task<> { co_await q.put(2); });
    co_await corio::yield_now();
    EXPECT_FALSE(putter.done());
    EXPECT_EQ(co_await q.get(), 1);
    co_await putter;
    EXPECT_EQ(q.get_nowait(), 2);
  });
}

// Parity: QueueGetTests.test_blocking_get_wait (call_later replaced by call_soon).
TEST(Queue, GetSuspendsUntilAnItemIsPut) {
  corio::run([]() -> corio::Task<> {
    corio::Queue<int> q;
    corio::Event started;
    bool finished = false;
    auto getter = corio::spawn([&]() -> corio::Task<int> {
      started.set();
      const int item = co_await q.get();
      finished = true;
      co_return item;
    });
    co_await started.wait();
    EXPECT_FALSE(finished);
    corio::Loop::current().call_soon([&] { q.put_nowait(1); });
    EXPECT_EQ(co_await getter, 1);
    EXPECT_TRUE(finished);
  });
}

// Parity: QueueGetTests.test_nonblocking_get.
TEST(Queue, GetNowaitReturnsTheNextItem) {
  corio::Queue<int> q;
  q.put_nowait(1);
  EXPECT_EQ(q.get_nowait(), 1);
}

// Parity: QueueGetTests.test_nonblocking_get_exception.
TEST(Queue, GetNowaitOnAnEmptyQueueThrowsQueueEmpty) {
  corio::Queue<int> q;
  EXPECT_THROW(q.get_nowait(), corio::QueueEmpty);
}

// Parity: QueueGetTests.test_get_cancelled_race.
TEST(Queue, ACancelledGetterDoesNotTakeTheNextItem) {
  corio::run([]() -> corio::Task<> {
    corio::Queue<std::string> q;
    auto get = [&]() -> corio::Task<std::string> { co_return co_await q.get(); };
    auto t1 = corio::spawn(get);
    auto t2 = corio::spawn(get);
    co_await corio::yield_now();
    t1.cancel();
    co_await corio::yield_now();
    EXPECT_TRUE(t1.done());
    co_await q.put("a");
    co_await corio::yield_now();
    EXPECT_EQ(co_await t2, "a");
  });
}

// Parity: QueueGetTests.test_get_with_waiting_putters.
TEST(Queue, GetsServeWaitingPuttersInOrder) {
  corio::run([]() -> corio::Task<> {
    corio::Queue<std::string> q(1);
    auto a = corio::spawn([&]() -> corio::Task<> { co_await q.put("a"); });
    auto b = corio::spawn([&]() -> corio::Task<> { co_await q.put("b"); });
    EXPECT_EQ(co_await q.get(), "a");
    EXPECT_EQ(co_await q.get(), "b");
    co_await a;
    co_await b;
  });
}

// Parity: QueueGetTests.test_why_are_getters_waiting.
TEST(Queue, ProducerAndConsumerOnAOneSlotQueueFinish) {
  corio::run([]() -> corio::Task<> {
    constexpr int kItems = 5;
    corio::Queue<int> q(1);
    auto producer = corio::spawn([&]() -> corio::Task<> {
      for (int i = 0; i < kItems; ++i) co_await q.put(i);
    });
    auto consumer = corio::spawn(
        [&]() -> corio::Task<std::vector<int>> { co_return co_await get_n(q, kItems); });
    co_await producer;
    const std::vector<int> expected{0, 1, 2, 3, 4};
    EXPECT_EQ(co_await consumer, expected);
  });
}

// Parity: QueueGetTests.test_cancelled_getters_not_being_held_in_self_getters.
TEST(Queue, ACancelledGetterLeavesNoTrace) {
  corio::run([]() -> corio::Task<> {
    corio::Queue<int> q(5);
    auto getter = corio::spawn([&]() -> corio::Task<> { (void)co_await q.get(); });
    co_await corio::yield_now();
    getter.cancel();
    EXPECT_THROW(co_await getter, corio::CancelledError);
    q.put_nowait(1);  // stays queued: nobody is waiting any more
    EXPECT_EQ(q.qsize(), 1U);
    EXPECT_EQ(q.get_nowait(), 1);
  });
}

TEST(Queue, GettersAreServedInArrivalOrder) {
  corio::run([]() -> corio::Task<> {
    corio::Queue<int> q;
    std::vector<int> got;
    auto getter = [&](int id) -> corio::Task<> {
      const int item = co_await q.get();
      got.push_back(id * 10 + item);
    };
    auto g1 = corio::spawn(getter(1));
    auto g2 = corio::spawn(getter(2));
    auto g3 = corio::spawn(getter(3));
    co_await corio::yield_now();
    q.put_nowait(1);
    q.put_nowait(2);
    q.put_nowait(3);
    co_await g1;
    co_await g2;
    co_await g3;
    EXPECT_EQ(got, (std::vector{11, 22, 33}));
  });
}

TEST(Queue, AnItemPutForAWaitingGetterCannotBeTakenByANewcomer) {
  corio::run([]() -> corio::Task<> {
    corio::Queue<int> q;
    auto waiting = corio::spawn([&]() -> corio::Task<int> { co_return co_await q.get(); });
    co_await corio::yield_now();
    q.put_nowait(1);  // handed to `waiting`, which has not resumed yet
    EXPECT_TRUE(q.empty());
    EXPECT_THROW(q.get_nowait(), corio::QueueEmpty);
    EXPECT_EQ(co_await waiting, 1);
  });
}

// ---- put ----------------------------------------------------------------------------------

// Parity: QueuePutTests.test_blocking_put.
TEST(Queue, PutOnAnUnboundedQueueDoesNotSuspend) {
  corio::run([]() -> corio::Task<> {
    corio::Queue<int> q;
    co_await q.put(1);
    EXPECT_EQ(co_await q.get(), 1);
  });
}

// Parity: QueuePutTests.test_blocking_put_wait (call_later replaced by call_soon).
TEST(Queue, PutResumesOnceAGetFreesASlot) {
  corio::run([]() -> corio::Task<> {
    corio::Queue<int> q(1);
    corio::Event started;
    bool finished = false;
    auto putter = corio::spawn([&]() -> corio::Task<> {
      started.set();
      co_await q.put(1);
      co_await q.put(2);
      finished = true;
    });
    co_await started.wait();
    EXPECT_FALSE(finished);  // blocked on put(2)
    corio::Loop::current().call_soon([&] { (void)q.get_nowait(); });
    co_await putter;
    EXPECT_TRUE(finished);
  });
}

// Parity: QueuePutTests.test_nonblocking_put.
TEST(Queue, PutNowaitQueuesTheItem) {
  corio::Queue<int> q;
  q.put_nowait(1);
  EXPECT_EQ(q.qsize(), 1U);
  EXPECT_EQ(q.get_nowait(), 1);
}

// Parity: QueuePutTests.test_nonblocking_put_exception.
TEST(Queue, PutNowaitOnAFullQueueThrowsQueueFull) {
  corio::Queue<int> q(1);
  q.put_nowait(1);
  EXPECT_THROW(q.put_nowait(2), corio::QueueFull);
  EXPECT_EQ(q.qsize(), 1U);
}

// Parity: QueuePutTests.test_get_cancel_drop_one_pending_reader.
TEST(Queue, AGetterCancelledAfterTheHandOffDoesNotDropItsItem) {
  corio::run([]() -> corio::Task<> {
    corio::Queue<int> q;
    auto reader = corio::spawn([&]() -> corio::Task<int> { co_return co_await q.get(); });
    co_await corio::yield_now();
    q.put_nowait(1);  // handed to reader
    q.put_nowait(2);
    reader.cancel();
    int result = 0;
    bool cancelled = false;
    try {
      result = co_await reader;
    } catch (const corio::CancelledError&) {
      cancelled = true;
    }
    if (cancelled) {  // try again
      reader = corio::spawn([&]() -> corio::Task<int> { co_return co_await q.get(); });
      result = co_await reader;
    }
    EXPECT_EQ(result, 1);  // 2 would mean 1 was dropped
    EXPECT_EQ(q.get_nowait(), 2);
  });
}

// Parity: QueuePutTests.test_get_cancel_drop_many_pending_readers.
TEST(Queue, AGetterCancelledAfterTheHandOffPassesItsItemToTheNextGetter) {
  corio::run([]() -> corio::Task<> {
    corio::Queue<int> q;
    auto get = [&]() -> corio::Task<int> { co_return co_await q.get(); };
    auto reader1 = corio::spawn(get);
    auto reader2 = corio::spawn(get);
    auto reader3 = corio::spawn(get);
    co_await corio::yield_now();
    q.put_nowait(1);
    q.put_nowait(2);
    reader1.cancel();
    EXPECT_THROW(co_await reader1, corio::CancelledError);
    const int r3 = co_await reader3;
    const int r2 = co_await reader2;
    EXPECT_EQ(r2 + r3, 3);
    EXPECT_NE(r2, r3);
    EXPECT_TRUE(q.empty());
  });
}

// Parity: the same test's order. Items and getters both stay first-in first-out: the item the
// cancelled getter was woken for goes to the next getter in line, not behind the items put
// after it (asyncio: reader2 gets 1, reader3 gets 2).
TEST(Queue, AGetterCancelledAfterTheHandOffKeepsItemsAndGettersInOrder) {
  corio::run([]() -> corio::Task<> {
    corio::Queue<int> q;
    std::vector<std::pair<int, int>> got;  // (getter, item) in the order getters resumed
    auto get = [&](int id) -> corio::Task<> { got.emplace_back(id, co_await q.get()); };
    auto reader1 = corio::spawn(get(1));
    auto reader2 = corio::spawn(get(2));
    auto reader3 = corio::spawn(get(3));
    auto reader4 = corio::spawn(get(4));
    co_await corio::yield_now();
    q.put_nowait(1);  // woken: reader1, reader2
    q.put_nowait(2);
    reader1.cancel();
    EXPECT_THROW(co_await reader1, corio::CancelledError);
    q.put_nowait(3);
    co_await reader2;
    co_await reader3;
    co_await reader4;
    const std::vector<std::pair<int, int>> expected{{2, 1}, {3, 2}, {4, 3}};
    EXPECT_EQ(got, expected);
    EXPECT_TRUE(q.empty());
  });
}

// The order also holds when the cancelled getter was the last one waiting: its item goes
// back to the front of the queue, before the items put after it.
TEST(Queue, AnItemGivenBackByACancelledGetterComesOutFirst) {
  corio::run([]() -> corio::Task<> {
    corio::Queue<int> q;
    auto get = [&]() -> corio::Task<int> { co_return co_await q.get(); };
    auto reader1 = corio::spawn(get);
    auto reader2 = corio::spawn(get);
    co_await corio::yield_now();
    q.put_nowait(1);  // woken: reader1, reader2
    q.put_nowait(2);
    q.put_nowait(3);
    reader1.cancel();
    EXPECT_THROW(co_await reader1, corio::CancelledError);
    EXPECT_EQ(co_await reader2, 1);
    const std::vector<int> expected{2, 3};
    EXPECT_EQ(co_await get_n(q, 2), expected);
  });
}

// Parity: QueuePutTests.test_put_cancel_drop.
TEST(Queue, APutterCancelledAfterASlotWasFreedDoesNotPut) {
  corio::run([]() -> corio::Task<> {
    corio::Queue<int> q(1);
    q.put_nowait(1);
    auto writer = corio::spawn([&]() -> corio::Task<> { co_await q.put(2); });
    co_await corio::yield_now();
    EXPECT_EQ(q.get_nowait(), 1);  // frees the slot for writer
    writer.cancel();
    bool cancelled = false;
    try {
      co_await writer;
    } catch (const corio::CancelledError&) {
      cancelled = true;
    }
    if (cancelled) {  // try again
      writer = corio::spawn([&]() -> corio::Task<> { co_await q.put(2); });
      co_await writer;
    }
    EXPECT_EQ(q.get_nowait(), 2);
    EXPECT_EQ(q.qsize(), 0U);
  });
}

// Parity: QueuePutTests.test_put_cancelled.
TEST(Queue, PutThenGetCompletesThePutter) {
  corio::run([]() -> corio::Task<> {
    corio::Queue<int> q;
    auto t = corio::spawn([&]() -> corio::Task<bool> {
      co_await q.put(1);
      co_return true;
    });
    EXPECT_EQ(co_await q.get(), 1);
    EXPECT_TRUE(t.done());
    EXPECT_TRUE(co_await t);
  });
}

// Parity: QueuePutTests.test_put_cancelled_race.
TEST(Queue, ACancelledPutterDoesNotTakeTheFreedSlot) {
  corio::run([]() -> corio::Task<> {
    corio::Queue<std::string> q(1);
    auto put_a = corio::spawn([&]() -> corio::Task<> { co_await q.put("a"); });
    auto put_b = corio::spawn([&]() -> corio::Task<> { co_await q.put("b"); });
    auto put_c = corio::spawn([&]() -> corio::Task<> { co_await q.put("X"); });
    co_await corio::yield_now();
    EXPECT_TRUE(put_a.done());
    EXPECT_FALSE(put_b.done());

    put_c.cancel();
    co_await corio::yield_now();
    EXPECT_TRUE(put_c.done());
    EXPECT_EQ(q.get_nowait(), "a");
    co_await corio::yield_now();
    EXPECT_EQ(q.get_nowait(), "b");
    co_await put_b;
    EXPECT_TRUE(q.empty());
  });
}

// Parity: QueuePutTests.test_put_with_waiting_getters.
TEST(Queue, PutHandsTheItemToAWaitingGetter) {
  corio::run([]() -> corio::Task<> {
    corio::Queue<std::string> q;
    auto t = corio::spawn([&]() -> corio::Task<std::string> { co_return co_await q.get(); });
    co_await corio::yield_now();
    co_await q.put("a");
    EXPECT_EQ(co_await t, "a");
  });
}

// Parity: QueuePutTests.test_why_are_putters_waiting.
TEST(Queue, PuttersBlockedOnAFullQueueAllFinish) {
  corio::run([]() -> corio::Task<> {
    corio::Queue<int> q(2);
    auto getter = corio::spawn([&]() -> corio::Task<> {
      co_await corio::yield_now();
      const std::size_t n = q.qsize();
      for (std::size_t i = 0; i < n; ++i) (void)q.get_nowait();
    });
    std::vector<corio::JoinHandle<>> putters;
    for (int i = 0; i < 4; ++i) {
      putters.push_back(corio::spawn([&q, i]() -> corio::Task<> { co_await q.put(i); }));
    }
    co_await getter;
    for (auto& p : putters) co_await p;
    EXPECT_EQ(q.qsize(), 2U);
  });
}

// Parity: QueuePutTests.test_cancelled_puts_not_being_held_in_self_putters.
TEST(Queue, ACancelledPutterLeavesNoTrace) {
  corio::run([]() -> corio::Task<> {
    corio::Queue<int> q(1);
    q.put_nowait(1);
    auto put_task = corio::spawn([&]() -> corio::Task<> { co_await q.put(2); });
    co_await corio::yield_now();
    put_task.cancel();
    EXPECT_THROW(co_await put_task, corio::CancelledError);
    EXPECT_EQ(q.get_nowait(), 1);
    EXPECT_FALSE(q.full());  // no slot promised to the cancelled putter
    q.put_nowait(3);
    EXPECT_EQ(q.get_nowait(), 3);
  });
}

// Parity: QueuePutTests.test_cancelled_put_silence_value_error_exception.
TEST(Queue, APutterCancelledAfterItsSlotWasPromisedPassesTheSlotOn) {
  corio::run([]() -> corio::Task<> {
    corio::Queue<int> q(1);
    q.put_nowait(1);
    auto put_task = corio::spawn([&]() -> corio::Task<> { co_await q.put(2); });
    auto next = corio::spawn([&]() -> corio::Task<> { co_await q.put(3); });
    co_await corio::yield_now();
    EXPECT_EQ(q.get_nowait(), 1);  // promises the slot to put_task
    EXPECT_TRUE(q.full());
    put_task.cancel();
    EXPECT_THROW(co_await put_task, corio::CancelledError);
    co_await next;  // got the slot instead
    EXPECT_EQ(q.get_nowait(), 3);
    EXPECT_TRUE(q.empty());
  });
}

TEST(Queue, CancelBeforeStartPutsAndTakesNothing) {
  corio::run([]() -> corio::Task<> {
    corio::Queue<int> q(1);
    q.put_nowait(1);
    auto putter = corio::spawn([&]() -> corio::Task<> { co_await q.put(2); });
    putter.cancel();
    EXPECT_THROW(co_await putter, corio::CancelledError);
    EXPECT_EQ(q.get_nowait(), 1);

    auto getter = corio::spawn([&]() -> corio::Task<> { (void)co_await q.get(); });
    getter.cancel();
    EXPECT_THROW(co_await getter, corio::CancelledError);
    q.put_nowait(5);
    EXPECT_EQ(q.get_nowait(), 5);
  });
}

// ---- LIFO and priority order --------------------------------------------------------------

// Parity: LifoQueueTests.test_order.
TEST(LifoQueue, ItemsComeOutLastInFirstOut) {
  corio::run([]() -> corio::Task<> {
    corio::LifoQueue<int> q;
    const std::vector<int> items{1, 3, 2};
    co_await put_all(q, items);
    const std::vector<int> expected{2, 3, 1};
    EXPECT_EQ(co_await get_n(q, 3), expected);
  });
}

// Parity: asyncio's getters take the first item out when they resume, not the first put.
TEST(LifoQueue, AWaitingGetterTakesTheLastItemPutBeforeItResumes) {
  corio::run([]() -> corio::Task<> {
    corio::LifoQueue<int> q;
    auto getter = corio::spawn([&]() -> corio::Task<int> { co_return co_await q.get(); });
    co_await corio::yield_now();
    q.put_nowait(1);
    q.put_nowait(2);
    EXPECT_EQ(co_await getter, 2);
    EXPECT_EQ(q.get_nowait(), 1);
  });
}

TEST(LifoQueue, AnItemClaimedByACancelledGetterStaysInPlace) {
  corio::run([]() -> corio::Task<> {
    corio::LifoQueue<int> q;
    auto reader = corio::spawn([&]() -> corio::Task<int> { co_return co_await q.get(); });
    co_await corio::yield_now();
    q.put_nowait(1);  // claimed by reader
    q.put_nowait(2);
    q.put_nowait(3);
    reader.cancel();
    EXPECT_THROW(co_await reader, corio::CancelledError);
    const std::vector<int> expected{3, 2, 1};
    EXPECT_EQ(co_await get_n(q, 3), expected);
  });
}

// Parity: PriorityQueueTests.test_order.
TEST(PriorityQueue, ItemsComeOutSmallestFirst) {
  corio::run([]() -> corio::Task<> {
    corio::PriorityQueue<int> q;
    const std::vector<int> items{1, 3, 2};
    co_await put_all(q, items);
    const std::vector<int> expected{1, 2, 3};
    EXPECT_EQ(co_await get_n(q, 3), expected);
  });
}

TEST(PriorityQueue, ManyItemsComeOutSorted) {
  corio::PriorityQueue<int> q;
  for (int i : {5, 9, 1, 7, 3, 8, 2, 6, 4, 0}) q.put_nowait(i);
  std::vector<int> out;
  while (!q.empty()) out.push_back(q.get_nowait());
  EXPECT_EQ(out, (std::vector{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(PriorityQueue, AComparatorChoosesTheOrder) {
  corio::PriorityQueue<int, std::greater<int>> q;
  for (int i : {1, 3, 2}) q.put_nowait(i);
  EXPECT_EQ(q.get_nowait(), 3);
  EXPECT_EQ(q.get_nowait(), 2);
  EXPECT_EQ(q.get_nowait(), 1);
}

TEST(PriorityQueue, AStatefulComparatorIsKept) {
  const std::vector<int> rank = {2, 0, 1};  // item 1 first, then 2, then 0
  auto by_rank = [&rank](int a, int b) {
    return rank[static_cast<std::size_t>(a)] < rank[static_cast<std::size_t>(b)];
  };
  corio::PriorityQueue<int, decltype(by_rank)> q(0, by_rank);
  for (int i : {0, 1, 2}) q.put_nowait(i);
  EXPECT_EQ(q.get_nowait(), 1);
  EXPECT_EQ(q.get_nowait(), 2);
  EXPECT_EQ(q.get_nowait(), 0);
}

TEST(PriorityQueue, PairsOrderByPriorityThenValue) {
  corio::PriorityQueue<std::pair<int, std::string>> q;
  q.put_nowait({2, "write"});
  q.put_nowait({1, "read"});
  q.put_nowait({3, "close"});
  EXPECT_EQ(q.get_nowait().second, "read");
  EXPECT_EQ(q.get_nowait().second, "write");
  EXPECT_EQ(q.get_nowait().second, "close");
}

// Parity: asyncio's getters take the first item out when they resume, not the first put.
TEST(PriorityQueue, AWaitingGetterTakesTheSmallestItemWhenItResumes) {
  corio::run([]() -> corio::Task<> {
    corio::PriorityQueue<int> q;
    auto getter = corio::spawn([&]() -> corio::Task<int> { co_return co_await q.get(); });
    co_await corio::yield_now();
    q.put_nowait(5);
    q.put_nowait(1);
    EXPECT_EQ(q.qsize(), 1U);  // one item is claimed by the woken getter
    EXPECT_EQ(co_await getter, 1);
    EXPECT_EQ(q.get_nowait(), 5);
  });
}

TEST(PriorityQueue, WaitingGettersTakeItemsInOrderOfPriority) {
  corio::run([]() -> corio::Task<> {
    corio::PriorityQueue<int> q;
    auto get = [&]() -> corio::Task<int> { co_return co_await q.get(); };
    auto first = corio::spawn(get);
    auto second = corio::spawn(get);
    co_await corio::yield_now();
    q.put_nowait(5);
    q.put_nowait(1);
    q.put_nowait(3);
    EXPECT_EQ(co_await first, 1);
    EXPECT_EQ(co_await second, 3);
    EXPECT_EQ(q.get_nowait(), 5);
  });
}

TEST(PriorityQueue, AClaimedItemCannotBeTakenByANewcomer) {
  corio::run([]() -> corio::Task<> {
    corio::PriorityQueue<int> q(1);
    auto getter = corio::spawn([&]() -> corio::Task<int> { co_return co_await q.get(); });
    co_await corio::yield_now();
    q.put_nowait(7);
    EXPECT_TRUE(q.empty());
    EXPECT_TRUE(q.full());
    EXPECT_THROW((void)q.get_nowait(), corio::QueueEmpty);
    EXPECT_THROW(q.put_nowait(8), corio::QueueFull);
    EXPECT_EQ(co_await getter, 7);
  });
}

TEST(PriorityQueue, AGetterCancelledAfterTheWakeUpPassesItsClaimOn) {
  corio::run([]() -> corio::Task<> {
    corio::PriorityQueue<int> q;
    auto get = [&]() -> corio::Task<int> { co_return co_await q.get(); };
    auto gone = corio::spawn(get);
    auto kept = corio::spawn(get);
    co_await corio::yield_now();
    q.put_nowait(4);  // claimed by `gone`
    gone.cancel();
    EXPECT_THROW(co_await gone, corio::CancelledError);
    EXPECT_EQ(co_await kept, 4);
    EXPECT_TRUE(q.empty());
  });
}

TEST(PriorityQueue, ImmediateShutdownDropsAClaimedItem) {
  corio::run([]() -> corio::Task<> {
    corio::PriorityQueue<int> q;
    auto getter = corio::spawn([&]() -> corio::Task<int> { co_return co_await q.get(); });
    co_await corio::yield_now();
    q.put_nowait(1);
    q.put_nowait(2);
    q.shutdown(true);
    EXPECT_THROW(co_await getter, corio::QueueShutDown);
    co_await q.join();
    EXPECT_THROW(q.task_done(), corio::ValueError);
  });
}

// ---- task_done / join and shutdown, for every kind of queue --------------------------------

template <class Q>
class AnyQueue : public ::testing::Test {};

using QueueKinds = ::testing::Types<corio::Queue<std::string>, corio::LifoQueue<std::string>,
                                    corio::PriorityQueue<std::string>>;
TYPED_TEST_SUITE(AnyQueue, QueueKinds);

// Parity: _QueueJoinTestMixin.test_task_done_underflow.
TYPED_TEST(AnyQueue, TaskDoneWithNothingUnfinishedThrowsValueError) {
  TypeParam q;
  try {
    q.task_done();
    ADD_FAILURE() << "task_done() did not throw";
  } catch (const corio::ValueError& error) {
    EXPECT_EQ(std::string(error.what()), "task_done() called too many times");
  }
}

// Parity: _QueueJoinTestMixin.test_task_done.
TYPED_TEST(AnyQueue, JoinReturnsOnceEveryItemIsDone) {
  long accumulator = 0;
  corio::run([&]() -> corio::Task<> {
    TypeParam q;
    for (int i = 0; i < 100; ++i) q.put_nowait(std::to_string(i));
    bool running = true;
    auto worker = [&]() -> corio::Task<> {
      while (running) {
        std::string item = co_await q.get();
        accumulator += std::stol(item);
        q.task_done();
      }
    };
    auto w1 = corio::spawn(worker);
    auto w2 = corio::spawn(worker);
    co_await q.join();
    EXPECT_EQ(accumulator, 4950);
    running = false;
    q.put_nowait("0");
    q.put_nowait("0");
    co_await w1;
    co_await w2;
  });
  EXPECT_EQ(accumulator, 4950);
}

// Parity: _QueueJoinTestMixin.test_join_empty_queue.
TYPED_TEST(AnyQueue, JoinOnAFreshQueueReturnsAtOnce) {
  corio::run([]() -> corio::Task<> {
    TypeParam q;
    // A task queued before the joins runs on the next loop turn; were join() to suspend, it
    // would run first.
    bool other_ran = false;
    auto other = corio::spawn([&]() -> corio::Task<> {
      other_ran = true;
      co_return;
    });
    co_await q.join();
    co_await q.join();
    EXPECT_FALSE(other_ran);
    co_await other;
    EXPECT_TRUE(other_ran);
  });
}

TYPED_TEST(AnyQueue, JoinWaitsForTaskDoneNotJustForGet) {
  corio::run([]() -> corio::Task<> {
    TypeParam q;
    q.put_nowait("x");
    auto joiner = corio::spawn([&]() -> corio::Task<> { co_await q.join(); });
    (void)co_await q.get();
    co_await corio::yield_now();
    co_await corio::yield_now();
    EXPECT_FALSE(joiner.done());
    q.task_done();
    co_await joiner;
  });
}

TYPED_TEST(AnyQueue, ACancelledJoinLeavesNoTrace) {
  corio::run([]() -> corio::Task<> {
    TypeParam q;
    q.put_nowait("x");
    auto gone = corio::spawn([&]() -> corio::Task<> { co_await q.join(); });
    auto kept = corio::spawn([&]() -> corio::Task<> { co_await q.join(); });
    co_await corio::yield_now();
    gone.cancel();
    EXPECT_THROW(co_await gone, corio::CancelledError);
    (void)q.get_nowait();
    q.task_done();
    co_await kept;
  });
}

// Parity: _QueueShutdownTestMixin.test_shutdown_empty.
TYPED_TEST(AnyQueue, ShutdownOfAnEmptyQueueWakesGettersWithQueueShutDown) {
  corio::run([]() -> corio::Task<> {
    TypeParam q;
    auto get_task = corio::spawn([&]() -> corio::Task<> { (void)co_await q.get(); });
    co_await corio::yield_now();  // get pending before the shutdown
    q.shutdown();
    EXPECT_TRUE(q.is_shut_down());
    EXPECT_EQ(q.qsize(), 0U);
    co_await q.join();
    co_await corio::yield_now();
    EXPECT_TRUE(get_task.done());
    EXPECT_THROW(co_await get_task, corio::QueueShutDown);

    EXPECT_THROW(co_await q.put("data"), corio::QueueShutDown);
    EXPECT_THROW(q.put_nowait("data"), corio::QueueShutDown);
    EXPECT_THROW((void)co_await q.get(), corio::QueueShutDown);
    EXPECT_THROW((void)q.get_nowait(), corio::QueueShutDown);
  });
}

// Parity: _QueueShutdownTestMixin.test_shutdown_nonempty.
TYPED_TEST(AnyQueue, ShutdownLetsGettersDrainWhatIsQueued) {
  corio::run([]() -> corio::Task<> {
    TypeParam q(1);
    q.put_nowait("data");
    auto join_task = corio::spawn([&]() -> corio::Task<> { co_await q.join(); });
    auto put_task = corio::spawn([&]() -> corio::Task<> { co_await q.put("data2"); });
    co_await corio::yield_now();
    EXPECT_FALSE(put_task.done());

    q.shutdown(false);  // unfinished tasks: 1 -> 1
    EXPECT_EQ(q.qsize(), 1U);
    co_await corio::yield_now();
    EXPECT_TRUE(put_task.done());
    EXPECT_THROW(co_await put_task, corio::QueueShutDown);

    EXPECT_EQ(co_await q.get(), "data");
    co_await corio::yield_now();
    EXPECT_FALSE(join_task.done());

    EXPECT_THROW(co_await q.put("data"), corio::QueueShutDown);
    EXPECT_THROW(q.put_nowait("data"), corio::QueueShutDown);
    EXPECT_THROW((void)co_await q.get(), corio::QueueShutDown);
    EXPECT_THROW((void)q.get_nowait(), corio::QueueShutDown);

    q.task_done();
    co_await corio::yield_now();
    EXPECT_TRUE(join_task.done());
    co_await join_task;
    EXPECT_THROW(q.task_done(), corio::ValueError);
  });
}

// Parity: _QueueShutdownTestMixin.test_shutdown_immediate.
TYPED_TEST(AnyQueue, ImmediateShutdownDropsTheItemsAndReleasesJoin) {
  corio::run([]() -> corio::Task<> {
    TypeParam q;
    q.put_nowait("data");
    auto join_task = corio::spawn([&]() -> corio::Task<> { co_await q.join(); });
    q.shutdown(true);  // unfinished tasks: 1 -> 0
    EXPECT_EQ(q.qsize(), 0U);
    co_await corio::yield_now();
    EXPECT_TRUE(join_task.done());
    co_await join_task;

    EXPECT_THROW(co_await q.put("data"), corio::QueueShutDown);
    EXPECT_THROW(q.put_nowait("data"), corio::QueueShutDown);
    EXPECT_THROW((void)co_await q.get(), corio::QueueShutDown);
    EXPECT_THROW((void)q.get_nowait(), corio::QueueShutDown);
    EXPECT_THROW(q.task_done(), corio::ValueError);
  });
}

// Parity: _QueueShutdownTestMixin.test_shutdown_immediate_with_unfinished.
TYPED_TEST(AnyQueue, ImmediateShutdownKeepsItemsAlreadyTakenUnfinished) {
  corio::run([]() -> corio::Task<> {
    TypeParam q;
    q.put_nowait("data");
    q.put_nowait("data");
    auto join_task = corio::spawn([&]() -> corio::Task<> { co_await q.join(); });
    EXPECT_EQ(co_await q.get(), "data");
    q.shutdown(true);  // unfinished tasks: 2 -> 1
    EXPECT_EQ(q.qsize(), 0U);
    co_await corio::yield_now();
    EXPECT_FALSE(join_task.done());

    EXPECT_THROW(co_await q.put("data"), corio::QueueShutDown);
    EXPECT_THROW(q.put_nowait("data"), corio::QueueShutDown);
    EXPECT_THROW((void)co_await q.get(), corio::QueueShutDown);
    EXPECT_THROW((void)q.get_nowait(), corio::QueueShutDown);

    q.task_done();
    EXPECT_THROW(q.task_done(), corio::ValueError);
    co_await corio::yield_now();
    EXPECT_TRUE(join_task.done());
    co_await join_task;
  });
}

TYPED_TEST(AnyQueue, ShutdownWakesEveryWaitingPutterAndGetter) {
  corio::run([]() -> corio::Task<> {
    TypeParam full(1);
    full.put_nowait("x");
    auto p1 = corio::spawn([&]() -> corio::Task<> { co_await full.put("y"); });
    auto p2 = corio::spawn([&]() -> corio::Task<> { co_await full.put("z"); });
    TypeParam empty;
    auto g1 = corio::spawn([&]() -> corio::Task<> { (void)co_await empty.get(); });
    auto g2 = corio::spawn([&]() -> corio::Task<> { (void)co_await empty.get(); });
    co_await corio::yield_now();
    full.shutdown();
    empty.shutdown();
    EXPECT_THROW(co_await p1, corio::QueueShutDown);
    EXPECT_THROW(co_await p2, corio::QueueShutDown);
    EXPECT_THROW(co_await g1, corio::QueueShutDown);
    EXPECT_THROW(co_await g2, corio::QueueShutDown);
    EXPECT_EQ(full.get_nowait(), "x");
  });
}

TYPED_TEST(AnyQueue, APutterPromisedASlotRaisesIfTheQueueShutsDownFirst) {
  corio::run([]() -> corio::Task<> {
    TypeParam q(1);
    q.put_nowait("x");
    auto putter = corio::spawn([&]() -> corio::Task<> { co_await q.put("y"); });
    co_await corio::yield_now();
    EXPECT_EQ(q.get_nowait(), "x");  // promises the slot
    q.shutdown();
    EXPECT_THROW(co_await putter, corio::QueueShutDown);
    EXPECT_TRUE(q.empty());
    EXPECT_FALSE(q.full());
  });
}

TYPED_TEST(AnyQueue, ImmediateShutdownTakesBackAnItemHandedToAGetter) {
  corio::run([]() -> corio::Task<> {
    TypeParam q;
    auto getter = corio::spawn([&]() -> corio::Task<> { (void)co_await q.get(); });
    co_await corio::yield_now();
    q.put_nowait("x");  // handed to getter, which has not resumed
    auto join_task = corio::spawn([&]() -> corio::Task<> { co_await q.join(); });
    q.shutdown(true);  // the handed item counts as dropped: 1 -> 0
    EXPECT_THROW(co_await getter, corio::QueueShutDown);
    co_await join_task;
    EXPECT_THROW(q.task_done(), corio::ValueError);
  });
}

TYPED_TEST(AnyQueue, AGetterHandedAnItemBeforeAPlainShutdownStillGetsIt) {
  corio::run([]() -> corio::Task<> {
    TypeParam q;
    auto getter = corio::spawn([&]() -> corio::Task<std::string> { co_return co_await q.get(); });
    co_await corio::yield_now();
    q.put_nowait("x");
    q.shutdown();
    EXPECT_EQ(co_await getter, "x");
    q.task_done();
  });
}

TYPED_TEST(AnyQueue, ShutdownTwiceAndThenImmediatelyDrains) {
  corio::run([]() -> corio::Task<> {
    TypeParam q;
    q.put_nowait("a");
    q.put_nowait("b");
    q.shutdown();
    q.shutdown();
    EXPECT_EQ(q.qsize(), 2U);
    q.shutdown(true);
    EXPECT_EQ(q.qsize(), 0U);
    co_await q.join();
    q.shutdown(true);
    EXPECT_THROW(q.task_done(), corio::ValueError);
  });
}

#ifndef NDEBUG
TEST(QueueDeathTest, DestroyingAQueueWithWaitersAsserts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(corio::run([]() -> corio::Task<> {
                 auto q = std::make_unique<corio::Queue<int>>();
                 auto getter = corio::spawn([&]() -> corio::Task<> { (void)co_await q->get(); });
                 co_await corio::yield_now();
                 q.reset();
               }),
               "destroyed while tasks wait");
}
#endif
