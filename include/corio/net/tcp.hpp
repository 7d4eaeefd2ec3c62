// include/corio/net/tcp.hpp — corio::net::TcpStream and TcpListener.
//
//   auto listener = TcpListener::bind(SocketAddress::parse("127.0.0.1", 0));
//   auto stream = co_await TcpStream::connect(listener.local_address());
//   auto peer = co_await listener.accept();
//
// TCP_NODELAY is on by default (request/response protocols want it, as asyncio sets it).
#pragma once

#include <chrono>
#include <optional>

#include <corio/net/address.hpp>
#include <corio/net/socket.hpp>
#include <corio/task.hpp>

namespace corio::net {

struct TcpOptions {
  bool nodelay = true;
  // SO_KEEPALIVE, with the idle time before the first probe when set.
  std::optional<std::chrono::seconds> keepalive;
  // Bind the local end first (asyncio's local_addr), e.g. a chosen 127.0.0.x source.
  std::optional<SocketAddress> local_address;
};

class TcpStream : public StreamSocket {
 public:
  TcpStream() noexcept = default;
  TcpStream(detail::FileDescriptor fd, SocketAddress peer) : StreamSocket(std::move(fd), peer) {}

  // Connects to an IP address (names: see resolve() / open_connection()).
  // Suspends: until the handshake completes. Throws ConnectionRefusedError, ConnectionError
  // (unreachable, timed out), NetworkError, all naming the address; CancelledError.
  // Cancellation: safe, the half-open socket is closed.
  static Task<TcpStream> connect(SocketAddress address, TcpOptions options = {});

  void set_nodelay(bool on);
  void set_keepalive(std::optional<std::chrono::seconds> idle);
};

struct ListenOptions {
  int backlog = 511;
  bool reuse_address = true;  // SO_REUSEADDR: rebind right after a restart
  bool reuse_port = false;    // SO_REUSEPORT: several listeners (one per loop) share a port
  bool nodelay = true;        // applied to accepted streams
  bool ipv6_only = false;     // for "::": accept IPv6 only
};

class TcpListener {
 public:
  TcpListener() noexcept = default;
  TcpListener(TcpListener&&) noexcept = default;
  TcpListener& operator=(TcpListener&&) noexcept = default;

  // Binds and listens (no suspension). Port 0 picks a free port: see local_address().
  // Throws NetworkError ("bind 127.0.0.1:80: Permission denied", address in use, ...).
  static TcpListener bind(SocketAddress address, ListenOptions options = {});

  // Waits for the next connection. Suspends: while none is pending. Throws NetworkError
  // (e.g. EMFILE, "Too many open files"); CancelledError. Cancellation: safe.
  Task<TcpStream> accept();

  [[nodiscard]] SocketAddress local_address() const;
  // The listening socket (for getsockopt and the like); -1 once closed. Still owned here.
  [[nodiscard]] int fd() const noexcept { return listener_.fd(); }
  void close() noexcept { listener_.close(); }
  [[nodiscard]] bool is_open() const noexcept { return listener_.is_open(); }

 private:
  detail::Listener listener_;
  ListenOptions options_;
};

}  // namespace corio::net
