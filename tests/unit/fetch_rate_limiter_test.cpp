// tests/unit/fetch_rate_limiter_test.cpp — corio-fetch's TokenBucket and HostLimits, on the
// loop's virtual clock (time only moves when every task waits).
#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <vector>

#include <corio/corio.hpp>

#include "rate_limiter.hpp"

using namespace std::chrono_literals;
using corio_fetch::HostLimits;
using corio_fetch::TokenBucket;

namespace {

corio::LoopOptions virtual_clock() {
  corio::LoopOptions options;
  options.virtual_time = true;
  return options;
}

double since(corio::Loop::TimePoint start) {
  return std::chrono::duration<double>(corio::Loop::current().now() - start).count();
}

}  // namespace

TEST(FetchTokenBucket, SpacesRequestsAtTheRate) {
  corio::run(
      []() -> corio::Task<> {
        TokenBucket bucket(10, 1);
        const auto start = corio::Loop::current().now();
        std::vector<double> times;
        for (int i = 0; i < 5; ++i) {
          co_await bucket.acquire();
          times.push_back(since(start));
        }
        for (int i = 0; i < 5; ++i) EXPECT_NEAR(times[static_cast<std::size_t>(i)], 0.1 * i, 1e-6);
      },
      virtual_clock());
}

TEST(FetchTokenBucket, ABurstGoesAtOnceThenTheRateHolds) {
  TokenBucket bucket(10, 3);
  const corio::Loop::TimePoint now{};
  EXPECT_EQ(bucket.reserve(now), 0ns);
  EXPECT_EQ(bucket.reserve(now), 0ns);
  EXPECT_EQ(bucket.reserve(now), 0ns);
  EXPECT_NEAR(std::chrono::duration<double>(bucket.reserve(now)).count(), 0.1, 1e-6);
  EXPECT_FALSE(bucket.is_full(now));
  EXPECT_TRUE(bucket.is_full(now + 1s));
}

// --rate 1e-300 (or a denormal) means one request, then none for as long as the clock can
// count: the interval saturates at 292 years instead of overflowing the nanosecond clock.
TEST(FetchTokenBucket, TinyRatesSaturateInsteadOfOverflowing) {
  const double rates[] = {1e-10, 1e-20, 1e-300, 1e-310, std::numeric_limits<double>::denorm_min()};
  const corio::Loop::TimePoint now = corio::Loop::TimePoint{} + 1000s;
  constexpr auto century = std::chrono::hours(24 * 365 * 100);
  for (const double rate : rates) {
    TokenBucket bucket(rate, 1);
    EXPECT_EQ(bucket.reserve(now), 0ns) << rate;
    EXPECT_GT(bucket.reserve(now), century) << rate;
    EXPECT_GT(bucket.reserve(now + 1s), century) << rate;  // saturated: no wrap-around
    EXPECT_FALSE(bucket.is_full(now + century)) << rate;
  }
}

// A burst at a tiny rate is exact too: B requests, then the next waits 1/rate (forever).
TEST(FetchTokenBucket, ABurstAtATinyRateLetsExactlyBurstRequestsGo) {
  const corio::Loop::TimePoint now = corio::Loop::TimePoint{} + 1s;
  constexpr auto century = std::chrono::hours(24 * 365 * 100);
  for (const double rate : {1e-12, 1e-300, std::numeric_limits<double>::denorm_min()}) {
    TokenBucket bucket(rate, 3);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(bucket.reserve(now), 0ns) << rate << " " << i;
    EXPECT_GT(bucket.reserve(now), century) << rate;
    EXPECT_GT(bucket.reserve(now + century), century) << rate;
  }
  TokenBucket slow(1e-3, 3);  // (3 - 1) * 1000 s of tolerance
  for (int i = 0; i < 3; ++i) EXPECT_EQ(slow.reserve(now), 0ns) << i;
  EXPECT_NEAR(std::chrono::duration<double>(slow.reserve(now)).count(), 1000, 1e-6);
  TokenBucket deep(1e-3, 1e9);  // a tolerance of 1e12 s, beyond the clock: still exact
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(deep.reserve(now), 0ns) << i;
}

// On the real clock: the second acquire() waits (for ~292 years) until cancelled.
TEST(FetchTokenBucket, ATinyRateLetsOneRequestGoThenWaitsUntilCancelled) {
  corio::run([]() -> corio::Task<> {
    TokenBucket bucket(1e-300, 1);
    co_await bucket.acquire();
    bool second = false;
    auto waiter = corio::spawn([&]() -> corio::Task<> {
      co_await bucket.acquire();
      second = true;
    });
    co_await corio::sleep(20ms);
    EXPECT_FALSE(second);
    EXPECT_FALSE(waiter.done());
    waiter.cancel();
    try {
      co_await waiter;
    } catch (const corio::CancelledError&) {
    }
    EXPECT_FALSE(second);
  }());
}

TEST(FetchTokenBucket, ConcurrentWaitersStartInOrderAtTheRate) {
  corio::run(
      []() -> corio::Task<> {
        TokenBucket bucket(100, 1);
        const auto start = corio::Loop::current().now();
        std::vector<double> times;
        co_await corio::task_group([&](corio::TaskGroup& group) -> corio::Task<> {
          for (int i = 0; i < 10; ++i) {
            group.spawn([&]() -> corio::Task<> {
              co_await bucket.acquire();
              times.push_back(since(start));
            });
          }
          co_return;
        });
        EXPECT_EQ(times.size(), 10u);
        if (!times.empty()) {
          EXPECT_NEAR(times.back(), 0.09, 1e-6);
        }
      },
      virtual_clock());
}

TEST(FetchHostLimits, BoundsRequestsInFlightPerHostButNotAcrossHosts) {
  corio::run(
      []() -> corio::Task<> {
        HostLimits hosts(2, 0, 1);
        int busy_a = 0;
        int peak_a = 0;
        int peak_total = 0;
        int busy = 0;
        co_await corio::task_group([&](corio::TaskGroup& group) -> corio::Task<> {
          for (int i = 0; i < 10; ++i) {
            group.spawn([&, i]() -> corio::Task<> {
              const bool is_a = i % 2 == 0;
              auto permit = co_await hosts.acquire(is_a ? "a.example" : "b.example");
              busy_a += is_a ? 1 : 0;
              ++busy;
              peak_a = std::max(peak_a, busy_a);
              peak_total = std::max(peak_total, busy);
              co_await corio::sleep(10ms);
              busy_a -= is_a ? 1 : 0;
              --busy;
            });
          }
          co_return;
        });
        EXPECT_EQ(peak_a, 2);
        EXPECT_EQ(peak_total, 4);
        EXPECT_EQ(hosts.tracked_hosts(), 0u);  // idle hosts without a bucket are forgotten
      },
      virtual_clock());
}

TEST(FetchHostLimits, RateIsPerHostAndIdleBucketsAreSweptOnceFull) {
  corio::run(
      []() -> corio::Task<> {
        HostLimits hosts(0, 10, 1);
        const auto start = corio::Loop::current().now();
        for (int i = 0; i < 3; ++i) {
          auto permit = co_await hosts.acquire("a.example");
        }
        EXPECT_NEAR(since(start), 0.2, 1e-6);
        { auto other = co_await hosts.acquire("b.example"); }
        EXPECT_NEAR(since(start), 0.2, 1e-6);  // another host does not wait
        hosts.sweep();
        EXPECT_EQ(hosts.tracked_hosts(), 2u);  // buckets still refilling
        co_await corio::sleep(1s);
        hosts.sweep();
        EXPECT_EQ(hosts.tracked_hosts(), 0u);
      },
      virtual_clock());
}

TEST(FetchHostLimits, ACancelledWaiterGivesBackWhatItHeld) {
  corio::run(
      []() -> corio::Task<> {
        HostLimits hosts(1, 0, 1);
        auto first = co_await hosts.acquire("a.example");
        auto waiter = corio::spawn(
            [&]() -> corio::Task<> { auto permit = co_await hosts.acquire("a.example"); });
        co_await corio::yield_now();
        waiter.cancel();
        try {
          co_await waiter;
        } catch (const corio::CancelledError&) {
        }
        first = HostLimits::Permit();
        EXPECT_EQ(hosts.tracked_hosts(), 0u);
        auto again = co_await hosts.acquire("a.example");
        EXPECT_EQ(hosts.tracked_hosts(), 1u);
      },
      virtual_clock());
}
