// include/corio/net/connect.hpp — corio::net::connect_tcp: connecting by name with Happy
// Eyeballs (RFC 8305), as asyncio's create_connection(happy_eyeballs_delay=...) does.
//
//   TcpStream stream = co_await corio::net::connect_tcp("example.com", 80);
//   auto fast = co_await corio::net::connect_tcp("example.com", 80, {.timeout = 5s});
//   // Addresses vetted beforehand (an SSRF policy): connect to them, never re-resolve.
//   auto vetted = co_await corio::net::connect_tcp(std::move(addresses));
//
// The addresses are tried in RFC 8305 §4 order: the family of the first (preferred) address,
// then the other, alternating (IPv6, IPv4, IPv6, ... after RFC 6724 sorting on a dual-stack
// host). The first attempt starts at once; each next one when happy_eyeballs_delay has
// passed or the latest attempt failed, whichever comes first. The first connection made
// wins; every other attempt is cancelled and its socket closed before connect_tcp returns.
//
// RFC 8305 §3's Resolution Delay does not apply: resolve() asks for A and AAAA in one call
// and returns once both are answered (or have failed), so the attempts start with both
// families known. The cost: a slow AAAA (or A) answer delays the first attempt until it
// comes or the resolver gives up on it.
//
// Defines: corio::net::ConnectOptions, ConnectAttemptsError, connect_tcp.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include <corio/net/address.hpp>
#include <corio/net/dns.hpp>
#include <corio/net/errors.hpp>
#include <corio/net/tcp.hpp>
#include <corio/task.hpp>

namespace corio::net {

struct ConnectOptions {
  // Applied to every attempt. A local_address also restricts resolution to its family.
  TcpOptions tcp;
  // RFC 8305's Connection Attempt Delay (asyncio's happy_eyeballs_delay); must not be
  // negative. A very long delay makes the attempts sequential.
  std::chrono::milliseconds happy_eyeballs_delay{250};
  // The whole operation, resolution included; corio::TimeoutError when it passes.
  std::optional<std::chrono::milliseconds> timeout;
  ResolveOptions resolve;
};

// Every attempt of a multi-address connect_tcp failed (asyncio's "Multiple exceptions"
// OSError). what() names each address with its error, in the order they were tried:
//   "connect to localhost:8080: all 2 attempts failed: connect to [::1]:8080: Connection
//    refused; connect to 127.0.0.1:8080: Connection refused"
// code() is the first attempt's error code.
class ConnectAttemptsError : public ConnectionError {
 public:
  struct Attempt {
    SocketAddress address;
    std::exception_ptr error;
  };
  ConnectAttemptsError(const std::string& target, std::vector<Attempt> attempts);
  [[nodiscard]] const char* what() const noexcept override { return message_.c_str(); }
  [[nodiscard]] const std::vector<Attempt>& attempts() const noexcept { return attempts_; }

 private:
  std::vector<Attempt> attempts_;
  std::string message_;
};

// co_await connect_tcp(host, port): resolves `host` (options.resolve; IP literals need no
// DNS) and races connections to its addresses as described above.
// Suspends: while resolving and while no attempt has succeeded yet.
// Throws:   std::invalid_argument (bad host name, negative delay), DnsError, as resolve();
//           with one address, that attempt's own error (ConnectionRefusedError, ...); with
//           several, ConnectAttemptsError; corio::TimeoutError when options.timeout
//           passes; CancelledError.
// Cancellation: safe. Resolution is abandoned, every pending attempt cancelled and its
//           socket closed; connect_tcp returns only once they all have finished.
// Owns:     while running, one socket per attempt in flight; on success the caller owns the
//           winning TcpStream and nothing else is left open.
Task<TcpStream> connect_tcp(std::string host, std::uint16_t port, ConnectOptions options = {});

// The same race over addresses already resolved (each with its port), in preference order;
// options.resolve is not used. Throws std::invalid_argument when `addresses` is empty or
// holds a non-IP address.
Task<TcpStream> connect_tcp(std::vector<SocketAddress> addresses, ConnectOptions options = {});

}  // namespace corio::net
