// src/http/host_header.hpp — the Host header a request to a URL carries (client requests,
// redirects, WebSocket handshakes).
#pragma once

#include <charconv>
#include <string>

#include <corio/http/url.hpp>

namespace corio::http::detail {

// The URL's host and its explicit port (RFC 9110 section 7.2). An IPv6 literal goes in
// brackets without its zone: RFC 6874 section 4, a zone means something only on this machine.
inline std::string host_header(const URL& url) {
  std::string host(url.host());
  if (url.is_ipv6_host()) {
    const std::string address = host.substr(0, host.find('%'));
    host = "[" + address + "]";
  }
  if (const auto port = url.port()) {
    char text[8] = {':'};
    const char* end = std::to_chars(text + 1, text + sizeof text, *port).ptr;
    host.append(text, static_cast<std::size_t>(end - text));
  }
  return host;
}

}  // namespace corio::http::detail
