// Proxy URLs and the two tunnel handshakes: SOCKS5 (RFC 1928, RFC 1929) and HTTP CONNECT.
//
// Both handshakes read exactly what the proxy's reply is made of and not one byte more: the
// bytes after it already belong to the tunnel (a TLS handshake, a server's greeting), and
// the caller goes on reading the same stream.
#include <corio/http/proxy.hpp>

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <vector>

#include <corio/errors.hpp>
#include <corio/http/parser.hpp>
#include <corio/http/url.hpp>
#include <corio/net/connect.hpp>
#include <corio/net/errors.hpp>
#include <corio/timeout.hpp>

#include "base64.hpp"

namespace corio::http {

namespace {

constexpr std::uint16_t kSocksDefaultPort = 1080;

struct Span {  // [begin, end) of a text
  std::size_t begin;
  std::size_t end;
};

// Where the password in `text`'s userinfo lies: from the first ':' after "://" to the last
// '@'. Lenient on purpose, so that a password holding an unencoded '/', '?' or '#' (which
// ends the authority for the URL parser) is found whole. Nullopt without one.
std::optional<Span> password_span(std::string_view text) {
  const std::size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  const std::size_t at = text.rfind('@');
  const std::size_t colon = text.find(':', scheme_end + 3);
  if (at == std::string_view::npos || colon == std::string_view::npos || colon > at) {
    return std::nullopt;
  }
  return Span{colon + 1, at};
}

// `text` with the password in its userinfo, if any, shown as "***": messages quote the URL
// and must not leak the secret.
std::string hide_password(std::string_view text) {
  const std::optional<Span> password = password_span(text);
  if (!password) return std::string(text);
  return std::string(text.substr(0, password->begin)) + "***" +
         std::string(text.substr(password->end));
}

// `message` with every quote of `text` replaced by hide_password(text).
std::string without_password(std::string message, std::string_view text) {
  const std::string hidden = hide_password(text);
  if (text.empty() || hidden == text) return message;
  for (std::size_t at = message.find(text); at != std::string::npos;
       at = message.find(text, at + hidden.size())) {
    message.replace(at, text.size(), hidden);
  }
  return message;
}

[[noreturn]] void invalid_proxy_url(std::string_view text, const std::string& why) {
  throw InvalidURL("invalid proxy URL '" + hide_password(text) + "': " + why);
}

// "host:port", IPv6 in brackets.
std::string authority(std::string_view host, std::uint16_t port) {
  std::string out;
  const bool ipv6 = host.find(':') != std::string_view::npos && host.front() != '[';
  if (ipv6) out += '[';
  out += host;
  if (ipv6) out += ']';
  out += ':';
  out += std::to_string(port);
  return out;
}

// A tunnel target must be a host a URL can hold: no controls, spaces or delimiters that
// would let it break out of the request line or the SOCKS request.
void check_target_host(std::string_view host) {
  if (host.empty()) throw InvalidURL("tunnel target: empty host");
  const bool bad = std::any_of(host.begin(), host.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7F || c == '/' || c == '?' || c == '#' || c == '@';
  });
  if (bad) throw InvalidURL("tunnel target: invalid host '" + std::string(host) + "'");
}

std::span<std::byte> writable(void* data, std::size_t size) {
  return {static_cast<std::byte*>(data), size};
}

// Reads exactly buffer.size() bytes. EOF first: ProxyError "<prefix> closed the connection
// <during>".
Task<> read_exactly(net::Transport& stream, std::span<std::byte> buffer, const std::string& prefix,
                    std::string_view during) {
  std::size_t got = 0;
  while (got < buffer.size()) {
    const std::size_t n = co_await stream.read_some(buffer.subspan(got));
    if (n == 0) throw ProxyError(prefix + " closed the connection " + std::string(during));
    got += n;
  }
}

// ---------------------------------------------------------------------------------------
// SOCKS5

constexpr std::uint8_t kSocksVersion = 5;
constexpr std::uint8_t kMethodNone = 0x00;
constexpr std::uint8_t kMethodPassword = 0x02;
constexpr std::uint8_t kMethodRefused = 0xFF;
constexpr std::uint8_t kPasswordVersion = 1;
constexpr std::uint8_t kCommandConnect = 1;
constexpr std::uint8_t kAddressIpv4 = 1;
constexpr std::uint8_t kAddressName = 3;
constexpr std::uint8_t kAddressIpv6 = 4;

// RFC 1928 section 6's reply field, in words.
const char* socks_reply_text(std::uint8_t code) noexcept {
  switch (code) {
    case 1:
      return "general SOCKS server failure";
    case 2:
      return "connection not allowed by ruleset";
    case 3:
      return "network unreachable";
    case 4:
      return "host unreachable";
    case 5:
      return "connection refused";
    case 6:
      return "TTL expired";
    case 7:
      return "command not supported";
    case 8:
      return "address type not supported";
    default:
      return "unassigned reply code";
  }
}

// The CONNECT request: VER CMD RSV ATYP DST.ADDR DST.PORT.
std::vector<std::uint8_t> socks_connect_request(std::string_view host, std::uint16_t port,
                                                const std::string& prefix) {
  std::vector<std::uint8_t> request = {kSocksVersion, kCommandConnect, 0};
  std::string_view bare = host;
  if (bare.size() >= 2 && bare.front() == '[' && bare.back() == ']') {
    bare = bare.substr(1, bare.size() - 2);
  }
  const std::string literal(bare);
  std::array<std::uint8_t, 16> address{};
  if (::inet_pton(AF_INET, literal.c_str(), address.data()) == 1) {
    request.push_back(kAddressIpv4);
    request.insert(request.end(), address.begin(), address.begin() + 4);
  } else if (::inet_pton(AF_INET6, literal.c_str(), address.data()) == 1) {
    request.push_back(kAddressIpv6);
    request.insert(request.end(), address.begin(), address.end());
  } else {
    if (host.size() > 255) {
      throw ProxyError(prefix + " cannot carry the host name '" + std::string(host.substr(0, 40)) +
                       "...' of " + std::to_string(host.size()) + " bytes (SOCKS5 allows 255)");
    }
    request.push_back(kAddressName);
    request.push_back(static_cast<std::uint8_t>(host.size()));
    request.insert(request.end(), host.begin(), host.end());
  }
  request.push_back(static_cast<std::uint8_t>(port >> 8));
  request.push_back(static_cast<std::uint8_t>(port & 0xFF));
  return request;
}

// RFC 1929: VER ULEN UNAME PLEN PASSWD; a username of 1-255 bytes, a password of 0-255.
// The RFC asks 1-255 of the password too, but curl sends an empty one (PLEN 0), as a URL
// "socks5://user:@host" or "socks5://user@host" asks, and servers may accept it.
std::vector<std::uint8_t> socks_password_request(const std::string& username,
                                                 const std::string& password,
                                                 const std::string& prefix) {
  if (username.empty() || username.size() > 255 || password.size() > 255) {
    throw ProxyError(prefix +
                     ": a SOCKS5 username must be 1 to 255 bytes, and a password at most 255");
  }
  std::vector<std::uint8_t> request = {kPasswordVersion};
  request.push_back(static_cast<std::uint8_t>(username.size()));
  request.insert(request.end(), username.begin(), username.end());
  request.push_back(static_cast<std::uint8_t>(password.size()));
  request.insert(request.end(), password.begin(), password.end());
  return request;
}

Task<> write_bytes(net::Transport& stream, const std::vector<std::uint8_t>& bytes) {
  co_await stream.write_all(std::as_bytes(std::span(bytes)));
}

Task<> socks5_steps(net::Transport& stream, const Proxy& proxy, std::string_view host,
                    std::uint16_t port, const std::string& prefix, const std::string& target) {
  // Built before anything is sent, so a target SOCKS5 cannot carry fails without traffic.
  const std::vector<std::uint8_t> connect_request = socks_connect_request(host, port, prefix);
  std::vector<std::uint8_t> password_request;
  if (proxy.credentials) {
    password_request =
        socks_password_request(proxy.credentials->first, proxy.credentials->second, prefix);
  }

  std::vector<std::uint8_t> greeting = {kSocksVersion, 1, kMethodNone};
  if (proxy.credentials) greeting = {kSocksVersion, 2, kMethodNone, kMethodPassword};
  co_await write_bytes(stream, greeting);
  std::array<std::uint8_t, 2> choice{};
  co_await read_exactly(stream, writable(choice.data(), choice.size()), prefix,
                        "before choosing an authentication method");
  if (choice[0] != kSocksVersion) {
    throw ProxyError(prefix + " sent a malformed reply: version " + std::to_string(choice[0]) +
                     " instead of 5 (is it a SOCKS5 proxy?)");
  }
  if (choice[1] == kMethodRefused) {
    throw ProxyError(prefix + " accepts none of the authentication methods offered (" +
                     (proxy.credentials ? "none, username/password"
                                        : "none; it may want a username and password") +
                     ")");
  }
  if (choice[1] == kMethodPassword && proxy.credentials) {
    co_await write_bytes(stream, password_request);
    std::array<std::uint8_t, 2> status{};
    co_await read_exactly(stream, writable(status.data(), status.size()), prefix,
                          "during username/password authentication");
    if (status[0] != kPasswordVersion) {
      throw ProxyError(prefix + " sent a malformed authentication reply: version " +
                       std::to_string(status[0]) + " instead of 1");
    }
    if (status[1] != 0) {
      throw ProxyError(prefix + " rejected the username and password (status " +
                       std::to_string(status[1]) + ")");
    }
  } else if (choice[1] != kMethodNone) {
    throw ProxyError(prefix + " sent a malformed reply: it chose authentication method " +
                     std::to_string(choice[1]) + ", which was not offered");
  }

  co_await write_bytes(stream, connect_request);
  // VER REP RSV ATYP, then BND.ADDR and BND.PORT, whose length ATYP tells.
  std::array<std::uint8_t, 4> head{};
  const std::string before_reply = "before answering the request for " + target;
  co_await read_exactly(stream, writable(head.data(), head.size()), prefix, before_reply);
  if (head[0] != kSocksVersion) {
    throw ProxyError(prefix + " sent a malformed reply: version " + std::to_string(head[0]) +
                     " instead of 5");
  }
  if (head[1] != 0) {
    throw ProxyError(prefix + " could not reach " + target + ": " + socks_reply_text(head[1]) +
                     " (reply " + std::to_string(head[1]) + ")");
  }
  std::size_t rest = 0;
  switch (head[3]) {
    case kAddressIpv4:
      rest = 4 + 2;
      break;
    case kAddressIpv6:
      rest = 16 + 2;
      break;
    case kAddressName: {
      std::uint8_t length = 0;
      co_await read_exactly(stream, writable(&length, 1), prefix, "in the middle of its reply");
      rest = std::size_t{length} + 2;
      break;
    }
    default:
      throw ProxyError(prefix + " sent a malformed reply: address type " + std::to_string(head[3]));
  }
  std::array<std::uint8_t, 257> bound{};
  co_await read_exactly(stream, writable(bound.data(), rest), prefix, "in the middle of its reply");
}

// ---------------------------------------------------------------------------------------
// HTTP CONNECT

// 1xx other than 101: informational, a final answer follows. 101 is final (RFC 9110
// 15.2.2), and for CONNECT a failure like any other non-2xx.
bool is_interim(int status) noexcept {
  return status >= 100 && status < 200 && status != 101;
}

// Reads the answer's head without reading past it: each read asks for at most as many
// bytes as "\r\n\r\n" still needs, so the last byte read is the head's last. (The parser
// rejects bare LFs; a head that ends other than at CRLF CRLF is refused below.)
Task<Message> read_connect_answer(net::Transport& stream, const std::string& prefix,
                                  const std::string& target) {
  static constexpr std::string_view kEnd = "\r\n\r\n";
  ResponseParser parser;
  parser.set_expect_no_body(true);
  parser.set_answers_connect(true);
  std::array<char, 4> buffer{};
  std::size_t matched = 0;  // the bytes read last that begin kEnd
  for (;;) {
    const std::size_t n = co_await stream.read_some(writable(buffer.data(), kEnd.size() - matched));
    if (n == 0) {
      const bool started = parser.in_message();
      throw ProxyError(
          prefix + " closed the connection " +
          (started ? "in the middle of its answer to CONNECT " : "without answering CONNECT ") +
          target);
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (buffer[i] == kEnd[matched]) {
        ++matched;
      } else {
        matched = buffer[i] == '\r' ? 1 : 0;
      }
    }
    const FeedResult fed = parser.feed(std::string_view(buffer.data(), n));
    if (!fed.message_complete) {
      // CRLF CRLF that ended no head: empty lines before a status line, which llhttp skips.
      if (matched == kEnd.size()) matched = 0;
      continue;
    }
    // The strict parser ends a head only at CRLF CRLF; should a parser ever end one
    // elsewhere (llhttp's loose build took any byte after a CR for the LF), the answer is
    // refused, never half-read.
    if (fed.consumed != n || matched != kEnd.size()) {
      throw ProxyError(prefix + " sent a malformed answer to CONNECT " + target +
                       ": the head did not end at CRLF CRLF");
    }
    Message message = parser.take_message();
    matched = 0;
    if (!is_interim(message.status_code)) co_return message;
  }
}

Task<> connect_steps(net::Transport& stream, const Proxy& proxy, const std::string& prefix,
                     const std::string& target) {
  std::string request = "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n";
  if (auto credentials = proxy.authorization()) {
    request += "Proxy-Authorization: " + *credentials + "\r\n";
  }
  request += "\r\n";
  co_await stream.write_all(request);
  Message answer;
  try {
    answer = co_await read_connect_answer(stream, prefix, target);
  } catch (const ProtocolError& error) {
    throw ProxyError(prefix + " sent a malformed answer to CONNECT " + target + ": " +
                     error.what());
  }
  if (answer.status_code < 200 || answer.status_code > 299) {
    std::string status = std::to_string(answer.status_code);
    if (!answer.reason.empty()) status += " " + answer.reason;
    throw ProxyError(prefix + " answered CONNECT " + target + " with " + status);
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Proxy

Proxy Proxy::parse(std::string_view text) {
  if (const std::optional<Span> password = password_span(text)) {
    // The URL parser would end the authority there and quote the rest in its message.
    const std::string_view secret = text.substr(password->begin, password->end - password->begin);
    if (secret.find_first_of("/?#") != std::string_view::npos) {
      invalid_proxy_url(text,
                        "a '/', '?' or '#' before the '@': credentials must be percent-encoded");
    }
  }
  URL url = [&] {
    try {
      return URL::parse(text);
    } catch (const InvalidURL& error) {
      throw InvalidURL("proxy: " + without_password(error.what(), text));
    }
  }();
  Proxy proxy;
  const std::string_view scheme = url.scheme();
  if (scheme == "http") {
    proxy.kind = Kind::http;
  } else if (scheme == "socks5" || scheme == "socks5h") {
    proxy.kind = Kind::socks5;
  } else if (scheme == "https") {
    throw UnsupportedProtocol("proxy URL '" + url.without_userinfo().origin() +
                              "': HTTPS proxies (TLS to the proxy) are not supported; use "
                              "http:// for an HTTP proxy");
  } else {
    throw UnsupportedProtocol("proxy URL '" + url.without_userinfo().origin() +
                              "': unsupported scheme '" + std::string(scheme) +
                              "' (use http://, socks5:// or socks5h://)");
  }
  if (url.host().empty()) invalid_proxy_url(text, "missing host");
  if (url.path() != "/" || url.has_query() || url.has_fragment()) {
    invalid_proxy_url(text, "a proxy URL has no path, query or fragment");
  }
  proxy.host = std::string(url.host());
  if (proxy.kind == Kind::http) {
    proxy.port = *url.effective_port();
  } else {
    proxy.port = url.port().value_or(kSocksDefaultPort);
  }
  if (proxy.port == 0) invalid_proxy_url(text, "port 0");
  if (url.has_userinfo() && (!url.username().empty() || !url.password().empty())) {
    proxy.credentials.emplace(std::string(url.username()), std::string(url.password()));
  }
  return proxy;
}

std::string Proxy::url() const {
  return (kind == Kind::http ? "http://" : "socks5://") + authority(host, port);
}

std::string Proxy::name() const {
  return (kind == Kind::http ? "HTTP proxy " : "SOCKS5 proxy ") + authority(host, port);
}

std::optional<std::string> Proxy::authorization() const {
  if (!credentials) return std::nullopt;
  return detail::basic_authorization(credentials->first, credentials->second);
}

// ---------------------------------------------------------------------------------------
// Handshakes

Task<> socks5_handshake(net::Transport& stream, const Proxy& proxy, std::string_view host,
                        std::uint16_t port) {
  check_target_host(host);
  const std::string prefix = proxy.name();
  const std::string target = authority(host, port);
  try {
    co_await socks5_steps(stream, proxy, host, port, prefix, target);
  } catch (const net::NetworkError& error) {
    throw ProxyError(prefix + ": connection failed during the SOCKS5 handshake for " + target +
                     ": " + error.what());
  }
}

Task<> connect_tunnel(net::Transport& stream, const Proxy& proxy, std::string_view host,
                      std::uint16_t port) {
  check_target_host(host);
  const std::string prefix = proxy.name();
  const std::string target = authority(host, port);
  try {
    co_await connect_steps(stream, proxy, prefix, target);
  } catch (const net::NetworkError& error) {
    throw ProxyError(prefix + ": connection failed during CONNECT " + target + ": " + error.what());
  }
}

namespace {

Task<std::unique_ptr<net::StreamSocket>> connect_and_handshake(const Proxy& proxy,
                                                               const std::string& host,
                                                               std::uint16_t port,
                                                               const net::TcpOptions& tcp) {
  std::unique_ptr<net::StreamSocket> stream;
  try {
    net::ConnectOptions options;  // named: g++ 12 and option temporaries in co_await
    options.tcp = tcp;
    net::TcpStream connected =
        co_await net::connect_tcp(proxy.host, proxy.port, std::move(options));
    stream = std::make_unique<net::TcpStream>(std::move(connected));
  } catch (const net::NetworkError& error) {
    throw ProxyError("cannot connect to " + proxy.name() + ": " + error.what());
  } catch (const net::DnsError& error) {
    throw ProxyError("cannot connect to " + proxy.name() + ": " + error.what());
  }
  if (proxy.kind == Proxy::Kind::socks5) {
    co_await socks5_handshake(*stream, proxy, host, port);
  } else {
    co_await connect_tunnel(*stream, proxy, host, port);
  }
  co_return stream;
}

}  // namespace

Task<std::unique_ptr<net::StreamSocket>> open_tunnel(
    const Proxy& proxy, std::string host, std::uint16_t port,
    std::optional<std::chrono::milliseconds> connect_timeout, net::TcpOptions tcp) {
  std::optional<Loop::TimePoint> deadline;
  if (connect_timeout) deadline = Loop::current().now() + *connect_timeout;
  std::unique_ptr<net::StreamSocket> stream;
  try {
    stream = co_await corio::timeout_at(
        deadline, [&] { return connect_and_handshake(proxy, host, port, tcp); });
  } catch (const TimeoutError&) {
    throw ConnectTimeout("timed out after " + std::to_string(connect_timeout->count()) +
                         " ms opening a tunnel to " + authority(host, port) + " through " +
                         proxy.name());
  }
  co_return stream;
}

}  // namespace corio::http
