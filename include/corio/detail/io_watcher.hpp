// include/corio/detail/io_watcher.hpp — a file descriptor watched by the loop's backend, and
// an operation the backend runs itself.
//
// Level mode (add_reader/add_writer): `interest` says which readiness the owner wants, and a
// ready fd is reported on every poll. Edge mode (sockets, through IoRegistration, on epoll):
// the fd is registered once for both directions and reported when its readiness changes; the
// owner keeps track of what it has consumed. The owner must call Loop::unwatch before the
// watcher dies or the fd is closed.
//
// IoOperation (io_uring): a poll, recv(2), send(2) or accept4(2) submitted with Loop::start_io and
// completed exactly once through on_complete — also after Loop::cancel_io, with -ECANCELED
// unless it had completed first. The operation and its buffer must stay alive until then.
#pragma once

#include <cstddef>
#include <cstdint>

namespace corio::detail {

inline constexpr std::uint32_t kReadable = 1;
inline constexpr std::uint32_t kWritable = 2;
// Reported with kReadable: the peer hung up or the fd is in error (nothing more will arrive,
// so no further edge will be reported either).
inline constexpr std::uint32_t kHangup = 4;

struct IoWatcher {
  int fd = -1;
  bool edge = false;              // edge mode: both directions, reported on change
  std::uint32_t interest = 0;     // kReadable | kWritable the owner wants now
  std::uint32_t registered = 0;   // what the backend last applied (epoll)
  void* backend_state = nullptr;  // io_uring: the poll request in flight
  void (*on_ready)(IoWatcher*, std::uint32_t events) noexcept = nullptr;
};

struct IoOperation {
  enum class Kind : std::uint8_t { poll, recv, send, accept };
  Kind kind = Kind::poll;
  int fd = -1;
  std::uint32_t events = 0;  // poll: the kReadable | kWritable wanted
  void* data = nullptr;      // recv, send: the buffer; accept: a sockaddr_storage
  std::size_t size = 0;
  unsigned* address_length = nullptr;  // accept: in, the storage's size; out, the address's
  // `result`: poll: the kReadable | kWritable bits that are ready; recv, send: the byte
  // count; accept: the new fd (non-blocking, close-on-exec); else -errno. `more`: a recv
  // left data in the socket, or an accept more connections in the queue.
  void (*on_complete)(IoOperation*, int result, bool more) noexcept = nullptr;
};

}  // namespace corio::detail
