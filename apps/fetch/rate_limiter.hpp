// apps/fetch/rate_limiter.hpp — how fast and how many: TokenBucket (requests per second
// with a burst, on the loop's clock) and HostLimits (per-host concurrency and rate).
//
//   TokenBucket bucket(100.0, 1.0);               // 100 requests/s, no burst
//   co_await bucket.acquire();                    // returns when this request may start
//
//   HostLimits hosts(4, 10.0, 1.0);               // ≤ 4 in flight and ≤ 10/s per host
//   auto permit = co_await hosts.acquire("example.com");   // released when it dies
//
// A bucket holds a count of tokens, refilled at the rate up to the burst; acquire() takes
// one at once, or runs the count negative (reserving a later slot, as GCRA's theoretical
// arrival time does) and sleeps until the debt is repaid, so waiters start in FIFO order
// and nothing polls. Counting in tokens, not in nanoseconds, keeps every rate and burst
// exact: --rate 1e-300 --burst 3 starts 3 requests, then the next waits past the clock's end.
// Both belong to the loop of the creating thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>

#include <corio/loop.hpp>
#include <corio/sync/semaphore.hpp>
#include <corio/task.hpp>

namespace corio_fetch {

class TokenBucket {
 public:
  // `rate` tokens per second (> 0), at most `burst` (≥ 1) taken at once after idleness.
  // Any positive rate is valid, however small: `--rate 1e-300` lets `burst` requests go
  // and makes the next wait 1e300 s, which sleeps to the end of the loop's clock.
  TokenBucket(double rate, double burst);

  // Reserves the next slot at `now` and returns how long until it comes (zero: at once).
  [[nodiscard]] corio::Loop::Duration reserve(corio::Loop::TimePoint now) noexcept;
  // Suspends until a token is available. Cancellation: safe; the reserved slot is lost,
  // which only ever slows the rate down.
  corio::Task<> acquire();
  // True when the bucket is full again at `now`: forgetting it changes nothing.
  [[nodiscard]] bool is_full(corio::Loop::TimePoint now) const noexcept;

 private:
  // Tokens available at `at` (refilled since last_, capped at the burst).
  [[nodiscard]] double tokens_at(corio::Loop::TimePoint at) const noexcept;

  double rate_;                    // tokens per second
  double burst_;                   // capacity
  double tokens_;                  // at last_; negative: owed to reserved slots
  corio::Loop::TimePoint last_{};  // when tokens_ was counted
};

class HostLimits {
 public:
  class Permit;

  // per_host: requests in flight per host (0: unlimited); rate: per host per second
  // (0: unlimited).
  HostLimits(std::size_t per_host, double rate, double burst);
  HostLimits(const HostLimits&) = delete;
  HostLimits& operator=(const HostLimits&) = delete;
  ~HostLimits();

  // Waits for the host's concurrency slot, then for its rate token.
  // Suspends: while the host is at its limits. Cancellation: safe, nothing is held.
  corio::Task<Permit> acquire(std::string host);

  // Forgets hosts with nothing in flight whose bucket has filled up since (their state is
  // the default again). Hosts without a bucket are forgotten as their last permit goes, so
  // memory follows the hosts in use, not every host ever seen.
  void sweep();
  [[nodiscard]] std::size_t tracked_hosts() const noexcept { return hosts_.size(); }
  [[nodiscard]] bool enabled() const noexcept { return per_host_ > 0 || rate_ > 0; }

 private:
  struct Host;
  void forget_if_idle(Host* host) noexcept;

  std::size_t per_host_;
  double rate_;
  double burst_;
  std::unordered_map<std::string, std::unique_ptr<Host>> hosts_;
};

// Holds one host's concurrency slot (if limited); releases it when destroyed.
class HostLimits::Permit {
 public:
  Permit() = default;
  Permit(Permit&& other) noexcept;
  Permit& operator=(Permit&& other) noexcept;
  ~Permit();
  Permit(const Permit&) = delete;
  Permit& operator=(const Permit&) = delete;

 private:
  friend class HostLimits;
  Permit(HostLimits* owner, Host* host) noexcept : owner_(owner), host_(host) {}
  void release() noexcept;

  HostLimits* owner_ = nullptr;
  Host* host_ = nullptr;
  bool holds_slot_ = false;
};

}  // namespace corio_fetch
