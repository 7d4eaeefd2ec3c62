// src/runtime/backend.hpp — what the loop needs from an I/O readiness backend.
//
// A backend watches file descriptors for readability/writability and, in poll(), waits up to
// a timeout and reports readiness through each IoWatcher's on_ready. Level mode: a watcher
// whose fd stays ready is reported again on the next poll. Edge mode: reported when the
// fd's readiness changes (epoll EPOLLET; io_uring multishot poll). Watchers are owned by
// their users; forget() must be called before a watcher dies or its fd is closed.
// A backend may also run operations itself (IoOperation: io_uring); then edge mode is not
// used with it.
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

  // Whether start() and cancel() work (io_uring).
  [[nodiscard]] virtual bool has_operations() const noexcept = 0;
  // Submits `op`; poll() reports its completion through op.on_complete (counted as a
  // report). Throws std::system_error when the backend cannot take it.
  virtual void start(IoOperation& op) = 0;
  // Asks the kernel to end `op` early, and releases the operation's hold on its file at
  // once (close(fd) may follow); the completion is still reported.
  virtual void cancel(IoOperation& op) noexcept = 0;
};

std::unique_ptr<Backend> make_epoll_backend();
// batch_wait: how long a busy loop's blocking poll lets completions gather (0: never).
std::unique_ptr<Backend> make_uring_backend(std::chrono::microseconds batch_wait);
// io_uring where the kernel offers Linux 6.1's set-up and lets this process use it, else
// epoll.
std::unique_ptr<Backend> make_default_backend(std::chrono::microseconds batch_wait);

}  // namespace corio::detail
