// include/corio/http/proxy.hpp — corio::http::Proxy and the tunnels through it: SOCKS5
// (RFC 1928, with RFC 1929 username/password) and HTTP CONNECT (RFC 9110 9.3.6), what
// httpx's proxy= does.
//
//   auto proxy = corio::http::Proxy::parse("socks5://user:secret@127.0.0.1:1080");
//   auto stream = co_await corio::http::open_tunnel(proxy, "example.com", 443, 5s);
//   // `stream` now talks to example.com:443 through the proxy: start TLS over it.
//   auto tls = co_await corio::net::TlsStream::connect(std::move(stream), context, options);
//
// Proxy URLs, as httpx and curl take them:
//   http://[user:pass@]host[:port]     an HTTP proxy. Plain http requests go to it in
//                                      absolute form; https ones through a CONNECT tunnel.
//                                      No port: 80, as httpx does (curl would say 1080).
//   socks5://[user:pass@]host[:port]   a SOCKS5 proxy; no port: 1080 (its IANA port).
//   socks5h://...                      the same: with both, the proxy resolves host names
//                                      (remote DNS, as httpx does); an IP literal target
//                                      is sent as an address.
//   https://...                        rejected (UnsupportedProtocol): TLS to the proxy
//                                      itself is not supported.
// Userinfo is percent-decoded ("p%40ss" is "p@ss"). A path other than "/", a query or a
// fragment is an error: a proxy URL names a host and nothing else.
//
// Messages name the proxy by name() or url(), which never show the credentials; parse()'s
// errors show the password as "***".
//
// g++ 12: Proxy is an aggregate holding strings; pass the calls below a named Proxy, never
// a temporary made inside the co_await expression (g++ 12 may destroy it twice).
//
// Defines Proxy, socks5_handshake, connect_tunnel, open_tunnel.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <corio/http/errors.hpp>
#include <corio/net/socket.hpp>
#include <corio/net/tcp.hpp>
#include <corio/net/transport.hpp>
#include <corio/task.hpp>

namespace corio::http {

struct Proxy {
  enum class Kind { http, socks5 };

  Kind kind = Kind::http;
  std::string host;  // a name or an IP literal; IPv6 without brackets
  std::uint16_t port = 0;
  std::optional<std::pair<std::string, std::string>> credentials;  // username, password

  // Parses a proxy URL (see the file comment). Throws InvalidURL for text that is not a
  // proxy URL ("invalid proxy URL 'socks5://h:1080/x': a proxy URL has no path"), and
  // UnsupportedProtocol for a scheme other than http, socks5 and socks5h (https included).
  static Proxy parse(std::string_view url);

  // "http://host:port" or "socks5://host:port": no credentials, for messages and logs.
  [[nodiscard]] std::string url() const;
  // "HTTP proxy host:port" or "SOCKS5 proxy host:port", how error messages name it.
  [[nodiscard]] std::string name() const;
  // "Basic base64(username:password)", the Proxy-Authorization value; nullopt without
  // credentials.
  [[nodiscard]] std::optional<std::string> authorization() const;

  // Same kind, host, port and credentials (e.g. to key a connection pool).
  friend bool operator==(const Proxy&, const Proxy&) = default;
};

// Asks a SOCKS5 proxy, over `stream` already connected to it, for a tunnel to host:port.
// Offers "no authentication", plus username/password when proxy.credentials is set. A host
// that is an IP literal (IPv6 with or without brackets) goes as an address, any other as a
// name the proxy resolves. On return the stream carries the tunnel: not one byte past the
// proxy's reply has been read.
// Suspends: until the proxy has answered each step.
// Throws:   ProxyError naming the proxy and the reason: the reply code in words ("SOCKS5
//           proxy 127.0.0.1:1080 could not reach example.com:443: connection refused
//           (reply 5)"), no acceptable authentication method, credentials rejected (with the
//           RFC 1929 status), a malformed reply, the connection closed or failing
//           mid-handshake, a host name over 255 bytes or credentials SOCKS5 cannot carry
//           (a username of 1-255 bytes, a password of 0-255: empty, as curl sends it for
//           "user:@host"); InvalidURL for an empty host or one with control characters
//           or spaces; CancelledError.
// Cancellation: safe; the stream is then mid-handshake and unusable (the caller closes it).
Task<> socks5_handshake(net::Transport& stream, const Proxy& proxy, std::string_view host,
                        std::uint16_t port);

// Sends "CONNECT host:port HTTP/1.1" (with Host and, given credentials, Proxy-Authorization)
// over `stream` already connected to an HTTP proxy, and reads its answer. On a 2xx the
// stream carries the tunnel: the answer's head has been read byte-exactly, nothing after
// it, whatever its Content-Length and Transfer-Encoding say (RFC 9110 9.3.6). Interim 1xx
// answers are skipped; 101 is a final, failing one.
// Suspends: until the proxy's answer head is complete.
// Throws:   ProxyError naming the proxy and the reason: a non-2xx status with its code and
//           reason ("HTTP proxy 127.0.0.1:3128 answered CONNECT example.com:443 with 407
//           Proxy Authentication Required"), an answer that is not HTTP (the parser's
//           message), the connection closed or failing before the answer was complete;
//           InvalidURL for an empty host or one with characters a host cannot hold;
//           CancelledError.
// Cancellation: safe; the stream is then unusable (the caller closes it).
Task<> connect_tunnel(net::Transport& stream, const Proxy& proxy, std::string_view host,
                      std::uint16_t port);

// Connects to the proxy (net::connect_tcp with `tcp`, e.g. a local_address to connect
// from; its name resolved locally, addresses raced) and runs socks5_handshake or
// connect_tunnel by proxy.kind. Returns the tunnel as a socket,
// ready for TlsStream::connect (a unique_ptr<StreamSocket> also converts to
// unique_ptr<net::Transport>).
// Suspends: while connecting and until the handshake is done.
// Throws:   ProxyError when the proxy cannot be reached ("cannot connect to SOCKS5 proxy
//           127.0.0.1:1080: connect to 127.0.0.1:1080: Connection refused"; httpx raises
//           ConnectError there) and what the handshakes throw; ConnectTimeout when
//           connect_timeout passes before the tunnel is up — it bounds the connect and the
//           handshake together, so a proxy that accepts and never answers cannot hang the
//           caller; CancelledError.
// Cancellation: safe; the connection to the proxy is closed.
// Owns:     on success the caller owns the returned socket; on failure nothing stays open.
Task<std::unique_ptr<net::StreamSocket>> open_tunnel(
    const Proxy& proxy, std::string host, std::uint16_t port,
    std::optional<std::chrono::milliseconds> connect_timeout, net::TcpOptions tcp = {});

}  // namespace corio::http
