// include/corio/net/address.hpp — corio::net::SocketAddress: an IPv4, IPv6 or Unix address.
//
//   auto a = SocketAddress::parse("127.0.0.1", 8080);
//   auto b = SocketAddress::parse("[::1]:443");
//   auto c = SocketAddress::unix_path("/run/app.sock");   // "@name": abstract namespace
//
// Parsing validates everything before any system call and throws std::invalid_argument
// with a message naming what was wrong ("invalid IP address 'x'", "port 70000 out of range
// 0-65535", "Unix socket path longer than 107 bytes").
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace corio::net {

class SocketAddress {
 public:
  SocketAddress() noexcept = default;

  // An IP literal (no names: see resolve()) and a port.
  static SocketAddress parse(std::string_view ip, std::uint16_t port);
  // "1.2.3.4:80" or "[::1]:80".
  static SocketAddress parse(std::string_view ip_and_port);
  // A filesystem path, or "@name" for Linux's abstract namespace.
  static SocketAddress unix_path(std::string_view path);
  // Copies a kernel-provided address.
  static SocketAddress from_native(const sockaddr* address, socklen_t length);
  // Validates a port number given as a wider integer.
  static std::uint16_t checked_port(long long port);

  [[nodiscard]] int family() const noexcept { return storage_.ss_family; }
  [[nodiscard]] bool is_ipv4() const noexcept { return family() == AF_INET; }
  [[nodiscard]] bool is_ipv6() const noexcept { return family() == AF_INET6; }
  [[nodiscard]] bool is_unix() const noexcept { return family() == AF_UNIX; }
  [[nodiscard]] bool empty() const noexcept { return family() == AF_UNSPEC; }

  [[nodiscard]] std::uint16_t port() const noexcept;
  void set_port(std::uint16_t port) noexcept;
  // "127.0.0.1", "::1", or the Unix path.
  [[nodiscard]] std::string ip() const;
  // "127.0.0.1:80", "[::1]:80", "unix:/path".
  [[nodiscard]] std::string to_string() const;

  [[nodiscard]] const sockaddr* native() const noexcept {
    return reinterpret_cast<const sockaddr*>(&storage_);
  }
  [[nodiscard]] socklen_t native_size() const noexcept { return length_; }

  friend bool operator==(const SocketAddress& a, const SocketAddress& b) noexcept;

 private:
  sockaddr_storage storage_{};
  socklen_t length_ = 0;
};

}  // namespace corio::net
