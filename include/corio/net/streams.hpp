// include/corio/net/streams.hpp — asyncio's high-level streams: open_connection and
// start_server (plus their Unix-socket forms).
//
//   auto [reader, writer] = co_await corio::net::open_connection("localhost", 8080);
//   writer.write("ping\n");
//   std::string reply = co_await reader.readline();
//
//   auto server = co_await corio::net::start_server(
//       [](StreamReader reader, StreamWriter writer) -> corio::Task<> {
//         writer.write(co_await reader.readline());
//         co_await writer.drain();
//       },
//       "127.0.0.1", 8080);
//   co_await server.serve_forever();
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <corio/net/address.hpp>
#include <corio/net/connect.hpp>
#include <corio/net/dns.hpp>
#include <corio/net/stream_reader.hpp>
#include <corio/net/stream_writer.hpp>
#include <corio/net/tcp.hpp>
#include <corio/net/tls.hpp>
#include <corio/task.hpp>

namespace corio::net {

struct OpenConnectionOptions {
  // TLS when set (asyncio's ssl=): e.g. TlsContext::client().
  std::shared_ptr<TlsContext> ssl;
  // Name sent as SNI and checked against the certificate; empty: the host argument.
  std::string server_hostname;
  std::optional<std::chrono::milliseconds> ssl_handshake_timeout = std::chrono::seconds(60);
  // Bind the local end first (asyncio's local_addr).
  std::optional<SocketAddress> local_addr;
  // StreamReader's buffer limit for readline/readuntil.
  std::size_t limit = StreamReader::kDefaultLimit;
  std::chrono::milliseconds happy_eyeballs_delay{250};
  // Connecting as a whole (resolution, attempts, handshake excluded).
  std::optional<std::chrono::milliseconds> timeout;
  ResolveOptions resolve;
};

// Connects (resolving `host`, racing its addresses per RFC 8305, then the TLS handshake
// when options.ssl is set) and returns the stream's two halves.
// Suspends: until connected (and the handshake is done). Throws: what connect_tcp() and
// TlsStream::connect() throw (DnsError, ConnectionRefusedError, ConnectAttemptsError,
// TlsError, corio::TimeoutError); CancelledError. Cancellation: safe, nothing stays open.
//
// g++ 12 miscompiles a braced aggregate temporary holding a std::string inside a co_await
// expression (it relocates the string bitwise): with g++, write
//   OpenConnectionOptions options{.ssl = context};
//   auto [r, w] = co_await open_connection(host, port, std::move(options));
// rather than passing `{.ssl = context}` in place. clang 14 has no such problem. (The
// overloads without options exist for the same reason: a `= {}` default is such a temporary.)
Task<std::pair<StreamReader, StreamWriter>> open_connection(std::string host, std::uint16_t port,
                                                            OpenConnectionOptions options);
Task<std::pair<StreamReader, StreamWriter>> open_connection(std::string host, std::uint16_t port);
// The same over a Unix socket path ("@name": abstract namespace). With TLS,
// options.server_hostname is required unless verification is off.
Task<std::pair<StreamReader, StreamWriter>> open_unix_connection(std::string path,
                                                                 OpenConnectionOptions options);
Task<std::pair<StreamReader, StreamWriter>> open_unix_connection(std::string path);

// Called once per accepted connection, as its own task. The connection is closed when the
// handler returns or throws (an exception is reported on stderr, as asyncio logs it).
using ConnectionHandler = std::function<Task<>(StreamReader, StreamWriter)>;

struct ServerOptions {
  std::shared_ptr<TlsContext> ssl;  // TLS when set: TlsContext::server(...)
  std::optional<std::chrono::milliseconds> ssl_handshake_timeout = std::chrono::seconds(60);
  ListenOptions listen;  // backlog, reuse_address, reuse_port, nodelay
  std::size_t limit = StreamReader::kDefaultLimit;
  ResolveOptions resolve;  // for a host name
};

// A running server (asyncio.Server). Copies share the same server. Belongs to its loop.
class Server {
 public:
  struct State;
  explicit Server(std::shared_ptr<State> state) : state_(std::move(state)) {}

  // The bound addresses (port 0 resolved to the real port).
  [[nodiscard]] std::vector<SocketAddress> sockets() const;
  [[nodiscard]] bool is_serving() const noexcept;
  // Waits until close() is called. Cancelling it closes the server (asyncio does the same).
  Task<> serve_forever();
  // Stops accepting and closes the listening sockets; connections in progress go on.
  void close();
  // close(), and also closes every open connection as StreamWriter::close() does (asyncio
  // 3.13): what their writers queued is sent first, then their handlers' reads see EOF.
  void close_clients();
  // close(), and closes every open connection at once, dropping what their writers queued
  // (asyncio 3.13): their handlers' reads see EOF, their writes BrokenPipeError. A handler's
  // failure after this is not reported.
  void abort_clients();
  // Waits until the server is closed and every connection handler has finished.
  Task<> wait_closed();

 private:
  std::shared_ptr<State> state_;
};

// Binds `host` (every address it resolves to; an IP literal binds one) and `port` (0: a
// free one, see sockets()), and starts accepting: each connection runs `handler` in its own
// task. Throws std::invalid_argument, DnsError, NetworkError (address in use, ...).
Task<Server> start_server(ConnectionHandler handler, std::string host, std::uint16_t port,
                          ServerOptions options = {});
// The same on a Unix socket path (a stale socket file there is replaced).
Task<Server> start_unix_server(ConnectionHandler handler, std::string path,
                               ServerOptions options = {});

}  // namespace corio::net
