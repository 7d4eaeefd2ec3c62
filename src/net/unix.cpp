// src/net/unix.cpp — UnixStream, UnixListener.
#include <corio/net/unix.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include <corio/net/errors.hpp>

namespace corio::net {

Task<UnixStream> UnixStream::connect(std::string_view path) {
  const SocketAddress address = SocketAddress::unix_path(path);
  auto fd = detail::open_socket(AF_UNIX, SOCK_STREAM, "connect to " + address.to_string());
  co_return co_await connect_to<UnixStream>(std::move(fd), address);
}

std::pair<UnixStream, UnixStream> UnixStream::pair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) < 0) {
    throw_network_error(errno, "socketpair");
  }
  detail::FileDescriptor a(fds[0]);
  detail::FileDescriptor b(fds[1]);
  const SocketAddress unnamed = SocketAddress::unix_path("@");
  return {UnixStream(std::move(a), unnamed), UnixStream(std::move(b), unnamed)};
}

UnixListener::UnixListener(UnixListener&& other) noexcept
    : listener_(std::move(other.listener_)),
      address_(other.address_),
      file_(std::exchange(other.file_, std::nullopt)) {}

UnixListener& UnixListener::operator=(UnixListener&& other) noexcept {
  if (this != &other) {
    close();
    listener_ = std::move(other.listener_);
    address_ = other.address_;
    file_ = std::exchange(other.file_, std::nullopt);
  }
  return *this;
}

UnixListener UnixListener::bind(std::string_view path, int backlog) {
  UnixListener listener;
  listener.address_ = SocketAddress::unix_path(path);
  const bool abstract = path.front() == '@';
  const std::string file(path);
  if (!abstract) {
    struct stat info {};
    if (::stat(file.c_str(), &info) == 0) {
      if (!S_ISSOCK(info.st_mode)) {
        throw NetworkError(EEXIST, "bind " + listener.address_.to_string() + ": not a socket");
      }
      ::unlink(file.c_str());
    }
  }
  auto fd = detail::open_socket(AF_UNIX, SOCK_STREAM, "listen on " + listener.address_.to_string());
  listener.listener_.listen(std::move(fd), listener.address_, backlog);
  // Noted now, so that close() removes this socket's file and nothing that replaced it.
  struct stat bound {};
  if (!abstract && ::lstat(file.c_str(), &bound) == 0 && S_ISSOCK(bound.st_mode)) {
    listener.file_ = SocketFile{file, bound.st_dev, bound.st_ino};
  }
  return listener;
}

void UnixListener::close() noexcept {
  listener_.close();
  if (!file_) return;
  struct stat now {};
  if (::lstat(file_->path.c_str(), &now) == 0 && S_ISSOCK(now.st_mode) &&
      now.st_dev == file_->device && now.st_ino == file_->inode) {
    ::unlink(file_->path.c_str());
  }
  file_.reset();
}

Task<UnixStream> UnixListener::accept() {
  auto [fd, peer] = co_await listener_.accept();
  co_return UnixStream(std::move(fd), std::move(peer));
}

}  // namespace corio::net
