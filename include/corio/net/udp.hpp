// include/corio/net/udp.hpp — corio::net::UdpSocket (datagrams).
//
//   auto sock = UdpSocket::bind(SocketAddress::parse("127.0.0.1", 0));
//   co_await sock.send_to(bytes, peer);
//   auto [n, from] = co_await sock.recv_from(buffer);
//
// Each datagram is sent or received whole; a buffer shorter than the datagram truncates it
// (the returned size is what was stored). After connect(), send()/recv() talk to one peer
// and datagrams from others are filtered by the kernel.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <utility>

#include <corio/net/address.hpp>
#include <corio/net/socket.hpp>
#include <corio/task.hpp>

namespace corio::net {

class UdpSocket {
 public:
  UdpSocket() noexcept = default;
  UdpSocket(UdpSocket&&) noexcept = default;
  UdpSocket& operator=(UdpSocket&&) noexcept = default;
  ~UdpSocket() { close(); }

  // Binds to `address` (port 0: any free port). Throws NetworkError.
  static UdpSocket bind(SocketAddress address, bool reuse_port = false);
  // Fixes the peer (no suspension: UDP has no handshake).
  void connect(const SocketAddress& peer);

  // Suspend while the send buffer is full / no datagram is queued. Throw NetworkError
  // (e.g. ConnectionRefusedError after an ICMP port unreachable on a connected socket);
  // CancelledError. Cancellation: safe, nothing sent or received.
  Task<std::size_t> send_to(std::span<const std::byte> datagram, SocketAddress peer);
  Task<std::pair<std::size_t, SocketAddress>> recv_from(std::span<std::byte> buffer);
  Task<std::size_t> send(std::span<const std::byte> datagram);
  Task<std::size_t> recv(std::span<std::byte> buffer);

  [[nodiscard]] SocketAddress local_address() const { return detail::local_address_of(fd_.get()); }
  // Unregisters and closes; idempotent. A parked send or receive, and any later one, then
  // throws NetworkError (EBADF) saying the socket is closed.
  void close() noexcept;

 private:
  detail::FileDescriptor fd_;
  std::unique_ptr<corio::detail::IoRegistration> io_;
  SocketAddress peer_;
};

}  // namespace corio::net
