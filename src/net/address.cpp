// src/net/address.cpp — corio::net::SocketAddress.
#include <corio/net/address.hpp>

#include <arpa/inet.h>
#include <net/if.h>

#include <charconv>
#include <cstring>
#include <stdexcept>

namespace corio::net {

std::uint16_t SocketAddress::checked_port(long long port) {
  if (port < 0 || port > 65535) {
    throw std::invalid_argument("port " + std::to_string(port) + " out of range 0-65535");
  }
  return static_cast<std::uint16_t>(port);
}

SocketAddress SocketAddress::parse(std::string_view ip, std::uint16_t port) {
  SocketAddress out;
  const std::string text(ip);
  if (text.empty()) throw std::invalid_argument("empty IP address");
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out.storage_);
  if (::inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    out.length_ = sizeof(sockaddr_in);
    return out;
  }
  out.storage_ = {};
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.storage_);
  std::string host = text;
  std::string zone;
  if (const auto percent = host.find('%'); percent != std::string::npos) {
    zone = host.substr(percent + 1);
    host.resize(percent);
    if (zone.empty()) throw std::invalid_argument("empty IPv6 zone in '" + text + "'");
  }
  if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    if (!zone.empty()) {
      unsigned index = 0;
      const auto [end, error] = std::from_chars(zone.data(), zone.data() + zone.size(), index);
      if (error != std::errc() || end != zone.data() + zone.size()) {
        index = ::if_nametoindex(zone.c_str());
      }
      if (index == 0) throw std::invalid_argument("unknown IPv6 zone '" + zone + "'");
      v6->sin6_scope_id = index;
    }
    out.length_ = sizeof(sockaddr_in6);
    return out;
  }
  throw std::invalid_argument("invalid IP address '" + text + "'");
}

SocketAddress SocketAddress::parse(std::string_view ip_and_port) {
  std::string_view host;
  std::string_view port_text;
  if (!ip_and_port.empty() && ip_and_port.front() == '[') {
    const auto close = ip_and_port.find(']');
    if (close == std::string_view::npos || close + 1 >= ip_and_port.size() ||
        ip_and_port[close + 1] != ':') {
      throw std::invalid_argument("invalid address '" + std::string(ip_and_port) +
                                  "': expected [IPv6]:port");
    }
    host = ip_and_port.substr(1, close - 1);
    port_text = ip_and_port.substr(close + 2);
  } else {
    const auto colon = ip_and_port.rfind(':');
    if (colon == std::string_view::npos || ip_and_port.find(':') != colon) {
      throw std::invalid_argument("invalid address '" + std::string(ip_and_port) +
                                  "': expected IPv4:port or [IPv6]:port");
    }
    host = ip_and_port.substr(0, colon);
    port_text = ip_and_port.substr(colon + 1);
  }
  long long port = -1;
  const auto [end, error] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc() || end != port_text.data() + port_text.size() || port_text.empty()) {
    throw std::invalid_argument("invalid port '" + std::string(port_text) + "'");
  }
  return parse(host, checked_port(port));
}

SocketAddress SocketAddress::unix_path(std::string_view path) {
  SocketAddress out;
  auto* un = reinterpret_cast<sockaddr_un*>(&out.storage_);
  if (path.empty()) throw std::invalid_argument("empty Unix socket path");
  const bool abstract = path.front() == '@';
  // 107 bytes: a path ends with a NUL; an abstract name starts with one (the '@').
  const std::size_t limit = sizeof(un->sun_path) - 1;
  if (path.size() - (abstract ? 1 : 0) > limit) {
    throw std::invalid_argument(
        std::string(abstract ? "abstract Unix socket name" : "Unix socket path") + " longer than " +
        std::to_string(limit) + " bytes");
  }
  if (path.find('\0') != std::string_view::npos) {
    throw std::invalid_argument("Unix socket path contains a NUL byte");
  }
  un->sun_family = AF_UNIX;
  std::memcpy(un->sun_path, path.data(), path.size());
  if (abstract) un->sun_path[0] = '\0';
  out.length_ =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (abstract ? 0 : 1));
  return out;
}

SocketAddress SocketAddress::from_native(const sockaddr* address, socklen_t length) {
  SocketAddress out;
  if (length > sizeof(out.storage_)) length = sizeof(out.storage_);
  std::memcpy(&out.storage_, address, length);
  out.length_ = length;
  return out;
}

std::uint16_t SocketAddress::port() const noexcept {
  if (is_ipv4()) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (is_ipv6()) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  return 0;
}

void SocketAddress::set_port(std::uint16_t port) noexcept {
  if (is_ipv4()) reinterpret_cast<sockaddr_in*>(&storage_)->sin_port = htons(port);
  if (is_ipv6()) reinterpret_cast<sockaddr_in6*>(&storage_)->sin6_port = htons(port);
}

std::string SocketAddress::ip() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (is_ipv4()) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, buffer,
                sizeof buffer);
    return buffer;
  }
  if (is_ipv6()) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&storage_);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, buffer, sizeof buffer);
    std::string out(buffer);
    if (v6->sin6_scope_id != 0) {  // the zone, so that the text parses back to this address
      char name[IF_NAMESIZE] = {};
      out += '%';
      out += ::if_indextoname(v6->sin6_scope_id, name) != nullptr
                 ? std::string(name)
                 : std::to_string(v6->sin6_scope_id);
    }
    return out;
  }
  if (is_unix()) {
    const auto* un = reinterpret_cast<const sockaddr_un*>(&storage_);
    const std::size_t n =
        length_ > offsetof(sockaddr_un, sun_path) ? length_ - offsetof(sockaddr_un, sun_path) : 0;
    if (n == 0) return {};
    if (un->sun_path[0] == '\0') {
      std::string abstract_name(1, '@');
      abstract_name.append(un->sun_path + 1, n - 1);
      return abstract_name;
    }
    return std::string(un->sun_path, strnlen(un->sun_path, n));
  }
  return {};
}

std::string SocketAddress::to_string() const {
  if (is_ipv4()) return ip() + ":" + std::to_string(port());
  // Appends rather than `"[" + ip()`: g++ 12 warns falsely (-Wrestrict) on that form.
  std::string out;
  if (is_ipv6()) {
    out.append("[").append(ip()).append("]:").append(std::to_string(port()));
    return out;
  }
  if (is_unix()) return out.append("unix:").append(ip());
  return "(no address)";
}

bool operator==(const SocketAddress& a, const SocketAddress& b) noexcept {
  return a.length_ == b.length_ && std::memcmp(&a.storage_, &b.storage_, a.length_) == 0;
}

}  // namespace corio::net
