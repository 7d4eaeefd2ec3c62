// src/net/udp.cpp — corio::net::UdpSocket.
#include <corio/net/udp.hpp>

#include <sys/socket.h>

#include <cerrno>

#include <corio/net/errors.hpp>

namespace corio::net {

UdpSocket UdpSocket::bind(SocketAddress address, bool reuse_port) {
  if (!address.is_ipv4() && !address.is_ipv6()) {
    throw std::invalid_argument("UdpSocket::bind needs an IP address, not " + address.to_string());
  }
  UdpSocket sock;
  sock.fd_ = detail::open_socket(address.family(), SOCK_DGRAM, "UDP on " + address.to_string());
  if (reuse_port) detail::set_option(sock.fd_.get(), SOL_SOCKET, SO_REUSEPORT, 1, "SO_REUSEPORT");
  if (::bind(sock.fd_.get(), address.native(), address.native_size()) < 0) {
    throw_network_error(errno, "bind", address.to_string());
  }
  sock.io_ = std::make_unique<corio::detail::IoRegistration>();
  sock.io_->attach(sock.fd_.get());
  return sock;
}

void UdpSocket::connect(const SocketAddress& peer) {
  if (::connect(fd_.get(), peer.native(), peer.native_size()) < 0) {
    throw_network_error(errno, "connect UDP socket to", peer.to_string());
  }
  peer_ = peer;
}

Task<std::size_t> UdpSocket::send_to(std::span<const std::byte> datagram, SocketAddress peer) {
  for (;;) {
    if (!fd_.valid()) throw NetworkError(EBADF, "send datagram on a closed UDP socket");
    const ssize_t n =
        ::sendto(fd_.get(), datagram.data(), datagram.size(), MSG_NOSIGNAL,
                 peer.empty() ? nullptr : peer.native(), peer.empty() ? 0 : peer.native_size());
    if (n >= 0) co_return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    if (errno != EAGAIN) {
      throw_network_error(errno, "send datagram to", (peer.empty() ? peer_ : peer).to_string());
    }
    io_->clear_writable();
    co_await io_->writable();
  }
}

Task<std::pair<std::size_t, SocketAddress>> UdpSocket::recv_from(std::span<std::byte> buffer) {
  for (;;) {
    if (!fd_.valid()) throw NetworkError(EBADF, "receive datagram on a closed UDP socket");
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    const ssize_t n = ::recvfrom(fd_.get(), buffer.data(), buffer.size(), 0,
                                 reinterpret_cast<sockaddr*>(&storage), &length);
    if (n >= 0) {
      co_return std::pair{
          static_cast<std::size_t>(n),
          SocketAddress::from_native(reinterpret_cast<sockaddr*>(&storage), length)};
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN)
      throw_network_error(errno, "receive datagram on", local_address().to_string());
    io_->clear_readable();
    co_await io_->readable();
  }
}

Task<std::size_t> UdpSocket::send(std::span<const std::byte> datagram) {
  co_return co_await send_to(datagram, SocketAddress());
}

Task<std::size_t> UdpSocket::recv(std::span<std::byte> buffer) {
  auto [n, from] = co_await recv_from(buffer);
  co_return n;
}

void UdpSocket::close() noexcept {
  io_.reset();
  fd_.reset();
}

}  // namespace corio::net
