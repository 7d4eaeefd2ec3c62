// ConnectionPool: per-origin reuse under a global connection limit.
#include "connection_pool.hpp"

#include <algorithm>
#include <cassert>

#include <corio/errors.hpp>
#include <corio/http/errors.hpp>
#include <corio/timeout.hpp>

namespace corio::http::detail {

namespace {

Task<> wait_until_set(Event& event) {
  co_await event.wait();
}

// An idle connection is checked for a server that closed it, or wrote to it unasked (a 408
// before closing), before it is reused; httpcore checks every time. The check costs a
// system call, and servers drop idle connections after seconds (nginx 75 s, Apache and
// Node 5 s, gunicorn 2 s), so a connection reused sooner than this is not checked: a
// request on one that died anyway goes out again on a fresh connection (send_single in
// client.cpp), as long as no byte of an answer came back.
constexpr auto kCheckIdleAfter = std::chrono::milliseconds(100);

}  // namespace

ConnectionPool::~ConnectionPool() {
  assert(waiters_.empty());
  close();
}

void ConnectionPool::close() noexcept {
  closed_ = true;
  while (!idle_.empty()) {
    idle_.front()->close();
    idle_.pop_front();
    free_permit();
  }
}

Task<> ConnectionPool::aclose() {
  closed_ = true;
  while (!idle_.empty()) {
    std::unique_ptr<Connection> connection = std::move(idle_.front());
    idle_.pop_front();
    co_await connection->aclose();
    free_permit();
  }
}

std::unique_ptr<Connection> ConnectionPool::take_idle(const Origin& origin,
                                                      Clock::time_point now) noexcept {
  for (auto it = idle_.rbegin(); it != idle_.rend();) {
    if ((*it)->origin() != origin || !(*it)->is_open()) {
      ++it;
      continue;
    }
    auto connection = std::move(*it);
    it = std::make_reverse_iterator(idle_.erase(std::next(it).base()));
    if (now - connection->idle_since() < kCheckIdleAfter || !connection->peer_spoke()) {
      return connection;
    }
    connection->close();
    free_permit();
  }
  return nullptr;
}

void ConnectionPool::close_expired(Clock::time_point now) noexcept {
  for (auto it = idle_.begin(); it != idle_.end();) {
    const bool expired =
        limits_.keepalive_expiry && now - (*it)->idle_since() >= *limits_.keepalive_expiry;
    if (expired || !(*it)->is_open()) {
      (*it)->close();
      it = idle_.erase(it);
      free_permit();
    } else {
      ++it;
    }
  }
}

void ConnectionPool::unlink(Waiter* waiter) noexcept {
  auto it = std::find(waiters_.begin(), waiters_.end(), waiter);
  if (it != waiters_.end()) waiters_.erase(it);
}

void ConnectionPool::free_permit() noexcept {
  if (!waiters_.empty()) {
    Waiter* first = waiters_.front();
    waiters_.pop_front();
    first->permit = true;
    first->ready.set();
    return;
  }
  assert(total_ > 0);
  --total_;
}

void ConnectionPool::release(std::unique_ptr<Connection> connection) noexcept {
  if (!connection) return;
  if (closed_ || !connection->reusable()) {
    connection->close();
    free_permit();
    return;
  }
  connection->mark_idle();
  for (Waiter* waiter : waiters_) {
    if (waiter->origin == connection->origin()) {
      unlink(waiter);
      waiter->connection = std::move(connection);
      waiter->ready.set();
      return;
    }
  }
  if (!waiters_.empty()) {
    connection->close();
    free_permit();  // hands the slot to the first waiter
    return;
  }
  idle_.push_back(std::move(connection));
  if (idle_.size() > limits_.max_keepalive) {
    idle_.front()->close();
    idle_.pop_front();
    free_permit();
  }
}

Task<std::unique_ptr<Connection>> ConnectionPool::acquire(const Origin& origin,
                                                          OptionalDuration pool_timeout,
                                                          const Connector& connect) {
  const auto now = Clock::now();
  close_expired(now);
  if (auto idle = take_idle(origin, now)) co_return idle;
  if (total_ < limits_.max_connections) {
    ++total_;
  } else if (!idle_.empty()) {
    idle_.front()->close();  // an idle connection to another origin gives up its slot
    idle_.pop_front();
  } else {
    Waiter waiter{.origin = origin};
    waiters_.push_back(&waiter);
    std::exception_ptr failure;
    try {
      if (pool_timeout) {
        co_await corio::wait_for(wait_until_set(waiter.ready), *pool_timeout);
      } else {
        co_await waiter.ready.wait();
      }
    } catch (...) {
      failure = std::current_exception();
    }
    if (failure) {
      unlink(&waiter);
      if (waiter.connection) release(std::move(waiter.connection));
      if (waiter.permit) free_permit();
      try {
        std::rethrow_exception(failure);
      } catch (const corio::TimeoutError&) {
        throw PoolTimeout("no connection became free in the pool within " +
                          std::to_string(pool_timeout->count()) + " ms (max_connections " +
                          std::to_string(limits_.max_connections) + ")");
      }
    }
    if (waiter.connection) co_return std::move(waiter.connection);
  }
  try {
    co_return co_await connect(origin);
  } catch (...) {
    free_permit();
    throw;
  }
}

}  // namespace corio::http::detail
