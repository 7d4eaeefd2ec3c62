// include/corio/detail/io_registration.hpp — an fd registered edge-triggered with the loop,
// with at most one task waiting to read and one waiting to write.
//
// The pattern every socket operation follows: try the syscall; on EAGAIN call
// `co_await reg.readable()` (or writable()) and try again. readable() suspends only when the
// readiness the loop last reported has been used up (clear_readable() after EAGAIN).
// Belongs to the loop of the thread that created it.
#pragma once

#include <coroutine>

#include <corio/detail/io_watcher.hpp>
#include <corio/detail/parking.hpp>
#include <corio/loop.hpp>

namespace corio::detail {

class IoRegistration : private IoWatcher {
 public:
  IoRegistration() noexcept = default;
  ~IoRegistration() { reset(); }
  IoRegistration(const IoRegistration&) = delete;
  IoRegistration& operator=(const IoRegistration&) = delete;

  // Starts watching `fd` on the running loop. Throws std::system_error if the backend
  // refuses the fd, RuntimeError outside a loop.
  void attach(int fd);
  // Stops watching (before the fd is closed). Parked tasks are woken to find the fd gone.
  void reset() noexcept;
  [[nodiscard]] bool attached() const noexcept { return loop_ != nullptr; }
  [[nodiscard]] int fd() const noexcept { return IoWatcher::fd; }

  void clear_readable() noexcept { ready_ &= ~kReadable; }
  void clear_writable() noexcept { ready_ &= ~kWritable; }

  // A stream read returned less than it asked for: the receive queue was empty right after
  // it (TCP and Unix stream sockets hand over all they have). Until the loop reports the fd
  // readable again, another read would only fail with EAGAIN; drained() says so, and the
  // reader waits first, saving that system call (nginx's trick). Not after a hang-up: the
  // end of the stream is then pending and no further readiness will be reported.
  void note_drained() noexcept {
    ready_ &= ~kReadable;
    drained_ = true;
  }
  [[nodiscard]] bool drained() const noexcept {
    return drained_ && (ready_ & (kReadable | kHangup)) == 0;
  }

  struct Wait : Parking {
    IoRegistration* reg;
    std::uint32_t direction;
    bool await_ready() const noexcept { return (reg->ready_ & direction) != 0; }
    bool await_suspend(std::coroutine_handle<> self);
    void await_resume() { resume_or_raise(); }
    static bool on_cancel(Suspension* s) noexcept;
  };

  // co_await readable(): returns once the fd may be readable (or hung up / in error).
  // Throws CancelledError; cancellation is safe (nothing consumed). One reader at a time:
  // a second concurrent reader throws RuntimeError.
  [[nodiscard]] Wait readable() noexcept { return Wait{{}, this, kReadable}; }
  [[nodiscard]] Wait writable() noexcept { return Wait{{}, this, kWritable}; }

 private:
  static void on_events(IoWatcher* watcher, std::uint32_t events) noexcept;

  Loop* loop_ = nullptr;
  std::uint32_t ready_ = 0;
  bool drained_ = false;  // a short read has happened (before it, readiness is unknown)
  Wait* reader_ = nullptr;
  Wait* writer_ = nullptr;
};

}  // namespace corio::detail
