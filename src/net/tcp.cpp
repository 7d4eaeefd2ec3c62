// src/net/tcp.cpp — TcpStream::connect, TcpListener.
#include <corio/net/tcp.hpp>

#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>

#include <corio/net/errors.hpp>

namespace corio::net {

namespace {

void apply_keepalive(int fd, std::optional<std::chrono::seconds> idle) {
  detail::set_option(fd, SOL_SOCKET, SO_KEEPALIVE, idle ? 1 : 0, "setsockopt(SO_KEEPALIVE)");
  if (idle) {
    detail::set_option(fd, IPPROTO_TCP, TCP_KEEPIDLE, static_cast<int>(idle->count()),
                       "setsockopt(TCP_KEEPIDLE)");
  }
}

}  // namespace

Task<TcpStream> TcpStream::connect(SocketAddress address, TcpOptions options) {
  if (!address.is_ipv4() && !address.is_ipv6()) {
    throw std::invalid_argument("TcpStream::connect needs an IP address, not " +
                                address.to_string());
  }
  auto fd = detail::open_socket(address.family(), SOCK_STREAM, "connect to " + address.to_string());
  if (options.nodelay) detail::set_option(fd.get(), IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY");
  if (options.keepalive) apply_keepalive(fd.get(), options.keepalive);
  if (options.local_address) {
    if (::bind(fd.get(), options.local_address->native(), options.local_address->native_size()) <
        0) {
      throw_network_error(errno, "bind " + options.local_address->to_string() + " to connect to",
                          address.to_string());
    }
  }
  co_return co_await connect_to<TcpStream>(std::move(fd), std::move(address));
}

void TcpStream::set_nodelay(bool on) {
  detail::set_option(fd(), IPPROTO_TCP, TCP_NODELAY, on ? 1 : 0, "setsockopt(TCP_NODELAY)");
}

void TcpStream::set_keepalive(std::optional<std::chrono::seconds> idle) {
  apply_keepalive(fd(), idle);
}

TcpListener TcpListener::bind(SocketAddress address, ListenOptions options) {
  if (!address.is_ipv4() && !address.is_ipv6()) {
    throw std::invalid_argument("TcpListener::bind needs an IP address, not " +
                                address.to_string());
  }
  TcpListener listener;
  listener.options_ = options;
  auto fd = detail::open_socket(address.family(), SOCK_STREAM, "listen on " + address.to_string());
  if (options.reuse_address)
    detail::set_option(fd.get(), SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
  if (options.reuse_port) detail::set_option(fd.get(), SOL_SOCKET, SO_REUSEPORT, 1, "SO_REUSEPORT");
  if (address.is_ipv6()) {
    detail::set_option(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, options.ipv6_only ? 1 : 0,
                       "IPV6_V6ONLY");
  }
  listener.listener_.listen(std::move(fd), address, options.backlog);
  return listener;
}

Task<TcpStream> TcpListener::accept() {
  auto [fd, peer] = co_await listener_.accept();
  if (options_.nodelay) detail::set_option(fd.get(), IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY");
  co_return TcpStream(std::move(fd), std::move(peer));
}

SocketAddress TcpListener::local_address() const {
  return detail::local_address_of(listener_.fd());
}

}  // namespace corio::net
