// apps/fetch/rate_limiter.cpp — token buckets and per-host limits.
#include "rate_limiter.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>

#include <corio/sleep.hpp>

namespace corio_fetch {

namespace {

using Duration = corio::Loop::Duration;
using TimePoint = corio::Loop::TimePoint;

// `seconds` (≥ 0, maybe inf) as a Duration, rounded up and saturated at Duration::max()
// (292 years): a wait of 1e300 s is "forever", not a float-to-integer overflow.
Duration saturated(double seconds) noexcept {
  constexpr double limit = std::chrono::duration<double>(Duration::max()).count();
  if (!(seconds < limit)) return Duration::max();  // also inf and nan
  if (!(seconds > 0)) return Duration::zero();
  return std::chrono::ceil<Duration>(std::chrono::duration<double>(seconds));
}

}  // namespace

TokenBucket::TokenBucket(double rate, double burst)
    : rate_(rate), burst_(std::max(burst, 1.0)), tokens_(burst_) {}

double TokenBucket::tokens_at(TimePoint now) const noexcept {
  if (now <= last_) return tokens_;
  // Both are readings of a steady clock (≥ its epoch): the difference cannot overflow.
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  return std::min(burst_, tokens_ + elapsed * rate_);
}

corio::Loop::Duration TokenBucket::reserve(corio::Loop::TimePoint now) noexcept {
  tokens_ = tokens_at(now) - 1;
  last_ = std::max(last_, now);
  if (tokens_ >= 0) return Duration::zero();
  return saturated(-tokens_ / rate_);  // the debt, repaid at the rate
}

corio::Task<> TokenBucket::acquire() {
  const TimePoint now = corio::Loop::current().now();
  const Duration wait = reserve(now);
  if (wait <= Duration::zero()) co_return;
  // sleep_until, not sleep(wait): sleep() adds `wait` to a later reading of the clock,
  // which overflows for a wait that runs to the end of time (a rate like 1e-300/s).
  const bool forever = now.time_since_epoch() > Duration::max() - wait;
  co_await corio::sleep_until(forever ? TimePoint::max() : now + wait);
}

bool TokenBucket::is_full(corio::Loop::TimePoint now) const noexcept {
  return tokens_at(now) >= burst_;
}

struct HostLimits::Host {
  Host(std::string host_name, std::size_t permits) : name(std::move(host_name)), slots(permits) {}
  std::string name;
  corio::Semaphore slots;
  std::optional<TokenBucket> bucket;
  std::size_t users = 0;  // permits held plus tasks waiting in acquire()
};

HostLimits::HostLimits(std::size_t per_host, double rate, double burst)
    : per_host_(per_host), rate_(rate), burst_(burst) {}

HostLimits::~HostLimits() = default;

corio::Task<HostLimits::Permit> HostLimits::acquire(std::string host_name) {
  auto [it, inserted] = hosts_.try_emplace(host_name);
  if (inserted) {
    it->second = std::make_unique<Host>(std::move(host_name), per_host_ > 0 ? per_host_ : 1);
    if (rate_ > 0) it->second->bucket.emplace(rate_, burst_);
  }
  Host* host = it->second.get();
  ++host->users;
  // From here the permit owns `users` and, once taken, the slot: a cancellation in either
  // wait below gives back exactly what was taken.
  Permit permit(this, host);
  if (per_host_ > 0) {
    co_await host->slots.acquire();
    permit.holds_slot_ = true;
  }
  if (host->bucket) co_await host->bucket->acquire();
  co_return permit;
}

void HostLimits::forget_if_idle(Host* host) noexcept {
  if (host->users != 0) return;
  if (host->bucket && !host->bucket->is_full(corio::Loop::current().now())) return;
  const auto it = hosts_.find(host->name);
  if (it != hosts_.end()) hosts_.erase(it);
}

void HostLimits::sweep() {
  const corio::Loop::TimePoint now = corio::Loop::current().now();
  std::erase_if(hosts_, [now](const auto& entry) {
    const Host& host = *entry.second;
    return host.users == 0 && (!host.bucket || host.bucket->is_full(now));
  });
}

HostLimits::Permit::Permit(Permit&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)),
      host_(std::exchange(other.host_, nullptr)),
      holds_slot_(std::exchange(other.holds_slot_, false)) {}

HostLimits::Permit& HostLimits::Permit::operator=(Permit&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::exchange(other.owner_, nullptr);
    host_ = std::exchange(other.host_, nullptr);
    holds_slot_ = std::exchange(other.holds_slot_, false);
  }
  return *this;
}

HostLimits::Permit::~Permit() {
  release();
}

void HostLimits::Permit::release() noexcept {
  if (host_ == nullptr) return;
  Host* host = std::exchange(host_, nullptr);
  if (std::exchange(holds_slot_, false)) host->slots.release();
  --host->users;
  owner_->forget_if_idle(host);
}

}  // namespace corio_fetch
