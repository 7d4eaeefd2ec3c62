// include/corio/detail/io_watcher.hpp — a file descriptor watched by the loop's backend.
//
// Level mode (add_reader/add_writer): `interest` says which readiness the owner wants, and a
// ready fd is reported on every poll. Edge mode (sockets, through IoRegistration): the fd is
// registered once for both directions and reported when its readiness changes; the owner
// keeps track of what it has consumed. The owner must call Loop::unwatch before the watcher
// dies or the fd is closed.
#pragma once

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

}  // namespace corio::detail
