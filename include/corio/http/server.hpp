// include/corio/http/server.hpp — corio::http::Server, an HTTP/1.1 server (aiohttp.web's
// AppRunner + TCPSite), MulticoreServer and run_multicore (one loop per core, a shared port).
//
//   Router router;
//   router.get("/hello/{name}", [](ServerRequest& r) -> Task<ServerResponse> {
//     co_return ServerResponse::text("hello " + r.path_param("name"));
//   });
//   Server server(std::move(router));
//   co_await server.start("127.0.0.1", 8080);
//   co_await server.serve_forever();        // until shutdown(); Ctrl-C cancels it
//
//   // Every core: N threads, each with its own loop and listener on port 8080.
//   corio::http::run_multicore(4, make_router, options, "0.0.0.0", 8080);   // until SIGINT/SIGTERM
//
// Per connection, one task: it reads a request head, calls the router, writes the
// response as one buffer (head and sized body together), then reads the next request.
// Pipelined requests are answered in order; while the next request has already arrived
// whole, a sized answer is held and goes out with the next ones (at most 64 KiB held), so a
// burst of pipelined requests costs one write. The price: a slow handler delays the answers
// held before its own (never past a read that waits for the client). Keep-alive follows RFC 9112:
// HTTP/1.1 keeps the connection unless either side says "Connection: close"; HTTP/1.0 only with
// "Connection: keep-alive". The server closes after max_keepalive_requests requests, after
// keepalive_timeout of idleness, and during shutdown once the request in progress is done.
//
// Malformed requests are answered and the connection closed: 400 (syntax, smuggling
// attempts such as Content-Length with Transfer-Encoding, an HTTP/1.1 request without a
// Host field or any request with two, as RFC 9112 3.2 and nginx have it), 413 (body over
// limits.max_body), 414 (target over limits.max_uri), 431 (a header line, the header
// section or the header count over their limits), 501 (an unknown transfer coding), 505
// (HTTP other than 1.x), 417 (an Expect other than 100-continue), 408 (the head not
// complete within header_timeout, or the body stalling for body_timeout). Before closing
// after an error the server half-closes and reads for up to lingering_timeout, so the
// client can read the answer before its unread request bytes would make the kernel reset
// the connection.
//
// Handler failures: an HTTPException becomes its response and the connection goes on; any
// other exception a 500 (reported through error_log) with "Connection: close", as aiohttp
// answers (its handle_error forces close): the failure was not planned, so nothing vouches
// for what the handler left half done, and requests pipelined behind it are better sent
// again on a fresh connection than served after it. A failure to read this request's body
// (ServerRequest::read_chunk) that escapes the handler is answered as a malformed request
// is (400, 413, 408; nothing when the client went away); the same exception types met in
// the handler's own work (an AsyncClient's RemoteProtocolError, its own timeout, a refused
// backend) are handler failures: 500.
//
// Slow clients cannot hold a connection: the head must arrive within header_timeout
// (slowloris), each body read must progress within body_timeout and each write finish
// within write_timeout.
//
// Threads: a Server belongs to the loop it was started on. MulticoreServer runs one loop
// per thread, each with its own Server and listener (SO_REUSEPORT); the kernel spreads
// connections over them.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <corio/http/parser.hpp>
#include <corio/http/router.hpp>
#include <corio/http/server_request.hpp>
#include <corio/http/server_response.hpp>
#include <corio/net/address.hpp>
#include <corio/net/tls.hpp>
#include <corio/task.hpp>

namespace corio::http {

// One answered request, given to ServerOptions::access_log after the response was sent (or
// failed). The views are valid during the call only.
struct AccessLogEntry {
  net::SocketAddress remote_address;
  std::string_view method;        // "" when the request head could not be parsed
  std::string_view target;        // as sent
  std::string_view http_version;  // "HTTP/1.1"
  int status = 0;
  std::uint64_t body_bytes = 0;          // response body bytes sent (chunk framing excluded)
  std::chrono::microseconds duration{};  // from the complete head to the response's end
  std::string_view user_agent;           // "" when absent
  std::string_view referer;
};

struct ServerOptions {
  // nginx's defaults: large_client_header_buffers 4 8k (line 8 KiB), 100 headers,
  // client_max_body_size 1m; URI 8 KiB. max_body nullopt: unlimited.
  ParserLimits limits{.max_body = std::uint64_t{1} << 20};
  // The whole request head must arrive within this (nginx client_header_timeout), counted
  // from the connection's accept for its first request, from the first byte for later ones.
  std::chrono::milliseconds header_timeout = std::chrono::seconds(60);
  // Longest wait between two reads of a request body (nginx client_body_timeout).
  std::chrono::milliseconds body_timeout = std::chrono::seconds(60);
  // Each write — a response's head and sized body together, or one chunk of a streamed
  // body — must be taken by the client within this (nginx send_timeout, per write call);
  // else the connection closes.
  std::chrono::milliseconds write_timeout = std::chrono::seconds(60);
  // Idle time allowed between requests on a kept-alive connection (nginx keepalive_timeout).
  std::chrono::milliseconds keepalive_timeout = std::chrono::seconds(75);
  // Requests served on one connection before it is closed (nginx keepalive_requests).
  std::size_t max_keepalive_requests = 1000;
  // shutdown(): how long requests in progress may still take before they are cancelled.
  std::chrono::milliseconds shutdown_timeout = std::chrono::seconds(30);
  // After an error answer: how long to read and discard what the client still sends.
  std::chrono::milliseconds lingering_timeout = std::chrono::seconds(5);
  // Called after every response. With MulticoreServer, from every worker thread at once.
  std::function<void(const AccessLogEntry&)> access_log;
  // Handler exceptions (500s) and accept failures are reported here; empty: stderr.
  std::function<void(std::string_view)> error_log;
  // TLS when set (TlsContext::server(...)); its handshake must finish within header_timeout.
  std::shared_ptr<net::TlsContext> ssl;
  bool reuse_port = false;  // SO_REUSEPORT (MulticoreServer sets it)
  int backlog = 511;
};

class Server {
 public:
  struct State;  // shared with the connection tasks (src/http/server.cpp)

  explicit Server(Router router);
  Server(Router router, ServerOptions options);
  Server(Server&&) noexcept = default;
  Server& operator=(Server&&) noexcept = default;
  ~Server();

  // Binds host:port (every address a name resolves to; port 0: a free one, see sockets())
  // and starts accepting on the running loop.
  // Suspends: while `host` is resolved. Throws: std::invalid_argument, net::DnsError,
  // net::NetworkError ("address in use", ...); RuntimeError when already started.
  // Cancellation: safe, nothing stays bound.
  Task<> start(std::string host, std::uint16_t port);

  // The bound addresses, and the port of the first.
  [[nodiscard]] std::vector<net::SocketAddress> sockets() const;
  [[nodiscard]] std::uint16_t port() const;
  [[nodiscard]] bool is_serving() const noexcept;
  // Connections open now.
  [[nodiscard]] std::size_t connection_count() const noexcept;

  // Suspends until shutdown() completes. Cancellation: cancelling it runs shutdown() to its
  // end, then raises CancelledError (so Ctrl-C under corio::run shuts down gracefully).
  Task<> serve_forever();

  // Graceful shutdown: stops accepting (new connections are refused), closes idle
  // connections, lets requests in progress finish (answered with Connection: close) for up
  // to shutdown_timeout, then cancels what is left and waits for it. Idempotent: a second
  // call waits for the first to finish.
  // Suspends: until every connection is closed. Throws: nothing but CancelledError.
  // Cancellation: the shutdown goes on (connections already told to close do close).
  Task<> shutdown();

 private:
  std::shared_ptr<State> state_;
};

// N event loops on N threads, each running its own Server (built with make_router(),
// called on that thread) on the same host:port with SO_REUSEPORT.
class MulticoreServer {
 public:
  MulticoreServer(std::function<Router()> make_router, ServerOptions options);
  ~MulticoreServer();  // stop()
  MulticoreServer(const MulticoreServer&) = delete;
  MulticoreServer& operator=(const MulticoreServer&) = delete;

  // Starts `threads` (at least 1) loops and returns once each listens. Port 0: the first
  // loop picks a free port and the others share it (see port()). Blocks the calling thread.
  // Throws what Server::start throws on any thread (the others are stopped first);
  // std::invalid_argument for 0 threads; RuntimeError when already started.
  void start(std::string host, std::uint16_t port, std::size_t threads);
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  // Graceful shutdown of every loop (Server::shutdown), then joins the threads. Blocks.
  // Idempotent. Call from the thread that called start().
  void stop();

  struct Worker;  // one thread and its loop (src/http/server.cpp)

 private:
  std::function<Router()> make_router_;
  ServerOptions options_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::uint16_t port_ = 0;
};

// MulticoreServer::start, then blocks the calling thread until SIGINT or SIGTERM arrives,
// then stop(). Both signals are blocked in the calling thread (and so in the workers) for
// the duration. Throws what start() throws.
void run_multicore(std::size_t threads, std::function<Router()> make_router, ServerOptions options,
                   std::string host, std::uint16_t port);

}  // namespace corio::http
