// src/http/connection_pool.hpp — the client's connection pool (httpcore's, in spirit).
//
// Connections per origin, idle ones kept for reuse. At most max_connections exist at once
// (in use or idle); a request that finds none free waits in FIFO order, up to the pool
// timeout (PoolTimeout). A released connection goes first to a waiter for its origin; a
// waiter for another origin gets its slot (the connection is closed). At most
// max_keepalive idle connections are kept (the oldest is closed), none longer than
// keepalive_expiry. Belongs to the client's loop; shared by the client and streamed
// responses still holding a connection.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>

#include <corio/sync/event.hpp>
#include <corio/task.hpp>

#include "connection.hpp"

namespace corio::http::detail {

struct PoolLimits {
  std::size_t max_connections = 100;
  std::size_t max_keepalive = 20;
  OptionalDuration keepalive_expiry = std::chrono::seconds(5);
};

using Connector = std::function<Task<std::unique_ptr<Connection>>(const Origin&)>;

class ConnectionPool {
 public:
  explicit ConnectionPool(PoolLimits limits) : limits_(limits) {}
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;
  ~ConnectionPool();

  // An idle connection to `origin`, else a new one from `connect` once the limits allow.
  // Suspends while the pool is full and while connecting. Throws PoolTimeout, what
  // `connect` throws, CancelledError. Cancellation: safe, nothing is lost.
  Task<std::unique_ptr<Connection>> acquire(const Origin& origin, OptionalDuration pool_timeout,
                                            const Connector& connect);

  // Takes a connection back: kept idle if reusable (and the pool is open), else closed.
  void release(std::unique_ptr<Connection> connection) noexcept;

  // Closes every idle connection; later releases close theirs. Waiters are not affected.
  void close() noexcept;
  // close(), but each idle connection is closed gracefully (TLS close_notify), in turn.
  Task<> aclose();

  [[nodiscard]] std::size_t connections() const noexcept { return total_; }
  [[nodiscard]] std::size_t idle_connections() const noexcept { return idle_.size(); }

 private:
  struct Waiter {
    Origin origin;
    Event ready;
    std::unique_ptr<Connection> connection;  // handed over, or
    bool permit = false;                     // the right to open a new one
  };

  std::unique_ptr<Connection> take_idle(const Origin& origin, Clock::time_point now) noexcept;
  void close_expired(Clock::time_point now) noexcept;
  void free_permit() noexcept;
  void unlink(Waiter* waiter) noexcept;

  PoolLimits limits_;
  std::deque<std::unique_ptr<Connection>> idle_;  // oldest first
  std::deque<Waiter*> waiters_;                   // FIFO
  std::size_t total_ = 0;                         // connections open or being opened
  bool closed_ = false;
};

}  // namespace corio::http::detail
