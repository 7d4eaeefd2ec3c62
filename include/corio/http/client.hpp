// include/corio/http/client.hpp — corio::http::AsyncClient (httpx.AsyncClient).
//
//   corio::Task<nlohmann::json> api_call(corio::http::AsyncClient& client, std::string url) {
//     auto response = co_await client.get(url);
//     response.raise_for_status();
//     co_return response.json();
//   }
//
// A client keeps a pool of keep-alive connections per origin (Limits), a cookie jar, default
// headers, params, auth and timeouts, and follows redirects when asked. One client is meant
// to serve many concurrent requests from many tasks of its loop; create it once, not per
// request. It belongs to the loop of the thread that created it.
//
// Every request call: Suspends while waiting for a pooled connection, connecting, sending
// and reading the response. Throws the httpx hierarchy of include/corio/http/errors.hpp —
// ConnectError/ConnectTimeout (DNS, refused, TLS), ReadTimeout, WriteTimeout, PoolTimeout,
// ReadError/WriteError, RemoteProtocolError, ProxyError, UnsupportedProtocol, InvalidURL,
// TooManyRedirects, DecodingError, LocalProtocolError — plus CancelledError. A 4xx/5xx is
// not an error until raise_for_status(). Cancellation: safe; a connection in the middle of
// a request is closed, never reused. Owns: the response; nothing else stays behind.
//
// Retries: a request that fails on a pooled keep-alive connection before any byte of an
// answer arrived (EOF, reset, broken pipe: the server closed it while it was idle) is sent
// again on another connection, whatever its method; a streamed body is not. A timeout, or
// an answer that does not parse, is never retried. A server that answers before the body
// is all sent (413, 401) and closes: that response is returned, not the WriteError.
// Before reuse, a connection idle for 100 ms or more is checked (one recv with MSG_PEEK):
// if the server closed it or wrote to it unasked (a 408 before closing), it is dropped.
//
// Lifetime: requests in flight keep the client's pool and jar alive, so destroying the
// client does not break them; its destructor closes the idle connections at once, and
// `co_await client.aclose()` does so explicitly (httpx's `async with`).
#pragma once

#include <memory>
#include <string>

#include <corio/http/client_options.hpp>
#include <corio/http/cookies.hpp>
#include <corio/http/request.hpp>
#include <corio/http/response.hpp>
#include <corio/task.hpp>

namespace corio::http {

namespace detail {
struct ClientState;
}

class AsyncClient {
 public:
  AsyncClient();
  // Throws InvalidURL for a bad base_url, InvalidURL/UnsupportedProtocol for a bad proxy,
  // net::TlsError for unreadable CA or certificate files.
  explicit AsyncClient(ClientOptions options);
  AsyncClient(AsyncClient&&) noexcept;
  AsyncClient& operator=(AsyncClient&&) noexcept;
  ~AsyncClient();

  // The body is read before the call returns. `url` is absolute, or relative to base_url.
  // The overloads without options exist for g++ 12 (see client_options.hpp).
  Task<Response> get(std::string url);
  Task<Response> get(std::string url, RequestOptions options);
  Task<Response> head(std::string url);
  Task<Response> head(std::string url, RequestOptions options);
  Task<Response> options(std::string url);
  Task<Response> options(std::string url, RequestOptions options);
  Task<Response> delete_(std::string url);
  Task<Response> delete_(std::string url, RequestOptions options);
  Task<Response> post(std::string url);
  Task<Response> post(std::string url, RequestOptions options);
  Task<Response> put(std::string url);
  Task<Response> put(std::string url, RequestOptions options);
  Task<Response> patch(std::string url);
  Task<Response> patch(std::string url, RequestOptions options);
  Task<Response> request(std::string method, std::string url);
  Task<Response> request(std::string method, std::string url, RequestOptions options);

  // Like request(), but returns once the head has arrived: read the body with
  // aiter_bytes()/aiter_lines()/aread(), and co_await response.aclose() when done early
  // (httpx's `async with client.stream(...)`). The connection is held until then.
  Task<Response> stream(std::string method, std::string url);
  Task<Response> stream(std::string method, std::string url, RequestOptions options);

  // The Request a call would send (httpx's build_request): URL merged with base_url and
  // params, headers with the client's, auth and body encoded. Cookies are added per hop
  // when it is sent. Throws InvalidURL, UnsupportedProtocol, std::invalid_argument for two
  // bodies at once.
  [[nodiscard]] Request build_request(std::string method, std::string url,
                                      const RequestOptions& options) const;
  // Sends a built request (following redirects when the client or `follow_redirects`
  // says so); with stream = true the body is left unread, as stream() does.
  Task<Response> send(Request request, bool stream = false);

  // Closes every idle connection gracefully (TLS close_notify). Requests in flight finish;
  // their connections close when they are done. Further requests throw std::logic_error.
  // Suspends: while closing. Cancellation: the rest are closed at once by the destructor.
  Task<> aclose();
  [[nodiscard]] bool is_closed() const noexcept;

  // The jar and the default headers, shared with requests in flight.
  [[nodiscard]] Cookies& cookies() noexcept;
  [[nodiscard]] Headers& headers() noexcept;
  [[nodiscard]] const Timeout& timeout() const noexcept;

 private:
  // request() and stream(): the Request is built when the returned Task starts.
  Task<Response> send_new(std::string method, std::string url, RequestOptions options, bool stream);

  std::shared_ptr<detail::ClientState> state_;
};

}  // namespace corio::http
