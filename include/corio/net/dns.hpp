// include/corio/net/dns.hpp — corio::net::resolve, asynchronous name resolution
// (asyncio's loop.getaddrinfo), on c-ares.
//
//   auto addresses = co_await corio::net::resolve("example.com", 443);
//   auto v4 = co_await corio::net::resolve("example.com", 443, {.family = AF_INET});
//   auto fast = co_await corio::net::resolve("example.com", 443, {.timeout = 2s});
//
// The loop itself drives c-ares: no thread, no blocking call. /etc/hosts is consulted before
// DNS (c-ares lookups "fb"). "localhost" and every name under it ("api.localhost",
// "a.b.localhost."), in any case, with or without the trailing dot, never leave the machine
// (RFC 6761 §6.3): each gets localhost's addresses from the hosts file, else the loopback
// (::1 and 127.0.0.1, as the family allows). The hosts file is not asked about a name under
// localhost itself. IP literals ("127.0.0.1", "::1", "[::1]", "fe80::1%eth0") come back at
// once, without c-ares.
//
// Defines: corio::net::ResolveOptions, corio::net::resolve.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <corio/net/address.hpp>
#include <corio/task.hpp>

namespace corio::net {

struct ResolveOptions {
  // AF_UNSPEC (IPv4 and IPv6: A and AAAA queries), AF_INET or AF_INET6.
  int family = AF_UNSPEC;
  // The whole resolution; corio::TimeoutError when it passes. Unset: c-ares' own retry
  // budget decides (attempt_timeout, doubled each round, times attempts).
  std::optional<std::chrono::milliseconds> timeout;
  // The DNS servers to ask, in order (port 0 means 53). Empty: /etc/resolv.conf.
  std::vector<SocketAddress> servers;
  // How long each server gets on the first try (later rounds double it), and how many tries
  // each server gets. Unset: resolv.conf's "options timeout: attempts:", else 5 s and 4.
  std::optional<std::chrono::milliseconds> attempt_timeout;
  std::optional<int> attempts;
};

// co_await resolve(host, port): the addresses of `host`, each carrying `port`, in the order
// of RFC 6724's destination address selection (the preferred address first), without
// duplicates. Never empty.
//
// Suspends: while c-ares waits for the hosts file or the DNS servers; not for IP literals.
// Throws:   std::invalid_argument before any work: "empty host name", a name over 253 bytes,
//           a label over 63 bytes or empty ("a..b"), a NUL byte, a family other than
//           AF_UNSPEC/AF_INET/AF_INET6, a server that is not an IP address, an
//           attempt_timeout or attempts that is not positive;
//           DnsError naming the host and c-ares' reason ("Domain name not found", "Timeout
//           while contacting DNS servers", ...), also for an IP literal of the wrong family;
//           corio::TimeoutError when options.timeout passes; CancelledError.
// Cancellation: safe. The query is abandoned and its c-ares channel destroyed, with every
//           socket it opened: nothing outlives the call.
// Owns:     one c-ares channel (and its sockets) per call, created and destroyed inside it.
//
// With LoopOptions::virtual_time, c-ares still measures its retransmission timeouts in real
// time: options.timeout follows the virtual clock, attempt_timeout does not.
Task<std::vector<SocketAddress>> resolve(std::string host, std::uint16_t port,
                                         ResolveOptions options = {});

}  // namespace corio::net
