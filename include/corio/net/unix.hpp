// include/corio/net/unix.hpp — corio::net::UnixStream and UnixListener (AF_UNIX streams).
#pragma once

#include <string>
#include <string_view>

#include <corio/net/address.hpp>
#include <corio/net/socket.hpp>
#include <corio/task.hpp>

namespace corio::net {

class UnixStream : public StreamSocket {
 public:
  UnixStream() noexcept = default;
  UnixStream(detail::FileDescriptor fd, SocketAddress peer) : StreamSocket(std::move(fd), peer) {}

  // Connects to a socket path ("@name": abstract namespace). Throws std::invalid_argument
  // for a bad path (before any system call), ConnectionRefusedError / NetworkError naming
  // the path; CancelledError. Cancellation: safe.
  static Task<UnixStream> connect(std::string_view path);
  // Two connected streams (socketpair).
  static std::pair<UnixStream, UnixStream> pair();
};

class UnixListener {
 public:
  UnixListener() noexcept = default;
  UnixListener(UnixListener&&) noexcept = default;
  UnixListener& operator=(UnixListener&&) noexcept = default;

  // Binds and listens. A stale socket file at `path` is removed first (as asyncio does);
  // any other existing file is an error.
  static UnixListener bind(std::string_view path, int backlog = 511);
  Task<UnixStream> accept();
  [[nodiscard]] const SocketAddress& local_address() const noexcept { return address_; }
  void close() noexcept { listener_.close(); }

 private:
  detail::Listener listener_;
  SocketAddress address_;
};

}  // namespace corio::net
