// src/runtime/backend.hpp — what the loop needs from an I/O readiness backend.
//
// A backend watches file descriptors for readability/writability and, in poll(), waits up to
// a timeout and reports readiness through each IoWatcher's on_ready. Level mode: a watcher
// whose fd stays ready is reported again on the next poll. Edge mode: reported when the
// fd's readiness changes (epoll EPOLLET; io_uring multishot poll). Watchers are owned by
// their users; forget() must be called before a watcher dies or its fd is closed.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include <corio/detail/io_watcher.hpp>
#include <corio/loop.hpp>

namespace corio::detail {

class Backend {
 public:
  virtual ~Backend() = default;
  [[nodiscard]] virtual BackendKind kind() const noexcept = 0;
  // Applies watcher.interest (0 stops watching).
  virtual void update(IoWatcher& watcher) = 0;
  // Stops watching and drops every pending report for the watcher.
  virtual void forget(IoWatcher& watcher) noexcept = 0;
  // Waits up to `timeout` (nullopt: until something happens; zero: not at all) and calls
  // on_ready for each ready watcher. Returns the number of reports.
  virtual int poll(std::optional<std::chrono::nanoseconds> timeout) = 0;
  // How many fds are registered now; SIZE_MAX when the backend does not count them (it may
  // have work in flight that only poll() completes).
  [[nodiscard]] virtual std::size_t watched() const noexcept { return SIZE_MAX; }
};

std::unique_ptr<Backend> make_epoll_backend();
std::unique_ptr<Backend> make_uring_backend();

}  // namespace corio::detail
