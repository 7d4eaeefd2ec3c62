// src/net/socket.cpp — corio::net::StreamSocket and descriptor helpers.
#include <corio/net/socket.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include <corio/net/errors.hpp>
#include <corio/sleep.hpp>

namespace corio::net {

namespace detail {

void FileDescriptor::reset() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

FileDescriptor open_socket(int family, int type, const std::string& purpose) {
  const int fd = ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_network_error(errno, "socket() for " + purpose);
  return FileDescriptor(fd);
}

void set_option(int fd, int level, int name, int value, const char* what) {
  if (::setsockopt(fd, level, name, &value, sizeof value) < 0) throw_network_error(errno, what);
}

SocketAddress local_address_of(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) < 0) {
    throw_network_error(errno, "getsockname");
  }
  return SocketAddress::from_native(reinterpret_cast<sockaddr*>(&storage), length);
}

void Listener::listen(FileDescriptor fd, const SocketAddress& address, int backlog) {
  if (::bind(fd.get(), address.native(), address.native_size()) < 0) {
    throw_network_error(errno, "bind", address.to_string());
  }
  if (::listen(fd.get(), backlog) < 0) throw_network_error(errno, "listen on", address.to_string());
  auto io = std::make_unique<corio::detail::IoRegistration>();
  io->attach(fd.get());
  fd_ = std::move(fd);
  io_ = std::move(io);
}

Task<std::pair<FileDescriptor, SocketAddress>> Listener::accept() {
  for (;;) {
    if (!fd_.valid()) throw NetworkError(EBADF, "accept on a closed listener");
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (io_->native() && !io_->may_be_readable()) {
      // The loop runs accept4; a connection it took for a listener closed meanwhile is dropped.
      const int fd = co_await io_->accept(&storage, &length);
      FileDescriptor accepted(fd);
      if (!fd_.valid()) throw NetworkError(EBADF, "accept on a closed listener");
      if (fd >= 0) {
        co_return std::pair{
            std::move(accepted),
            SocketAddress::from_native(reinterpret_cast<sockaddr*>(&storage), length)};
      }
      if (fd == -EINTR || fd == -ECONNABORTED || fd == -EAGAIN) continue;
      throw_network_error(-fd, "accept on", local_address_of(fd_.get()).to_string());
    }
    const int fd = ::accept4(fd_.get(), reinterpret_cast<sockaddr*>(&storage), &length,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      co_return std::pair{FileDescriptor(fd), SocketAddress::from_native(
                                                  reinterpret_cast<sockaddr*>(&storage), length)};
    }
    // A connection reset before we took it is not the listener's failure.
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno != EAGAIN)
      throw_network_error(errno, "accept on", local_address_of(fd_.get()).to_string());
    io_->clear_readable();
    if (!io_->native()) co_await io_->readable();
  }
}

void Listener::close() noexcept {
  io_.reset();
  fd_.reset();
}

}  // namespace detail

StreamSocket::StreamSocket(detail::FileDescriptor fd, SocketAddress peer)
    : fd_(std::move(fd)),
      io_(std::make_unique<corio::detail::IoRegistration>()),
      peer_(std::move(peer)) {
  io_->attach(fd_.get());
}

StreamSocket& StreamSocket::operator=(StreamSocket&& other) noexcept {
  if (this != &other) {
    close();
    io_ = std::move(other.io_);
    fd_ = std::move(other.fd_);
    peer_ = std::move(other.peer_);
  }
  return *this;
}

StreamSocket::~StreamSocket() {
  close();
}

void StreamSocket::close() noexcept {
  io_.reset();
  fd_.reset();
}

int StreamSocket::start_connect(int fd, const SocketAddress& peer) {
  int rc;
  do {
    rc = ::connect(fd, peer.native(), peer.native_size());
  } while (rc < 0 && errno == EINTR);
  if (rc == 0) return 0;
  if (errno != EINPROGRESS && errno != EAGAIN)
    throw_network_error(errno, "connect to", peer.to_string());
  return errno;
}

// On io_uring too, connecting is connect(2) plus a readiness wait, not IORING_OP_CONNECT,
// because the native connect was measured not to be faster (issue 4; kernel 6.18, 2 vCPUs,
// connect + accept + close of 30,000 connections to 127.0.0.1 in one loop). It saves this
// connect(2) and the getsockopt below, but the kernel then allocates the request's async
// data and its internal poll, and calls connect a second time from task work once the
// socket is writable. One connect at a time it cost 39.7 us of CPU per connection against
// 35.2 here (+13%); 16 at a time, 35.6 against 37.0 (-4%). It would also need this path
// as its fallback: kernels without the fix for liburing issue #841 (some that the README
// supports, 5.11+) complete a non-blocking socket's connect with -EINPROGRESS or -EALREADY.
Task<> StreamSocket::finish_connect(int state) {
  // EAGAIN: a Unix listener's backlog is full. The socket stays unconnected and polls
  // writable at once, and nothing signals room: try again after a pause that doubles up to
  // 64 ms, as a blocking connect would wait in the kernel. Timeouts and cancellation (of the
  // sleep) end the retries.
  auto pause = std::chrono::milliseconds(1);
  while (state == EAGAIN) {
    co_await sleep(pause);
    pause = std::min(2 * pause, std::chrono::milliseconds(64));
    state = start_connect(fd_.get(), peer_);
  }
  if (state == 0) co_return;
  co_await io_->writable();
  int error = 0;
  socklen_t length = sizeof error;
  ::getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &error, &length);
  if (error != 0) throw_network_error(error, "connect to", peer_.to_string());
}

// On io_uring a read the socket cannot serve at once is run by the loop (one round trip
// instead of a readiness report and a second recv); a write tries send(2) first, as the
// send buffer usually has room.
Task<std::size_t> StreamSocket::read_some(std::span<std::byte> buffer) {
  for (;;) {
    if (!fd_.valid()) co_return 0;  // closed on this side: the stream is over
    if (io_->native() && !io_->may_be_readable()) {
      const int n = co_await io_->receive(buffer);
      if (!fd_.valid()) co_return 0;
      if (n >= 0) co_return static_cast<std::size_t>(n);
      if (n == -EINTR || n == -EAGAIN) continue;
      throw_network_error(-n, "read from", peer_.to_string());
    }
    if (io_->drained() && !buffer.empty()) {
      co_await io_->readable();
      continue;
    }
    const ssize_t n = ::recv(fd_.get(), buffer.data(), buffer.size(), 0);
    if (n > 0 && static_cast<std::size_t>(n) < buffer.size()) io_->note_drained();
    if (n >= 0) co_return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    if (errno != EAGAIN) throw_network_error(errno, "read from", peer_.to_string());
    io_->clear_readable();
    if (!io_->native()) co_await io_->readable();
  }
}

Task<std::size_t> StreamSocket::write_some(std::span<const std::byte> data) {
  for (;;) {
    if (!fd_.valid()) throw BrokenPipeError(EPIPE, "write to a closed socket");
    if (io_->native()) {
      const int n = co_await io_->send(data);
      if (!fd_.valid()) throw BrokenPipeError(EPIPE, "write to a closed socket");
      if (n >= 0) co_return static_cast<std::size_t>(n);
      if (n == -EINTR || n == -EAGAIN) continue;
      throw_network_error(-n, "write to", peer_.to_string());
    }
    const std::ptrdiff_t n = send_once(data);
    if (n > 0 || (n == 0 && data.empty())) co_return static_cast<std::size_t>(n);
    if (n == 0) co_await io_->writable();
  }
}

std::size_t StreamSocket::write_now(std::span<const std::byte> data) {
  if (!fd_.valid() || io_->native()) return 0;  // closed: write_some throws; io_uring batches
  const std::ptrdiff_t n = send_once(data);
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

std::ptrdiff_t StreamSocket::send_once(std::span<const std::byte> data) {
  const ssize_t n = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
  if (n >= 0) return n;
  if (errno == EINTR) return -1;
  if (errno != EAGAIN) throw_network_error(errno, "write to", peer_.to_string());
  io_->clear_writable();
  return 0;
}

Task<> Transport::write_all(std::span<const std::byte> data) {
  while (!data.empty()) data = data.subspan(co_await write_some(data));
}

bool StreamSocket::is_readable() noexcept {
  if (!fd_.valid()) return true;  // a read returns the end of the stream at once
  std::byte probe{};
  for (;;) {
    if (::recv(fd_.get(), &probe, 1, MSG_PEEK | MSG_DONTWAIT) >= 0) return true;  // data, or EOF
    if (errno == EINTR) continue;
    return errno != EAGAIN && errno != EWOULDBLOCK;  // an error the next read raises at once
  }
}

Task<> StreamSocket::aclose() {
  close();
  co_return;
}

void StreamSocket::write_eof() {
  if (::shutdown(fd_.get(), SHUT_WR) < 0)
    throw_network_error(errno, "shutdown of", peer_.to_string());
}

SocketAddress StreamSocket::local_address() const {
  return detail::local_address_of(fd_.get());
}

}  // namespace corio::net
