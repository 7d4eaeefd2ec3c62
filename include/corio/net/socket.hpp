// include/corio/net/socket.hpp — corio::net::StreamSocket, the connected byte stream under
// TcpStream and UnixStream (and the transport TLS runs over).
//
// Owns its file descriptor: the destructor (or close()) unregisters and closes it. On epoll,
// reads and writes first try the system call and only suspend when the kernel says EAGAIN,
// so a busy connection costs no loop round trip. On io_uring the loop runs them: a write,
// and a read unless the last one left data in the socket, is submitted to the ring and
// completes on the loop's next turn, batched with every other connection's (no system call
// of its own). One reader and one writer may be active at once.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>
#include <utility>

#include <corio/detail/io_registration.hpp>
#include <corio/net/address.hpp>
#include <corio/net/transport.hpp>
#include <corio/task.hpp>

namespace corio::net {

namespace detail {

// An owned file descriptor.
class FileDescriptor {
 public:
  FileDescriptor() noexcept = default;
  explicit FileDescriptor(int fd) noexcept : fd_(fd) {}
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~FileDescriptor() { reset(); }
  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
  void reset() noexcept;

 private:
  int fd_ = -1;
};

// socket(2) with SOCK_NONBLOCK | SOCK_CLOEXEC; throws NetworkError.
FileDescriptor open_socket(int family, int type, const std::string& purpose);
void set_option(int fd, int level, int name, int value, const char* what);
// getsockname(2) as a SocketAddress.
SocketAddress local_address_of(int fd);

// A listening socket of any family: bind + listen, and accept with readiness waits.
// TcpListener and UnixListener wrap it.
class Listener {
 public:
  Listener() noexcept = default;
  Listener(Listener&&) noexcept = default;
  Listener& operator=(Listener&&) noexcept = default;
  ~Listener() { close(); }

  // Binds `fd` (already configured) to `address` and listens. Throws NetworkError.
  void listen(FileDescriptor fd, const SocketAddress& address, int backlog);
  // Suspends until a connection is pending; returns it non-blocking with its peer address.
  Task<std::pair<FileDescriptor, SocketAddress>> accept();
  void close() noexcept;
  [[nodiscard]] bool is_open() const noexcept { return fd_.valid(); }
  [[nodiscard]] int fd() const noexcept { return fd_.get(); }

 private:
  FileDescriptor fd_;
  std::unique_ptr<corio::detail::IoRegistration> io_;
};

}  // namespace detail

class StreamSocket : public Transport {
 public:
  StreamSocket() noexcept = default;
  // Adopts a connected non-blocking socket and registers it with the running loop.
  StreamSocket(detail::FileDescriptor fd, SocketAddress peer);
  StreamSocket(StreamSocket&& other) noexcept = default;
  StreamSocket& operator=(StreamSocket&& other) noexcept;
  ~StreamSocket() override;

  // Reads what is available, up to buffer.size() bytes; 0 means the peer closed (EOF), or
  // this side did (close() while a read is parked ends that read with 0).
  // Suspends: while nothing is available. Throws ConnectionResetError and other
  // NetworkErrors naming the peer; CancelledError. Cancellation: safe, nothing is lost (a
  // read the kernel completed before the cancellation reached it returns its bytes, and the
  // task raises CancelledError at its next suspension instead).
  Task<std::size_t> read_some(std::span<std::byte> buffer) override;
  // Writes what the kernel accepts now (at least one byte). Suspends while the send buffer
  // is full (on io_uring: always, for one loop turn). Throws BrokenPipeError (also once
  // closed on this side), other NetworkErrors.
  // Cancellation: safe, nothing was written (or, if the kernel sent before the cancellation
  // reached it, the count is returned and the task raises CancelledError at its next
  // suspension).
  Task<std::size_t> write_some(std::span<const std::byte> data) override;
  // On epoll, one send(); on io_uring, 0 (its writes are batched in the ring).
  std::size_t write_now(std::span<const std::byte> data) override;
  using Transport::write_all;

  // Half-close (shutdown(SHUT_WR)): the peer reads EOF; reading stays possible.
  [[nodiscard]] bool can_write_eof() const noexcept override { return true; }
  void write_eof() override;
  void shutdown_write() { write_eof(); }
  Task<> aclose() override;
  // Unregisters and closes; idempotent. A parked read then returns 0, a parked write throws
  // BrokenPipeError.
  void close() noexcept override;
  [[nodiscard]] bool is_open() const noexcept override { return fd_.valid(); }
  // One recv(MSG_PEEK | MSG_DONTWAIT) of a byte.
  [[nodiscard]] bool is_readable() noexcept override;
  [[nodiscard]] int fd() const noexcept { return fd_.get(); }

  [[nodiscard]] SocketAddress local_address() const override;
  [[nodiscard]] const SocketAddress& peer_address() const noexcept override { return peer_; }

  // Connects `fd` (a fresh non-blocking stream socket) to `peer` and adopts it.
  // Suspends: until the connection is established (a Unix listener with a full backlog: until
  // it has room, as a blocking connect waits). Throws ConnectionRefusedError and other
  // NetworkErrors naming the peer; CancelledError. Cancellation: safe, the fd is closed.
  template <class Stream>
  static Task<Stream> connect_to(detail::FileDescriptor fd, SocketAddress peer) {
    const int state = start_connect(fd.get(), peer);
    Stream stream(std::move(fd), peer);
    if (state != 0) co_await stream.finish_connect(state);
    co_return stream;
  }

  // The readiness registration, for layers that drive the fd themselves (TLS).
  [[nodiscard]] corio::detail::IoRegistration& io() noexcept { return *io_; }

 protected:
  // connect(2) without blocking: 0 once connected, EINPROGRESS while the handshake goes on,
  // EAGAIN when a Unix listener's backlog is full (the socket stays unconnected).
  static int start_connect(int fd, const SocketAddress& peer);
  // Finishes a connect that start_connect left in `state` and raises its error, if any.
  Task<> finish_connect(int state);
  // One non-blocking send(): the bytes sent, 0 on EAGAIN (the fd is then marked not
  // writable), -1 on EINTR. Throws NetworkError for other failures.
  std::ptrdiff_t send_once(std::span<const std::byte> data);

  // Declared so that the registration is dropped before the descriptor is closed.
  detail::FileDescriptor fd_;
  std::unique_ptr<corio::detail::IoRegistration> io_;  // heap: the backend points at it
  SocketAddress peer_;
};

}  // namespace corio::net
