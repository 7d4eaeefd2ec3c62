// include/corio/detail/io_registration.hpp — an fd registered with the loop, with at most one
// task waiting to read and one waiting to write.
//
// The pattern every socket operation follows: try the syscall; on EAGAIN call
// `co_await reg.readable()` (or writable()) and try again. readable() suspends only when the
// readiness the loop last reported has been used up (clear_readable() after EAGAIN).
// On epoll the fd is registered edge-triggered for both directions; on io_uring (native())
// each wait is a one-shot poll, and sockets may instead have the loop run recv/send/accept
// for them (receive(), send(), accept()), which saves the readiness round trip.
// Belongs to the loop of the thread that created it.
#pragma once

#include <coroutine>
#include <span>

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
  // Stops watching (before the fd is closed). Parked tasks are woken to find the fd gone
  // (on io_uring once the kernel has let go of their operation, which this asks for).
  void reset() noexcept;
  [[nodiscard]] bool attached() const noexcept { return loop_ != nullptr; }
  [[nodiscard]] int fd() const noexcept { return IoWatcher::fd; }
  // Whether receive() and send() are available (the io_uring backend).
  [[nodiscard]] bool native() const noexcept { return native_; }

  void clear_readable() noexcept { ready_ &= ~kReadable; }
  void clear_writable() noexcept { ready_ &= ~kWritable; }
  // Whether data may be waiting (reported, or left over by the last receive()).
  [[nodiscard]] bool may_be_readable() const noexcept { return (ready_ & kReadable) != 0; }

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

  struct Wait : Parking, IoOperation {
    IoRegistration* reg;            // null once reset() let go of this wait
    int result = 0;                 // of the operation
    bool in_flight = false;         // submitted to the loop, not completed yet
    bool cancel_requested = false;  // the task was cancelled while the operation ran
    bool await_ready() const noexcept { return kind == Kind::poll && (reg->ready_ & events) != 0; }
    bool await_suspend(std::coroutine_handle<> self);
    static bool on_cancel(Suspension* s) noexcept;
    static void completed(IoOperation* op, int result, bool more) noexcept;
  };
  struct ReadinessWait : Wait {
    void await_resume() { resume_or_raise(); }
  };
  // The result of recv(2)/send(2): a byte count or -errno. An operation that had transferred
  // bytes when its task was cancelled returns them, and the task raises CancelledError at its
  // next suspension instead.
  struct Transfer : Wait {
    int await_resume();
  };

  // co_await readable(): returns once the fd may be readable (or hung up / in error).
  // Throws CancelledError; cancellation is safe (nothing consumed). One reader at a time:
  // a second concurrent reader throws RuntimeError.
  [[nodiscard]] ReadinessWait readable() noexcept {
    return ReadinessWait{make_wait(Kind::poll, kReadable, nullptr, 0)};
  }
  [[nodiscard]] ReadinessWait writable() noexcept {
    return ReadinessWait{make_wait(Kind::poll, kWritable, nullptr, 0)};
  }
  // native() only: recv(2) / send(2) (MSG_NOSIGNAL) run by the loop, waiting as long as the
  // socket makes them. Same one-reader, one-writer rule; the buffer must outlive the await.
  [[nodiscard]] Transfer receive(std::span<std::byte> buffer) noexcept {
    return Transfer{make_wait(Kind::recv, kReadable, buffer.data(), buffer.size())};
  }
  // native() only: accept4(2) (SOCK_NONBLOCK | SOCK_CLOEXEC) into `address` (sized by
  // `*length`, which receives the peer address's length); gives the new fd or -errno.
  [[nodiscard]] Transfer accept(void* address, unsigned* length) noexcept {
    Transfer transfer{make_wait(Kind::accept, kReadable, address, 0)};
    transfer.address_length = length;
    return transfer;
  }
  [[nodiscard]] Transfer send(std::span<const std::byte> data) noexcept {
    return Transfer{
        make_wait(Kind::send, kWritable, const_cast<std::byte*>(data.data()), data.size())};
  }

 private:
  using Kind = IoOperation::Kind;
  Wait make_wait(Kind kind, std::uint32_t direction, void* data, std::size_t size) noexcept;
  static void on_events(IoWatcher* watcher, std::uint32_t events) noexcept;

  Loop* loop_ = nullptr;
  std::uint32_t ready_ = 0;
  bool drained_ = false;  // a short read has happened (before it, readiness is unknown)
  bool native_ = false;
  Wait* reader_ = nullptr;
  Wait* writer_ = nullptr;
};

}  // namespace corio::detail
