// include/corio/http/client_options.hpp — what AsyncClient and its calls are configured
// with: Timeout, Limits, BasicAuth, EventHooks, ClientOptions, RequestOptions (httpx's
// keyword arguments, as designated-initializer structs).
//
//   corio::http::ClientOptions options{
//       .base_url = "https://api.example.com",
//       .headers = {{"Accept", "application/json"}},
//       .timeout = corio::http::Timeout::all(10s),
//       .follow_redirects = true,
//   };
//   corio::http::AsyncClient client(std::move(options));
//
// g++ 12 miscompiles these structs when they are built inside a co_await expression (a
// braced temporary holding strings is freed twice; an initializer list does not even
// compile). With g++, build them first:
//   corio::http::RequestOptions request{.params = {{"q", "corio"}}};
//   auto response = co_await client.get(url, std::move(request));
// clang accepts `co_await client.get(url, {.params = {{"q", "corio"}}})` as written.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <corio/http/cookies.hpp>
#include <corio/http/headers.hpp>
#include <corio/http/request.hpp>
#include <corio/http/url.hpp>
#include <corio/net/address.hpp>
#include <corio/net/tls.hpp>
#include <corio/task.hpp>

namespace corio::http {

class Response;

// httpx.Timeout: each phase bounded on its own; nullopt means no limit. Defaults: 5 s each,
// as httpx. connect covers DNS, TCP and TLS (and a proxy's handshake); read bounds each
// wait for response bytes; write each wait to send; pool the wait for a free connection.
struct Timeout {
  using Limit = std::optional<std::chrono::milliseconds>;
  Limit connect = std::chrono::seconds(5);
  Limit read = std::chrono::seconds(5);
  Limit write = std::chrono::seconds(5);
  Limit pool = std::chrono::seconds(5);

  // The same limit for all four (httpx.Timeout(10.0)); nullopt: none at all.
  static Timeout all(Limit limit) noexcept { return {limit, limit, limit, limit}; }
};

// httpx.Limits. max_connections bounds connections open at once (in use or idle);
// max_keepalive_connections the idle ones kept for reuse; keepalive_expiry how long one
// may stay idle.
struct Limits {
  std::size_t max_connections = 100;
  std::size_t max_keepalive_connections = 20;
  std::optional<std::chrono::milliseconds> keepalive_expiry = std::chrono::seconds(5);
};

// httpx.BasicAuth: sends "Authorization: Basic base64(username:password)".
struct BasicAuth {
  std::string username;
  std::string password;
};

// httpx's event_hooks: called in order, on the client's loop. Request hooks run before
// each request is sent (redirects included) and may change it; response hooks run when a
// response's head has arrived, before its body is read (call co_await r.aread() there to
// read it). An exception thrown by a hook propagates out of the call.
struct EventHooks {
  std::vector<std::function<Task<>(Request&)>> request;
  std::vector<std::function<Task<>(Response&)>> response;
};

// Resolves a host for a connection, instead of DNS (a test's fixed map, or a policy that
// vets addresses: the client connects to exactly these, in order, and never re-resolves).
using Resolver =
    std::function<Task<std::vector<net::SocketAddress>>(std::string host, std::uint16_t port)>;

struct ClientOptions {
  // Relative request URLs are joined onto it (httpx: "/items" → base_url + "/items").
  std::string base_url;
  // Query parameters added to every request.
  URL::Params params;
  // Sent with every request (a request's own headers win). User-Agent, Accept,
  // Accept-Encoding and Connection have defaults unless given here.
  Headers headers;
  // The client's cookie jar to start with; Set-Cookie answers update it.
  Cookies cookies;
  std::optional<BasicAuth> auth;
  Timeout timeout;
  Limits limits;
  // httpx's default is false: a 3xx is returned as is. When true, at most max_redirects
  // are followed, then TooManyRedirects.
  bool follow_redirects = false;
  int max_redirects = 20;
  // "http://[user:pass@]host:port", "socks5://[user:pass@]host:port" (remote DNS); one
  // proxy for every request. Empty: direct connections.
  std::string proxy;
  // TLS: verify certificates (false: anything goes, as httpx's verify=False); a CA bundle
  // instead of the system's; a client certificate; or a whole context of your own.
  bool verify = true;
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::shared_ptr<net::TlsContext> ssl_context;
  EventHooks event_hooks;
  // Connect failures (ConnectError, ConnectTimeout) retried this many times, after 0 s,
  // 0.5 s, 1 s, 2 s, ... (httpx's HTTPTransport(retries=N)).
  int retries = 0;
  // A body (after decoding) larger than this raises DecodingError, read whole or streamed:
  // a decompression bomb or an endless body stops here. Raise it for big downloads.
  std::uint64_t max_body_size = std::uint64_t{64} << 20;
  // Local address to connect from (e.g. a chosen 127.0.0.x), to the server or to the proxy.
  // Port 0.
  std::optional<net::SocketAddress> local_address;
  Resolver resolver;
};

// Per-request arguments (httpx's keyword arguments). At most one body: content, stream,
// data or json.
struct RequestOptions {
  URL::Params params;
  Headers headers;
  // The body as bytes (httpx's content=).
  std::optional<std::string> content;
  // A streamed body (chunked unless headers give a Content-Length).
  BodyStream stream;
  // A form (application/x-www-form-urlencoded; httpx's data=).
  std::optional<URL::Params> data;
  // A JSON body (application/json; httpx's json=).
  std::optional<nlohmann::json> json;
  std::optional<BasicAuth> auth;  // instead of the client's
  std::optional<Timeout> timeout;
  std::optional<bool> follow_redirects;
};

}  // namespace corio::http
