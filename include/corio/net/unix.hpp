// include/corio/net/unix.hpp — corio::net::UnixStream and UnixListener (AF_UNIX streams).
#pragma once

#include <sys/types.h>

#include <optional>
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

// A listening AF_UNIX socket, bound to a path or to an abstract name ("@name").
//
// The socket file: bind() removes a stale socket file at the path first (as asyncio does);
// any other existing file is an error. close(), the destructor and a move-assignment over
// it remove the file again (asyncio's create_unix_server(cleanup_socket=True), the default
// since Python 3.13), but only while the path still holds the socket bind() created: it
// must still be a socket with the device and inode noted after bind. A file somebody
// replaced it with (another server's socket, a regular file) is left alone, and so is a
// path that no longer exists. Abstract names have no file and nothing is removed for them.
// A relative path is taken from the working directory at each step; if that changed, the
// device and inode check keeps close() from removing somebody else's file.
class UnixListener {
 public:
  UnixListener() noexcept = default;
  // The moved-from listener owns neither the socket nor its file any more.
  UnixListener(UnixListener&& other) noexcept;
  UnixListener& operator=(UnixListener&& other) noexcept;
  ~UnixListener() { close(); }

  // Binds and listens. Throws std::invalid_argument for a bad path, NetworkError (EEXIST
  // for a file at `path` that is not a socket).
  static UnixListener bind(std::string_view path, int backlog = 511);
  Task<UnixStream> accept();
  [[nodiscard]] const SocketAddress& local_address() const noexcept { return address_; }
  // Closes the socket and removes its file (see above); idempotent.
  void close() noexcept;

 private:
  // The file bind() created, as lstat(2) saw it right after binding.
  struct SocketFile {
    std::string path;
    dev_t device = 0;
    ino_t inode = 0;
  };

  detail::Listener listener_;
  SocketAddress address_;
  std::optional<SocketFile> file_;  // nullopt: abstract name, closed, or moved from
};

}  // namespace corio::net
